"""Why a container ended, read from the engine, and what 'debugkit logs' makes of it."""

from __future__ import annotations

import contextlib
from pathlib import Path

import docker
import docker.errors

from debugkit.diagnose import diagnose
from debugkit.runtime.docker import DockerRuntime
from debugkit.session import Session
from tests.helpers import BASE_IMAGE, project_config


def test_docker_kill_is_killed_not_out_of_memory(docker_client, tmp_path: Path) -> None:
    container = docker_client.containers.run(
        BASE_IMAGE, ["sleep", "300"], detach=True, labels={"debugkit.test": "exit-reasons"}
    )
    try:
        container.kill()  # what 'docker kill' sends: SIGKILL, exit code 137
        container.wait(timeout=30)
        container.reload()
        assert container.attrs["State"]["OOMKilled"] is False
        session = Session(
            "k", str(tmp_path), "docker", "127.0.0.1", 1, None, container_id=container.id
        )
        reason = DockerRuntime(docker_client).exit_reason(session)
        assert reason == "exit code 137 (OOMKilled=false)"
        (found,) = diagnose("", reason, project_config(tmp_path))
        assert found.title == "killed" and "not for memory" in found.detail
    finally:
        with contextlib.suppress(docker.errors.APIError):
            container.remove(force=True)
