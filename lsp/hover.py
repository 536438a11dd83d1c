"""Hover on `get_model_path(...)`: where the name resolves, and what a running session says."""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from debugkit.errors import ConfigError, UserError
from debugkit.lint.context import build_context
from debugkit.lint.parsing import parse_module
from debugkit.lint.patterns import string_value
from debugkit.lint.project import container_model_path, load_project
from debugkit.lint.rules.unknown_model_name import model_path_calls


@dataclass(frozen=True)
class ModelPathCall:
    name: str
    version: int | None
    line: int  # 1-based
    col: int
    end_line: int
    end_col: int


def find_call(source: str, line: int, character: int) -> ModelPathCall | None:
    """The get_model_path call with a literal name at (1-based line, 0-based character)."""
    try:
        parsed = parse_module(source)  # shares the lint's chunk cache
    except (SyntaxError, ValueError):
        return None
    ctx = build_context(source, parsed.tree, None, calls=parsed.calls, imports=parsed.imports)
    for call, name_node, version_node in model_path_calls(ctx):
        start_line, start_col, end_line, end_col = ctx.span(call)
        inside = (start_line, start_col) <= (line, character) <= (end_line, end_col)
        name = string_value(name_node)
        if not inside or name is None:
            continue
        version = version_node.value if isinstance(version_node, ast.Constant) else None
        return ModelPathCall(name, version if isinstance(version, int) else None, *ctx.span(call))
    return None


def describe(path: Path, call: ModelPathCall, session_timeout_s: float) -> str:
    """Markdown for the hover. Blocking (reads config, may ask the session): run it off the event loop."""
    label = f"`{call.name}`" + (f" version {call.version}" if call.version is not None else "")
    lines = [f"**Model {label}**", ""]
    try:
        config = load_project(path)
    except ConfigError as err:
        return "\n".join([*lines, f"Project config could not be read: {err.message}"])
    resolved = container_model_path(config, call.name, call.version)
    source = config.config_file.name if config.config_file else "the model/ or models/ folder"
    if resolved:
        lines.append(f"Resolves in the container to `{resolved}` (from {source}).")
    else:
        known = ", ".join(f"`{m.name}` v{m.version}" for m in config.models) or "none"
        lines.append(
            f"Not configured for this project (from {source}); configured models: {known}."
        )
    lines += ["", _session_answer(config.project_key, call, session_timeout_s)]
    return "\n".join(lines)


def _session_answer(project_key: str, call: ModelPathCall, timeout_s: float) -> str:
    from debugkit import session as sessions
    from debugkit.client import ServerClient

    running = sessions.load(project_key)
    if running is None:
        return (
            "No debugkit session is running for this project (`debugkit up` to ask the container)."
        )
    try:
        response = ServerClient(running.url, timeout=timeout_s).model_path(call.name, call.version)
        answer: Any = response.json()
    except (UserError, OSError, ValueError):
        return f"The debugkit session at {running.url} did not answer within {timeout_s:g} s."
    if not isinstance(answer, dict):
        return f"The debugkit session at {running.url} gave an unexpected answer."
    if answer.get("resolved"):
        exists = "exists" if answer.get("exists") else "does **not** exist"
        text = f"Running container ({running.url}): `{answer['resolved']}` {exists}."
    else:
        text = f"Running container ({running.url}): not found."
    if answer.get("suggestion"):
        text += f" Did you mean `{answer['suggestion']}`?"
    if answer.get("diagnosis"):
        text += f"\n\n{answer['diagnosis']}"
    return text
