"""DK110: an except in init() that does not re-raise."""

from __future__ import annotations

import ast
from collections.abc import Iterable

from debugkit.lint.context import LintContext, walk_function
from debugkit.lint.model import Confidence, Finding, Fix, RuleDoc, RuleInfo, Severity
from debugkit.lint.patterns import (
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
                "catch only `ImportError` (optional dependency) or give the same name a real "
                "fallback value."
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
            if _is_fallback(try_node, handler):
                continue
            yield self.finding(
                ctx,
                handler_header(ctx, handler),
                "init() swallows this exception: the service starts without a model and every request "
                "fails; re-raise after logging",
                [Fix("Re-raise at the end of the handler", (reraise_edit(ctx, handler),))],
            )
