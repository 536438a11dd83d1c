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
