"""What `up`, `down` and `status` say and leave in the less happy cases (real containers):
init() failed under --detach, a server that dies before it is ready, a configuration
broken while a server runs, and two `up` of one folder at once."""

from __future__ import annotations

import subprocess
import sys

import pytest

from debugkit import session as sessions
from debugkit.config import load_config
from tests.docker.conftest import debugkit, project_containers

pytestmark = pytest.mark.docker


def test_up_detach_exits_non_zero_when_init_failed_and_keeps_serving(make_project) -> None:
    root = make_project("init-crash")
    result = debugkit("up", "--detach", "--no-watch", "--runtime", "docker", str(root), check=False)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "score.py:7: error: ValueError: model file is corrupt" in result.stdout
    status = debugkit("status", "--json", str(root), check=False)
    assert '"state": "init_failed"' in status.stdout  # the server stays up to fix and save


def test_a_foreground_up_whose_server_dies_before_ready_keeps_its_log(
    make_project, docker_client
) -> None:
    root = make_project("basic")
    script = root / "score.py"
    script.write_text("import os\nprint('about to exit', flush=True)\nos._exit(4)\n")
    key = load_config(root).project_key
    result = debugkit("up", "--no-watch", "--runtime", "docker", str(root), check=False)
    assert result.returncode == 1
    assert "exited before it was ready (exit code 4)" in result.stderr
    logs = debugkit("logs", str(root), check=False)
    assert logs.returncode == 0, logs.stderr
    assert "about to exit" in logs.stdout and "exit code 4" in logs.stdout
    assert sessions.load(key) is not None
    debugkit("down", str(root))
    assert project_containers(docker_client, key) == [] and sessions.load(key) is None


def test_down_and_status_work_when_the_config_broke_while_serving(
    make_project, docker_client
) -> None:
    root = make_project("basic")
    key = load_config(root).project_key
    debugkit("up", "--detach", "--no-watch", "--runtime", "docker", str(root))
    config_file = root / "debugkit.yaml"
    config_file.write_text(config_file.read_text() + "deployment: [\n")
    status = debugkit("status", str(root), check=False)
    assert status.returncode == 0 and "state: ready" in status.stdout
    assert "debugkit.yaml" in status.stderr and "acting on what runs" in status.stderr
    down = debugkit("down", str(root), check=False)
    assert down.returncode == 0 and "stopped and removed the server" in down.stdout
    assert project_containers(docker_client, key) == []
    # with nothing running, the broken config is the error, as before
    assert debugkit("status", str(root), check=False).returncode == 2


def test_two_up_detach_at_once_one_wins_and_the_other_says_so(
    make_project, docker_client, tmp_path
) -> None:
    root = make_project("basic")
    key = load_config(root).project_key
    command = [sys.executable, "-m", "debugkit", "up", "--detach", "--runtime", "docker"]
    procs = [
        subprocess.Popen(
            [*command, str(root)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            stdin=subprocess.DEVNULL,
            text=True,
        )
        for _ in range(2)
    ]
    results = [(p.wait(timeout=600), *p.communicate()) for p in procs]
    codes = sorted(code for code, _, _ in results)
    assert codes == [0, 2], results
    (loser,) = [err for code, _, err in results if code == 2]
    lines = [line for line in loser.splitlines() if line.startswith("debugkit: error:")]
    assert len(lines) == 1, loser
    assert "is starting" in lines[0] or "is already running" in lines[0]
    assert len(project_containers(docker_client, key)) == 1
    assert "Traceback" not in loser and "Conflict" not in loser
    debugkit("down", str(root))
    assert project_containers(docker_client, key) == []
