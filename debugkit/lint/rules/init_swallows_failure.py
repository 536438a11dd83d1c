"""DK110: an except in init() that does not re-raise."""

from __future__ import annotations

import ast
from collections.abc import Iterable

from debugkit.lint.context import LintContext, walk_function
from debugkit.lint.model import Confidence, Finding, Fix, RuleDoc, RuleInfo, Severity
from debugkit.lint.patterns import (
    functions_and_methods,
    handler_catches,
    handler_header,
    handler_reraises,
    reraise_edit,
    try_handlers,
)
from debugkit.lint.registry import Rule, register

OPTIONAL_IMPORT_ERRORS = {"ImportError", "ModuleNotFoundError"}


def _assigned(nodes: list[ast.stmt]) -> dict[str, list[ast.expr]]:
    found: dict[str, list[ast.expr]] = {}
    for stmt in nodes:
        for node in [stmt, *walk_function(stmt)]:
            if isinstance(node, ast.Assign):
                for target in node.targets:
                    if isinstance(target, ast.Name):
                        found.setdefault(target.id, []).append(node.value)
    return found


def _is_fallback(try_node: ast.Try, handler: ast.ExceptHandler) -> bool:
    """The handler gives a name the try body sets a real alternative value (not None)."""
    in_try = _assigned(try_node.body)
    for name, values in _assigned(handler.body).items():
        if name in in_try and any(
            not (isinstance(v, ast.Constant) and v.value is None) for v in values
        ):
            return True
    return False


def _is_none(value: ast.expr) -> bool:
    return isinstance(value, ast.Constant) and value.value is None


def _mentions(node: ast.AST, name: str) -> bool:
    return any(isinstance(n, ast.Name) and n.id == name for n in ast.walk(node))


def _exits(body: list[ast.stmt]) -> bool:
    return bool(body) and isinstance(body[-1], (ast.Return, ast.Raise, ast.Continue, ast.Break))


class _Uses:
    """Counts reads of ``name`` inside and outside a check of it (`if name:`, `if name is None:
    return ...` before the read, `name and name.collect(x)`, `x if name else y`)."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.checked = 0
        self.unchecked = 0

    def block(self, body: list[ast.stmt], guarded: bool) -> None:
        for stmt in body:
            self.node(stmt, guarded)
            if isinstance(stmt, ast.If) and _mentions(stmt.test, self.name) and _exits(stmt.body):
                guarded = True  # `if dc is None: return result` guards what follows

    def node(self, node: ast.AST, guarded: bool) -> None:
        if isinstance(node, (ast.If, ast.While, ast.IfExp)):
            inner = guarded or _mentions(node.test, self.name)
            self.node(node.test, True)
            for part in (node.body, node.orelse):
                if isinstance(part, list):
                    self.block(part, inner)
                else:
                    self.node(part, inner)
            return
        if isinstance(node, ast.BoolOp):
            for index, value in enumerate(node.values):
                earlier = any(_mentions(v, self.name) for v in node.values[:index])
                self.node(value, guarded or earlier)
            return
        if isinstance(node, ast.Name) and node.id == self.name and isinstance(node.ctx, ast.Load):
            if guarded:
                self.checked += 1
            else:
                self.unchecked += 1
        for _, value in ast.iter_fields(node):
            if isinstance(value, list) and value and isinstance(value[0], ast.stmt):
                self.block(value, guarded)
            elif isinstance(value, list):
                for item in value:
                    if isinstance(item, ast.AST):
                        self.node(item, guarded)
            elif isinstance(value, ast.AST):
                self.node(value, guarded)


def _checked_wherever_used(ctx: LintContext, init: ast.AST, name: str) -> bool:
    """Every other function that reads ``name`` checks it first (and at least one reads it)."""
    uses = _Uses(name)
    for func in functions_and_methods(ctx.tree):
        if func is not init:
            uses.block(func.body, False)
    return uses.checked > 0 and uses.unchecked == 0


def _is_optional_step(
    ctx: LintContext, init: ast.AST, try_node: ast.Try, handler: ast.ExceptHandler
) -> bool:
    """The try only improves on something init() already has, or sets up something the rest of
    the script checks before using: an optimisation, an optional data collector or lookup."""
    in_try = _assigned(try_node.body)
    if not in_try:
        return False
    in_handler = _assigned(handler.body)
    earlier = _assigned(
        [s for s in getattr(init, "body", []) if (s.end_lineno or s.lineno) < try_node.lineno]
    )
    for name in in_try:
        if any(not _is_none(v) for v in earlier.get(name, [])):
            continue  # the failed step leaves the earlier value (e.g. the uncompiled model)
        if all(_is_none(v) for v in in_handler.get(name, [])) and _checked_wherever_used(
            ctx, init, name
        ):
            continue
        return False
    return True


@register
class InitSwallowsFailure(Rule):
    info = RuleInfo(
        code="DK110",
        name="init-swallows-failure",
        summary="except in init() does not re-raise",
        severity=Severity.WARNING,
        confidence=Confidence.MEDIUM,
        doc=RuleDoc(
            what=(
                "Finds `except` blocks in `init()` that neither re-raise nor exit, unless they "
                "catch only `ImportError` (optional dependency), give the same name a real "
                "fallback value, guard an optional step (one that replaces a value `init()` "
                "already set, like an optimised model) or set up something every other function "
                "checks before using it (`if collector is not None:`)."
            ),
            why=(
                "When `init()` swallows its failure, the service reports healthy but the model "
                "is unset: every request then fails with a confusing `NoneType has no attribute "
                "predict` far from the cause. Raised, the failure is reported at start-up with "
                "its traceback (debugkit keeps the container up in an init-failed state and "
                "recovers on the next reload)."
            ),
            example=(
                "def init():\n"
                "    global model\n"
                "    try:\n"
                "        model = joblib.load(path)\n"
                "    except Exception as e:\n"
                '        print("could not load model", e)\n'
            ),
            fix="Add `raise` at the end of the handler (after logging), or remove the try/except.",
        ),
    )

    def check(self, ctx: LintContext) -> Iterable[Finding]:
        init = ctx.init
        if init is None:
            return
        for try_node, handler in try_handlers(init):
            if handler_reraises(ctx, handler) or handler_catches(handler, OPTIONAL_IMPORT_ERRORS):
                continue
            if _is_fallback(try_node, handler) or _is_optional_step(ctx, init, try_node, handler):
                continue
            yield self.finding(
                ctx,
                handler_header(ctx, handler),
                "init() swallows this exception: the service starts without a model and every request "
                "fails; re-raise after logging",
                [Fix("Re-raise at the end of the handler", (reraise_edit(ctx, handler),))],
            )
