"""A project folder, its server (a real subprocess) and a real watcher on a thread."""

from __future__ import annotations

import contextlib
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from debugkit import launcher
from debugkit.config import ProjectConfig, load_config
from debugkit.runtime import UpOptions
from debugkit.session import Session
from debugkit.watch.loop import Watcher
from tests.helpers import RunningServer, process_session, start_server

SCORE = """\
import json

import helper


def init():
    global tag
    tag = {tag!r}
{init_extra}

def run(raw):
    return {{"tag": tag, "helper": helper.VALUE}}
"""


def score_source(tag: str, init_extra: str = "") -> str:
    return SCORE.format(tag=tag, init_extra=init_extra)


def wait_for(what: str, predicate: Callable[[], Any], timeout: float = 30.0) -> Any:
    """Poll until ``predicate`` is truthy; the deadline only turns a hang into a failure."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.02)
    raise AssertionError(f"timed out waiting for {what}")


@dataclass
class Live:
    root: Path
    server: RunningServer
    watcher: Watcher
    lines: list[str] = field(default_factory=list)

    @property
    def score_py(self) -> Path:
        return self.root / "score.py"

    def answer(self) -> tuple[int, dict[str, Any]]:
        """(generation header, body) of a scoring request."""
        result = self.server.score({"data": 1})
        assert result.status == 200, result.text
        return int(result.header("x-debugkit-generation") or -1), result.json()

    def line_with(self, text: str) -> str:
        return wait_for(
            f"a watcher line with {text!r} in {self.lines}", lambda: _find(self.lines, text)
        )


def _find(lines: list[str], text: str) -> str | None:
    return next((line for line in list(lines) if text in line), None)


def make_project(root: Path, tag: str = "v1") -> Path:
    root.mkdir(parents=True, exist_ok=True)
    (root / "score.py").write_text(score_source(tag))
    (root / "helper.py").write_text("VALUE = 1\n")
    return root


@contextlib.contextmanager
def watched_server(
    root: Path, watch: dict[str, Any] | None = None, **server_flags: Any
) -> Iterator[Live]:
    """A real server for ROOT/score.py (``server_flags``) as a process session, and a real
    watcher on a thread for it (``watch``: the Watcher's options); both stopped on exit."""
    server = start_server(root / "score.py", source_dir=root, **server_flags)
    try:
        config = load_config(root)
        with watching(config, process_session(root, server), **(watch or {})) as (watcher, lines):
            yield Live(root, server, watcher, lines)
    finally:
        server.stop()


@contextlib.contextmanager
def watching(
    config: ProjectConfig, session: Session, **options: Any
) -> Iterator[tuple[Watcher, list[str]]]:
    """Run a real watcher on a thread until the block ends; yields it and the lines it printed."""
    lines: list[str] = []
    watcher = Watcher(config, session, lines.append, **options)
    stop = threading.Event()
    thread = threading.Thread(target=watcher.run, args=(stop,), daemon=True)
    thread.start()
    try:
        assert watcher.ready.wait(10), "the watcher did not start"
        yield watcher, lines
    finally:
        stop.set()
        thread.join(10)


@contextlib.contextmanager
def launched(
    config: ProjectConfig, runtime: str, timeout: float
) -> Iterator[tuple[Watcher, list[str]]]:
    """The launcher starts ``config``'s server (no debugger) and a watcher follows it; at the
    end the session is stopped (the one a restart made, not the first one)."""
    started = launcher.start(config, runtime, UpOptions(debug=False), timeout=timeout)
    with watching(config, started.session) as (watcher, lines):
        try:
            yield watcher, lines
        finally:
            launcher.stop(watcher.session)


@pytest.fixture
def live(tmp_path: Path) -> Iterator[Live]:
    with watched_server(make_project(tmp_path / "proj"), max_concurrent=0) as running:
        yield running
