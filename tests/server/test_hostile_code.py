"""User code that fails in the ways the usual ``except Exception`` misses: every
BaseException from init() or run() becomes a reported error, the server keeps serving."""

from __future__ import annotations

import subprocess
import textwrap
from pathlib import Path

from debugkit.ports import free_port
from tests.helpers import server_command

GOOD = """
def init():
    pass

def run(data):
    return "good"
"""

INIT_RAISES = """
class Unprintable(Exception):
    def __str__(self):
        raise RuntimeError("no text for you")

def init():
    raise {error}

def run(data):
    return "never"
"""

RUN_RAISES_UNPRINTABLE = """
class Unprintable(Exception):
    def __str__(self):
        raise RuntimeError("no text for you")

def init():
    pass

def run(data):
    raise Unprintable()
"""


def _rewrite(path: Path, source: str) -> None:
    path.write_text(textwrap.dedent(source))


def test_keyboard_interrupt_in_init_on_reload_is_a_failed_reload(write_project, serve) -> None:
    score = write_project(GOOD)
    server = serve(score)
    for error in ("KeyboardInterrupt()", "SystemExit(3)", "Unprintable()"):
        _rewrite(score, INIT_RAISES.format(error=error))
        result = server.reload()
        assert result["ok"] is False, result
        assert result["error"]["type"] == error.split("(")[0]
        assert result["error"]["line"] == 7
        assert server.process.poll() is None  # still running
        assert server.score({}).text == '"good"'  # the last good generation serves


def test_base_exceptions_in_init_at_start_are_reported(write_project, serve) -> None:
    for error in ("KeyboardInterrupt()", "Unprintable()"):
        server = serve(write_project(INIT_RAISES.format(error=error)))
        status = server.wait_until(("init_failed",), timeout=30)
        assert status["last_error"]["type"] == error.split("(")[0]
        assert "no text for you" not in status["last_error"]["message"]
        server.stop()


def test_an_unprintable_exception_in_run_is_a_502_naming_it(write_project, serve) -> None:
    server = serve(write_project(RUN_RAISES_UNPRINTABLE))
    answer = server.score({})
    assert answer.status == 502, answer.text
    assert answer.json()["error"]["type"] == "Unprintable"
    assert answer.json()["error"]["line"] == 10


NAN = """
def init():
    pass

def run(data):
    return {"score": float("nan"), "limit": float("inf")}
"""


def test_nan_from_run_is_sent_as_azmlinfsrv_does_and_said(write_project, serve) -> None:
    server = serve(write_project(NAN))
    answer = server.score({})
    assert answer.status == 200
    assert answer.text == '{"score": NaN, "limit": Infinity}'  # json.dumps, as azmlinfsrv
    server.wait_for_log("run() returned NaN or Infinity")


STUCK_IN_C = """
import threading

def init():
    pass

def run(data):
    threading.Event().wait()  # blocked in C: the injected timeout cannot land
"""


def test_the_503_names_the_timed_out_run_that_holds_the_slot(write_project, serve) -> None:
    server = serve(write_project(STUCK_IN_C), request_timeout=1, max_concurrent=1, max_wait=0.2)
    first = server.score({}, headers={"x-request-id": "stuck-one"})
    assert first.status == 504
    second = server.score({})
    assert second.status == 503, second.text
    message = second.json()["message"]
    assert "run() of request stuck-one (generation 1), still at score.py:8" in message


SLEEPS_IN_C = """
import time

def init():
    pass

def run(data):
    time.sleep(60)
"""


def test_the_server_answers_after_a_504_of_a_run_blocked_in_c_with_debugpy(
    write_project, serve
) -> None:
    # Python 3.11 + debugpy: an exception injected into a thread blocked in C froze every
    # thread until the call returned (GET / included)
    server = serve(write_project(SLEEPS_IN_C), request_timeout=1, debug_port=free_port())
    assert server.score({}).status == 504
    assert server.get("/", timeout=15).status == 200
    assert server.status()["state"] == "ready"


def test_the_server_refuses_infinite_and_huge_timeouts(write_project) -> None:
    score = write_project(NAN)
    for flag, value in (
        ("--request-timeout", "inf"),
        ("--request-timeout", "1e300"),
        ("--max-wait", "nan"),
        ("--memory-limit-mb", "inf"),
    ):
        result = subprocess.run(
            [*server_command(score, free_port()), flag, value],
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert result.returncode == 2, result.stderr
        assert f"{flag} must be a finite number" in result.stderr
