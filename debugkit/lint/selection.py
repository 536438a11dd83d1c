"""Which rules run: `select`/`ignore` by code, code prefix or rule name (ruff style)."""

from __future__ import annotations

import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from debugkit.errors import ConfigError, UserError
from debugkit.lint.model import RuleInfo

PYPROJECT_TABLE = "tool.debugkit.lint"


@dataclass(frozen=True)
class RuleSelection:
    select: tuple[str, ...] = ()  # empty: every rule
    ignore: tuple[str, ...] = ()

    def enabled(self, rule: RuleInfo) -> bool:
        if self.select and not any(_matches(rule, s) for s in self.select):
            return False
        return not any(_matches(rule, s) for s in self.ignore)


def _matches(rule: RuleInfo, selector: str) -> bool:
    selector = selector.strip()
    if selector.upper() == "ALL":
        return True
    return rule.code.startswith(selector.upper()) or rule.name == selector.lower()


def unknown_selectors(selectors: Iterable[str], rules: Sequence[RuleInfo]) -> list[str]:
    return [s for s in selectors if not any(_matches(r, s) for r in rules)]


def split_codes(values: Iterable[str]) -> tuple[str, ...]:
    """`--select DK101,DK102 --select DK103` -> ("DK101", "DK102", "DK103")."""
    return tuple(part.strip() for value in values for part in value.split(",") if part.strip())


def find_pyproject(start: Path) -> Path | None:
    folder = start if start.is_dir() else start.parent
    for candidate in (folder, *folder.parents):
        if (candidate / "pyproject.toml").is_file():
            return candidate / "pyproject.toml"
    return None


def read_pyproject_selection(pyproject: Path) -> RuleSelection:
    """`[tool.debugkit.lint]` select/ignore; a bad value is a ConfigError naming the key."""
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - Python < 3.11
        try:
            import tomli as tomllib
        except ImportError:
            raise UserError(
                f"{pyproject}: reading [tool.debugkit.lint] needs Python 3.11+ or 'pip install tomli'"
            ) from None
    try:
        data: dict[str, Any] = tomllib.loads(pyproject.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(pyproject, None, f"cannot be read ({exc.strerror})") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(pyproject, None, f"is not valid TOML ({exc}); fix the syntax") from None
    table = data.get("tool", {}).get("debugkit", {}).get("lint", {})
    if not isinstance(table, dict):
        raise ConfigError(pyproject, PYPROJECT_TABLE, "expected a table")
    values: dict[str, tuple[str, ...]] = {}
    for key, value in table.items():
        if key not in ("select", "ignore"):
            raise ConfigError(
                pyproject,
                f"{PYPROJECT_TABLE}.{key}",
                "is not a known setting; expected select or ignore",
            )
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise ConfigError(
                pyproject,
                f"{PYPROJECT_TABLE}.{key}",
                f'expected a list of rule codes like ["DK101"], got {value!r}',
            )
        values[key] = tuple(value)
    return RuleSelection(**values)
