"""Foreground `up` lifecycle with real containers: Ctrl-C removes everything, edits on the
host reach the container (signals and kill -9: test_signals.py)."""

from __future__ import annotations

import json
import os
import signal

import pytest

from bench.common import foreground_up
from debugkit.config import load_config
from tests.docker.conftest import debugkit, project_containers

pytestmark = pytest.mark.docker


def test_ctrl_c_on_a_foreground_up_removes_the_container(make_project, docker_client) -> None:
    root = make_project("basic")
    key = load_config(root).project_key
    proc, _ = foreground_up(root, "--no-watch")
    assert len(project_containers(docker_client, key)) == 1
    proc.send_signal(signal.SIGINT)
    assert proc.wait(timeout=60) in (0, 130)
    assert project_containers(docker_client, key) == []
    assert not (root / "azureml-models").exists()


def test_host_edits_of_code_and_model_reach_the_container(make_project) -> None:
    root = make_project("basic")
    # --no-watch: this test reloads by hand (the watcher would reload first and race it)
    debugkit("up", "--detach", "--runtime", "docker", "--no-debug", "--no-watch", str(root))
    script = root / "score.py"
    edited = script.read_text().replace('"greeting": greeting', '"greeting": greeting.upper()')
    assert edited != script.read_text()
    # editors save by writing a new file and renaming it over the old one (a new inode)
    tmp = root / ".score.py.swp"
    tmp.write_text(edited)
    os.replace(tmp, script)
    reloaded = debugkit("reload", str(root))
    assert "generation 2" in reloaded.stdout or '"generation": 2' in reloaded.stdout
    scored = debugkit("score", str(root), "--data", "{}")
    body = json.loads(scored.stdout.split("\n", 1)[1])
    assert body["greeting"] == "HELLO FROM THE MODEL"

    # a model file replaced by rename (git checkout, mv) is seen by the next init()
    new_model = root / "model" / "model.txt.new"
    new_model.write_text("retrained\n")
    os.replace(new_model, root / "model" / "model.txt")
    debugkit("reload", str(root))
    scored = debugkit("score", str(root), "--data", "{}")
    assert json.loads(scored.stdout.split("\n", 1)[1])["greeting"] == "RETRAINED"
    debugkit("down", str(root))
