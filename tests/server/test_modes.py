"""Production mode, the debugger flags, the command line's exit codes and signals."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

from tests.helpers import REPO_ROOT, debugkit, free_port, start_server

RAISES = """
def init():
    pass

def run(data):
    raise ValueError("secret detail")
"""

INIT_FAILS = """
def init():
    raise RuntimeError("secret init detail")

def run(data):
    return 1
"""


def test_production_hides_details_and_debug_routes(write_project, serve):
    server = serve(write_project(RAISES), production=True, debug_port=free_port(), wait="health")
    result = server.score({"a": 1})
    assert result.status == 502
    assert result.json() == {
        "message": "An unexpected error occurred in scoring script. Check the logs for more info."
    }
    assert "secret detail" in server.log  # details go to the log
    for path in ("/debugkit/status", "/debugkit/model-path?name=x"):
        assert server.get(path).status == 404
    assert server.post("/debugkit/reload").status == 404
    assert "debugpy is not started" in server.log
    assert "debugpy listening" not in server.log


def test_production_init_failure_is_503_without_details(write_project):
    server = start_server(write_project(INIT_FAILS), production=True, wait=None)
    try:
        server.wait_for_log("init() failed")
        result = server.score({})
        assert result.status == 503
        assert "secret" not in result.text
        assert server.get("/").status == 503
    finally:
        server.stop()


def test_debug_mode_init_failure_score_carries_the_error(write_project, serve):
    server = serve(write_project(INIT_FAILS))
    result = server.score({})
    assert result.status == 503
    body = result.json()
    assert body["error"]["type"] == "RuntimeError"
    assert body["error"]["line"] == 3
    assert "secret init detail" in body["message"]


def test_debug_port_starts_debugpy_once_and_reports_it(write_project, serve):
    port = free_port()
    server = serve(
        write_project("def init():\n    pass\n\ndef run(data):\n    return 1\n"), debug_port=port
    )
    debugger = server.status()["debugger"]
    assert debugger == {"port": port, "attached": False}
    assert server.reload()["ok"] is True  # a reload does not call debugpy.listen again
    assert server.log.count("debugpy listening") == 1
    assert server.score({}).status == 200


def test_missing_entry_script_is_one_sentence_exit_2(tmp_path):
    proc = subprocess.run(
        [sys.executable, "-m", "debugkit.server", "--entry-script", str(tmp_path / "nope.py")],
        capture_output=True,
        text=True,
        cwd=REPO_ROOT,
        timeout=60,
    )
    assert proc.returncode == 2
    assert "entry script" in proc.stderr and "not found" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_port_in_use_is_exit_3(write_project, serve):
    server = serve(write_project("def init():\n    pass\n\ndef run(data):\n    return 1\n"))
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "debugkit.server",
            "--entry-script",
            str(server.args[server.args.index("--entry-script") + 1]),
            "--port",
            str(server.port),
        ],
        capture_output=True,
        text=True,
        cwd=REPO_ROOT,
        timeout=60,
    )
    assert proc.returncode == 3
    assert "cannot listen" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_sigterm_and_sigint_exit_cleanly(write_project):
    score = write_project("def init():\n    pass\n\ndef run(data):\n    return 1\n")
    for sig in (signal.SIGTERM, signal.SIGINT):
        server = start_server(score)
        server.process.send_signal(sig)
        deadline = time.monotonic() + 10
        while server.process.poll() is None and time.monotonic() < deadline:
            time.sleep(0.05)
        assert server.process.returncode == 0, server.log
        assert "Traceback" not in server.log


def test_debugkit_serve_forwards_to_the_server(write_project):
    score = write_project("def init():\n    pass\n\ndef run(data):\n    return 1\n")
    proc = debugkit(
        "serve", "--entry-script", str(score.parent / "missing.py"), cwd=REPO_ROOT, timeout=60
    )
    assert proc.returncode == 2
    assert "not found" in proc.stderr


def test_missing_debugpy_is_a_warning_and_the_server_still_serves(write_project, serve, tmp_path):
    blocker = tmp_path / "no-debugpy"
    (blocker / "debugpy").mkdir(parents=True)
    (blocker / "debugpy" / "__init__.py").write_text("raise ImportError('debugpy is absent')\n")
    score = write_project("def init():\n    pass\n\ndef run(data):\n    return 1\n")
    server = serve(
        score,
        debug_port=free_port(),
        env={"PYTHONPATH": f"{blocker}{os.pathsep}{REPO_ROOT}"},
    )
    assert server.status()["state"] == "ready"
    assert server.status()["debugger"]["port"] is None
    assert "debugpy is not installed" in server.log
    assert server.score({}).status == 200


def test_wait_for_debugger_holds_init_in_starting(write_project):
    score = write_project("def init():\n    pass\n\ndef run(data):\n    return 1\n")
    server = start_server(score, debug_port=free_port(), wait_for_debugger=True, wait=None)
    try:
        server.wait_for_log("waiting for a debugger to attach")
        status = server.status()
        assert status["state"] == "starting"
        assert status["debugger"]["waiting"] is True
        assert server.get("/").status == 503
    finally:
        server.stop()
