"""DK106: run() loads the model on every request."""

from __future__ import annotations

import ast
from collections.abc import Iterable

from debugkit.lint.context import LintContext, walk_function
from debugkit.lint.model import Confidence, Finding, RuleDoc, RuleInfo, Severity
from debugkit.lint.patterns import is_model_loader
from debugkit.lint.registry import Rule, register


def _uncached_calls(func: ast.AST) -> Iterable[ast.Call]:
    """Calls in run() that are not under an `if` (the lazy-load-once pattern)."""
    stack = [(child, False) for child in ast.iter_child_nodes(func)]
    while stack:
        node, guarded = stack.pop()
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)):
            continue
        if isinstance(node, ast.Call) and not guarded:
            yield node
        inner = guarded or isinstance(node, (ast.If, ast.IfExp))
        stack.extend((child, inner) for child in ast.iter_child_nodes(node))


@register
class ModelLoadedPerRequest(Rule):
    info = RuleInfo(
        code="DK106",
        name="model-loaded-per-request",
        summary="run() loads the model on every request",
        severity=Severity.WARNING,
        confidence=Confidence.MEDIUM,
        doc=RuleDoc(
            what=(
                "Finds model loading in `run()`: `joblib.load`, `pickle.load`, `torch.load`, "
                "Keras/TensorFlow `load_model`, `mlflow.<flavor>.load_model`, "
                "`onnxruntime.InferenceSession`, `from_pretrained` and similar, when not guarded "
                "by a cache check (`if model is None:`)."
            ),
            why=(
                "`init()` runs once per worker; `run()` runs per request. Loading there adds the "
                "load time and memory to every request: latency grows, requests pile up into "
                "503s and 504s, and memory churn restarts workers (`Booting worker` in the log)."
            ),
            example=(
                "def run(raw_data):\n"
                '    model = joblib.load(os.path.join(os.getenv("AZUREML_MODEL_DIR"), "model.pkl"))\n'
                "    return model.predict(parse(raw_data)).tolist()\n"
            ),
            fix=(
                "Load in `init()` into a global (`global model`), and use it in `run()`; or cache "
                "it lazily with `if model is None: model = load()`."
            ),
        ),
    )

    def check(self, ctx: LintContext) -> Iterable[Finding]:
        run = ctx.run
        if run is None:
            return
        declared_global = {
            n for node in walk_function(run) if isinstance(node, ast.Global) for n in node.names
        }
        for call in _uncached_calls(run):
            name = ctx.qualified_name(call.func)
            if not is_model_loader(name):
                continue
            if declared_global and _assigns_global(run, call, declared_global):
                continue
            yield self.finding(
                ctx,
                call,
                f"run() calls {name}() on every request; load the model once in init() into a global",
            )


def _assigns_global(run: ast.AST, call: ast.Call, names: set[str]) -> bool:
    """`global model; model = joblib.load(...)` in run() caches by design (reported elsewhere if wrong)."""
    for node in walk_function(run):
        if isinstance(node, ast.Assign) and node.value is call:
            return any(isinstance(t, ast.Name) and t.id in names for t in node.targets)
    return False
