"""Editor settings, parsed into a typed object with safe defaults.

Accepted from ``initializationOptions`` and ``workspace/configuration`` (section
``debugkit.lint``), either as the object itself or nested as ``{"lint": {...}}`` /
``{"debugkit": {"lint": {...}}}``. ``select``/``ignore`` are the same keys as
``[tool.debugkit.lint]`` in pyproject.toml. A bad value falls back to its default
and is reported, never raised.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from debugkit.lint import RuleSelection, all_rules
from debugkit.lint.selection import unknown_selectors

SECTION = "debugkit.lint"
MAX_DEBOUNCE_MS = 5000
MAX_HOVER_TIMEOUT_MS = 5000


@dataclass(frozen=True)
class Settings:
    enabled: bool = True
    select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    debounce_ms: int = 300  # delay after the last change before linting
    hover_timeout_ms: int = 500  # how long hover waits for a running debugkit session
    entry_scripts: tuple[str, ...] = ()  # extra file names always linted as scoring scripts

    @property
    def selection(self) -> RuleSelection:
        return RuleSelection(select=self.select, ignore=self.ignore)


KEYS = {
    "enabled": "enabled",
    "select": "select",
    "ignore": "ignore",
    "debounceMs": "debounce_ms",
    "hoverTimeoutMs": "hover_timeout_ms",
    "entryScripts": "entry_scripts",
}


# The VS Code extension's package.json declares each key as `debugkit.lint.<key>` with this
# schema (tests/vscode/test_extension.py checks they are equal; scripts/sync-extension-settings.py
# writes them), so the Settings UI and the server cannot drift apart.
_RULE_LIST = {"type": "array", "items": {"type": "string"}, "uniqueItems": True}
DESCRIPTIONS: dict[str, tuple[dict[str, Any], str]] = {
    "enabled": ({"type": "boolean"}, "Lint Python files with the debugkit rules."),
    "select": (
        _RULE_LIST,
        'Only these rules: codes, code prefixes or rule names (e.g. `["DK1"]`); empty = all. Same as '
        "`[tool.debugkit.lint] select` in pyproject.toml.",
    ),
    "ignore": (
        _RULE_LIST,
        'Rules or prefixes to leave out (e.g. `["DK103"]`). Same as '
        "`[tool.debugkit.lint] ignore` in pyproject.toml.",
    ),
    "debounceMs": (
        {"type": "integer", "minimum": 0, "maximum": MAX_DEBOUNCE_MS},
        "Milliseconds after the last keystroke before a file is linted again.",
    ),
    "hoverTimeoutMs": (
        {"type": "integer", "minimum": 0, "maximum": MAX_HOVER_TIMEOUT_MS},
        "How long a hover on `get_model_path()` waits for the running debugkit session.",
    ),
    "entryScripts": (
        {"type": "array", "items": {"type": "string"}},
        "Extra file names always linted as scoring scripts (besides `score.py` and the "
        "configured entry script).",
    ),
}


def package_json_properties() -> dict[str, Any]:
    """`contributes.configuration.properties` entries for every key, defaults from Settings."""
    defaults = Settings()
    properties = {}
    for key, field_name in KEYS.items():
        schema, description = DESCRIPTIONS[key]
        default = getattr(defaults, field_name)
        properties[f"{SECTION}.{key}"] = {
            **schema,
            "default": list(default) if isinstance(default, tuple) else default,
            "markdownDescription": description,
        }
    return properties


def _unwrap(raw: Any) -> Any:
    if isinstance(raw, Mapping) and "debugkit" in raw and isinstance(raw["debugkit"], Mapping):
        raw = raw["debugkit"]
    if isinstance(raw, Mapping) and "lint" in raw and isinstance(raw["lint"], Mapping):
        raw = raw["lint"]
    return raw


def parse_settings(raw: Any) -> tuple[Settings, list[str]]:
    """Settings from a client's JSON, and one message per value that was ignored."""
    raw = _unwrap(raw)
    if raw is None:
        return Settings(), []
    if not isinstance(raw, Mapping):
        return Settings(), [
            f"{SECTION}: expected an object, got {type(raw).__name__}; using defaults"
        ]
    problems: list[str] = []
    values: dict[str, Any] = {}
    for key, value in raw.items():
        field = KEYS.get(key)
        if field is None:
            problems.append(
                f"{SECTION}.{key} is not a known setting (known: {', '.join(KEYS)}); ignored"
            )
            continue
        parsed = _parse_value(key, value, problems)
        if parsed is not None:
            values[field] = parsed
    return Settings(**values), problems


def _parse_value(key: str, value: Any, problems: list[str]) -> Any:
    where = f"{SECTION}.{key}"
    if key == "enabled":
        if isinstance(value, bool):
            return value
        problems.append(f"{where}: expected true or false, got {value!r}; using the default")
        return None
    if key in ("select", "ignore", "entryScripts"):
        if isinstance(value, str):
            value = [v for v in value.split(",") if v.strip()]
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            problems.append(
                f'{where}: expected a list of strings like ["DK101"], got {value!r}; using the default'
            )
            return None
        items = tuple(v.strip() for v in value)
        if key != "entryScripts":
            unknown = unknown_selectors(items, [r.info for r in all_rules()])
            if unknown:
                problems.append(f"{where}: unknown rule code(s) {', '.join(unknown)}; ignored")
                items = tuple(v for v in items if v not in unknown)
        return items
    limit = MAX_DEBOUNCE_MS if key == "debounceMs" else MAX_HOVER_TIMEOUT_MS
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value <= limit:
        problems.append(
            f"{where}: expected milliseconds between 0 and {limit}, got {value!r}; using the default"
        )
        return None
    return int(value)
