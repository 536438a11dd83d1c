"""Fixtures for the scoring server tests: write a score.py, start the real server."""

from __future__ import annotations

import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Callable

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from tests.helpers import RunningServer, start_server

ECHO_SCORE = """
import json

def init():
    global ready
    ready = True

def run(data):
    return {"echo": json.loads(data)}
"""


# run() outlasts the short request timeouts the tests set (timeouts, 504/408 paths)
SLEEPS_3S = """
import time

def init():
    pass

def run(data):
    time.sleep(3)
"""


@pytest.fixture
def write_project(tmp_path: Path) -> Callable[..., Path]:
    """write_project(score_source, **other_files) -> path of score.py in a fresh folder."""

    def write(score: str, **files: str) -> Path:
        (tmp_path / "score.py").write_text(textwrap.dedent(score))
        for name, content in files.items():
            target = tmp_path / name.replace("__", "/")
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(textwrap.dedent(content))
        return tmp_path / "score.py"

    return write


@pytest.fixture
def serve() -> Iterator[Callable[..., RunningServer]]:
    """serve(entry_script, **flags) -> RunningServer, stopped after the test."""
    started: list[RunningServer] = []

    def start(entry_script: Any, **flags: Any) -> RunningServer:
        server = start_server(entry_script, **flags)
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()
