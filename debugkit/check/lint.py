"""Check 1: the linter's rules on the entry script; errors fail, warnings are reported.

Two error rules are decided at run time instead, by the check that sees what the
deployment would do: DK108 (unknown model name) by ``models``, DK101 (exception text
returned) by ``leak``. A static finding there may be a false alarm (a debug-only
branch); the run-time check is not. When that check cannot be made (the server did not
start), the lint error fails it instead (``CheckContext.not_made``).
"""

from __future__ import annotations

from debugkit.check.context import CheckContext
from debugkit.check.result import CheckResult, failed, passed, warned
from debugkit.consolelines import shown
from debugkit.lint.engine import lint_file
from debugkit.lint.model import Severity

NAME, TITLE = "lint", "score.py against the lint rules"
DECIDED_AT_RUN_TIME = {"DK108": "models", "DK101": "leak"}


def check(ctx: CheckContext) -> CheckResult:
    entry = ctx.config.entry_path
    ctx.progress(f"linting {entry.name}")
    result = lint_file(entry)
    rel = shown(entry)  # as editors' problem matchers resolve it
    if result.syntax_error is not None:
        err = result.syntax_error
        return failed(NAME, TITLE, f"{rel}:{err.line}: {err.message}", "fix the syntax error")
    errors, deferred, others = [], [], []
    for finding in result.findings:
        line = f"{rel}:{finding.line}:{finding.col + 1}: {finding.code} {finding.message}"
        if finding.effective_severity is not Severity.ERROR:
            others.append(line)
        elif finding.code in DECIDED_AT_RUN_TIME:
            decider = DECIDED_AT_RUN_TIME[finding.code]
            ctx.deferred.setdefault(decider, []).append(line)
            deferred.append(f"{line} (decided by the {decider} check)")
        else:
            errors.append(line)
    counts = f"{len(errors)} errors, {len(others)} warnings"
    if deferred:
        counts += f", {len(deferred)} decided at run time"
    if errors:
        return failed(
            NAME,
            TITLE,
            counts,
            f"fix the errors; 'debugkit lint {rel}' explains each",
            *errors,
            *others,
            *deferred,
        )
    if others:
        return warned(NAME, TITLE, counts, f"see 'debugkit lint {rel}'", *others, *deferred)
    return passed(NAME, TITLE, counts, *deferred)
