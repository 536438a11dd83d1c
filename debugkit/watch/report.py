"""The lines the watcher prints: one per reload or restart, errors as ``FILE:LINE: error: ...``."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from debugkit.applayout import host_path

OK = "\u2713"
FAILED = "\u2717"


def shown(path: Path | str) -> str:
    """Relative to the current folder when below it (what editors' problem matchers resolve)."""
    path = Path(path)
    try:
        return os.fspath(path.relative_to(Path.cwd()))
    except ValueError:
        return os.fspath(path)


def changed_names(paths: Sequence[Path], roots: Sequence[Path], limit: int = 3) -> str:
    names = []
    for path in paths:
        for root in roots:
            if root in path.parents:
                names.append(path.relative_to(root).as_posix())
                break
        else:
            names.append(path.name)
    if len(names) > limit:
        return ", ".join(names[:limit]) + f" +{len(names) - limit} more"
    return ", ".join(names)


def reload_line(
    result: dict[str, Any], what: str, millis: float, previous: int | None, source_dir: Path
) -> str:
    """One line: generation, what changed, duration, and ✓ or the error with its location."""
    if result.get("ok"):
        generation = result.get("generation")
        return f"debugkit: reload {OK} generation {generation} in {millis:.0f} ms ({what})"
    tail = f"reload {FAILED} in {millis:.0f} ms ({what}); {serving(result.get('generation', previous))}"
    return error_line(result.get("error"), tail, source_dir)


def serving(generation: int | None) -> str:
    if generation is None:
        return "the last good code keeps serving"
    if generation == 0:  # init() has never succeeded
        return "nothing serves until init() succeeds"
    return f"generation {generation} keeps serving"


def error_line(error: Any, tail: str, source_dir: Path) -> str:
    """``FILE:LINE[:COL]: error: TYPE: MESSAGE [tail]`` (what editors' problem matchers read)."""
    if not isinstance(error, dict):
        error = {"message": str(error or "")}
    message = (str(error.get("message") or "").strip().splitlines() or ["failed"])[0]
    text = f"{error.get('type') or 'Error'}: {message}"
    if error.get("file") and error.get("line"):
        where = shown(host_path(str(error["file"]), source_dir))
        column = f"{error['column']}:" if error.get("column") else ""
        return f"{where}:{error['line']}:{column} error: {text} [{tail}]"
    return f"debugkit: {tail}: {text}"
