"""DK107: a model loaded from a hard-coded absolute or working-directory-relative path."""

from __future__ import annotations

import ast
import posixpath
from collections.abc import Iterable
from typing import Optional

from debugkit.lint.context import LintContext, walk_function
from debugkit.lint.model import Confidence, Finding, Fix, RuleDoc, RuleInfo, Severity, TextEdit
from debugkit.lint.patterns import (
    PATH_JOINS,
    argument,
    enclosing_function,
    functions_and_methods,
    is_model_loader,
    string_value,
)
from debugkit.lint.registry import Rule, register

MODEL_EXTENSIONS = (
    ".pkl", ".pickle", ".joblib", ".sav", ".pt", ".pth", ".h5", ".hdf5", ".keras", ".onnx",
    ".pb", ".safetensors", ".ckpt", ".model", ".bst", ".cbm", ".xgb", ".lgb",
)  # fmt: skip
PATH_KEYWORDS = (
    "path",
    "path_or_model",
    "model_file",
    "model_uri",
    "filepath",
    "f",
    "file",
    "filename",
    "fname",
)


Scope = dict[str, Optional[ast.expr]]  # name -> its one assigned value; None: not followed
MAX_DEPTH = 8  # names resolving to names: enough for real scripts, stops cycles


def _literal_path(
    ctx: LintContext, node: ast.expr | None, scopes: list[Scope], depth: int = 0
) -> tuple[ast.expr, str] | None:
    """(where to report, path text) when the path starts with a literal, not the model dir.

    Names are followed to their single assignment (in the function, else the module),
    so `path = os.path.join("outputs", "model.pkl"); joblib.load(path)` is found.
    """
    if node is None or depth > MAX_DEPTH:
        return None
    if isinstance(node, ast.Name):
        for scope in scopes:
            if node.id in scope:
                return _literal_path(ctx, scope[node.id], scopes, depth + 1)
        return None
    text = string_value(node)
    if text is not None:
        return node, text
    if isinstance(node, ast.JoinedStr) and node.values and string_value(node.values[0]) is not None:
        return node, _text(node)
    if isinstance(node, ast.Call) and ctx.qualified_name(node.func) in PATH_JOINS and node.args:
        parts = [string_value(a) for a in node.args]
        if len(parts) > 1 and all(p is not None for p in parts):  # join of literals only
            return node, posixpath.join(*(p.replace("\\", "/") for p in parts if p is not None))
        return _literal_path(ctx, node.args[0], scopes, depth + 1)
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Div):  # Path("model") / "x.pkl"
        return _literal_path(ctx, node.left, scopes, depth + 1)
    return None


def _text(node: ast.expr) -> str:
    if isinstance(node, ast.JoinedStr):
        return "".join(
            v.value for v in node.values if isinstance(v, ast.Constant) and isinstance(v.value, str)
        )
    return str(getattr(node, "value", ""))


def _single_assignments(statements: Iterable[ast.AST]) -> Scope:
    """`NAME = value` assigned exactly once; names bound more than once, or otherwise (loop
    targets, augmented assignment, with ... as), map to None."""
    scope: Scope = {}

    def bind(name: str, value: ast.expr | None) -> None:
        scope[name] = None if name in scope else value

    for node in statements:
        if isinstance(node, ast.Assign):
            for target in node.targets:
                for name in ast.walk(target):
                    if isinstance(name, ast.Name):
                        bind(name.id, node.value if name is target else None)
        elif isinstance(node, (ast.AnnAssign, ast.AugAssign, ast.NamedExpr)):
            if isinstance(node.target, ast.Name):
                value = node.value if isinstance(node, ast.AnnAssign) else None
                bind(node.target.id, value)
        elif isinstance(node, (ast.For, ast.AsyncFor, ast.withitem)):
            target = (
                node.target if isinstance(node, (ast.For, ast.AsyncFor)) else node.optional_vars
            )
            for name in ast.walk(target) if target is not None else ():
                if isinstance(name, ast.Name):
                    bind(name.id, None)
    return scope


def _local_scope(func: ast.FunctionDef | ast.AsyncFunctionDef) -> Scope:
    scope = _single_assignments(walk_function(func))
    arguments = func.args
    for arg in [*arguments.posonlyargs, *arguments.args, *arguments.kwonlyargs]:
        scope[arg.arg] = None  # a parameter shadows a module constant of the same name
    return scope


@register
class HardCodedModelPath(Rule):
    info = RuleInfo(
        code="DK107",
        name="hard-coded-model-path",
        summary="model loaded from a hard-coded path instead of AZUREML_MODEL_DIR",
        severity=Severity.WARNING,
        confidence=Confidence.MEDIUM,
        doc=RuleDoc(
            what=(
                "Finds model loaders (`joblib.load`, `torch.load`, `load_model`, "
                "`InferenceSession`, `open()` of a model file, ...) given a literal path, absolute "
                "or relative to the working directory, instead of a path built from "
                "`AZUREML_MODEL_DIR` or `Model.get_model_path()`."
            ),
            why=(
                "In the service the models live at "
                "`/var/azureml-app/azureml-models/<name>/<version>/`, not where they were on "
                "the training machine, and the working directory is the app folder. A path "
                "that works in a notebook fails in `init()` with `FileNotFoundError`, and the "
                "container crash-loops."
            ),
            example='def init():\n    global model\n    model = joblib.load("outputs/model.pkl")\n',
            fix=(
                "Build the path from the model folder Azure ML gives you:\n\n"
                "```python\n"
                'model = joblib.load(os.path.join(os.getenv("AZUREML_MODEL_DIR"), "model.pkl"))\n'
                "```\n\n"
                'or use `Model.get_model_path("my-model")`.'
            ),
        ),
    )

    def check(self, ctx: LintContext) -> Iterable[Finding]:
        module: Scope | None = None
        functions: list[ast.FunctionDef | ast.AsyncFunctionDef] = []
        locals_of: dict[int, Scope] = {}
        reported: set[int] = set()
        for call, name in ctx.named_calls():
            is_open = name in ("open", "io.open")
            if not (is_open or is_model_loader(name)):
                continue
            if name.endswith((".from_pretrained", ".pipeline")):
                continue  # model hub ids look like relative paths
            if module is None:
                module = _single_assignments(ctx.tree.body)
                functions = functions_and_methods(ctx.tree)
            scopes = [module]
            func = enclosing_function(functions, call.lineno)
            if func is not None:
                if id(func) not in locals_of:
                    locals_of[id(func)] = _local_scope(func)
                scopes.insert(0, locals_of[id(func)])
            found = _literal_path(ctx, argument(call, 0, *PATH_KEYWORDS), scopes)
            if found is None:
                continue
            literal, text = found
            if id(literal) in reported:
                continue
            if text.startswith(("AZUREML_MODEL_DIR", "$AZUREML_MODEL_DIR")):
                continue
            looks_like_model = text.lower().endswith(MODEL_EXTENSIONS)
            if is_open and not looks_like_model:
                continue
            if not text or text.startswith(
                ("http://", "https://", "azureml:", "runs:/", "models:/")
            ):
                continue
            reported.add(id(literal))
            yield self.finding(
                ctx,
                literal,
                f"model path '{text}' is hard-coded; in the service models are under AZUREML_MODEL_DIR "
                "(use os.path.join(os.getenv('AZUREML_MODEL_DIR'), ...) or Model.get_model_path)",
                self._fixes(ctx, literal, text),
            )

    def _fixes(self, ctx: LintContext, literal: ast.expr, text: str) -> list[Fix]:
        if not isinstance(literal, (ast.Constant, ast.Call)):  # a literal, or a join of literals
            return []
        basename = posixpath.basename(text.replace("\\", "/").rstrip("/"))
        if not basename:
            return []
        replacement = f'os.path.join(os.getenv("AZUREML_MODEL_DIR", ""), {basename!r})'
        edits: list[TextEdit] = []
        if "os" not in ctx.aliases:
            edits.append(ctx.import_insert_edit("import os"))
        edits.append(ctx.replace(literal, replacement))
        return [Fix("Load from AZUREML_MODEL_DIR", tuple(edits))]
