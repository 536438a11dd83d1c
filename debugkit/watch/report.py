"""The lines the watcher prints: one per reload or restart (errors through debugkit.consolelines)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from debugkit.consolelines import error_line

OK = "\u2713"
FAILED = "\u2717"


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
        detail = init_detail(result.get("init"))
        return f"debugkit: reload {OK} generation {generation} in {millis:.0f} ms ({what}{detail})"
    tail = f"reload {FAILED} in {millis:.0f} ms ({what}); {serving(result.get('generation', previous))}"
    return error_line(result.get("error"), source_dir, tail)


def init_detail(init: Any) -> str:
    """``; init() kept, 12.4 s saved`` or ``; init() ran: REASON`` (empty for older servers)."""
    if not isinstance(init, dict):
        return ""
    if init.get("ran"):
        reason = init.get("reason") or ""
        return f"; init() ran: {reason}" if reason and reason != "asked to" else "; init() ran"
    return f"; init() kept, {duration(float(init.get('saved_ms') or 0))} saved"


def duration(millis: float) -> str:
    return f"{millis / 1000:.1f} s" if millis >= 1000 else f"{millis:.0f} ms"


def serving(generation: int | None) -> str:
    if generation is None:
        return "the last good code keeps serving"
    if generation == 0:  # init() has never succeeded
        return "nothing serves until init() succeeds"
    return f"generation {generation} keeps serving"
