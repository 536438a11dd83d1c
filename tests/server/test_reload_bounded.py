"""Reloads whose init() never returns, and threads init() leaves behind."""

from __future__ import annotations

import textwrap
import threading
import time
from pathlib import Path

from debugkit.server.service import READY, ScoringService

GOOD = """
def init():
    pass

def run(data):
    return "good"
"""

HANGS = """
import time

def init():
    while True:
        time.sleep(0.05)

def run(data):
    return "never"
"""

HANGS_IN_C = """
import threading

def init():
    threading.Event().wait()

def run(data):
    return "never"
"""

STARTS_A_THREAD = """
import threading, time

def init():
    threading.Thread(target=time.sleep, args=(600,), daemon=True).start()

def run(data):
    return "threaded"
"""


def _write(path: Path, source: str) -> None:
    path.write_text(textwrap.dedent(source))


def _service(tmp_path: Path, source: str, wait_s: float = 1.0) -> ScoringService:
    score = tmp_path / "score.py"
    _write(score, source)
    service = ScoringService(str(score), str(tmp_path), reload_wait_s=wait_s)
    service.start()
    assert service.state == READY
    return service


def test_a_reload_whose_init_never_returns_is_answered_with_its_line(tmp_path: Path) -> None:
    service = _service(tmp_path, GOOD)
    _write(tmp_path / "score.py", HANGS)
    result = service.reload()
    assert result.ok is False
    assert result.error is not None and result.error.type == "ReloadTimedOut"
    assert (result.error.file, result.error.line) == ("score.py", 6)
    assert "time.sleep(0.05)" in result.error.traceback
    assert service.current is not None and service.current.number == 1  # still serving
    # the injected exception stops init() in Python code: the next reload works
    _write(tmp_path / "score.py", GOOD)
    deadline = time.monotonic() + 30
    while service.reload().ok is not True:
        assert time.monotonic() < deadline
        time.sleep(0.1)


def test_a_reload_stuck_in_c_is_reported_at_once_by_the_next(tmp_path: Path) -> None:
    service = _service(tmp_path, GOOD)
    _write(tmp_path / "score.py", HANGS_IN_C)
    first = service.reload()
    assert first.error is not None and first.error.line == 5
    service._loads.wait_s = 3600  # were the next reload queued behind it, the test would hang
    second = service.reload()
    assert second.ok is False and "still running" in second.error.message
    assert "score.py:5" in second.error.message
    assert service.current.number == 1


def test_threads_left_by_init_are_counted(tmp_path: Path) -> None:
    service = _service(tmp_path, STARTS_A_THREAD)
    assert service.init_threads_left() == 0  # the serving generation's own thread
    for expected in (1, 2):
        result = service.reload("always")
        assert result.ok and result.init_threads_left == expected
    kept = service.reload("auto")  # nothing changed: init() is kept, so is its thread
    assert kept.ok and kept.init_threads_left == 2
    assert sum(t.name != "MainThread" for t in threading.enumerate()) >= 3


def test_a_half_written_script_is_flagged_as_changed_not_just_wrong(tmp_path: Path) -> None:
    service = _service(tmp_path, GOOD)
    score = tmp_path / "score.py"
    # the server reads the first half; the editor finishes writing while it loads
    half = f"open({str(score)!r}, 'w').write({textwrap.dedent(GOOD)!r})\n"
    score.write_text(half)
    result = service.reload()
    assert result.ok is False and "init()" in result.error.message
    assert result.source_changed is True
    assert result.to_dict()["source_changed"] is True
    score.write_text("import os\n")  # complete, and really without init()
    plain = service.reload()
    assert plain.ok is False and plain.source_changed is False


def test_status_answers_while_reloads_are_stuck(write_project, serve) -> None:
    score = write_project(GOOD)
    server = serve(score)
    _write(score, HANGS)
    pending = []
    for _ in range(12):  # more than the server's threads at start
        thread = threading.Thread(
            target=lambda: server.post("/debugkit/reload", b"", timeout=300), daemon=True
        )
        thread.start()
        pending.append(thread)
    wait_for_reloads = time.monotonic() + 30
    while server.status()["reloads"] < 1:  # the first reload has started its init()
        assert time.monotonic() < wait_for_reloads
        time.sleep(0.05)
    status = server.status()
    assert status["state"] == "ready" and status["generation"] == 1
    assert server.score({}).text == '"good"'
    server.stop()  # the pending reloads end with the server
