"""DK116: run() fetches a URL the client chose (server-side request forgery, CWE-918)."""

from __future__ import annotations

import ast
from collections.abc import Iterable

from debugkit.lint.context import LintContext, in_source_order
from debugkit.lint.model import Confidence, Finding, RuleDoc, RuleInfo, Severity
from debugkit.lint.patterns import argument, is_batch_run
from debugkit.lint.registry import Rule, register

REQUESTS_METHODS = {"get", "post", "put", "patch", "delete", "head", "options"}
# fetching call -> (position, keyword) of its URL argument
FETCHES: dict[str, tuple[int, str]] = {
    **{f"requests.{m}": (0, "url") for m in REQUESTS_METHODS},
    "requests.request": (1, "url"),
    **{f"httpx.{m}": (0, "url") for m in REQUESTS_METHODS},
    "httpx.request": (1, "url"),
    "urllib.request.urlopen": (0, "url"),
    "urllib.request.Request": (0, "url"),
    "urllib.request.urlretrieve": (0, "url"),
    # pandas fetches http(s)/s3/file URLs too: a client-chosen path also reads local files
    "pandas.read_csv": (0, "filepath_or_buffer"),
    "pandas.read_json": (0, "path_or_buf"),
    "pandas.read_parquet": (0, "path"),
    "pandas.read_excel": (0, "io"),
    "pandas.read_html": (0, "io"),
}
URL_JOINS = {"urllib.parse.urljoin"}  # an absolute second argument replaces the host


class Chosen:
    """Which names in run() hold a value whose start the client controls.

    Only the start matters: ``f"https://api.example.com/{data['id']}"`` fixes the
    host, ``data["url"]`` or ``f"{data['base']}/x"`` does not.
    """

    def __init__(self, ctx: LintContext, run: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        self.ctx = ctx
        self.names = {a.arg for a in [*run.args.posonlyargs, *run.args.args, *run.args.kwonlyargs]}

    def __call__(self, node: ast.expr | None) -> bool:
        if node is None:
            return False
        if isinstance(node, ast.Name):
            return node.id in self.names
        if isinstance(node, (ast.Subscript, ast.Attribute, ast.Starred)):
            return self(node.value)
        if isinstance(node, ast.JoinedStr):
            first = node.values[0] if node.values else None
            return isinstance(first, ast.FormattedValue) and self(first.value)
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
            return self(node.left)
        if isinstance(node, ast.BoolOp):
            return any(self(v) for v in node.values)
        if isinstance(node, ast.IfExp):
            return self(node.body) or self(node.orelse)
        if isinstance(node, ast.Call):
            return self._call(node)
        return False

    def _call(self, node: ast.Call) -> bool:
        name = self.ctx.qualified_name(node.func) or ""
        if name in ("json.loads", "str") or name in URL_JOINS:
            position = 1 if name in URL_JOINS else 0
            return len(node.args) > position and self(node.args[position])
        func = node.func
        # data.get("url"), raw.decode(), url.strip(): the receiver's value, reshaped
        return isinstance(func, ast.Attribute) and func.attr in (
            "get", "pop", "decode", "strip", "lstrip", "rstrip", "replace", "format",
        ) and self(func.value)  # fmt: skip

    def assign(self, target: ast.expr, chosen: bool) -> None:
        if isinstance(target, ast.Name):
            if chosen:
                self.names.add(target.id)
            else:
                self.names.discard(target.id)
        elif isinstance(target, (ast.Tuple, ast.List)):
            for element in target.elts:
                self.assign(element, chosen)


def _guarded(test: ast.expr, body: list[ast.stmt]) -> set[str]:
    """Names an `if` checks before giving up: `if urlparse(url).hostname not in ALLOWED: raise`."""
    if not body or not isinstance(body[-1], (ast.Raise, ast.Return)):
        return set()
    return {n.id for n in ast.walk(test) if isinstance(n, ast.Name)}


@register
class ClientChosenUrl(Rule):
    info = RuleInfo(
        code="DK116",
        name="client-chosen-url",
        summary="run() fetches a URL taken from the request (server-side request forgery)",
        severity=Severity.ERROR,
        confidence=Confidence.MEDIUM,
        cwe="CWE-918",
        doc=RuleDoc(
            what=(
                "Follows `run()`'s parameters (the request) through `json.loads`, subscripts, "
                "`.get()` and assignments, and reports `requests`/`httpx`/`urllib` calls and "
                "pandas readers whose URL or path starts with a value from the request. A URL "
                'whose host is fixed (`f"https://api.example.com/items/{item_id}"`) and a URL '
                "checked by an `if` that raises or returns first are not reported."
            ),
            why=(
                "The service runs inside your network with the deployment's identity. A client "
                "that chooses the URL can make it call internal services, the cloud metadata "
                "endpoint (which hands out the identity's tokens) or, through pandas, read "
                "local files, and get the answer back in the response or its timing "
                "(server-side request forgery, CWE-918)."
            ),
            example=(
                "def run(raw_data):\n"
                "    data = json.loads(raw_data)\n"
                '    image = requests.get(data["url"], timeout=10).content\n'
                "    return model.predict(decode(image)).tolist()\n"
            ),
            fix=(
                "Let the client choose what, not where: accept the content itself (e.g. base64 "
                "in the body) or an identifier you map to a URL you build; if URLs must be "
                "accepted, check the parsed scheme and host against an allow-list before "
                "fetching:\n\n"
                "```python\n"
                'url = data["url"]\n'
                'if urlparse(url).scheme != "https" or urlparse(url).hostname not in ALLOWED_HOSTS:\n'
                '    return AMLResponse("url not allowed", 400)\n'
                "```"
            ),
        ),
    )

    def check(self, ctx: LintContext) -> Iterable[Finding]:
        run = ctx.run
        if run is None or is_batch_run(run):
            return
        chosen = Chosen(ctx, run)
        checked: set[str] = set()
        for node in in_source_order(run, (ast.Assign, ast.AnnAssign, ast.For, ast.If, ast.Call)):
            if isinstance(node, ast.Assign):
                for target in node.targets:
                    chosen.assign(target, chosen(node.value))
            elif isinstance(node, ast.AnnAssign) and node.value is not None:
                chosen.assign(node.target, chosen(node.value))
            elif isinstance(node, ast.For):
                chosen.assign(node.target, chosen(node.iter))
            elif isinstance(node, ast.If):
                checked |= _guarded(node.test, node.body)
            elif isinstance(node, ast.Call):
                url = self._url(ctx, node)
                if url is None or not chosen(url) or self._is_body_text(ctx, node, url, run):
                    continue
                names = {n.id for n in ast.walk(url) if isinstance(n, ast.Name)}
                if names & checked:
                    continue
                yield self.finding(
                    ctx,
                    url,
                    "this URL comes from the request: a client can make the service fetch "
                    "internal addresses or local files (SSRF, CWE-918); build the URL yourself "
                    "or check its host against an allow-list",
                )

    def _is_body_text(
        self,
        ctx: LintContext,
        call: ast.Call,
        url: ast.expr,
        run: ast.FunctionDef | ast.AsyncFunctionDef,
    ) -> bool:
        """`pd.read_json(raw_data)`: the body is JSON text, DK113's finding (its fix covers both)."""
        body = [*run.args.posonlyargs, *run.args.args][:1]
        return (
            ctx.qualified_name(call.func) == "pandas.read_json"
            and isinstance(url, ast.Name)
            and [url.id] == [a.arg for a in body]
        )

    def _url(self, ctx: LintContext, call: ast.Call) -> ast.expr | None:
        name = ctx.qualified_name(call.func) or ""
        where = FETCHES.get(name)
        if where is None:
            return None
        return argument(call, *where)
