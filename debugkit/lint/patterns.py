"""Code shapes several rules share: handlers that re-raise, error responses, model loaders."""

from __future__ import annotations

import ast
from collections.abc import Iterator

from debugkit.lint.context import FunctionNode, LintContext, walk_function
from debugkit.lint.model import TextEdit

EXITS = {"sys.exit", "os._exit", "exit", "quit"}
# calls that build a path from parts, the first part being where it starts
PATH_JOINS = {"os.path.join", "posixpath.join", "pathlib.Path", "Path", "pathlib.PurePath"}
# methods a value holding an error has (the exception, its text, or a container of it); any
# other method, e.g. `.tolist()` on the stored text, raises AttributeError before a return
TEXT_METHODS = {
    name for kind in (str, bytes, dict, list, tuple, set, BaseException) for name in dir(kind)
}

MODEL_LOADERS = {
    "joblib.load",
    "pickle.load",
    "cloudpickle.load",
    "dill.load",
    "torch.load",
    "torch.jit.load",
    "keras.models.load_model",
    "keras.saving.load_model",
    "tensorflow.keras.models.load_model",
    "tensorflow.saved_model.load",
    "onnxruntime.InferenceSession",
    "onnx.load",
    "xgboost.Booster",
    "lightgbm.Booster",
    "catboost.CatBoost.load_model",
    "sklearn.externals.joblib.load",
    "gensim.models.Word2Vec.load",
    "transformers.pipeline",
}
MODEL_LOADER_SUFFIXES = (".from_pretrained",)
MODEL_LOADER_PREFIXES = ("mlflow.",)  # mlflow.<flavor>.load_model


def is_model_loader(name: str | None) -> bool:
    if not name:
        return False
    if name in MODEL_LOADERS:
        return True
    if name.endswith(".load_model") and (
        name.startswith(MODEL_LOADER_PREFIXES) or "keras" in name or name.startswith("tf.")
    ):
        return True
    return name.endswith(MODEL_LOADER_SUFFIXES)


def try_handlers(func: ast.AST) -> Iterator[tuple[ast.Try, ast.ExceptHandler]]:
    for node in walk_function(func):
        if isinstance(node, (ast.Try, getattr(ast, "TryStar", ast.Try))):
            for handler in node.handlers:
                yield node, handler


def handler_reraises(ctx: LintContext, handler: ast.ExceptHandler) -> bool:
    """True when the handler raises or exits on some path."""
    for node in walk_function(handler):
        if isinstance(node, ast.Raise):
            return True
        if isinstance(node, ast.Call) and ctx.qualified_name(node.func) in EXITS:
            return True
    return False


def returns_in(node: ast.AST) -> Iterator[ast.Return]:
    for child in walk_function(node):
        if isinstance(child, ast.Return):
            yield child


def handler_catches(handler: ast.ExceptHandler, names: set[str]) -> bool:
    """True when every exception type the handler catches is one of ``names``."""
    if handler.type is None:
        return False
    types = handler.type.elts if isinstance(handler.type, ast.Tuple) else [handler.type]
    found = []
    for t in types:
        if isinstance(t, ast.Name):
            found.append(t.id)
        elif isinstance(t, ast.Attribute):
            found.append(t.attr)
        else:
            return False
    return all(name in names for name in found)


def is_error_response(ctx: LintContext, value: ast.expr | None) -> bool:
    """`AMLResponse(body, 500)` (or a status not known at lint time) answers a failure."""
    if not isinstance(value, ast.Call):
        return False
    name = ctx.qualified_name(value.func) or ""
    if not name.endswith(("AMLResponse", "Response")):
        return False
    status: ast.expr | None = value.args[1] if len(value.args) > 1 else None
    for keyword in value.keywords:
        if keyword.arg in ("status_code", "status"):
            status = keyword.value
    if status is None:
        return False
    if isinstance(status, ast.Constant) and isinstance(status.value, int):
        return status.value >= 400
    return True


def base_name(node: ast.expr) -> str | None:
    """`result["error"]` / `result.error` -> "result"."""
    while isinstance(node, (ast.Subscript, ast.Attribute)):
        node = node.value
    return node.id if isinstance(node, ast.Name) else None


def string_value(node: ast.expr | None) -> str | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    return None


def argument(call: ast.Call, position: int, *keywords: str) -> ast.expr | None:
    for keyword in call.keywords:
        if keyword.arg in keywords:
            return keyword.value
    if len(call.args) > position and not any(
        isinstance(a, ast.Starred) for a in call.args[: position + 1]
    ):
        return call.args[position]
    return None


def functions_and_methods(tree: ast.Module) -> list[ast.FunctionDef | ast.AsyncFunctionDef]:
    """Top-level functions and the methods of top-level classes."""
    found: list[ast.FunctionDef | ast.AsyncFunctionDef] = []
    for stmt in tree.body:
        if isinstance(stmt, FunctionNode):
            found.append(stmt)
        elif isinstance(stmt, ast.ClassDef):
            found.extend(s for s in stmt.body if isinstance(s, FunctionNode))
    return found


def enclosing_function(
    functions: list[ast.FunctionDef | ast.AsyncFunctionDef], line: int
) -> ast.FunctionDef | ast.AsyncFunctionDef | None:
    """The function of ``functions`` whose lines hold ``line``."""
    for func in functions:
        if func.lineno <= line <= (func.end_lineno or func.lineno):
            return func
    return None


BATCH_PARAMETER = "mini_batch"  # batch deployments call run(mini_batch) with a list of file paths


def is_batch_run(run: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    """A batch deployment's run(): its input is the platform's file list, and it may return a
    DataFrame or a list (the batch runner writes them out), not a JSON HTTP answer."""
    positional = [*run.args.posonlyargs, *run.args.args]
    return bool(positional) and positional[0].arg == BATCH_PARAMETER


def handler_header(ctx: LintContext, handler: ast.ExceptHandler) -> ast.AST:
    """The `except ...:` line, so the squiggle does not cover the whole block."""
    text = ctx.line_text(handler.lineno)
    end = len(text.rstrip().encode("utf-8"))
    return ast.Pass(
        lineno=handler.lineno,
        col_offset=handler.col_offset,
        end_lineno=handler.lineno,
        end_col_offset=end,
    )


def reraise_edit(ctx: LintContext, handler: ast.ExceptHandler) -> TextEdit:
    """Insert `raise` after the handler's last statement, at its indentation."""
    last = handler.body[-1]
    end = last.end_lineno or last.lineno
    line_end = len(ctx.line_text(end))
    return TextEdit(end, line_end, end, line_end, f"\n{ctx.indent_of(last.lineno)}raise")


def names_read(node: ast.expr) -> set[str]:
    """Names whose value ``node`` passes on: not those only called with a method their value
    cannot have (`result.tolist()` on a stored error string raises instead)."""
    skipped: set[int] = set()
    for child in ast.walk(node):
        if (
            isinstance(child, ast.Call)
            and isinstance(child.func, ast.Attribute)
            and isinstance(child.func.value, ast.Name)
            and child.func.attr not in TEXT_METHODS
        ):
            skipped.add(id(child.func.value))
    return {n.id for n in ast.walk(node) if isinstance(n, ast.Name) and id(n) not in skipped}
