"""How a foreground `up` ends: whatever stops it leaves nothing behind, and it says why.

VS Code ends a task with SIGTERM, a closed terminal sends SIGHUP, and a crashed editor or
`kill -9` gives no chance to clean up at all: the container must still not outlive its
owner for long, and `status` must say what really runs meanwhile. `down` from another
shell and a server that exits end it with a line saying so.
"""

from __future__ import annotations

import json
import os
import pty
import select
import signal
import subprocess
import sys
import time

import docker
import pytest

from bench.common import foreground_up
from debugkit import session as sessions
from debugkit.config import load_config
from tests.docker.conftest import debugkit, project_containers

pytestmark = pytest.mark.docker

# generous: the reaper notices at once, but stopping a container takes the engine a few seconds
BOUND_S = 60


def _wait_for_no_container(client: docker.DockerClient, key: str) -> list:
    """The project's containers once none is left (or the bound passed); the reaper removes
    the session record right after the container, so that is waited for too."""
    deadline = time.monotonic() + BOUND_S
    while time.monotonic() < deadline:
        left = project_containers(client, key)
        if not left and sessions.load(key) is None:
            return left
        time.sleep(0.2)
    return project_containers(client, key)


def _rest(proc: subprocess.Popen[str], seen: list[str]) -> str:
    assert proc.stdout is not None
    seen.extend(proc.stdout)
    return "".join(seen)


@pytest.mark.parametrize(("sig", "code"), [(signal.SIGTERM, 143), (signal.SIGHUP, 129)])
def test_sigterm_and_sighup_clean_up_as_ctrl_c_does(
    make_project, docker_client, sig: signal.Signals, code: int
) -> None:
    root = make_project("basic")
    key = load_config(root).project_key
    proc, seen = foreground_up(root)
    assert len(project_containers(docker_client, key)) == 1
    proc.send_signal(sig)
    assert proc.wait(timeout=BOUND_S) == code
    out = _rest(proc, seen)
    assert f"debugkit: stopped by {sig.name}" in out
    assert "stopped and removed the server" in out
    assert project_containers(docker_client, key) == []
    assert sessions.load(key) is None
    assert not (root / "azureml-models").exists()


def test_a_sigkilled_up_leaves_no_container_behind(make_project, docker_client) -> None:
    root = make_project("basic")
    key = load_config(root).project_key
    proc, _ = foreground_up(root)
    assert len(project_containers(docker_client, key)) == 1
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)
    assert _wait_for_no_container(docker_client, key) == []
    assert sessions.load(key) is None
    assert not (root / "azureml-models").exists()
    stopped = debugkit("status", str(root), check=False)
    assert stopped.returncode == 1 and "state: stopped" in stopped.stdout


def test_status_tells_the_truth_about_a_container_whose_owner_and_reaper_were_killed(
    make_project, docker_client
) -> None:
    root = make_project("basic")
    key = load_config(root).project_key
    proc, _ = foreground_up(root, "--no-watch")
    record = sessions.load(key)
    assert record is not None and record.reaper_pid and record.owner_pid == proc.pid
    # both at once, as `kill -9` of a whole process tree would: nobody can clean up
    os.kill(record.reaper_pid, signal.SIGKILL)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)
    (orphan,) = project_containers(docker_client, key)
    assert orphan.status == "running"

    status = debugkit("status", "--json", str(root), check=False)
    report = json.loads(status.stdout)
    assert report["state"] == "ready"  # it still serves: say so
    assert str(proc.pid) in report["orphaned"] and "debugkit down" in report["orphaned"]
    text = debugkit("status", str(root), check=False).stdout
    assert "orphaned:" in text

    # the next `up` replaces it rather than refusing
    debugkit("up", "--detach", "--no-watch", "--runtime", "docker", str(root))
    (current,) = project_containers(docker_client, key)
    assert current.id != orphan.id
    debugkit("down", str(root))
    assert project_containers(docker_client, key) == []


def test_down_from_another_shell_ends_a_foreground_up_saying_so(
    make_project, docker_client
) -> None:
    root = make_project("basic")
    key = load_config(root).project_key
    proc, seen = foreground_up(root)
    down = debugkit("down", str(root))
    assert "stopped and removed the server" in down.stdout
    assert proc.wait(timeout=BOUND_S) == 0
    out = _rest(proc, seen)
    assert "debugkit: stopped by 'debugkit down'" in out.splitlines()[-1]
    assert project_containers(docker_client, key) == []
    assert sessions.load(key) is None


def test_a_server_that_exits_under_a_foreground_up_is_reported_and_kept_for_logs(
    make_project, docker_client
) -> None:
    root = make_project("basic")
    key = load_config(root).project_key
    script = root / "score.py"
    script.write_text(
        script.read_text().replace(
            "def run(raw_data):\n",
            "def run(raw_data):\n    if raw_data == 'exit':\n        os._exit(3)\n",
        )
    )
    proc, seen = foreground_up(root)
    debugkit("score", str(root), "--data", "exit", check=False)
    assert proc.wait(timeout=BOUND_S) == 1
    out = _rest(proc, seen)
    assert "debugkit: the scoring server exited (exit code 3)" in out
    assert "debugkit: ready (generation 1" in out.split("exited (exit code 3)")[1]  # last lines
    assert "server exited" in out.split("diagnosis:")[1]
    # the record and log are kept, as for a detached run
    logs = debugkit("logs", str(root), check=False)
    assert logs.returncode == 0 and "debugkit: ready (generation 1" in logs.stdout
    assert "exit code 3" in logs.stdout
    status = debugkit("status", str(root), check=False)
    assert "exited: exit code 3" in status.stdout
    debugkit("down", str(root))
    assert project_containers(docker_client, key) == []


def test_closing_the_terminal_of_a_foreground_up_cleans_up(make_project, docker_client) -> None:
    """The real thing behind SIGHUP: the terminal goes away, and with it stdout (writes fail)."""
    root = make_project("basic")
    key = load_config(root).project_key
    pid, terminal = pty.fork()
    if pid == 0:  # the child: debugkit up with the pty as its controlling terminal
        os.execv(
            sys.executable,
            [sys.executable, "-m", "debugkit", "up", "--runtime", "docker", str(root)],
        )
    seen = b""
    deadline = time.monotonic() + BOUND_S * 5
    while b"debugkit: watching" not in seen and time.monotonic() < deadline:
        ready, _, _ = select.select([terminal], [], [], 1)
        if ready:
            try:
                seen += os.read(terminal, 4096)
            except OSError:  # the child exited early: the assert below shows its output
                break
    assert b"debugkit: watching" in seen, seen.decode(errors="replace")
    assert len(project_containers(docker_client, key)) == 1
    os.close(terminal)  # the window closes: the kernel hangs up up's session
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 129
    assert project_containers(docker_client, key) == []
    assert sessions.load(key) is None
