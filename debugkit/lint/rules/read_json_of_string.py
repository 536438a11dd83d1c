"""DK113: pd.read_json() given a JSON string instead of a path or buffer."""

from __future__ import annotations

import ast
import json
from collections.abc import Iterable

from debugkit.lint.context import LintContext, walk_function
from debugkit.lint.model import Confidence, Finding, Fix, RuleDoc, RuleInfo, Severity, TextEdit
from debugkit.lint.patterns import (
    argument,
    enclosing_function,
    functions_and_methods,
    is_batch_run,
)
from debugkit.lint.registry import Rule, register

READ_JSON = "pandas.read_json"
TEXT_METHODS = {"decode", "get_data", "strip"}


def _is_json_literal(node: ast.expr) -> bool:
    """A literal that is JSON, or an f-string that starts like a JSON object or array
    (`f'{{"rows": {rows}}}'`); `"{}/data.json".format(...)`-style templates are paths."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        try:
            json.loads(node.value)
        except ValueError:
            return False
        return node.value.lstrip().startswith(("{", "["))
    if isinstance(node, ast.JoinedStr) and node.values:
        first = node.values[0]
        return isinstance(first, ast.Constant) and str(first.value).lstrip().startswith(('{"', "["))
    return False


def _text_names(
    ctx: LintContext, func: ast.FunctionDef | ast.AsyncFunctionDef, before: int
) -> set[str]:
    """Names holding JSON text on line ``before``: run()'s request parameter and names assigned
    from it or from json.dumps/.decode(); a later assignment of anything else drops the name."""
    is_request = func.name == "run" and not is_batch_run(func)
    names = {a.arg for a in [*func.args.posonlyargs, *func.args.args][:1]} if is_request else set()
    assignments = sorted(
        (n for n in walk_function(func) if isinstance(n, ast.Assign) and n.lineno < before),
        key=lambda n: (n.lineno, n.col_offset),
    )
    for node in assignments:
        text = _is_text(ctx, node.value, names)
        for target in node.targets:
            if isinstance(target, ast.Name):
                (names.add if text else names.discard)(target.id)
    return names


def _is_text(ctx: LintContext, node: ast.expr, names: set[str]) -> bool:
    if _is_json_literal(node):
        return True
    if isinstance(node, ast.Name):
        return node.id in names
    if isinstance(node, ast.Call):
        name = ctx.qualified_name(node.func) or ""
        if name == "json.dumps":
            return True
        if name == "str":
            return any(_is_text(ctx, a, names) for a in node.args)
        func = node.func
        if isinstance(func, ast.Attribute) and func.attr in TEXT_METHODS:
            return func.attr == "get_data" or _is_text(ctx, func.value, names)
    return False


@register
class ReadJsonOfString(Rule):
    info = RuleInfo(
        code="DK113",
        name="read-json-of-string",
        summary="pd.read_json() given JSON text, which pandas treats as a path",
        severity=Severity.WARNING,
        confidence=Confidence.HIGH,
        scoring_only=False,
        doc=RuleDoc(
            what=(
                "Finds `pd.read_json(...)` called with JSON text rather than a path or a file "
                "object: `run()`'s request body, a name built from it, `json.dumps(...)`, "
                "`.decode()` of bytes, or a literal starting with `{` or `[`."
            ),
            why=(
                "Passing literal JSON to `read_json` is deprecated since pandas 2.1 (a "
                "`FutureWarning` in the service log) and removed in pandas 3, which treats the "
                "text as a file path: every request then fails with `FileNotFoundError` whose "
                "message repeats the request body. The environment the service builds installs "
                "current pandas, so a script that worked on the training machine breaks."
            ),
            example=(
                "def run(raw_data):\n"
                '    frame = pd.read_json(raw_data, orient="records")\n'
                "    return model.predict(frame).tolist()\n"
            ),
            fix=(
                "Wrap the text in a buffer: `pd.read_json(io.StringIO(raw_data))` (the quick "
                "fix does this and adds `import io`)."
            ),
        ),
    )

    def check(self, ctx: LintContext) -> Iterable[Finding]:
        calls = [call for call, name in ctx.named_calls() if name == READ_JSON]
        functions = functions_and_methods(ctx.tree) if calls else []
        for call in calls:
            source = argument(call, 0, "path_or_buf")
            if source is None:
                continue
            func = enclosing_function(functions, call.lineno)
            names = _text_names(ctx, func, call.lineno) if func else set()
            if _is_text(ctx, source, names):
                yield self.finding(
                    ctx,
                    source,
                    "pd.read_json() is given JSON text: pandas 3 treats it as a file path "
                    "(FileNotFoundError), pandas 2.1+ warns; wrap it: io.StringIO(...)",
                    [self._fix(ctx, source)],
                )

    def _fix(self, ctx: LintContext, source: ast.expr) -> Fix:
        line, col, end_line, end_col = ctx.span(source)
        edits = []
        if "io" not in ctx.aliases:
            edits.append(ctx.import_insert_edit("import io"))
        edits.append(TextEdit(line, col, line, col, "io.StringIO("))
        edits.append(TextEdit(end_line, end_col, end_line, end_col, ")"))
        return Fix("Wrap in io.StringIO(...)", tuple(edits))
