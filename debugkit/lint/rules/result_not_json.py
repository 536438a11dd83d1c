"""DK112: run() returns (or json.dumps) a numpy/pandas value JSON cannot encode."""

from __future__ import annotations

import ast
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from debugkit.lint.context import LintContext, in_source_order
from debugkit.lint.model import Confidence, Finding, Fix, RuleDoc, RuleInfo, Severity, TextEdit
from debugkit.lint.patterns import base_name, is_batch_run
from debugkit.lint.registry import Rule, register

ARRAY, FRAME = "array", "frame"  # what the value is; says which conversion makes it JSON
CONVERSION = {ARRAY: ".tolist()", FRAME: '.to_dict(orient="records")'}
DESCRIBED = {ARRAY: "a numpy array or scalar", FRAME: "a pandas DataFrame"}

PREDICT_METHODS = {"predict", "predict_proba", "predict_log_proba", "decision_function"}
# numpy calls that always make an array or a numpy scalar JSON cannot encode (np.argmax gives
# np.int64); other numpy functions (np.exp, np.mean, ...) are followed from their first argument,
# since on plain floats they give np.float64, a float subclass JSON encodes
NUMPY_MAKERS = {
    "array", "asarray", "asanyarray", "zeros", "ones", "empty", "full", "arange", "linspace",
    "zeros_like", "ones_like", "full_like", "stack", "vstack", "hstack", "concatenate",
    "column_stack", "expand_dims", "argmax", "argmin", "argsort", "unique", "where", "nonzero",
    "int8", "int16", "int32", "int64", "uint8", "float16", "float32", "bool_", "load", "frombuffer",
}  # fmt: skip
PANDAS_FRAMES = {"DataFrame", "concat", "merge", "get_dummies", "pivot_table"}
PANDAS_ARRAYS = {"Series", "array", "to_datetime", "to_numeric"}
# methods that keep the receiver's kind; any other method's result is not followed
KEEPS_KIND = {
    "reshape", "round", "astype", "flatten", "ravel", "copy", "squeeze", "clip", "transpose",
    "head", "tail", "fillna", "dropna", "sort_values", "reset_index", "rename", "abs",
}  # fmt: skip
JSON_DUMPS = {"json.dumps", "json.dump"}


@dataclass
class Values:
    """What each name in run() holds, statement by statement in source order.

    A name holds a value of a kind (ARRAY/FRAME) or is a container holding such
    values where they were put in (so the fix converts them there). Branches are
    not merged: the last assignment before a use wins, which misses some findings
    rather than inventing them.
    """

    ctx: LintContext
    kinds: dict[str, str] = field(default_factory=dict)
    contents: dict[str, list[tuple[ast.expr, str]]] = field(default_factory=dict)

    def kind(self, node: ast.expr) -> str | None:
        if isinstance(node, ast.Name):
            return self.kinds.get(node.id)
        if isinstance(node, ast.Call):
            return self._call(node)
        if isinstance(node, ast.Attribute):
            receiver = self.kind(node.value)
            if receiver == FRAME and node.attr == "values":
                return ARRAY
            return receiver if node.attr == "T" else None
        if isinstance(node, ast.BinOp):
            return self.kind(node.left) or self.kind(node.right)
        if isinstance(node, ast.Subscript):
            receiver = self.kind(node.value)
            if receiver == FRAME:
                return FRAME if isinstance(node.slice, ast.List) else ARRAY
            if receiver == ARRAY and _is_slice(node.slice):
                return ARRAY
        return None

    def _call(self, node: ast.Call) -> str | None:
        func = node.func
        if isinstance(func, ast.Attribute):
            if func.attr in PREDICT_METHODS:
                return ARRAY
            if func.attr in KEEPS_KIND:
                return self.kind(func.value)
        name = self.ctx.qualified_name(func) or ""
        module, _, last = name.rpartition(".")
        if name.startswith("numpy."):
            if last in NUMPY_MAKERS or any(k.arg == "axis" for k in node.keywords):
                return ARRAY
            return self.kind(node.args[0]) if node.args else None
        if module == "pandas" or name.startswith("pandas.DataFrame."):
            if last in PANDAS_FRAMES or last.startswith(("read_", "from_")):
                return FRAME
            if last in PANDAS_ARRAYS:
                return ARRAY
        return None

    def leaves(self, node: ast.expr | None) -> list[tuple[ast.expr, str]]:
        """The values JSON cannot encode in ``node``, where they appear in the code."""
        if node is None:
            return []
        kind = self.kind(node)
        if kind:
            return [(node, kind)]
        if isinstance(node, ast.Name):
            return list(self.contents.get(node.id, []))
        if isinstance(node, ast.Dict):
            return [leaf for value in node.values for leaf in self.leaves(value)]
        if isinstance(node, (ast.List, ast.Tuple, ast.Set)):
            return [leaf for element in node.elts for leaf in self.leaves(element)]
        if isinstance(node, ast.Starred):
            return self.leaves(node.value)
        return []

    def assign(self, target: ast.expr, value: ast.expr | None) -> None:
        if isinstance(target, ast.Name):
            self.kinds.pop(target.id, None)
            self.contents.pop(target.id, None)
            kind = self.kind(value) if value is not None else None
            if kind:
                self.kinds[target.id] = kind
            elif value is not None and self.leaves(value):
                self.contents[target.id] = self.leaves(value)
        elif isinstance(target, (ast.Subscript, ast.Attribute)):
            self.put_into(target, value)
        elif isinstance(target, (ast.Tuple, ast.List)):
            for element in target.elts:  # unpacking: the parts are not followed
                self.assign(element.value if isinstance(element, ast.Starred) else element, None)

    def put_into(self, container: ast.expr, value: ast.expr | None) -> None:
        name = base_name(container)
        found = self.leaves(value)
        if name and found and name not in self.kinds:
            self.contents.setdefault(name, []).extend(found)


def _is_slice(node: ast.expr) -> bool:
    if isinstance(node, ast.Slice):
        return True
    return isinstance(node, ast.Tuple) and any(isinstance(e, ast.Slice) for e in node.elts)


def _statements(run: ast.AST) -> Iterator[ast.AST]:
    """Assignments, container updates, loops' targets, json.dumps calls and returns, in order."""
    kinds = (
        ast.Assign,
        ast.AnnAssign,
        ast.AugAssign,
        ast.For,
        ast.AsyncFor,
        ast.With,
        ast.AsyncWith,
    )
    yield from in_source_order(run, (*kinds, ast.Return, ast.Call, ast.NamedExpr))


@register
class ResultNotJson(Rule):
    info = RuleInfo(
        code="DK112",
        name="result-not-json",
        summary="run() returns a numpy/pandas value JSON cannot encode",
        severity=Severity.ERROR,
        confidence=Confidence.MEDIUM,
        doc=RuleDoc(
            what=(
                "Follows what `run()` returns back to `model.predict(...)`/`predict_proba(...)`, "
                "numpy calls and pandas DataFrames/Series, through assignments, dicts, lists and "
                "tuples, and reports such a value returned (or passed to `json.dumps`) without "
                "`.tolist()`, `.to_dict()` or `.to_json()`."
            ),
            why=(
                "The server encodes what `run()` returns as JSON. A numpy array, a numpy integer, "
                "a DataFrame, or a dict or tuple holding one cannot be encoded: every request "
                "fails with 502 (`TypeError: Object of type ndarray is not JSON serializable`), "
                "or, when `json.dumps` is called inside a `try` that returns the error, with a "
                "200 carrying an error string. Locally, in a notebook, the same code just works."
            ),
            example=(
                "def run(raw_data):\n"
                '    data = np.array(json.loads(raw_data)["data"])\n'
                "    predictions = model.predict(data)\n"
                '    return {"predictions": predictions}\n'
            ),
            fix=(
                "Convert before returning: `predictions.tolist()` for numpy arrays, numpy "
                'scalars and Series, `frame.to_dict(orient="records")` for DataFrames (the quick '
                "fix adds the conversion)."
            ),
        ),
    )

    def check(self, ctx: LintContext) -> Iterable[Finding]:
        run = ctx.run
        if run is None or is_batch_run(run):
            return
        values = Values(ctx)
        reported: set[int] = set()
        for node in _statements(run):
            found: list[tuple[ast.expr, str]] = []
            what = "run() returns"
            if isinstance(node, ast.Return):
                found = values.leaves(node.value)
            elif isinstance(node, ast.Call):
                found = self._container_update(ctx, values, node)
                what = "json.dumps() is given"
            elif isinstance(node, ast.Assign):
                for target in node.targets:
                    values.assign(target, node.value)
            elif isinstance(node, (ast.AnnAssign, ast.NamedExpr)):
                values.assign(node.target, node.value)
            elif isinstance(node, ast.AugAssign):
                values.put_into(node.target, node.value)
            elif isinstance(node, (ast.For, ast.AsyncFor)):
                values.assign(node.target, None)
            elif isinstance(node, (ast.With, ast.AsyncWith)):
                for item in node.items:
                    if item.optional_vars is not None:
                        values.assign(item.optional_vars, None)
            for leaf, kind in found:
                if id(leaf) in reported:
                    continue
                reported.add(id(leaf))
                yield self._finding(ctx, leaf, kind, what)

    def _container_update(
        self, ctx: LintContext, values: Values, call: ast.Call
    ) -> list[tuple[ast.expr, str]]:
        """Follow `out.append(x)`; return what `json.dumps(x)` (no default=/cls=) cannot encode."""
        func = call.func
        if isinstance(func, ast.Attribute) and func.attr in ("append", "extend", "insert", "add"):
            for arg in call.args:
                values.put_into(func.value, arg)
            return []
        if ctx.qualified_name(func) in JSON_DUMPS and call.args:
            if any(k.arg in ("default", "cls") for k in call.keywords):
                return []
            return values.leaves(call.args[0])
        return []

    def _finding(self, ctx: LintContext, leaf: ast.expr, kind: str, what: str) -> Finding:
        conversion = CONVERSION[kind]
        return self.finding(
            ctx,
            leaf,
            f"{what} {DESCRIBED[kind]}, which JSON cannot encode: the request fails "
            f"(502 or an error text); convert it with {conversion}",
            [Fix(f"Convert with {conversion}", _wrap(ctx, leaf, conversion))],
        )


def _wrap(ctx: LintContext, node: ast.expr, conversion: str) -> tuple[TextEdit, ...]:
    line, col, end_line, end_col = ctx.span(node)
    if isinstance(node, (ast.Name, ast.Call, ast.Attribute, ast.Subscript)):
        return (TextEdit(end_line, end_col, end_line, end_col, conversion),)
    return (
        TextEdit(line, col, line, col, "("),
        TextEdit(end_line, end_col, end_line, end_col, ")" + conversion),
    )
