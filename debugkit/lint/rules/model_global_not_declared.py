"""DK105: init() assigns a name that run() reads, without `global`."""

from __future__ import annotations

import ast
from collections.abc import Iterable

from debugkit.lint.context import LintContext, is_docstring, walk_function
from debugkit.lint.model import Confidence, Finding, Fix, RuleDoc, RuleInfo, Severity, TextEdit
from debugkit.lint.registry import Rule, register


def _declared_global(func: ast.AST) -> set[str]:
    return {
        name
        for node in walk_function(func)
        if isinstance(node, (ast.Global, ast.Nonlocal))
        for name in node.names
    }


def _assigned_names(func: ast.AST) -> dict[str, ast.Name]:
    """Names the function binds locally (first binding wins)."""
    found: dict[str, ast.Name] = {}
    for node in walk_function(func):
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            found.setdefault(node.id, node)
    return found


def _parameters(func: ast.FunctionDef | ast.AsyncFunctionDef) -> set[str]:
    args = func.args
    names = {a.arg for a in [*args.posonlyargs, *args.args, *args.kwonlyargs]}
    names |= {a.arg for a in (args.vararg, args.kwarg) if a is not None}
    return names


def _body_start(func: ast.FunctionDef | ast.AsyncFunctionDef) -> ast.stmt:
    first = func.body[0]
    return func.body[1] if is_docstring(first) and len(func.body) > 1 else first


@register
class ModelGlobalNotDeclared(Rule):
    info = RuleInfo(
        code="DK105",
        name="model-global-not-declared",
        summary="init() assigns a name run() reads, without `global`",
        severity=Severity.ERROR,
        confidence=Confidence.HIGH,
        doc=RuleDoc(
            what="Finds names that `init()` assigns and `run()` reads when `init()` does not declare them `global`.",
            why=(
                "Without `global`, the assignment in `init()` creates a local variable that is "
                "gone when `init()` returns. `run()` then reads the module-level value "
                "(often `None`) or fails with `NameError` on every request, although "
                "`init()` succeeded."
            ),
            example=(
                "model = None\n\n"
                "def init():\n"
                "    model = joblib.load(path)   # local: lost when init() returns\n\n"
                "def run(raw_data):\n"
                "    return model.predict(parse(raw_data))\n"
            ),
            fix="Declare the name global at the top of `init()`: `global model`.",
        ),
    )

    def check(self, ctx: LintContext) -> Iterable[Finding]:
        init, run = ctx.init, ctx.run
        if init is None or run is None:
            return
        declared = _declared_global(init)
        assigned = {n: node for n, node in _assigned_names(init).items() if n not in declared}
        if not assigned:
            return
        run_locals = set(_assigned_names(run)) - _declared_global(run)
        run_locals |= _parameters(run)
        read_in_run = {
            node.id
            for node in ast.walk(run)
            if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load)
        }
        start = _body_start(init)
        indent = ctx.indent_of(start.lineno)
        for name, node in assigned.items():
            if name in read_in_run and name not in run_locals:
                edit = TextEdit(start.lineno, 0, start.lineno, 0, f"{indent}global {name}\n")
                yield self.finding(
                    ctx,
                    node,
                    f"init() assigns '{name}' without 'global {name}', so run() never sees it; "
                    f"add 'global {name}' to init()",
                    [Fix(f"Declare '{name}' global in init()", (edit,))],
                )
