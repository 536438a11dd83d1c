"""DK114: the whole environment (keys, connection strings) written to the logs."""

from __future__ import annotations

import ast
import bisect
from collections.abc import Iterable, Iterator

from debugkit.lint.context import LintContext
from debugkit.lint.model import Confidence, Finding, Fix, RuleDoc, RuleInfo, Severity
from debugkit.lint.registry import Rule, register

ENVIRON = "os.environ"
VALUE_VIEWS = {"os.environ.items", "os.environ.values", "os.environ.copy"}
NAME_VIEWS = {"sorted", "list", "set", "tuple", "len"}  # of os.environ itself: the names only
LOG_METHODS = {"debug", "info", "warning", "warn", "error", "exception", "critical", "log"}
SINKS = {"print", "pprint.pprint", "pprint.pp", "sys.stdout.write", "sys.stderr.write"}


def _is_sink(ctx: LintContext, call: ast.Call) -> bool:
    name = ctx.qualified_name(call.func) or ""
    if name in SINKS:
        return True
    # logging.info(...), logger.info(...), self.logger.warning(...)
    return isinstance(call.func, ast.Attribute) and call.func.attr in LOG_METHODS


def _whole_environment(ctx: LintContext, node: ast.expr) -> bool:
    """True when ``node`` shows the environment's values: `os.environ`, `dict(os.environ)`,
    `os.environ.items()`, an f-string of it, ... Reading one variable (`os.environ["X"]`,
    `.get("X")`) or only the names (`sorted(os.environ)`) is fine."""
    if isinstance(node, (ast.Name, ast.Attribute)) and ctx.qualified_name(node) == ENVIRON:
        return True
    if isinstance(node, ast.Call):
        name = ctx.qualified_name(node.func) or ""
        if name in VALUE_VIEWS:
            return True
        args = [*node.args, *(k.value for k in node.keywords)]
        if name in NAME_VIEWS and args and ctx.qualified_name(args[0]) == ENVIRON:
            return False
        return any(_whole_environment(ctx, a) for a in args)
    if isinstance(node, ast.Subscript):
        return False
    return any(
        _whole_environment(ctx, child)
        for child in ast.iter_child_nodes(node)
        if isinstance(child, ast.expr)
    )


def _environment_loop(ctx: LintContext, loop: ast.For | ast.AsyncFor) -> set[str]:
    """Names that hold environment values in ``for k, v in os.environ.items()`` (or `sorted(...)`
    of it, or `for k in os.environ` with `os.environ[k]` read in the body)."""
    source = loop.iter
    while (
        isinstance(source, ast.Call)
        and ctx.qualified_name(source.func) in ("sorted", "list")
        and source.args
    ):
        source = source.args[0]
    if isinstance(source, ast.Call):
        name = ctx.qualified_name(source.func)
        if name == "os.environ.items" and isinstance(loop.target, ast.Tuple):
            values = loop.target.elts[1:]
            return {v.id for v in values if isinstance(v, ast.Name)}
        if name == "os.environ.items" and isinstance(loop.target, ast.Name):
            return {loop.target.id}
        if name == "os.environ.values" and isinstance(loop.target, ast.Name):
            return {loop.target.id}
    return set()


def _uses(node: ast.AST, names: set[str]) -> bool:
    return any(isinstance(n, ast.Name) and n.id in names for n in ast.walk(node))


def _direct_calls(body: list[ast.stmt]) -> Iterator[ast.Call]:
    """Calls in the loop body's own statements, not under an `if` (a filter chose the keys)."""
    for stmt in body:
        if isinstance(stmt, (ast.If, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            continue
        for node in ast.walk(stmt):
            if isinstance(node, ast.Call):
                yield node


@register
class EnvironmentLogged(Rule):
    info = RuleInfo(
        code="DK114",
        name="environment-logged",
        summary="every environment variable written to the logs (secrets leak)",
        severity=Severity.ERROR,
        confidence=Confidence.HIGH,
        cwe="CWE-532",
        doc=RuleDoc(
            what=(
                "Finds `print(os.environ)`, logging calls given `os.environ`, `dict(os.environ)` "
                "or `os.environ.items()`, and loops over `os.environ.items()` that print or log "
                "each value, anywhere in the scoring script. Reading one variable "
                '(`os.environ["AZUREML_MODEL_DIR"]`) and loops that filter the keys with an '
                "`if` are not reported."
            ),
            why=(
                "A deployment's environment holds secrets: storage keys, connection strings, "
                "API tokens from the endpoint's settings or a key vault. Whatever `score.py` "
                "prints goes to the container log, which everyone with read access to the "
                "deployment (and every log pipeline it feeds) can read (CWE-532)."
            ),
            example=(
                "def init():\n"
                '    print("environment:", os.environ)\n'
                "    for key, value in os.environ.items():\n"
                '        logging.info("%s=%s", key, value)\n'
            ),
            fix=(
                "Log only the variables you need, by name: "
                '`logging.info("model dir: %s", os.environ["AZUREML_MODEL_DIR"])`; to see which '
                "variables exist, log the names (`sorted(os.environ)`), never the values (the "
                "quick fix does this for a call given the whole environment)."
            ),
        ),
    )

    def check(self, ctx: LintContext) -> Iterable[Finding]:
        lines = _lines_naming_environ(ctx.source)
        if not lines:
            return
        for stmt in ctx.tree.body:
            first, last = stmt.lineno, stmt.end_lineno or stmt.lineno
            if bisect.bisect_left(lines, first) == bisect.bisect_right(lines, last):
                continue  # most statements never mention it: skip the walk
            reported: set[int] = set()
            for node in ast.walk(stmt):
                if isinstance(node, (ast.For, ast.AsyncFor)):
                    values = _environment_loop(ctx, node)
                    calls = [
                        c
                        for c in _direct_calls(node.body)
                        if _is_sink(ctx, c) and any(_uses(a, values) for a in _arguments(c))
                    ]
                    if values and calls:
                        reported.update(id(c) for c in calls)
                        yield self.finding(
                            ctx,
                            node.iter,
                            "this loop writes every environment variable's value to the logs, "
                            "secrets included (CWE-532); log only the variables you need",
                        )
                elif (
                    isinstance(node, ast.Call)
                    and id(node) not in reported
                    and _is_sink(ctx, node)
                    and any(_whole_environment(ctx, a) for a in _arguments(node))
                ):
                    reported.add(id(node))
                    yield self.finding(
                        ctx,
                        node,
                        "this writes every environment variable to the logs, secrets included "
                        "(CWE-532); log only the variables you need, by name",
                        _names_only_fix(ctx, node),
                    )


def _environ_text(ctx: LintContext, node: ast.expr) -> str | None:
    """The source text naming os.environ in ``node`` when ``node`` is it, `dict(...)` of it,
    or `.copy()`/`.items()`/`.values()` of it (one line); None for anything more involved."""
    if isinstance(node, ast.Call):
        name = ctx.qualified_name(node.func) or ""
        if name == "dict" and len(node.args) == 1 and not node.keywords:
            node = node.args[0]
        elif name in VALUE_VIEWS and isinstance(node.func, ast.Attribute):
            node = node.func.value
    if ctx.qualified_name(node) != ENVIRON or not isinstance(node, (ast.Name, ast.Attribute)):
        return None
    line, col, end_line, end_col = ctx.span(node)
    return ctx.line_text(line)[col:end_col] if line == end_line else None


def _names_only_fix(ctx: LintContext, call: ast.Call) -> list[Fix]:
    edits = []
    for argument in _arguments(call):
        if not _whole_environment(ctx, argument):
            continue
        text = _environ_text(ctx, argument)
        if text is None:
            return []  # an f-string or a structure holding it: rewriting is the user's call
        edits.append(ctx.replace(argument, f"sorted({text})"))
    return [Fix("Log only the variable names", tuple(edits))] if edits else []


def _lines_naming_environ(source: str) -> list[int]:
    """Sorted line numbers holding "environ", from a few text searches (a check of every line
    of every statement cost 0.8-1.5 ms on the 5,000-line bench module; this costs < 0.1 ms)."""
    lines: list[int] = []
    position, line, counted = source.find("environ"), 1, 0
    while position >= 0:
        line += source.count("\n", counted, position)
        counted = position
        if not lines or lines[-1] != line:
            lines.append(line)
        position = source.find("environ", position + 1)
    return lines


def _arguments(call: ast.Call) -> list[ast.expr]:
    return [*call.args, *(k.value for k in call.keywords)]
