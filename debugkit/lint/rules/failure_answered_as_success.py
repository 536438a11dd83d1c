"""DK103: an except in run() answers the failure with a normal value (HTTP 200)."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterable

from debugkit.lint.context import LintContext, walk_function
from debugkit.lint.model import Confidence, Finding, Fix, RuleDoc, RuleInfo, Severity
from debugkit.lint.patterns import (
    base_name,
    handler_header,
    handler_reraises,
    is_error_response,
    names_read,
    reraise_edit,
    returns_in,
    try_handlers,
)
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
                "re-raising; that store an error (the exception, an error message, or `None`) "
                "which `run()` returns after the `try`; or after which `run()` ends without a "
                "return (the client gets `null`). An `AMLResponse(body, status)` with a status "
                "of 400 or more is an error answer and is not reported."
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
        for try_node, handler in try_handlers(run):
            if handler_reraises(ctx, handler):
                continue
            returns = list(returns_in(handler))
            for ret in returns:
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
            if returns:
                continue
            if run.body[-1] is try_node and not try_node.finalbody and _answers(run):
                yield self.finding(
                    ctx,
                    handler_header(ctx, handler),
                    "after this except run() ends without a return: the client gets HTTP 200 "
                    "with null for a failure; re-raise or return an error status",
                    [Fix("Re-raise at the end of the handler", (reraise_edit(ctx, handler),))],
                )
                continue
            yield from self._stored_and_returned(ctx, run, try_node, handler, seen)

    def _stored_and_returned(
        self,
        ctx: LintContext,
        run: ast.FunctionDef | ast.AsyncFunctionDef,
        try_node: ast.Try,
        handler: ast.ExceptHandler,
        seen: set[int],
    ) -> Iterable[Finding]:
        """The handler stores an error (or None) that run() returns after the try."""
        errors, nones = _stored(ctx, handler)
        if not errors and not nones:
            return
        after = try_node.end_lineno or try_node.lineno
        for ret in returns_in(run):
            if ret.lineno <= after or id(ret) in seen or ret.value is None:
                continue
            if is_error_response(ctx, ret.value):
                continue
            used = names_read(ret.value)
            whole = ret.value.id if isinstance(ret.value, ast.Name) else None
            if used & errors or (whole is not None and whole in nones):
                seen.add(id(ret))
                yield self.finding(
                    ctx,
                    ret,
                    f"the except on line {handler.lineno} stores the failure and this returns it "
                    "with HTTP 200; re-raise there or return an error status",
                )


def _answers(run: ast.AST) -> bool:
    """run() returns a value somewhere (so falling off the end is the failure's answer)."""
    return any(
        ret.value is not None
        and not (isinstance(ret.value, ast.Constant) and ret.value.value is None)
        for ret in returns_in(run)
    )


ERROR_WORDS = re.compile(r"error|fail|exception|invalid", re.IGNORECASE)
ERROR_SOURCES = ("traceback.", "sys.exc_info", "sys.exception")


def _stored(ctx: LintContext, handler: ast.ExceptHandler) -> tuple[set[str], set[str]]:
    """(names the handler sets to an error value, names it sets to None)."""
    errors: set[str] = set()
    nones: set[str] = set()
    for node in walk_function(handler):
        if isinstance(node, ast.Assign):
            targets, value = node.targets, node.value
        elif isinstance(node, ast.AnnAssign) and node.value is not None:
            targets, value = [node.target], node.value
        else:
            continue
        names = {base_name(t) for t in targets} - {None}
        if isinstance(value, ast.Constant) and value.value is None:
            nones |= {n for n in names if n}
        elif _is_error_value(ctx, handler, value):
            errors |= {n for n in names if n}
    return errors, nones


def _is_error_value(ctx: LintContext, handler: ast.ExceptHandler, value: ast.expr) -> bool:
    for node in ast.walk(value):
        if isinstance(node, ast.Name) and node.id == handler.name:
            return True
        is_text = isinstance(node, ast.Constant) and isinstance(node.value, str)
        if is_text and ERROR_WORDS.search(node.value):
            return True
        if isinstance(node, ast.Call):
            name = ctx.qualified_name(node.func) or ""
            if name.startswith(ERROR_SOURCES):
                return True
    return False
