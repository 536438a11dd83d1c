"""Shared test configuration: every test run gets its own debugkit state folder."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import pytest

# Session records must not leak between test runs or into the user's own state folder;
# the venv cache is shared across runs on purpose (it is keyed by content).
STATE_DIR = tempfile.mkdtemp(prefix="debugkit-test-state-")
os.environ["DEBUGKIT_STATE_DIR"] = STATE_DIR
os.environ.setdefault(
    "DEBUGKIT_CACHE_DIR", str(Path(tempfile.gettempdir()) / "debugkit-test-cache")
)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    shutil.rmtree(STATE_DIR, ignore_errors=True)
