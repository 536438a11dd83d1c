"""Shutdown finishes within a bound whatever signals arrive and whatever run() is doing."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import time

from tests.helpers import start_server

ECHO = "def init():\n    pass\n\ndef run(data):\n    return data\n"
SPINS = "def init():\n    pass\n\ndef run(data):\n    while True:\n        pass\n"
# generous: the server's own bound is 5 s (startup.SHUTDOWN_BOUND_S); a hang never ends
HANG_S = 30


def test_two_sigterms_a_millisecond_apart_never_hang(write_project):
    """The second signal used to land inside cheroot's stop(), leaving its worker threads
    running and the port open (2 of 6 trials hung)."""
    score = write_project(ECHO)
    for trial in range(8):
        server = start_server(score)
        try:
            assert server.score({"trial": trial}).status == 200
            os.kill(server.process.pid, signal.SIGTERM)
            if trial % 2:
                # Python runs handlers between bytecodes: a short sleep lands the second
                # signal while the first one's shutdown is under way
                random_pause = random.random() / 1000
                subprocess.run(["sleep", f"{random_pause:.4f}"], check=False)
            os.kill(server.process.pid, signal.SIGTERM)
            assert server.process.wait(HANG_S) == 0, server.log
        finally:
            server.stop()


def test_sigterm_with_a_run_that_never_returns_exits(write_project, serve):
    server = serve(write_project(SPINS), request_timeout=0)  # no timeout: run() spins forever
    worker = subprocess.Popen(
        ["curl", "-s", "-m", "60", "-d", "{}", f"{server.url}/score"],
        stdout=subprocess.DEVNULL,
    )
    try:
        server.wait_until(("ready",))
        for _ in range(500):
            if server.status()["busy_workers"]:
                break
            time.sleep(0.01)
        os.kill(server.process.pid, signal.SIGTERM)
        server.process.wait(HANG_S)
        assert "shutdown took over" in server.log or server.process.returncode == 0
    finally:
        worker.kill()
        worker.wait()
