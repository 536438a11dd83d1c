"""DockerRuntime and the image builder against a real engine, below the CLI."""

from __future__ import annotations

import contextlib
import io
import socket
from pathlib import Path

import docker
import docker.errors
import pytest
from rich.console import Console

from debugkit.client import ServerClient
from debugkit.config import load_config
from debugkit.errors import CheckFailed, UnavailableError, UserError
from debugkit.runtime.base import UpOptions, wait_until_ready
from debugkit.runtime.docker import DockerRuntime
from debugkit.runtime.image import LABEL_PROJECT, ensure_image
from tests.docker.conftest import project_containers
from tests.helpers import BASE_IMAGE

pytestmark = [
    pytest.mark.docker,
    # builds that fail leave their cached steps behind as untagged images
    pytest.mark.usefixtures("remove_new_dangling_images"),
]


def _console() -> tuple[Console, io.StringIO]:
    out = io.StringIO()
    return Console(file=out, width=200, soft_wrap=True), out


def test_image_is_reused_when_nothing_changed(make_project, docker_client) -> None:
    config = load_config(make_project("basic"))
    console, out = _console()
    first = ensure_image(docker_client, config, console)
    assert docker_client.images.get(first).labels[LABEL_PROJECT] == config.project_key
    console, out = _console()
    assert ensure_image(docker_client, config, console) == first
    assert "building" not in out.getvalue()

    (config.project_dir / "requirements.txt").write_text("six==1.16.0\nsix\n")
    changed = load_config(config.project_dir)
    second = ensure_image(docker_client, changed, _console()[0])
    assert second != first
    # the superseded image of the project is gone, only the current one stays
    labelled = docker_client.images.list(filters={"label": f"{LABEL_PROJECT}={config.project_key}"})
    assert [image.tags for image in labelled] == [[second]]
    assert DockerRuntime(docker_client).remove_project_images(config.project_key) == 1
    assert (
        docker_client.images.list(filters={"label": f"{LABEL_PROJECT}={config.project_key}"}) == []
    )


def test_failed_build_names_the_step_and_its_last_lines(make_project, docker_client) -> None:
    root = make_project("basic")
    (root / "requirements.txt").write_text("debugkit-no-such-package-3f9a==1.0\n")
    console, out = _console()
    with pytest.raises(CheckFailed) as failed:
        ensure_image(docker_client, load_config(root), console)
    message = str(failed.value)
    assert f"(installing the packages of {root / 'requirements.txt'})" in message
    assert "exit code 1" in message
    assert "debugkit-no-such-package-3f9a" in message  # from pip's own output
    assert f"check the package names and versions in {root / 'requirements.txt'}" in message
    assert "Step 1/" in out.getvalue()  # progress was shown while it ran


def test_existing_image_gets_the_server_without_touching_its_environment(
    make_project, docker_client
) -> None:
    root = make_project("basic")
    (root / "requirements.txt").unlink()
    (root / "score.py").write_text("def init():\n    pass\n\ndef run(data):\n    return 'ok'\n")
    text = (root / "debugkit.yaml").read_text().replace("environment: requirements.txt\n", "")
    (root / "debugkit.yaml").write_text(text + f"image: {BASE_IMAGE}\n")
    config = load_config(root)
    runtime = DockerRuntime(docker_client, _console()[0])
    session = runtime.start(config, UpOptions(debug=False))
    try:
        assert wait_until_ready(runtime, session, timeout=120)["state"] == "ready"
        assert ServerClient(session.url).score(b"{}").json() == "ok"
        container = docker_client.containers.get(session.container_id)
        # the server's packages live beside the image's python, not inside its site-packages
        plain = container.exec_run(["env", "-u", "PYTHONPATH", "python3", "-c", "import flask"])
        assert plain.exit_code != 0
        env = dict(e.split("=", 1) for e in container.attrs["Config"]["Env"])
        assert env["PYTHONPATH"] == "/opt/debugkit/lib:/opt/debugkit/src"
    finally:
        runtime.stop(session)


@pytest.mark.parametrize(
    ("tag", "removal", "refusal"),
    [
        ("debugkit-test-nopy", "rm -f /usr/bin/python3*", r"needs python3 >= 3\.9"),
        (
            "debugkit-test-nopip",
            "rm -rf /usr/lib/python3/dist-packages/pip",
            "has python3 but no pip",
        ),
    ],
)
def test_image_without_python_or_pip_is_refused_clearly(
    make_project, docker_client, tmp_path, tag: str, removal: str, refusal: str
) -> None:
    (tmp_path / "ctx").mkdir()
    (tmp_path / "ctx" / "Dockerfile").write_text(f"FROM {BASE_IMAGE}\nRUN {removal}\n")
    docker_client.images.build(path=str(tmp_path / "ctx"), tag=tag, rm=True, forcerm=True)
    try:
        root = make_project("init-crash")
        (root / "debugkit.yaml").write_text(
            (root / "debugkit.yaml").read_text() + f"image: {tag}\n"
        )
        with pytest.raises(CheckFailed, match=refusal):
            ensure_image(docker_client, load_config(root), _console()[0])
    finally:
        # untag only: the failed build's cached steps are children of this image
        with contextlib.suppress(docker.errors.APIError):
            docker_client.images.remove(tag)


def test_a_stale_container_of_the_project_is_replaced(make_project, docker_client) -> None:
    config = load_config(make_project("init-crash"))
    runtime = DockerRuntime(docker_client, _console()[0])
    first = runtime.start(config, UpOptions(debug=False))
    # debugkit was killed: nobody stopped `first`; a new start must clean it up
    second = runtime.start(config, UpOptions(debug=False))
    try:
        assert [c.id for c in project_containers(docker_client, config.project_key)] == [
            second.container_id
        ]
        assert first.work_dir and not Path(first.work_dir).exists()
    finally:
        runtime.stop(second)
        runtime.stop(second)  # safe twice
    assert project_containers(docker_client, config.project_key) == []


def test_requests_beyond_this_machine_cannot_be_scheduled(make_project, docker_client) -> None:
    config = load_config(make_project("basic", memory_gb=100000))
    runtime = DockerRuntime(docker_client, _console()[0])
    with pytest.raises(UserError, match=r"cannot be scheduled: requests 100000 GB memory, this"):
        runtime.start(config, UpOptions())
    assert project_containers(docker_client, config.project_key) == []


def test_taken_port_is_unavailable_and_leaves_nothing(make_project, docker_client) -> None:
    root = make_project("init-crash")
    config = load_config(root)
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", config.deployment.port))
        holder.listen()
        runtime = DockerRuntime(docker_client, _console()[0])
        with pytest.raises(UnavailableError) as taken:
            runtime.start(config, UpOptions(debug=False))
    assert taken.value.exit_code == 3
    assert "--port" in str(taken.value)
    assert project_containers(docker_client, config.project_key) == []
    assert list(Path("/tmp").glob(f"debugkit-{config.project_key}-*")) == []


def test_non_local_host_is_warned_about_loudly(make_project, docker_client) -> None:
    config = load_config(make_project("init-crash", host="0.0.0.0"))
    console, out = _console()
    runtime = DockerRuntime(docker_client, console)
    session = runtime.start(config, UpOptions())
    try:
        assert "WARNING: the scoring port and the debugger listen on 0.0.0.0" in out.getvalue()
        container = docker_client.containers.get(session.container_id)
        assert container.attrs["HostConfig"]["PortBindings"]["5001/tcp"][0]["HostIp"] == "0.0.0.0"
    finally:
        runtime.stop(session)
