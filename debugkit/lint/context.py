"""One pass over a parsed module: what rules look up (imports, entry points, calls).

Rules read from this index instead of walking the tree again, which keeps a
5,000-line module well inside the editor's latency budget.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Optional

from debugkit.lint.model import TextEdit

FunctionNode = (ast.FunctionDef, ast.AsyncFunctionDef)


@dataclass
class ProjectModels:
    """The models the project's config declares, or why they could not be read."""

    names: dict[str, tuple[int, ...]] = field(default_factory=dict)  # name -> versions
    error: str | None = None


@dataclass
class LintContext:
    path: Path | None
    source: str
    tree: ast.Module
    lines: list[str]
    aliases: dict[str, str]  # local name -> dotted import target
    functions: dict[str, ast.FunctionDef | ast.AsyncFunctionDef]  # top-level functions
    calls: list[ast.Call]  # every call in the module
    imports: list[ast.Import | ast.ImportFrom]
    is_scoring_script: bool
    models_loader: Callable[[], ProjectModels] | None = None
    _models: Optional[ProjectModels] = None
    _named_calls: Optional[list[tuple[ast.Call, str]]] = None

    @property
    def init(self) -> ast.FunctionDef | ast.AsyncFunctionDef | None:
        return self.functions.get("init")

    @property
    def run(self) -> ast.FunctionDef | ast.AsyncFunctionDef | None:
        return self.functions.get("run")

    def models(self) -> ProjectModels | None:
        """The project's models, read at most once per lint; None when unavailable."""
        if self._models is None and self.models_loader is not None:
            self._models = self.models_loader()
        return self._models

    def named_calls(self) -> list[tuple[ast.Call, str]]:
        """Every call with a resolvable dotted name, computed once per lint."""
        if self._named_calls is None:
            named = ((call, self.qualified_name(call.func)) for call in self.calls)
            self._named_calls = [(call, name) for call, name in named if name]
        return self._named_calls

    def qualified_name(self, node: ast.expr) -> str | None:
        """`np.load` -> `numpy.load` through the module's imports; None for non-names."""
        parts: list[str] = []
        while isinstance(node, ast.Attribute):
            parts.append(node.attr)
            node = node.value
        if isinstance(node, ast.Call):  # e.g. tf.keras.models.load_model chained off a call
            return None
        if not isinstance(node, ast.Name):
            return None
        parts.append(self.aliases.get(node.id, node.id))
        return ".".join(reversed(parts))

    def imported(self, module: str) -> bool:
        top = module.split(".")[0]
        return any(target.split(".")[0] == top for target in self.aliases.values())

    def segment(self, node: ast.AST) -> str:
        return ast.get_source_segment(self.source, node) or ""

    def line_text(self, line: int) -> str:
        return self.lines[line - 1] if 0 < line <= len(self.lines) else ""

    def col(self, line: int, byte_col: int) -> int:
        """ast columns count UTF-8 bytes; findings count characters."""
        text = self.line_text(line)
        if text.isascii():
            return byte_col
        return len(text.encode("utf-8")[:byte_col].decode("utf-8", errors="replace"))

    def span(self, node: ast.AST) -> tuple[int, int, int, int]:
        line = node.lineno  # type: ignore[attr-defined]
        end_line = node.end_lineno or line  # type: ignore[attr-defined]
        return (
            line,
            self.col(line, node.col_offset),  # type: ignore[attr-defined]
            end_line,
            self.col(end_line, node.end_col_offset or 0),  # type: ignore[attr-defined]
        )

    def replace(self, node: ast.AST, text: str) -> TextEdit:
        line, col, end_line, end_col = self.span(node)
        return TextEdit(line, col, end_line, end_col, text)

    def indent_of(self, line: int) -> str:
        text = self.line_text(line)
        return text[: len(text) - len(text.lstrip())]

    def import_insert_edit(self, statement: str) -> TextEdit:
        """Insert a top-level import after the docstring and `from __future__` imports."""
        line = 1
        for stmt in self.tree.body:
            is_future = isinstance(stmt, ast.ImportFrom) and stmt.module == "__future__"
            if is_docstring(stmt) or is_future:
                line = (stmt.end_lineno or stmt.lineno) + 1
                continue
            break
        return TextEdit(line, 0, line, 0, statement + "\n")


def is_docstring(stmt: ast.stmt) -> bool:
    """A bare string statement: a module's, class's or function's docstring when it comes first."""
    return (
        isinstance(stmt, ast.Expr)
        and isinstance(stmt.value, ast.Constant)
        and isinstance(stmt.value.value, str)
    )


def walk_function(func: ast.AST) -> Iterator[ast.AST]:
    """Nodes of a function body, not descending into nested functions, lambdas or classes."""
    stack = list(ast.iter_child_nodes(func))
    while stack:
        node = stack.pop()
        yield node
        if isinstance(node, (*FunctionNode, ast.Lambda, ast.ClassDef)):
            continue
        stack.extend(ast.iter_child_nodes(node))


def in_source_order(func: ast.AST, kinds: tuple[type[ast.AST], ...]) -> list[ast.AST]:
    """The nodes of ``kinds`` in ``func`` (as walk_function sees them) in source order, for
    rules that follow values through assignments top to bottom."""
    nodes = [n for n in walk_function(func) if isinstance(n, kinds)]
    nodes.sort(key=lambda n: (n.lineno, n.col_offset))  # type: ignore[attr-defined]
    return nodes


def calls_in(func: ast.AST) -> Iterator[ast.Call]:
    for node in walk_function(func):
        if isinstance(node, ast.Call):
            yield node


def build_context(
    source: str,
    tree: ast.Module,
    path: Path | None,
    entry_script: bool = False,
    models_loader: Callable[[], ProjectModels] | None = None,
    calls: list[ast.Call] | None = None,
    imports: list[ast.Import | ast.ImportFrom] | None = None,
) -> LintContext:
    """Index ``tree``; pass ``calls``/``imports`` when already collected (see parsing.py)."""
    if calls is None or imports is None:
        calls, imports = [], []
        for node in ast.walk(tree):
            if isinstance(node, ast.Call):
                calls.append(node)
            elif isinstance(node, (ast.Import, ast.ImportFrom)):
                imports.append(node)
    aliases: dict[str, str] = {}
    for node in imports:
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.asname:
                    aliases[alias.asname] = alias.name
                else:
                    top = alias.name.split(".")[0]
                    aliases.setdefault(top, top)
        elif node.module and not node.level:
            for alias in node.names:
                aliases[alias.asname or alias.name] = f"{node.module}.{alias.name}"
    functions = {stmt.name: stmt for stmt in tree.body if isinstance(stmt, FunctionNode)}
    return LintContext(
        path=path,
        source=source,
        tree=tree,
        lines=source.splitlines(),
        aliases=aliases,
        functions=functions,
        calls=calls,
        imports=imports,
        is_scoring_script=entry_script or "run" in functions,
        models_loader=models_loader,
    )
