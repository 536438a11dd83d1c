"""Shared test configuration: every test run gets its own debugkit state and cache folders."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest

# Session records must not leak between test runs or into the user's own state folder;
# the venv cache is shared across runs on purpose (it is keyed by content).
os.environ["DEBUGKIT_STATE_DIR"] = tempfile.mkdtemp(prefix="debugkit-test-state-")
os.environ.setdefault(
    "DEBUGKIT_CACHE_DIR", str(Path(tempfile.gettempdir()) / "debugkit-test-cache")
)


@pytest.fixture
def state_dir() -> Path:
    return Path(os.environ["DEBUGKIT_STATE_DIR"])
