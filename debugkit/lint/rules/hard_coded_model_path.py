"""DK107: a model loaded from a hard-coded absolute or working-directory-relative path."""

from __future__ import annotations

import ast
import posixpath
from collections.abc import Iterable

from debugkit.lint.context import LintContext
from debugkit.lint.model import Confidence, Finding, Fix, RuleDoc, RuleInfo, Severity, TextEdit
from debugkit.lint.patterns import argument, is_model_loader, string_value
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
JOINS = {"os.path.join", "posixpath.join", "pathlib.Path", "Path", "pathlib.PurePath"}


def _literal_path(
    ctx: LintContext, node: ast.expr | None, constants: dict[str, ast.expr]
) -> ast.expr | None:
    """The literal string the path starts with, when it does not start from the model dir."""
    if isinstance(node, ast.Name) and node.id in constants:
        node = constants[node.id]
    if node is None:
        return None
    if string_value(node) is not None:
        return node
    if isinstance(node, ast.JoinedStr) and node.values and string_value(node.values[0]) is not None:
        return node
    if isinstance(node, ast.Call) and ctx.qualified_name(node.func) in JOINS and node.args:
        return _literal_path(ctx, node.args[0], constants)
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Div):  # Path("model") / "x.pkl"
        return _literal_path(ctx, node.left, constants)
    return None


def _text(node: ast.expr) -> str:
    if isinstance(node, ast.JoinedStr):
        return "".join(
            v.value for v in node.values if isinstance(v, ast.Constant) and isinstance(v.value, str)
        )
    return str(getattr(node, "value", ""))


def _module_string_constants(ctx: LintContext) -> dict[str, ast.expr]:
    """Module-level `NAME = "literal"` assigned exactly once."""
    seen: dict[str, list[ast.expr]] = {}
    for stmt in ctx.tree.body:
        if (
            isinstance(stmt, ast.Assign)
            and len(stmt.targets) == 1
            and isinstance(stmt.targets[0], ast.Name)
        ):
            seen.setdefault(stmt.targets[0].id, []).append(stmt.value)
    return {name: values[0] for name, values in seen.items() if len(values) == 1}


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
        constants: dict[str, ast.expr] | None = None
        for call, name in ctx.named_calls():
            is_open = name in ("open", "io.open")
            if not (is_open or is_model_loader(name)):
                continue
            if name.endswith((".from_pretrained", ".pipeline")):
                continue  # model hub ids look like relative paths
            if constants is None:
                constants = _module_string_constants(ctx)
            literal = _literal_path(ctx, argument(call, 0, *PATH_KEYWORDS), constants)
            if literal is None:
                continue
            text = _text(literal)
            if text.startswith(("AZUREML_MODEL_DIR", "$AZUREML_MODEL_DIR")):
                continue
            looks_like_model = text.lower().endswith(MODEL_EXTENSIONS)
            if is_open and not looks_like_model:
                continue
            if not text or text.startswith(
                ("http://", "https://", "azureml:", "runs:/", "models:/")
            ):
                continue
            yield self.finding(
                ctx,
                literal,
                f"model path '{text}' is hard-coded; in the service models are under AZUREML_MODEL_DIR "
                "(use os.path.join(os.getenv('AZUREML_MODEL_DIR'), ...) or Model.get_model_path)",
                self._fixes(ctx, literal, text),
            )

    def _fixes(self, ctx: LintContext, literal: ast.expr, text: str) -> list[Fix]:
        if not isinstance(literal, ast.Constant):
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
