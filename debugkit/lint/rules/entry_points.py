"""DK104: init() or run() missing, or run() with a signature the server cannot call."""

from __future__ import annotations

import ast
from collections.abc import Iterable

from debugkit.lint.context import LintContext
from debugkit.lint.model import Confidence, Finding, RuleDoc, RuleInfo, Severity
from debugkit.lint.patterns import string_value
from debugkit.lint.registry import Rule, register

OPTIONAL_RUN_PARAMETERS = {"request_headers"}  # azmlinfsrv passes it when run() asks for it


def _required_positional(func: ast.FunctionDef | ast.AsyncFunctionDef) -> list[str]:
    args = func.args
    positional = [*args.posonlyargs, *args.args]
    required = positional[: len(positional) - len(args.defaults)]
    names = [a.arg for a in required]
    names += [a.arg for a, d in zip(args.kwonlyargs, args.kw_defaults) if d is None]
    return names


def _schema_parameters(
    ctx: LintContext, func: ast.FunctionDef | ast.AsyncFunctionDef
) -> set[str] | None:
    """Parameter names the inference-schema decorators bind, or None if not decorated."""
    names: set[str] | None = None
    for decorator in func.decorator_list:
        if not isinstance(decorator, ast.Call):
            continue
        qualified = ctx.qualified_name(decorator.func) or ""
        if qualified.rsplit(".", 1)[-1] != "input_schema":
            continue
        names = names or set()
        first = decorator.args[0] if decorator.args else None
        for keyword in decorator.keywords:
            if keyword.arg == "param_name":
                first = keyword.value
        value = string_value(first)
        if value:
            names.add(value)
    return names


@register
class EntryPoints(Rule):
    info = RuleInfo(
        code="DK104",
        name="entry-points",
        summary="init() or run() missing, or run() has the wrong parameters",
        severity=Severity.ERROR,
        confidence=Confidence.HIGH,
        doc=RuleDoc(
            what=(
                "Checks that a scoring script defines `init()` and `run()` at module level, that "
                "`init()` takes no required argument, and that `run()` takes what the server "
                "passes: the request body (`run(data)`, batch `run(mini_batch)`), optionally "
                "`request_headers`, or the parameters named by inference-schema "
                "`@input_schema(...)` decorators."
            ),
            why=(
                "The server imports score.py and calls `init()` once and `run(body)` per request. "
                "A missing or misnamed function, or a signature it cannot call, fails only after "
                "the image is built and deployed: the container crash-loops or every request "
                "answers 502."
            ),
            example=(
                "def init():\n"
                "    ...\n\n"
                "def run(data, threshold):  # the server passes one argument\n"
                "    ...\n"
            ),
            fix=(
                "Define `init()` and `run(raw_data)` at module level; give extra parameters a "
                'default, or declare each one with `@input_schema("name", ...)`.'
            ),
        ),
    )

    def check(self, ctx: LintContext) -> Iterable[Finding]:
        bound = _module_level_names(ctx.tree)
        for name in ("init", "run"):
            if name not in bound:
                yield self._at_start(
                    ctx, f"no module-level {name}() function; the scoring server calls {name}()"
                )
        init, run = ctx.init, ctx.run
        if init is not None and _required_positional(init):
            yield self.finding(
                ctx,
                _name_node(ctx, init),
                f"init() requires {', '.join(_required_positional(init))}, but the server calls it "
                "without arguments; remove them or give them defaults",
            )
        if run is not None:
            yield from self._check_run(ctx, run)

    def _check_run(
        self, ctx: LintContext, run: ast.FunctionDef | ast.AsyncFunctionDef
    ) -> Iterable[Finding]:
        required = _required_positional(run)
        schema = _schema_parameters(ctx, run)
        where = _name_node(ctx, run)
        if schema is not None:
            unbound = [p for p in required if p not in schema and p not in OPTIONAL_RUN_PARAMETERS]
            if unbound:
                yield self.finding(
                    ctx,
                    where,
                    f"run() parameter {', '.join(unbound)} has no @input_schema('{unbound[0]}', ...); "
                    "the server cannot fill it",
                )
            return
        takes_any = run.args.vararg is not None or bool(run.args.args or run.args.posonlyargs)
        if not takes_any:
            yield self.finding(
                ctx,
                where,
                "run() takes no argument, but the server passes the request body; use run(raw_data)",
            )
            return
        extra = [p for p in required[1:] if p not in OPTIONAL_RUN_PARAMETERS]
        if extra:
            yield self.finding(
                ctx,
                where,
                f"run() requires {', '.join(required)}, but the server passes only the request body "
                "(and request_headers); give the others defaults or use @input_schema",
            )

    def _at_start(self, ctx: LintContext, message: str) -> Finding:
        return Finding(self.info, message, 1, 0, 1, len(ctx.line_text(1)))


def _module_level_names(tree: ast.Module) -> set[str]:
    """Names bound at module level: functions, classes, assignments, imports (`run = app.run`)."""
    names: set[str] = set()
    for stmt in tree.body:
        if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(stmt.name)
        elif isinstance(stmt, (ast.Assign, ast.AnnAssign)):
            targets = stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target]
            names.update(n.id for t in targets for n in ast.walk(t) if isinstance(n, ast.Name))
        elif isinstance(stmt, (ast.Import, ast.ImportFrom)):
            names.update((a.asname or a.name).split(".")[0] for a in stmt.names)
    return names


def _name_node(ctx: LintContext, func: ast.FunctionDef | ast.AsyncFunctionDef) -> ast.AST:
    """The span of `def name` so the squiggle sits on the signature, not the whole body."""
    line = func.lineno
    text = ctx.line_text(line)
    start = text.find(func.name)
    if start < 0:
        return func
    byte_start = len(text[:start].encode("utf-8"))
    return ast.Pass(
        lineno=line,
        col_offset=byte_start,
        end_lineno=line,
        end_col_offset=byte_start + len(func.name.encode()),
    )
