"""Where debugkit keeps its files on the host (cache, session state)."""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs


def cache_dir() -> Path:
    """Virtualenvs and other rebuildable things; ``DEBUGKIT_CACHE_DIR`` overrides."""
    path = Path(os.environ.get("DEBUGKIT_CACHE_DIR") or platformdirs.user_cache_dir("debugkit"))
    path.mkdir(parents=True, exist_ok=True)
    return path


def state_dir() -> Path:
    """Records of running sessions; ``DEBUGKIT_STATE_DIR`` overrides."""
    path = Path(os.environ.get("DEBUGKIT_STATE_DIR") or platformdirs.user_state_dir("debugkit"))
    path.mkdir(parents=True, exist_ok=True)
    return path
