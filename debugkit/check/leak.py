"""Check 7: a failing request (a malformed body) must not return exception text in
production mode: no traceback, no exception type or message, no file path of the code.

Only answers run() produced are judged: the server's own refusal of a body it cannot parse
for an inference-schema run() (400/415, before run() is called) is part of the service's
contract, as in azmlinfsrv.
"""

from __future__ import annotations

import builtins
import json
import re

from debugkit.applayout import APP_ROOT
from debugkit.check.context import CheckContext
from debugkit.check.result import CheckResult, failed, passed
from debugkit.errors import UnavailableError

NAME, TITLE = "leak", "a failing request does not leak exception text"
# truncated JSON, then JSON of an unexpected shape: the two bodies that make most run()s raise
MALFORMED_BODIES = (b'{"data": [[1, 2], [3', b'{"debugkit-check": "unexpected shape"}')
RUN_HEADER = "x-ms-run-fn-exec-ms"  # set on every answer that run() produced

_PYTHON_EXCEPTIONS = {
    name
    for name, value in vars(builtins).items()
    if isinstance(value, type) and issubclass(value, BaseException) and name != "Exception"
} | {"JSONDecodeError", "UnicodeDecodeError"}
_SIGNS = (
    re.compile(r"Traceback \(most recent call last\)"),
    re.compile(r'File "[^"]+", line \d+'),
    # Python's own exception types (KeyError, ValueError, ...), as repr(e) and tracebacks
    # show them; a service's own error codes ("ValidationError") are not exception text
    re.compile(r"\b(?:" + "|".join(sorted(_PYTHON_EXCEPTIONS)) + r")\b"),
    re.compile(re.escape(APP_ROOT) + r"/[\w./-]+"),  # a path of the deployed code
    re.compile(r"line \d+ column \d+ \(char \d+\)"),  # json's message, without its type
)


def leaked_text(body: str, sent: bytes) -> str | None:
    """The first piece of ``body`` that is exception text, or None."""
    try:
        json.loads(sent)
    except ValueError as exc:  # what str(e) says for this body in a json.loads-ing run()
        message = str(exc).split(":")[0]
        if message and message in body:
            return message
    for sign in _SIGNS:
        found = sign.search(body)
        if found:
            return found.group(0)
    return None


def check(ctx: CheckContext) -> CheckResult:
    if not ctx.serving():
        return ctx.not_made(NAME, TITLE, ctx.why_not_serving())
    assert ctx.server is not None
    judged = []
    for body in MALFORMED_BODIES:
        ctx.progress(f"sending a malformed body ({body[:24].decode()}...)")
        try:
            answer = ctx.server.client.score(body)
        except UnavailableError:
            return failed(
                NAME,
                TITLE,
                "the server stopped answering after a malformed body",
                "handle bad input in run()",
            )
        if answer.header(RUN_HEADER) is None:
            continue  # refused before run(): the service's own validation
        judged.append(answer.status)
        leak = leaked_text(answer.text, body)
        if leak is not None:
            return failed(
                NAME,
                TITLE,
                f"answered {answer.status} with exception text: {leak!r}",
                "return a fixed message to clients and log the details (logging.exception); "
                "'debugkit lint' (DK101) shows where",
                f"sent {body.decode()!r}, got {answer.text.strip()[:200]}",
            )
    if not judged:
        return passed(NAME, TITLE, "malformed bodies are refused before run() (400/415)")
    statuses = ", ".join(str(s) for s in judged)
    return passed(NAME, TITLE, f"malformed bodies answered {statuses} without exception text")
