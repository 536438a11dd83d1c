"""Fixtures for `debugkit check` on the small projects in tests/check/projects/.

Every project has no environment file, so they share one image's layers: after the
first build each project's image is a tag on cached layers (about a second).
"""

from __future__ import annotations

import contextlib
import json
import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import docker
import docker.errors
import pytest

from debugkit.check.server import CHECK_KEY_SUFFIX
from debugkit.config import load_config
from debugkit.runtime.image import LABEL_PROJECT
from tests.helpers import debugkit

PROJECTS = Path(__file__).parent / "projects"


@dataclass
class CheckRun:
    exit_code: int
    stdout: str
    stderr: str
    junit: Path
    markdown: Path

    @property
    def report(self) -> dict[str, Any]:
        return json.loads(self.stdout)

    @property
    def statuses(self) -> dict[str, str]:
        return {check["name"]: check["status"] for check in self.report["checks"]}

    def check(self, name: str) -> dict[str, Any]:
        return next(c for c in self.report["checks"] if c["name"] == name)

    def only_failure(self, name: str) -> dict[str, Any]:
        """The check ``name``, once the run exited 1 with that check as its one failure."""
        assert self.exit_code == 1, self.stdout + self.stderr
        assert self.failed() == [name], self.stdout + self.stderr
        return self.check(name)

    def failed(self) -> list[str]:
        return [name for name, status in self.statuses.items() if status == "fail"]


def run_check(root: Path, *args: str) -> CheckRun:
    """`debugkit check ROOT --format json` as CI would run it, with the JUnit and Markdown files."""
    junit, markdown = root.parent / f"{root.name}-junit.xml", root.parent / f"{root.name}.md"
    result = debugkit(
        "check", str(root), "--format", "json", "--junit", str(junit), "--markdown", str(markdown),
        *args, timeout=600,
    )  # fmt: skip
    return CheckRun(result.returncode, result.stdout, result.stderr, junit, markdown)


@pytest.fixture
def project(tmp_path: Path, docker_client: docker.DockerClient) -> Iterator[Callable[[str], Path]]:
    """A copy of tests/check/projects/NAME; its check containers and images are removed after."""
    keys: list[str] = []

    def make(name: str) -> Path:
        root = tmp_path / name
        shutil.copytree(PROJECTS / name, root)
        keys.append(load_config(root).project_key + CHECK_KEY_SUFFIX)
        return root

    yield make
    leftovers = []
    for key in keys:
        label = {"label": f"{LABEL_PROJECT}={key}"}
        for container in docker_client.containers.list(all=True, filters=label):
            leftovers.append(container.name)
            container.remove(force=True)
        for network in docker_client.networks.list(filters=label):
            leftovers.append(network.name)
            network.remove()
        for image in docker_client.images.list(filters=label):
            with contextlib.suppress(docker.errors.APIError):
                docker_client.images.remove(image.id, force=True)
    assert not leftovers, f"debugkit check left containers or networks behind: {leftovers}"
