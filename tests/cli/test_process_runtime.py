"""`debugkit up --runtime process` end to end: the CLI drives a real server subprocess."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from debugkit.config import load_config
from debugkit.session import load as load_session
from debugkit.session import pid_alive
from tests.helpers import EXAMPLES, debugkit, free_port, http


@pytest.fixture
def project(tmp_path: Path):
    """A copy of an example with free ports; always brought down afterwards."""
    copies: list[Path] = []

    def make(example: str) -> Path:
        target = tmp_path / example
        shutil.copytree(EXAMPLES / example, target)
        copies.append(target)
        return target

    yield make
    for copy in copies:
        debugkit("down", str(copy))


def up(project_dir: Path, *extra: str) -> tuple[subprocess.CompletedProcess[str], int]:
    port = free_port()
    result = debugkit(
        "up",
        str(project_dir),
        "--runtime",
        "process",
        "--detach",
        "--port",
        str(port),
        "--debug-port",
        str(free_port()),
        *extra,
    )
    return result, port


def test_up_score_status_model_path_reload_logs_down(project) -> None:
    folder = project("get-model-path")
    result, port = up(folder)
    assert result.returncode == 0, result.stderr
    assert f"debugkit: ready at http://127.0.0.1:{port}/score" in result.stdout
    session = load_session(load_config(folder).project_key)
    assert session is not None and pid_alive(session.server_pid) and pid_alive(session.watcher_pid)

    status = debugkit("status", str(folder), "--json")
    assert status.returncode == 0
    assert json.loads(status.stdout)["state"] == "ready"

    scored = debugkit("score", str(folder), "--data", '{"data": [1, 2]}')
    assert scored.returncode == 0, scored.stdout + scored.stderr
    assert scored.stdout.startswith("HTTP 200")

    found = debugkit("model-path", "my-best-model", str(folder))
    assert found.returncode == 0 and "found at" in found.stdout
    missing = debugkit("model-path", "my-bset-model", str(folder))
    assert missing.returncode == 1
    assert "did you mean 'my-best-model'" in missing.stdout

    reloaded = debugkit("reload", str(folder))
    assert reloaded.returncode == 0 and "generation 2" in reloaded.stdout

    logs = debugkit("logs", str(folder), "--tail", "50")
    assert logs.returncode == 0 and "POST /score" in logs.stdout
    assert "--- hot reload" in logs.stdout and "debugkit: watching" in logs.stdout

    down = debugkit("down", str(folder))
    assert down.returncode == 0
    assert not pid_alive(session.server_pid)
    assert not pid_alive(session.watcher_pid)
    assert not Path(session.work_dir).exists()
    assert load_session(session.project_key) is None
    assert debugkit("status", str(folder)).returncode == 1


def test_init_failure_stays_up_and_names_the_line(project) -> None:
    folder = project("init-crash")
    result, port = up(folder, "--no-watch")
    assert result.returncode == 1, result.stderr  # scripts can tell; the server stays up
    assert "init() failed" in result.stdout
    assert f"{folder / 'score.py'}:" in result.stdout and "error: KeyError" in result.stdout
    assert http("GET", f"http://127.0.0.1:{port}/").status == 503
    status = debugkit("status", str(folder))
    assert status.returncode == 1 and "state: init_failed" in status.stdout


def test_second_up_of_a_running_project_is_refused(project) -> None:
    folder = project("get-model-path")
    assert up(folder, "--no-watch")[0].returncode == 0
    again, _ = up(folder, "--no-watch")
    assert again.returncode == 2
    assert "already running" in again.stderr and "Traceback" not in again.stderr


def test_a_dead_server_keeps_its_log_until_the_next_up(project) -> None:
    folder = project("get-model-path")
    assert up(folder, "--no-watch")[0].returncode == 0
    session = load_session(load_config(folder).project_key)
    os.kill(session.server_pid, signal.SIGKILL)  # as if the machine lost the process
    deadline = time.monotonic() + 10
    while pid_alive(session.server_pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    status = debugkit("status", str(folder))
    assert status.returncode == 1
    assert "state: stopped" in status.stdout and "debugkit logs" in status.stdout
    logs = debugkit("logs", str(folder))
    assert logs.returncode == 0 and "debugkit: ready (generation 1" in logs.stdout
    assert up(folder, "--no-watch")[0].returncode == 0  # replaces the stale session
    assert not Path(session.work_dir).exists()
    assert load_session(session.project_key).server_pid != session.server_pid


def _start_foreground(folder: Path, port: int) -> subprocess.Popen[str]:
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "debugkit",
            "up",
            str(folder),
            "--runtime",
            "process",
            "--port",
            str(port),
            "--no-debug",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    for line in proc.stdout:  # type: ignore[union-attr]
        if "debugkit: ready" in line:
            return proc
    raise AssertionError(f"up exited with {proc.wait()} before it was ready")


def test_ctrl_c_on_foreground_up_removes_everything(project) -> None:
    folder = project("get-model-path")
    proc = _start_foreground(folder, free_port())
    session = load_session(load_config(folder).project_key)
    assert session is not None and pid_alive(session.server_pid)
    proc.send_signal(signal.SIGINT)
    assert proc.wait(timeout=30) == 0
    assert not pid_alive(session.server_pid)
    assert load_session(session.project_key) is None
    assert not Path(session.work_dir).exists()


def test_killed_debugkit_takes_its_foreground_server_along(project) -> None:
    folder = project("get-model-path")
    proc = _start_foreground(folder, free_port())
    session = load_session(load_config(folder).project_key)
    proc.kill()  # a crash of debugkit itself
    proc.wait(timeout=10)
    deadline = time.monotonic() + 10
    while pid_alive(session.server_pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not pid_alive(session.server_pid)


def test_manual_reload_checks_syntax_on_the_host_first(project) -> None:
    folder = project("get-model-path")
    assert up(folder, "--no-watch")[0].returncode == 0
    score = folder / "score.py"
    score.write_text(score.read_text() + "\ndef broken(:\n")
    result = debugkit("reload", str(folder))
    assert result.returncode == 1
    assert f"{score}:" in result.stdout and "error: SyntaxError" in result.stdout
    assert "not reloaded" in result.stdout
    status = json.loads(debugkit("status", str(folder), "--json").stdout)
    assert status["generation"] == 1 and status["reloads"] == 0  # nothing was sent


def test_restart_for_new_limits_keeps_the_ports_given_to_up(project) -> None:
    folder = project("get-model-path")
    result, port = up(folder)  # with the background watcher
    assert result.returncode == 0, result.stderr
    config = folder / "debugkit.yaml"
    config.write_text(config.read_text() + "\ndeployment:\n  request_timeout_s: 7\n")
    deadline = time.monotonic() + 30
    limits: dict = {}
    while time.monotonic() < deadline:
        try:
            limits = http("GET", f"http://127.0.0.1:{port}/debugkit/status", timeout=2).json()[
                "limits"
            ]
        except OSError:
            limits = {}
        if limits.get("request_timeout_s") == 7:
            break
        time.sleep(0.2)
    assert limits.get("request_timeout_s") == 7  # restarted, and still on the --port given to up


def _env_project(tmp_path: Path, env_name: str, env_text: str) -> Path:
    folder = tmp_path / "env-project"
    folder.mkdir()
    (folder / "score.py").write_text("def init():\n    pass\n\ndef run(raw):\n    return raw\n")
    (folder / env_name).write_text(env_text)
    return folder


def test_a_failed_install_shows_pip_progress_and_names_the_package(tmp_path: Path) -> None:
    folder = _env_project(
        tmp_path, "requirements.txt", "six==1.16.0\ndebugkit-no-such-package-10==1.0\n"
    )
    result, _ = up(folder, "--no-watch")
    assert result.returncode == 2, result.stderr
    assert "debugkit: pip: Collecting six==1.16.0" in result.stderr  # progress while it runs
    error = next(line for line in result.stderr.splitlines() if "debugkit: error:" in line)
    assert (
        "the package that failed: debugkit-no-such-package-10==1.0 (no version of it is found)"
        in error
    )


def test_environment_warnings_are_printed_by_the_process_runtime_too(tmp_path: Path) -> None:
    folder = _env_project(
        tmp_path, "myenv.yml", "name: old\ndependencies:\n  - python=3.6\n  - mkl\n"
    )
    result, _ = up(folder, "--no-watch")
    try:
        assert result.returncode == 0, result.stderr
        assert "conda packages mkl cannot be installed with pip and are skipped" in result.stderr
        assert "asks for python 3.6, but the process runtime runs" in result.stderr
    finally:
        debugkit("down", str(folder))


def test_a_server_that_exits_under_a_foreground_up_is_reported(tmp_path: Path) -> None:
    folder = _env_project(tmp_path, "requirements.txt", "")
    (folder / "score.py").write_text(
        "import os\n\ndef init():\n    pass\n\ndef run(raw):\n    os._exit(3)\n"
    )
    port = free_port()
    proc = subprocess.Popen(
        [
            *(sys.executable, "-m", "debugkit", "up", str(folder), "--runtime", "process"),
            *("--port", str(port), "--debug-port", str(free_port()), "--no-watch"),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
        text=True,
    )
    try:
        assert proc.stdout is not None
        seen = []
        for line in proc.stdout:
            seen.append(line)
            if "debugkit: not watching" in line:
                break
        with contextlib.suppress(OSError):  # the server dies answering
            http("POST", f"http://127.0.0.1:{port}/score", "{}")
        assert proc.wait(timeout=60) == 1
        out = "".join(seen) + proc.stdout.read()
        assert "debugkit: the scoring server exited (exit code 3); its last lines:" in out
        assert "x the server exited: exit code 3" in out
    finally:
        if proc.poll() is None:
            proc.kill()
        debugkit("down", str(folder))
