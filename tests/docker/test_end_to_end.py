"""The user's path through the CLI with real containers:
up -> score -> model-path -> limits in docker inspect -> logs diagnosis -> down leaves nothing."""

from __future__ import annotations

import json
import re
import time
from pathlib import Path

import docker
import pytest

from debugkit import session as sessions
from debugkit.config import load_config
from tests.docker.conftest import debugkit, project_containers

pytestmark = [
    pytest.mark.docker,
    # builds that fail leave their cached steps behind as untagged images
    pytest.mark.usefixtures("remove_new_dangling_images"),
]


def _wait_until_exited(client: docker.DockerClient, key: str, limit_s: float = 120) -> dict:
    deadline = time.monotonic() + limit_s
    while time.monotonic() < deadline:
        (container,) = project_containers(client, key)
        if container.status == "exited":
            return container.attrs["State"]
        time.sleep(0.2)
    raise AssertionError(f"the container did not exit within {limit_s} s")


def test_up_score_model_path_limits_down(make_project, docker_client) -> None:
    root = make_project("basic")
    config = load_config(root)
    up = debugkit("up", "--detach", "--runtime", "docker", str(root))
    assert "debugkit: ready at" in up.stdout

    scored = debugkit("score", str(root), "--data", '{"x": 1}')
    body = json.loads(scored.stdout.split("\n", 1)[1])
    assert body == {"greeting": "hello from the model", "input": '{"x": 1}', "six": "1.16.0"}

    found = debugkit("model-path", "greeter", str(root))
    assert "/var/azureml-app/azureml-models/greeter/3/model.txt" in found.stdout

    (container,) = project_containers(docker_client, config.project_key)
    host = container.attrs["HostConfig"]
    assert host["Memory"] == 512 * 1024 * 1024
    assert host["NanoCpus"] == 500_000_000
    bindings = host["PortBindings"]
    assert bindings["5001/tcp"] == [
        {"HostIp": "127.0.0.1", "HostPort": str(config.deployment.port)}
    ]
    assert bindings["5678/tcp"][0]["HostIp"] == "127.0.0.1"
    mounts = {m["Destination"]: m for m in container.attrs["Mounts"]}
    assert mounts["/var/azureml-app"]["Source"] == str(root)
    assert mounts["/var/azureml-app"]["RW"] is False
    assert mounts["/var/azureml-app/azureml-models"]["RW"] is False
    model_folder = mounts["/opt/debugkit/model-files/0"]
    assert model_folder["Source"] == str(root / "model") and model_folder["RW"] is False
    layout = container.exec_run(["cat", "/var/azureml-app/azureml-models/greeter/3/model.txt"])
    assert layout.output == b"hello from the model\n"
    env = dict(e.split("=", 1) for e in container.attrs["Config"]["Env"])
    assert env["AZUREML_MODEL_DIR"] == "/var/azureml-app/azureml-models/greeter/3"
    assert env["AML_APP_ROOT"] == "/var/azureml-app"
    assert env["AZUREML_ENTRY_SCRIPT"] == "score.py"
    # the read-only mount is enforced inside the container, not just declared
    for path in ("/var/azureml-app/x", "/var/azureml-app/azureml-models/greeter/3/model.txt"):
        attempt = container.exec_run(["python3", "-c", f"open({path!r}, 'w')"])
        assert attempt.exit_code != 0 and b"Read-only file system" in attempt.output

    record = sessions.load(config.project_key)
    assert record is not None and record.work_dir and Path(record.work_dir).is_dir()
    debugkit("down", str(root))
    assert project_containers(docker_client, config.project_key) == []
    assert not Path(record.work_dir).exists()
    assert not (root / "azureml-models").exists()
    assert sessions.load(config.project_key) is None
    assert sorted(p.name for p in root.iterdir()) == [
        "debugkit.yaml",
        "model",
        "requirements.txt",
        "score.py",
    ]
    assert docker_client.images.list(filters={"label": f"debugkit.project={config.project_key}"})
    removed = debugkit("down", "--images", str(root))
    assert "removed 1 image(s)" in removed.stdout
    assert not docker_client.images.list(
        filters={"label": f"debugkit.project={config.project_key}"}
    )


def test_out_of_memory_is_diagnosed(make_project, docker_client) -> None:
    root = make_project("oom")
    config = load_config(root)
    debugkit("up", "--detach", "--runtime", "docker", str(root))
    scored = debugkit("score", str(root), "--data", "{}", check=False)
    assert scored.returncode != 0
    state = _wait_until_exited(docker_client, config.project_key)
    assert state["OOMKilled"] is True

    logs = debugkit("logs", str(root))
    assert "memory exhausted" in logs.stdout
    assert "0.25 GB memory limit" in logs.stdout
    assert "deployment.memory_gb" in logs.stdout
    debugkit("down", str(root))
    assert project_containers(docker_client, config.project_key) == []


def test_init_crash_is_diagnosed_with_file_and_line(make_project, docker_client) -> None:
    root = make_project("init-crash")
    up = debugkit("up", "--detach", "--runtime", "docker", str(root), check=False)
    assert "init() failed" in up.stdout + up.stderr
    status = debugkit("status", str(root), "--json", check=False)
    assert json.loads(status.stdout)["state"] == "init_failed"

    logs = debugkit("logs", str(root))
    diagnosis = logs.stdout.split("diagnosis:", 1)[1]
    assert "init() failed" in diagnosis
    assert f"{root / 'score.py'}:7: ValueError: model file is corrupt" in diagnosis
    debugkit("down", str(root))


def test_missing_package_names_the_environment_file(make_project) -> None:
    root = make_project("missing-package")
    debugkit("up", "--detach", "--runtime", "docker", str(root), check=False)
    logs = debugkit("logs", str(root))
    diagnosis = logs.stdout.split("diagnosis:", 1)[1]
    assert "No module named 'sklearn'" in diagnosis
    assert f"add scikit-learn in {root / 'requirements.txt'}" in diagnosis
    debugkit("down", str(root))


def test_a_failed_build_exits_non_zero_naming_step_and_output(make_project, docker_client) -> None:
    root = make_project("basic")
    (root / "requirements.txt").write_text("six==1.16.0\ndebugkit-no-such-package-77c1\n")
    up = debugkit("up", "--detach", "--runtime", "docker", str(root), check=False)
    assert up.returncode == 1
    assert "Step 1/" in up.stderr  # progress was shown while it ran
    error = up.stderr.split("error: the image build failed at ", 1)[1]
    assert re.match(
        r"step \d+/\d+ \(installing the packages of " + re.escape(f"{root / 'requirements.txt'})"),
        error,
    )
    assert "debugkit-no-such-package-77c1" in error.split("Last lines:", 1)[1]
    assert project_containers(docker_client, load_config(root).project_key) == []
    assert not (root / "azureml-models").exists()
