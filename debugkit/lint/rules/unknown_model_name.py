"""DK108: get_model_path("name") for a model the project does not configure."""

from __future__ import annotations

import ast
import difflib
from collections.abc import Iterable, Iterator

from debugkit.lint.context import LintContext
from debugkit.lint.model import Confidence, Finding, Fix, RuleDoc, RuleInfo, Severity
from debugkit.lint.patterns import argument, string_value
from debugkit.lint.registry import Rule, register


def model_path_calls(
    ctx: LintContext,
) -> Iterator[tuple[ast.Call, ast.expr | None, ast.expr | None]]:
    """Each `Model.get_model_path(name, version)` call with its name and version arguments."""
    for call, name in ctx.named_calls():
        if name.rsplit(".", 1)[-1] == "get_model_path":
            yield call, argument(call, 0, "model_name"), argument(call, 1, "version")


def same_quotes(original: str, text: str) -> str:
    """``text`` as a string literal quoted like ``original`` (`"a"` stays double-quoted)."""
    body = original.lstrip("rRuU")
    quote = body[:3] if body[:3] in ('"""', "'''") else body[:1]
    if quote in ('"', "'", '"""', "'''") and quote[0] not in text and "\\" not in text:
        return quote + text + quote
    return repr(text)


@register
class UnknownModelName(Rule):
    info = RuleInfo(
        code="DK108",
        name="unknown-model-name",
        summary="get_model_path() names a model the project does not configure",
        severity=Severity.ERROR,
        confidence=Confidence.HIGH,
        doc=RuleDoc(
            what=(
                "Checks literal names (and versions) passed to `Model.get_model_path()` against "
                "the models the project's configuration declares, read as `debugkit up` reads "
                "it: `debugkit.yaml` `models`, the v2 deployment YAML `model`, or the `model/` "
                "or `models/` folder. Suggests the closest configured name."
            ),
            why=(
                "`get_model_path` looks only under `azureml-models/<name>/<version>/`. A name "
                "that is not deployed raises `ModelNotFoundException: Model <name> not found in "
                "cache` in `init()`, and the container crash-loops."
            ),
            example='def init():\n    path = Model.get_model_path("my-best-modle")\n',
            fix=(
                "Use the registered name (the quick fix offers the closest one), or add the model "
                "to `models:` in `debugkit.yaml`."
            ),
        ),
    )

    def check(self, ctx: LintContext) -> Iterable[Finding]:
        calls = list(model_path_calls(ctx))
        if not calls:
            return
        models = ctx.models()
        if models is None or models.error is not None:
            return
        known = models.names
        for _, name_node, version_node in calls:
            name = string_value(name_node)
            if name is None or name_node is None:
                continue
            if name not in known:
                yield self._unknown(ctx, name_node, name, sorted(known))
                continue
            version = version_node.value if isinstance(version_node, ast.Constant) else None
            if isinstance(version, int) and version not in known[name]:
                available = ", ".join(str(v) for v in sorted(known[name]))
                assert version_node is not None
                yield self.finding(
                    ctx,
                    version_node,
                    f"model '{name}' has no version {version} in this project (configured: {available})",
                )

    def _unknown(self, ctx: LintContext, node: ast.expr, name: str, known: list[str]) -> Finding:
        if not known:
            return self.finding(
                ctx,
                node,
                f"model '{name}' is not configured: this project has no models "
                "(add models: to debugkit.yaml or put the model under model/)",
            )
        close = difflib.get_close_matches(name, known, n=1, cutoff=0.5)
        hint = f"; did you mean '{close[0]}'?" if close else f"; configured: {', '.join(known)}"
        fixes = (
            [
                Fix(
                    f"Use '{close[0]}'",
                    (ctx.replace(node, same_quotes(ctx.segment(node), close[0])),),
                )
            ]
            if close
            else []
        )
        return self.finding(
            ctx, node, f"model '{name}' is not configured for this project{hint}", fixes
        )
