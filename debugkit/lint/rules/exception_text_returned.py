"""DK101: exception text returned to the client from run() (CWE-209)."""

from __future__ import annotations

import ast
from collections.abc import Iterable

from debugkit.lint.context import LintContext, walk_function
from debugkit.lint.model import Confidence, Finding, Fix, RuleDoc, RuleInfo, Severity, TextEdit
from debugkit.lint.patterns import TEXT_METHODS, base_name, returns_in, try_handlers
from debugkit.lint.registry import Rule, register

SOURCES = {
    "traceback.format_exc",
    "traceback.format_exception",
    "traceback.format_exception_only",
    "traceback.format_tb",
    "traceback.extract_tb",
    "traceback.TracebackException",
    "sys.exc_info",
    "sys.exception",
}
PROPAGATORS = {"str", "repr", "format", "dict", "list", "tuple", "set", "sorted", "jsonify"}
PROPAGATOR_SUFFIXES = (".dumps", "AMLResponse", ".Response", ".jsonify")
STRING_METHODS = {"format", "format_map", "join"}
CONTAINER_METHODS = {"append", "extend", "update", "insert", "setdefault", "add"}
AML_RESPONSE_IMPORT = "from azureml.contrib.services.aml_response import AMLResponse"
GENERIC_RESPONSE = 'AMLResponse("internal error", 500)'


class Taint:
    """Which names in run() hold exception text, and whether an expression does.

    Each name maps to the first line where it holds exception text; a use on an
    earlier line (the success path before the handler) is clean. Loops that carry
    a value backwards are not followed: a missed finding rather than a false one.
    """

    def __init__(self, ctx: LintContext) -> None:
        self.ctx = ctx
        self.names: dict[str, int] = {}
        self.line = 0  # the line of the statement being evaluated

    def taint(self, name: str, line: int) -> None:
        if line < self.names.get(name, line + 1):
            self.names[name] = line

    def at(self, node: ast.expr | None, line: int) -> bool:
        self.line = line
        return self.expr(node)

    def expr(self, node: ast.expr | None) -> bool:
        if node is None:
            return False
        if isinstance(node, ast.Name):
            return self.names.get(node.id, self.line + 1) <= self.line
        if isinstance(node, (ast.Attribute, ast.Subscript, ast.Starred, ast.FormattedValue)):
            return self.expr(node.value)
        if isinstance(node, ast.JoinedStr):
            return any(self.expr(v) for v in node.values)
        if isinstance(node, ast.BinOp):
            return self.expr(node.left) or self.expr(node.right)
        if isinstance(node, ast.BoolOp):
            return any(self.expr(v) for v in node.values)
        if isinstance(node, ast.IfExp):
            return self.expr(node.body) or self.expr(node.orelse)
        if isinstance(node, ast.Dict):
            return any(self.expr(k) for k in node.keys if k) or any(
                self.expr(v) for v in node.values
            )
        if isinstance(node, (ast.List, ast.Tuple, ast.Set)):
            return any(self.expr(e) for e in node.elts)
        if isinstance(node, ast.Call):
            return self._call(node)
        return False

    def _call(self, node: ast.Call) -> bool:
        name = self.ctx.qualified_name(node.func) or ""
        if name in SOURCES:
            return True
        args = [*node.args, *(k.value for k in node.keywords)]
        if isinstance(node.func, ast.Attribute):
            # str(e).lower(), e.__str__(), result.get("error"); but `text.tolist()` raises
            # AttributeError before anything is returned, so the text never reaches the client
            if node.func.attr in TEXT_METHODS and self.expr(node.func.value):
                return True
            if node.func.attr in STRING_METHODS and any(self.expr(a) for a in args):
                return True
        if name in PROPAGATORS or name.endswith(PROPAGATOR_SUFFIXES):
            return any(self.expr(a) for a in args)
        return False

    def spread(self, func: ast.AST) -> None:
        """Follow assignments and container updates until nothing new is tainted."""
        statements = [
            n
            for n in walk_function(func)
            if isinstance(n, (ast.Assign, ast.AugAssign, ast.AnnAssign, ast.NamedExpr, ast.Expr))
        ]
        changed = True
        while changed:
            before = dict(self.names)
            for stmt in statements:
                self._spread_one(stmt)
            changed = self.names != before

    def _spread_one(self, stmt: ast.AST) -> None:
        line = stmt.lineno  # type: ignore[attr-defined]
        if isinstance(stmt, ast.Assign) and self.at(stmt.value, line):
            for target in stmt.targets:
                self._taint_target(target, line)
        elif isinstance(stmt, (ast.AugAssign, ast.AnnAssign, ast.NamedExpr)) and self.at(
            stmt.value, line
        ):
            self._taint_target(stmt.target, line)
        elif isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Call):
            call = stmt.value
            self.line = line
            if (
                isinstance(call.func, ast.Attribute)
                and call.func.attr in CONTAINER_METHODS
                and any(self.expr(a) for a in [*call.args, *(k.value for k in call.keywords)])
            ):
                self._taint_target(call.func.value, line)

    def _taint_target(self, target: ast.expr, line: int) -> None:
        if isinstance(target, (ast.Tuple, ast.List)):
            for element in target.elts:
                self._taint_target(element, line)
            return
        name = base_name(target.value if isinstance(target, ast.Starred) else target)
        if name:
            self.taint(name, line)


@register
class ExceptionTextReturned(Rule):
    info = RuleInfo(
        code="DK101",
        name="exception-text-returned",
        summary="run() returns exception text to the client",
        severity=Severity.ERROR,
        confidence=Confidence.HIGH,
        cwe="CWE-209",
        doc=RuleDoc(
            what=(
                "Finds `run()` return values built from a caught exception: the `except ... as e` "
                "name, `str(e)`/`repr(e)`/f-strings/`%`/`.format` of it, `e.args`, "
                "`traceback.format_exc()` and friends, `sys.exc_info()`, followed through "
                "assignments, containers, `json.dumps` and `AMLResponse(...)` bodies. Stored text "
                "used only with a method text does not have (`result.tolist()`) raises before "
                "anything is returned and is not reported."
            ),
            why=(
                "The Azure ML troubleshooting guide suggests returning `str(e)` from `run()` "
                "*for debugging only*. Left in production, it sends stack details, file paths, "
                "model internals and sometimes data to any caller (information exposure, "
                "CWE-209), and it answers a failure with HTTP 200."
            ),
            example=(
                "def run(raw_data):\n"
                "    try:\n"
                '        data = json.loads(raw_data)["data"]\n'
                "        return model.predict(data).tolist()\n"
                "    except Exception as e:\n"
                '        return json.dumps({"error": str(e)})\n'
            ),
            fix=(
                "Re-raise: `debugkit up` (debug mode) already shows the client the exception "
                "type, message, traceback and score.py line, and production mode answers 502 "
                "with a generic message. Or log the exception and return a generic error "
                "response:\n\n"
                "```python\n"
                "    except Exception:\n"
                '        logging.exception("run() failed")\n'
                '        return AMLResponse("internal error", 500)\n'
                "```"
            ),
        ),
    )

    def check(self, ctx: LintContext) -> Iterable[Finding]:
        run = ctx.run
        if run is None:
            return
        taint = Taint(ctx)
        handler_of: dict[int, ast.ExceptHandler] = {}
        for _, handler in try_handlers(run):
            if handler.name:
                taint.taint(handler.name, handler.lineno)
            for ret in returns_in(handler):
                handler_of.setdefault(id(ret), handler)
        taint.spread(run)
        for ret in returns_in(run):
            if taint.at(ret.value, ret.lineno):
                assert ret.value is not None
                yield self.finding(
                    ctx,
                    ret.value,
                    "run() returns exception text to the client (CWE-209); re-raise, or log it "
                    "and return a generic error",
                    self._fixes(ctx, ret, handler_of.get(id(ret))),
                )

    def _fixes(
        self, ctx: LintContext, ret: ast.Return, handler: ast.ExceptHandler | None
    ) -> list[Fix]:
        fixes = []
        if handler is not None:
            fixes.append(Fix("Re-raise the exception", (ctx.replace(ret, "raise"),)))
        imports: list[str] = []
        indent = ctx.indent_of(ret.lineno)
        if handler is not None:
            replacement = f'logging.exception("run() failed")\n{indent}return {GENERIC_RESPONSE}'
            if not ctx.imported("logging"):
                imports.append("import logging")
        else:
            replacement = f"return {GENERIC_RESPONSE}"
        if "AMLResponse" not in ctx.aliases:
            imports.append(AML_RESPONSE_IMPORT)
        edits: list[TextEdit] = [ctx.import_insert_edit("\n".join(imports))] if imports else []
        edits.append(ctx.replace(ret, replacement))
        fixes.append(Fix("Log the exception and return a generic error", tuple(edits)))
        return fixes
