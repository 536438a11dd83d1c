"""DK115: init() called at module level, so the model loads on import and again from the server."""

from __future__ import annotations

import ast
from collections.abc import Iterable, Iterator

from debugkit.lint.context import LintContext
from debugkit.lint.model import Confidence, Finding, Fix, RuleDoc, RuleInfo, Severity, TextEdit
from debugkit.lint.registry import Rule, register


def _is_main_guard(node: ast.If) -> bool:
    """`if __name__ == "__main__":` (either operand order)."""
    test = node.test
    if not (isinstance(test, ast.Compare) and len(test.comparators) == 1):
        return False
    sides = [test.left, test.comparators[0]]
    names = [s.id for s in sides if isinstance(s, ast.Name)]
    values = [s.value for s in sides if isinstance(s, ast.Constant)]
    return names == ["__name__"] and values == ["__main__"]


def _module_level(body: list[ast.stmt]) -> Iterator[ast.stmt]:
    """Statements run on import: the module body and the blocks of its if/try/with."""
    for stmt in body:
        yield stmt
        if isinstance(stmt, ast.If):
            if _is_main_guard(stmt):
                continue
            yield from _module_level(stmt.body)
            yield from _module_level(stmt.orelse)
        elif isinstance(stmt, ast.Try):
            for block in (stmt.body, stmt.orelse, stmt.finalbody):
                yield from _module_level(block)
        elif isinstance(stmt, ast.With):
            yield from _module_level(stmt.body)


@register
class InitCalledOnImport(Rule):
    info = RuleInfo(
        code="DK115",
        name="init-called-on-import",
        summary="init() called at module level: the model loads twice",
        severity=Severity.WARNING,
        confidence=Confidence.HIGH,
        doc=RuleDoc(
            what=(
                "Finds a call to the script's own `init()` among the statements that run when "
                "the module is imported (outside any function, not under "
                '`if __name__ == "__main__":`).'
            ),
            why=(
                "The scoring server imports `score.py` and then calls `init()` itself. A "
                "module-level call loads the model once on import and again from the server: "
                "start-up takes twice as long (a large model can exceed the container's "
                "start-up probe and be restarted), memory holds two copies while the first is "
                "replaced, and a failure is reported as an import error rather than from "
                "`init()`."
            ),
            example=(
                "def init():\n"
                "    global model\n"
                '    model = joblib.load(os.path.join(os.getenv("AZUREML_MODEL_DIR"), "model.pkl"))\n'
                "\n\n"
                "init()\n"
            ),
            fix=(
                "Remove the call (the quick fix deletes the line); to try the script locally, "
                'call it under `if __name__ == "__main__":`, or use `debugkit up`.'
            ),
        ),
    )

    def check(self, ctx: LintContext) -> Iterable[Finding]:
        if ctx.init is None:
            return
        for stmt in _module_level(ctx.tree.body):
            if not isinstance(stmt, ast.Expr):
                continue
            call = stmt.value
            if not (
                isinstance(call, ast.Call)
                and isinstance(call.func, ast.Name)
                and call.func.id == "init"
            ):
                continue
            fixes = []
            if self._alone_on_its_lines(ctx, stmt):
                end = (stmt.end_lineno or stmt.lineno) + 1
                delete = TextEdit(stmt.lineno, 0, end, 0, "")
                fixes.append(Fix("Remove the module-level init() call", (delete,)))
            yield self.finding(
                ctx,
                call,
                "init() is called on import and again by the scoring server: the model loads "
                'twice; remove the call (or move it under if __name__ == "__main__":)',
                fixes,
            )

    def _alone_on_its_lines(self, ctx: LintContext, stmt: ast.stmt) -> bool:
        """A top-level statement with nothing else on its lines (deleting them leaves valid code)."""
        if stmt not in ctx.tree.body:
            return False
        line, col, end_line, end_col = ctx.span(stmt)
        rest = ctx.line_text(end_line)[end_col:].strip()
        return not ctx.line_text(line)[:col].strip() and (not rest or rest.startswith("#"))
