"""`debugkit doctor` against the real engine: one line per check, exit 1 on any failure."""

from __future__ import annotations

import socket

import pytest

from debugkit.config import load_config
from tests.docker.conftest import debugkit

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
