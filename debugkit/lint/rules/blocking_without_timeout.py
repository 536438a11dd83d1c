"""DK111: run() blocks on the network without a timeout, or sleeps."""

from __future__ import annotations

import ast
from collections.abc import Iterable

from debugkit.lint.context import LintContext, calls_in
from debugkit.lint.model import Confidence, Finding, Fix, RuleDoc, RuleInfo, Severity, TextEdit
from debugkit.lint.registry import Rule, register

REQUESTS_METHODS = {"get", "post", "put", "patch", "delete", "head", "options", "request"}
# call -> position of its timeout parameter when passed positionally
TIMEOUT_POSITION = {"urllib.request.urlopen": 2, "socket.create_connection": 1}
SLEEPS = {"time.sleep"}
DEFAULT_TIMEOUT = 10


def _needs_timeout(name: str) -> bool:
    module, _, method = name.rpartition(".")
    return (module == "requests" and method in REQUESTS_METHODS) or name in TIMEOUT_POSITION


def _has_timeout(call: ast.Call, name: str) -> bool:
    if any(k.arg == "timeout" or k.arg is None for k in call.keywords):
        return True
    position = TIMEOUT_POSITION.get(name)
    return position is not None and len(call.args) > position


def _insert_timeout(ctx: LintContext, call: ast.Call) -> TextEdit:
    last = [*call.args, *(k.value for k in call.keywords)]
    if last:
        end = max(last, key=lambda n: (n.end_lineno or 0, n.end_col_offset or 0))
        line, col = (
            end.end_lineno or end.lineno,
            ctx.col(end.end_lineno or end.lineno, end.end_col_offset or 0),
        )
        return TextEdit(line, col, line, col, f", timeout={DEFAULT_TIMEOUT}")
    line = call.end_lineno or call.lineno
    col = ctx.col(line, (call.end_col_offset or 1) - 1)
    return TextEdit(line, col, line, col, f"timeout={DEFAULT_TIMEOUT}")


@register
class BlockingWithoutTimeout(Rule):
    info = RuleInfo(
        code="DK111",
        name="blocking-without-timeout",
        summary="run() blocks without a timeout (504 risk)",
        severity=Severity.WARNING,
        confidence=Confidence.HIGH,
        doc=RuleDoc(
            what=(
                "Finds `requests` calls and `urllib.request.urlopen` without `timeout=`, and "
                "`time.sleep`, in `run()`."
            ),
            why=(
                "A request to the service times out with 504 after the deployment's "
                "`request_timeout_ms` (one minute by default, 5 s on managed endpoints). A "
                "network call without a timeout can wait forever; the worker stays busy and "
                "the requests behind it pile up into 503s."
            ),
            example=(
                "def run(raw_data):\n"
                "    features = requests.get(FEATURE_URL, params=parse(raw_data)).json()\n"
                "    return model.predict(features).tolist()\n"
            ),
            fix=(
                "Pass a timeout shorter than the request timeout: "
                "`requests.get(url, timeout=10)`; remove sleeps from the request path."
            ),
        ),
    )

    def check(self, ctx: LintContext) -> Iterable[Finding]:
        run = ctx.run
        if run is None:
            return
        for call in calls_in(run):
            name = ctx.qualified_name(call.func)
            if not name:
                continue
            if name in SLEEPS:
                yield self.finding(
                    ctx, call, f"{name}() in run() holds the worker; a slow request ends in 504"
                )
            elif _needs_timeout(name) and not _has_timeout(call, name):
                yield self.finding(
                    ctx,
                    call,
                    f"{name}() without timeout= can block run() until the request times out (504); "
                    f"pass timeout=",
                    [Fix(f"Add timeout={DEFAULT_TIMEOUT}", (_insert_timeout(ctx, call),))],
                )
