"""`debugkit doctor` against the real engine: one line per check, exit 1 on any failure."""

from __future__ import annotations

import os
import socket

import pytest

from debugkit.config import load_config
from tests import helpers
from tests.docker.conftest import debugkit
from tests.helpers import BASE_IMAGE

pytestmark = pytest.mark.docker


def test_a_healthy_project_passes_every_check(make_project) -> None:
    root = make_project("basic")
    result = debugkit("doctor", str(root))
    lines = result.stdout.splitlines()
    for name in (
        "config",
        "docker engine",
        "environment",
        "models",
        "scoring port",
        "debug port",
        "resources",
        "lint",
    ):
        assert any(line.startswith(f"\u2713 {name}:") for line in lines), (name, result.stdout)
    assert lines[-1] == "all checks passed"


def test_failures_are_crossed_with_a_remedy_and_exit_1(make_project) -> None:
    root = make_project("basic", memory_gb=100000)
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", load_config(root).deployment.port))
        holder.listen()
        result = debugkit("doctor", str(root), check=False)
    assert result.returncode == 1
    lines = result.stdout.splitlines()
    (ports,) = [line for line in lines if line.startswith("\u2717 scoring port:")]
    assert "is in use" in ports and "--port" in ports
    (resources,) = [line for line in lines if line.startswith("\u2717 resources:")]
    assert "cannot be scheduled: requests 100000 GB memory" in resources
    assert lines[-1] == "2 of 9 checks failed"


def test_a_broken_config_fails_and_skips_what_depends_on_it(make_project) -> None:
    root = make_project("basic")
    (root / "debugkit.yaml").write_text("deployment: {memory_gb: lots}\n")
    result = debugkit("doctor", str(root), check=False)
    assert result.returncode == 1
    assert "\u2717 config:" in result.stdout and "deployment.memory_gb" in result.stdout
    assert "- environment: skipped until the config is valid" in result.stdout


def _without_base_image_override() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if k != "DEBUGKIT_BASE_IMAGE"}


UNPULLABLE = "debugkit-no-such-registry.invalid/python:3.12-slim"


def test_doctor_catches_a_base_image_that_cannot_be_pulled(make_project) -> None:
    root = make_project("basic")
    config_file = root / "debugkit.yaml"
    config_file.write_text(config_file.read_text().replace(BASE_IMAGE, UNPULLABLE))
    env = _without_base_image_override()
    result = helpers.debugkit("doctor", str(root), env=env)
    assert result.returncode == 1
    (line,) = [x for x in result.stdout.splitlines() if x.startswith("\u2717 base image:")]
    assert "cannot be pulled" in line
    assert "--base-image" in line and "DEBUGKIT_BASE_IMAGE" in line
    # the way out it names works, by flag or by environment
    assert (
        helpers.debugkit("doctor", str(root), "--base-image", BASE_IMAGE, env=env).returncode == 0
    )
    assert (
        helpers.debugkit(
            "doctor", str(root), env={**env, "DEBUGKIT_BASE_IMAGE": BASE_IMAGE}
        ).returncode
        == 0
    )


def test_up_on_a_base_image_that_cannot_be_pulled_names_the_way_out(
    make_project, remove_new_dangling_images
) -> None:
    root = make_project("basic")
    config_file = root / "debugkit.yaml"
    config_file.write_text(config_file.read_text().replace(BASE_IMAGE, UNPULLABLE))
    result = helpers.debugkit(
        "up", "--detach", "--runtime", "docker", str(root), env=_without_base_image_override()
    )
    assert result.returncode != 0
    (line,) = [x for x in result.stderr.splitlines() if x.startswith("debugkit: error:")]
    assert "cannot pull it" in line and "--base-image" in line and "DEBUGKIT_BASE_IMAGE" in line


def test_doctor_without_an_engine_passes_when_the_process_runtime_can_serve(
    make_project,
) -> None:
    root = make_project("basic")
    env = {**os.environ, "DOCKER_HOST": "unix:///nonexistent/docker.sock"}
    result = helpers.debugkit("doctor", str(root), env=env)
    assert result.returncode == 0, result.stdout
    assert "- docker engine: none answers; 'debugkit up' runs the server as a local process" in (
        result.stdout
    )


def test_doctor_checks_the_ports_up_would_be_given(make_project) -> None:
    root = make_project("basic")
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        busy = holder.getsockname()[1]
        result = debugkit("doctor", str(root), "--debug-port", str(busy), check=False)
    assert result.returncode == 1
    assert f"\u2717 debug port: 127.0.0.1:{busy} is in use" in result.stdout
