"""Check 4: every model the script asks for resolves in the running server, the way the script
asks for it: literal ``get_model_path`` names (resolved by the server's own copy of
azureml-core's rules) and literal paths below ``AZUREML_MODEL_DIR``, as the linter finds them."""

from __future__ import annotations

import difflib
from typing import Any

from debugkit.check.context import CheckContext
from debugkit.check.result import CheckResult, failed, passed
from debugkit.lint.modelrefs import ModelReference, model_references

NAME, TITLE = "models", "models resolve where score.py looks"

# Runs where the server runs (its python, its environment, its working directory).
_PROBE = """
import json, os, sys
from debugkit.server.modelpath import diagnose, models_root_from_env
out = []
model_dir = os.environ.get("AZUREML_MODEL_DIR") or ""
for ref in json.loads(sys.argv[1]):
    if ref["name"] is not None:
        out.append(diagnose(ref["name"], ref["version"], models_root_from_env(), os.getcwd()))
    else:
        path = os.path.join(model_dir, ref["relative"])
        parent = os.path.dirname(path)
        there = sorted(os.listdir(parent)) if os.path.isdir(parent) else []
        out.append({"exists": os.path.exists(path), "resolved": path, "there": there})
print(json.dumps(out))
"""


def check(ctx: CheckContext) -> CheckResult:
    config = ctx.config
    refs = model_references(config.entry_path.read_text(encoding="utf-8", errors="replace"))
    configured = ", ".join(f"{m.name}:{m.version}" for m in config.models) or "none"
    if not refs:
        return passed(NAME, TITLE, f"score.py names no model literally (configured: {configured})")
    if ctx.server is None or not ctx.server.is_running():
        return ctx.not_made(NAME, TITLE, "the server is not running")
    ctx.progress(f"resolving {len(refs)} model reference(s) in the server")
    payload = [{"name": r.name, "version": r.version, "relative": r.relative} for r in refs]
    answers = ctx.server.run_json(_PROBE, payload)
    if not isinstance(answers, list) or len(answers) != len(refs):
        return ctx.not_made(NAME, TITLE, "could not run a probe where the server runs")
    problems = [
        _problem(ctx, ref, answer) for ref, answer in zip(refs, answers) if not answer.get("exists")
    ]
    where = f"{config.entry_path.name}:{{}}"
    if problems:
        first = problems[0]
        return failed(
            NAME,
            TITLE,
            f"{len(problems)} of {len(refs)} not found: {first[0]}",
            first[1],
            *(p[0] for p in problems[1:]),
        )
    found = ", ".join(f"{r.label} ({where.format(r.line)})" for r in refs)
    named = {r.name for r in refs}
    unasked = [m.name for m in config.models if m.name not in named]
    note = (
        [f"configured, not named literally in score.py: {', '.join(unasked)}"]
        if unasked and len(config.models) > 1
        else []
    )
    return passed(NAME, TITLE, f"{len(refs)} found: {found}", *note)


def _problem(ctx: CheckContext, ref: ModelReference, answer: dict[str, Any]) -> tuple[str, str]:
    """(what is wrong, the remedy) for one reference that did not resolve."""
    at = f"{ctx.config.entry_path.name}:{ref.line}"
    if ref.name is not None:
        suggestion = answer.get("suggestion")
        error = answer.get("error") or {}
        if suggestion:
            cause = f"no model named '{ref.name}'; did you mean '{suggestion}'?"
        else:  # what azureml-core raises, up to its advice to turn on DEBUG logging
            cause = str(error.get("message") or "not found").split(" For more info")[0]
        what = f"{ref.label} at {at}: {cause}"
        if suggestion:
            return what, f"use the registered name '{suggestion}' at {at}"
        return what, "add the model to the project's models (debugkit.yaml models:, or model/)"
    there = answer.get("there") or []
    what = f"{ref.label} at {at}: {answer.get('resolved')} does not exist"
    if there:
        what += f" (there: {', '.join(there)})"
    close = difflib.get_close_matches(
        ref.relative.rsplit("/", 1)[-1] if ref.relative else "", there, n=1
    )
    if close:
        return what, f"use '{close[0]}' at {at}"
    return what, (
        "build the path from the model's file name as deployed: AZUREML_MODEL_DIR is "
        "azureml-models/<name>/<version> with one model, azureml-models with several"
    )
