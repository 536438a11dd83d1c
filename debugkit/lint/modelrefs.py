"""Where a scoring script asks for its models: literal ``get_model_path`` names and literal
paths joined onto ``AZUREML_MODEL_DIR``. Shared by DK108's callers and ``debugkit check``,
which resolves each reference inside the running container."""

from __future__ import annotations

import ast
from dataclasses import dataclass

from debugkit.lint.context import LintContext, build_context
from debugkit.lint.parsing import parse_module
from debugkit.lint.patterns import PATH_JOINS, argument, string_value
from debugkit.lint.rules.unknown_model_name import model_path_calls

MODEL_DIR_VARIABLE = "AZUREML_MODEL_DIR"
_ENV_READERS = {"os.getenv", "os.environ.get"}


@dataclass(frozen=True)
class ModelReference:
    """``get_model_path(name, version)`` when ``name`` is set, else ``AZUREML_MODEL_DIR/relative``."""

    line: int
    name: str | None = None
    version: int | None = None
    relative: str | None = None  # POSIX path below AZUREML_MODEL_DIR

    @property
    def label(self) -> str:
        if self.name is not None:
            version = f", version={self.version}" if self.version is not None else ""
            return f'get_model_path("{self.name}"{version})'
        return f"{MODEL_DIR_VARIABLE}/{self.relative}"


def model_references(source: str, path: str = "<string>") -> list[ModelReference]:
    """Every reference with literal parts, in source order; [] when the module does not parse."""
    try:
        parsed = parse_module(source, path)
    except (SyntaxError, ValueError):
        return []
    ctx = build_context(source, parsed.tree, None, calls=parsed.calls, imports=parsed.imports)
    found: list[ModelReference] = []
    for call, name_node, version_node in model_path_calls(ctx):
        name = string_value(name_node)
        if name is None:
            continue
        version = version_node.value if isinstance(version_node, ast.Constant) else None
        found.append(
            ModelReference(
                call.lineno, name=name, version=version if isinstance(version, int) else None
            )
        )
    model_dir_names = _names_bound_to_model_dir(ctx)
    for node in ast.walk(parsed.tree):
        relative = _joined_below_model_dir(ctx, node, model_dir_names)
        if relative:
            found.append(ModelReference(node.lineno, relative=relative))  # type: ignore[attr-defined]
    unique = {(r.name, r.version, r.relative): r for r in sorted(found, key=lambda r: r.line)}
    return sorted(unique.values(), key=lambda r: r.line)


def _reads_model_dir(ctx: LintContext, node: ast.expr | None, names: set[str]) -> bool:
    """``os.environ["AZUREML_MODEL_DIR"]``, ``os.getenv("AZUREML_MODEL_DIR", ...)``, a name bound to one."""
    if node is None:
        return False
    if isinstance(node, ast.Name):
        return node.id in names
    if isinstance(node, ast.Subscript):
        return ctx.qualified_name(node.value) == "os.environ" and (
            string_value(node.slice) == MODEL_DIR_VARIABLE
        )
    if isinstance(node, ast.Call):
        name = ctx.qualified_name(node.func)
        if name in _ENV_READERS:
            return string_value(argument(node, 0, "key")) == MODEL_DIR_VARIABLE
        if name in PATH_JOINS and len(node.args) == 1:  # Path(os.getenv("AZUREML_MODEL_DIR"))
            return _reads_model_dir(ctx, node.args[0], names)
    return False


def _names_bound_to_model_dir(ctx: LintContext) -> set[str]:
    """Variables assigned from the environment variable anywhere in the module (``model_dir = ...``)."""
    names: set[str] = set()
    for node in ast.walk(ctx.tree):
        if isinstance(node, ast.Assign) and _reads_model_dir(ctx, node.value, names):
            names.update(t.id for t in node.targets if isinstance(t, ast.Name))
    return names


def _joined_below_model_dir(ctx: LintContext, node: ast.AST, names: set[str]) -> str | None:
    parts: list[str] = []
    if (
        isinstance(node, ast.Call)
        and ctx.qualified_name(node.func) in PATH_JOINS
        and len(node.args) > 1
    ):
        if not _reads_model_dir(ctx, node.args[0], names):
            return None
        parts = [string_value(a) or "" for a in node.args[1:]]
    elif isinstance(node, ast.BinOp) and isinstance(node.op, ast.Div):
        if not _reads_model_dir(ctx, node.left, names):
            return None
        parts = [string_value(node.right) or ""]
    else:
        return None
    if not all(parts):  # a part not known before run time
        return None
    return "/".join(p.strip("/") for p in parts)
