"""Where debugkit keeps its files on the host (cache, session state)."""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

from debugkit.errors import UserError


def cache_dir() -> Path:
    """Virtualenvs and other rebuildable things; ``DEBUGKIT_CACHE_DIR`` overrides."""
    path = Path(os.environ.get("DEBUGKIT_CACHE_DIR") or platformdirs.user_cache_dir("debugkit"))
    return _made(path, "cache", "DEBUGKIT_CACHE_DIR")


def state_dir() -> Path:
    """Records of running sessions; ``DEBUGKIT_STATE_DIR`` overrides."""
    path = Path(os.environ.get("DEBUGKIT_STATE_DIR") or platformdirs.user_state_dir("debugkit"))
    return _made(path, "state", "DEBUGKIT_STATE_DIR")


def _made(path: Path, what: str, variable: str) -> Path:
    """``path``, created if missing; a HOME that is missing or read-only is one sentence."""
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UserError(
            f"cannot create debugkit's {what} folder {path} ({exc.strerror or exc}); set HOME "
            f"to a writable folder, or {variable} to one"
        ) from None
    if not os.access(path, os.W_OK):
        raise UserError(
            f"debugkit's {what} folder {path} is not writable; set HOME to a writable "
            f"folder, or {variable} to one"
        )
    return path
