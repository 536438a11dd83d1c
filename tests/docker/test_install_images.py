"""Install images (debugkit-deps:<hash>) are shared by projects and pruned by any debugkit
process (``down --images``, a test session's teardown): a prune must never remove one
that a build of another process has just committed or found and is about to build on."""

from __future__ import annotations

import contextlib
import io
import subprocess
import sys
import uuid

import docker
import docker.errors
import pytest
from rich.console import Console

from debugkit.config import load_config
from debugkit.runtime import image as image_module
from debugkit.runtime.image import LABEL_MANAGED, ensure_image
from debugkit.runtime.install import (
    LABEL_LAYER,
    LABEL_PIN_PID,
    PIN,
    pinned,
    remove_unused_deps,
)
from tests.helpers import BASE_IMAGE

pytestmark = pytest.mark.docker


@pytest.fixture
def deps_image(docker_client: docker.DockerClient):
    """A fresh install image of nothing (a commit of the base, labelled as install images
    are), with no child: what a build has between its install and its first step."""
    tag = f"debugkit-deps:test-{uuid.uuid4().hex[:12]}"
    container = docker_client.containers.create(BASE_IMAGE, command=["true"])
    repository, _, version = tag.partition(":")
    try:
        container.commit(
            repository=repository,
            tag=version,
            changes=[f"LABEL {LABEL_MANAGED}=true", f"LABEL {LABEL_LAYER}=deps"],
        )
    finally:
        container.remove(force=True)
    yield tag
    with contextlib.suppress(docker.errors.APIError):
        docker_client.images.remove(tag, force=True)


def _exists(client: docker.DockerClient, tag: str) -> bool:
    try:
        client.images.get(tag)
    except docker.errors.ImageNotFound:
        return False
    return True


def test_a_pinned_install_image_survives_a_prune_and_goes_once_unpinned(docker_client, deps_image):
    with pinned(docker_client, deps_image) as held:
        assert held
        remove_unused_deps(docker_client)  # as another process's `down --images` would
        assert _exists(docker_client, deps_image)
    remove_unused_deps(docker_client)
    assert not _exists(docker_client, deps_image)


def test_pinning_an_absent_image_pins_nothing(docker_client):
    with pinned(docker_client, f"debugkit-deps:absent-{uuid.uuid4().hex[:12]}") as held:
        assert not held


def test_the_pin_of_a_killed_process_is_removed_by_the_next_prune(docker_client, deps_image):
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    with pinned(docker_client, deps_image):
        pin = docker_client.containers.list(
            all=True, filters={"label": f"{LABEL_LAYER}={PIN}", "ancestor": deps_image}
        )[0]
    # what a SIGKILLed build leaves: the same pin, owned by a process that is gone
    stale = docker_client.containers.create(
        deps_image,
        command=["true"],
        labels={**pin.labels, LABEL_PIN_PID: str(dead.pid)},
    )
    try:
        remove_unused_deps(docker_client)
        assert not _exists(docker_client, deps_image)
        with pytest.raises(docker.errors.NotFound):
            stale.reload()
    finally:
        with contextlib.suppress(docker.errors.APIError):
            stale.remove(force=True)


def test_a_prune_between_install_and_build_does_not_break_the_build(
    make_project, docker_client, monkeypatch
):
    """The reported race, made deterministic: another process prunes install images at
    the worst instant, after this build committed its install image and before the build
    on it starts. Without the pin the build failed 'No such image' (both rounds)."""
    root = make_project("basic")
    # requirements no other test has: the install image is this test's own, with no child
    (root / "requirements.txt").write_text(f"six!=0.0.{uuid.uuid4().int % 10**9}\n")
    real_final_build = image_module._final_build
    prunes = []

    def pruned_first(*args, **kwargs):
        remove_unused_deps(docker_client)
        prunes.append(1)
        real_final_build(*args, **kwargs)

    monkeypatch.setattr(image_module, "_final_build", pruned_first)
    tag = ensure_image(docker_client, load_config(root), Console(file=io.StringIO(), width=200))
    try:
        assert prunes == [1]  # one round: the install image was still there
        parent = docker_client.images.get(tag).attrs["Parent"] or ""
        assert parent  # built on it (classic builder: a chain of local images)
    finally:
        with contextlib.suppress(docker.errors.APIError):
            docker_client.images.remove(tag, force=True)
        remove_unused_deps(docker_client)
