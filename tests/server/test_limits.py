"""Status codes for the limits: 413, 400, 503 + Retry-After, 504, 502, starting."""

from __future__ import annotations

import threading
import time

from tests.helpers import start_server

SLEEPY = """
import json, time

def init():
    pass

def run(data):
    time.sleep(json.loads(data).get("sleep", 0))
    return {"ok": True}
"""

RAISES = """
def init():
    pass

def helper(value):
    return 1 / value

def run(data):
    return helper(0)
"""


def test_body_over_the_limit_is_413(write_project, serve):
    server = serve(write_project(SLEEPY), max_body_mb=0.01)
    big = b'{"x": "' + b"a" * 20000 + b'"}'
    result = server.score(big, headers={"Content-Type": "application/json"})
    assert result.status == 413
    assert "larger than the limit" in result.json()["message"]
    assert server.score({"sleep": 0}).status == 200


def test_invalid_utf8_is_400(write_project, serve):
    server = serve(write_project(SLEEPY))
    result = server.score(b'{"a": "\xff\xfe"}', headers={"Content-Type": "application/json"})
    assert result.status == 400
    assert "UTF-8" in result.json()["message"]


def test_over_max_concurrent_is_503_with_retry_after(write_project, serve):
    server = serve(write_project(SLEEPY), max_concurrent=1)
    results = {}
    worker = threading.Thread(target=lambda: results.setdefault("slow", server.score({"sleep": 2})))
    worker.start()
    for _ in range(200):
        if server.status()["busy_workers"] >= 1:
            break
        time.sleep(0.01)
    refused = server.score({"sleep": 0})
    worker.join(10)
    assert refused.status == 503
    assert refused.header("Retry-After") == "1"
    assert "concurrent" in refused.json()["message"]
    assert results["slow"].status == 200
    assert server.score({"sleep": 0}).status == 200


def test_unlimited_concurrency_serves_parallel_requests(write_project, serve):
    server = serve(write_project(SLEEPY), max_concurrent=0)
    results = []
    threads = [
        threading.Thread(target=lambda: results.append(server.score({"sleep": 0.5}).status))
        for _ in range(4)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    assert results == [200, 200, 200, 200]


def test_run_exception_is_502_with_details_in_debug_mode(write_project, serve):
    server = serve(write_project(RAISES))
    result = server.score({"a": 1})
    assert result.status == 502
    error = result.json()["error"]
    assert error["type"] == "ZeroDivisionError"
    assert error["message"] == "division by zero"
    assert error["file"] == "score.py"
    assert error["line"] == 6  # the deepest frame inside the source folder
    assert "def run" not in error["traceback"]
    assert "limits.py" not in error["traceback"]
    assert 'score.py", line 9, in run' in error["traceback"]
    assert result.header("x-ms-run-function-failed") == "True"
    assert "score.py:6: error: ZeroDivisionError: division by zero" in server.log


def test_timeout_is_504_and_frees_a_python_loop(write_project, serve):
    score = """
    def init():
        pass

    def spin():
        while True:
            pass

    def run(data):
        spin()
    """
    server = serve(write_project(score), request_timeout=1, max_concurrent=1)
    result = server.score({})
    assert result.status == 504
    log = server.wait_for_log("was stopped")
    stack = log.split("exceeded the request timeout", 1)[1]
    assert "score.py:10: in run" in stack
    # The loop's line is 6 ("while True:") on 3.11, 7 ("pass") on 3.9.
    assert "score.py:6: in spin" in stack or "score.py:7: in spin" in stack
    assert server.wait_until(("ready",))["busy_workers"] == 0
    # The slot was released when the worker really ended.
    second = server.score({})
    assert second.status == 504


def test_starting_state_answers_503_while_init_runs(write_project):
    score = write_project(
        """
        import time

        def init():
            time.sleep(3)

        def run(data):
            return 1
        """
    )
    server = start_server(score, wait=None)
    try:
        status = None
        for _ in range(200):
            try:
                status = server.status()
                break
            except OSError:
                time.sleep(0.02)
        assert status is not None and status["state"] == "starting"
        health = server.get("/")
        assert health.status == 503
        early = server.score({})
        assert early.status == 503
        assert "starting" in early.json()["message"]
        assert server.wait_until(("ready",))["generation"] == 1
        assert server.get("/").status == 200
    finally:
        server.stop()


def test_timeout_body_and_problem_line_name_the_stuck_line(write_project, serve):
    score = """
    import time

    def init():
        pass

    def run(data):
        time.sleep(3)
    """
    server = serve(write_project(score), request_timeout=1)
    result = server.score({})
    assert result.status == 504
    assert result.json()["stack"] == ["score.py:8: in run: time.sleep(3)"]
    assert result.header("x-debugkit-generation") == "1"
    assert "score.py:8: error: Timeout: run() exceeded the request timeout of 1 s" in server.log


def test_every_score_response_names_its_generation(write_project, serve):
    server = serve(write_project(SLEEPY), max_body_mb=0.001)
    too_big = server.score(b"x" * 5000, headers={"Content-Type": "application/json"})
    assert too_big.status == 413
    assert too_big.header("x-debugkit-generation") == "1"
