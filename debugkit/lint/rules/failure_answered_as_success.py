"""DK103: an except in run() answers the failure with a normal value (HTTP 200)."""

from __future__ import annotations

from collections.abc import Iterable

from debugkit.lint.context import LintContext
from debugkit.lint.model import Confidence, Finding, Fix, RuleDoc, RuleInfo, Severity
from debugkit.lint.patterns import handler_reraises, is_error_response, returns_in, try_handlers
from debugkit.lint.registry import Rule, register


@register
class FailureAnsweredAsSuccess(Rule):
    info = RuleInfo(
        code="DK103",
        name="failure-answered-as-success",
        summary="except in run() returns a normal value: the client gets 200 for a failure",
        severity=Severity.WARNING,
        confidence=Confidence.MEDIUM,
        doc=RuleDoc(
            what=(
                "Finds `except` blocks in `run()` that `return` a value (or `None`) without "
                "re-raising. An `AMLResponse(body, status)` with a status of 400 or more is "
                "an error answer and is not reported."
            ),
            why=(
                "Whatever `run()` returns is sent with HTTP 200. Clients, retries, load tests "
                "and the service's failure metrics then count the failure as a success, and "
                "the 502 that would have shown the problem never happens."
            ),
            example=(
                "def run(raw_data):\n"
                "    try:\n"
                "        return model.predict(parse(raw_data)).tolist()\n"
                "    except Exception:\n"
                '        return {"result": None}\n'
            ),
            fix=(
                "Re-raise (the service answers 502, debugkit's debug mode shows the details), "
                "or return an error status explicitly: "
                '`return AMLResponse("invalid input", 400)`.'
            ),
        ),
    )

    def check(self, ctx: LintContext) -> Iterable[Finding]:
        run = ctx.run
        if run is None:
            return
        seen: set[int] = set()
        for _, handler in try_handlers(run):
            if handler_reraises(ctx, handler):
                continue
            for ret in returns_in(handler):
                if id(ret) in seen or is_error_response(ctx, ret.value):
                    continue
                seen.add(id(ret))
                yield self.finding(
                    ctx,
                    ret,
                    "this except returns a normal value, so the client gets HTTP 200 for a failure; "
                    "re-raise or return an error status",
                    [Fix("Re-raise the exception", (ctx.replace(ret, "raise"),))],
                )
