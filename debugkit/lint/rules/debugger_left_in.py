"""DK102: a debugger call left in the module."""

from __future__ import annotations

import ast
from collections.abc import Iterable

from debugkit.lint.context import LintContext
from debugkit.lint.model import Confidence, Finding, Fix, RuleDoc, RuleInfo, Severity, TextEdit
from debugkit.lint.patterns import argument
from debugkit.lint.registry import Rule, register

DEBUGGER_CALLS = {
    "debugpy.listen",
    "debugpy.wait_for_client",
    "debugpy.breakpoint",
    "debugpy.connect",
    "breakpoint",
    "pdb.set_trace",
    "pdb.post_mortem",
    "ipdb.set_trace",
    "pudb.set_trace",
    "ptvsd.enable_attach",
    "ptvsd.wait_for_attach",
    "ptvsd.break_into_debugger",
}
ALL_INTERFACES = {"0.0.0.0", "", "::"}


def _listens_everywhere(call: ast.Call) -> bool:
    address = argument(call, 0, "address")
    host: ast.expr | None = None
    if isinstance(address, ast.Tuple) and address.elts:
        host = address.elts[0]
    return isinstance(host, ast.Constant) and host.value in ALL_INTERFACES


@register
class DebuggerLeftIn(Rule):
    info = RuleInfo(
        code="DK102",
        name="debugger-left-in",
        summary="debugger call left in the code",
        severity=Severity.WARNING,
        confidence=Confidence.HIGH,
        scoring_only=False,
        doc=RuleDoc(
            what=(
                "Finds `debugpy.listen`/`wait_for_client`/`breakpoint`, `ptvsd`, `pdb.set_trace()`, "
                '`breakpoint()` and similar calls. `debugpy.listen(("0.0.0.0", port))` is reported '
                "as a security error."
            ),
            why=(
                "The manual VS Code recipe pastes these into score.py. Deployed, "
                "`wait_for_client()` blocks `init()` until the container is killed, "
                "`pdb.set_trace()` hangs the request until the 504, and a debug port open "
                "on every interface lets anyone who reaches it run code in the service. With "
                'more than one worker, `listen` fails with "Address already in use".'
            ),
            example=(
                'import debugpy\ndebugpy.listen(("0.0.0.0", 5678))\ndebugpy.wait_for_client()\n'
            ),
            fix=(
                "Remove the calls. `debugkit up` starts debugpy for you (bound inside the "
                "container only, published on 127.0.0.1), and `--wait-for-debugger` waits "
                "for VS Code before `init()`."
            ),
        ),
    )

    def check(self, ctx: LintContext) -> Iterable[Finding]:
        hits = [(c, name) for c, name in ctx.named_calls() if name in DEBUGGER_CALLS]
        if not hits:
            return
        statement_of = _expression_statements(ctx.tree)
        for call, name in hits:
            severity = None
            message = f"debugger call {name}() left in; remove it (debugkit up starts the debugger)"
            if name == "debugpy.listen" and _listens_everywhere(call):
                severity = Severity.ERROR
                message = (
                    "debugpy listens on every interface: anyone who reaches the port can run code "
                    "in the service (security); remove it"
                )
            fixes = []
            found = statement_of.get(id(call))
            if found is not None:
                stmt, only_child = found
                fixes.append(
                    Fix("Remove the debugger call", (_remove_statement(ctx, stmt, only_child),))
                )
            yield self.finding(ctx, call, message, fixes, severity)


def _expression_statements(tree: ast.Module) -> dict[int, tuple[ast.stmt, bool]]:
    """Call id -> (its expression statement, whether it is the only statement of its block)."""
    found: dict[int, tuple[ast.stmt, bool]] = {}
    for node in ast.walk(tree):
        for field in ("body", "orelse", "finalbody"):
            block = getattr(node, field, None)
            if not isinstance(block, list):
                continue
            for stmt in block:
                if isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Call):
                    found[id(stmt.value)] = (
                        stmt,
                        len(block) == 1 and not isinstance(node, ast.Module),
                    )
    return found


def _remove_statement(ctx: LintContext, stmt: ast.stmt, only_child: bool) -> TextEdit:
    line, col, end_line, end_col = ctx.span(stmt)
    if only_child:
        return TextEdit(line, col, end_line, end_col, "pass")
    own_line = ctx.line_text(line)[:col].strip() == "" and ctx.line_text(end_line)[
        end_col:
    ].strip() in ("", ";")
    if own_line:
        return TextEdit(line, 0, end_line + 1, 0, "")
    return TextEdit(line, col, end_line, end_col, "pass")
