"""Fixtures for tests that start real containers.

These tests never skip: with no engine or no base image the fixture FAILS and says
how to get them (``scripts/docker-engine.sh``, which ``.ci/run`` calls).
"""

from __future__ import annotations

import contextlib
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import docker
import docker.errors
import pytest
import yaml
from docker.models.containers import Container

from debugkit.config import load_config
from debugkit.ports import free_port
from debugkit.runtime.image import LABEL_PROJECT
from debugkit.runtime.install import remove_unused_deps
from tests import helpers
from tests.helpers import BASE_IMAGE

PROJECTS = Path(__file__).parent / "projects"


@pytest.fixture(scope="session")
def built_projects(docker_client: docker.DockerClient) -> Iterator[list[str]]:
    """Project keys whose images are removed when the session ends (not after each test,
    so that tests share the build cache of the server layers)."""
    keys: list[str] = []
    yield keys
    for key in keys:
        for image in docker_client.images.list(filters={"label": f"{LABEL_PROJECT}={key}"}):
            with contextlib.suppress(docker.errors.APIError):
                docker_client.images.remove(image.id, force=True)
    remove_unused_deps(docker_client)  # the pip install images those were built on


@pytest.fixture
def make_project(
    tmp_path: Path, docker_client: docker.DockerClient, built_projects: list[str]
) -> Iterator[Callable[..., Path]]:
    """Copy tests/docker/projects/NAME to a temp folder, pointing it at the test base image
    and free ports; remove its containers afterwards."""
    made: list[tuple[Path, str]] = []

    def make(name: str, **deployment: object) -> Path:
        root = tmp_path / name
        shutil.copytree(PROJECTS / name, root)
        config_file = root / "debugkit.yaml"
        data = yaml.safe_load(config_file.read_text()) or {}
        data.setdefault("base_image", BASE_IMAGE)
        data["deployment"] = {
            "port": free_port(),
            "debug_port": free_port(),
            **(data.get("deployment") or {}),
            **deployment,
        }
        config_file.write_text(yaml.safe_dump(data))
        made.append((root, load_config(root).project_key))
        return root

    yield make

    for root, key in made:
        with contextlib.suppress(Exception):
            subprocess.run(
                [sys.executable, "-m", "debugkit", "down", str(root)],
                capture_output=True,
                timeout=60,
            )
        built_projects.append(key)
        for container in project_containers(docker_client, key):
            container.remove(force=True)
        label = {"label": f"{LABEL_PROJECT}={key}"}
        for network in docker_client.networks.list(filters=label):  # the container's own
            with contextlib.suppress(docker.errors.APIError):
                network.remove()


def project_containers(client: docker.DockerClient, key: str) -> list[Container]:
    """Every container (running or not) of the project with this key."""
    return client.containers.list(all=True, filters={"label": f"{LABEL_PROJECT}={key}"})


def debugkit(*args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    """Run the CLI as a user would."""
    result = helpers.debugkit(*args, timeout=600)
    if check and result.returncode != 0:
        raise AssertionError(
            f"debugkit {' '.join(args)} exited {result.returncode}\n"
            f"stdout:\n{result.stdout}\nstderr:\n{result.stderr}"
        )
    return result


@pytest.fixture
def remove_new_dangling_images(docker_client: docker.DockerClient) -> Iterator[None]:
    """Remove the untagged images a test leaves (the cached steps of a build that failed)."""
    before = {image.id for image in docker_client.images.list(filters={"dangling": True})}
    yield
    for _ in range(3):  # children first: a parent goes once its children are gone
        left = [
            image
            for image in docker_client.images.list(filters={"dangling": True})
            if image.id not in before
        ]
        for image in left:
            with contextlib.suppress(docker.errors.APIError):
                docker_client.images.remove(image.id, force=True)
