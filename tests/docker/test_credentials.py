"""No credential from the host's pip settings in any layer of any image debugkit builds
or leaves behind, after a successful build and after a failed one."""

from __future__ import annotations

import contextlib
import io
import os

import docker
import docker.errors
import pytest
from rich.console import Console

from debugkit.config import load_config
from debugkit.errors import CheckFailed
from debugkit.runtime.image import ensure_image
from debugkit.runtime.install import LABEL_LAYER, install_container_prefix, remove_unused_deps

pytestmark = pytest.mark.docker

PASSWORD = "dk-fake-S3cret-7731"  # PyPI ignores credentials, so the install still works
INDEX = f"https://dkuser:{PASSWORD}@pypi.org/simple"
DEPS_LABEL = f"{LABEL_LAYER}=deps"


def _all_images(client: docker.DockerClient) -> set[str]:
    # ids only: inspecting each would race with other sessions removing theirs
    return set(client.api.images(all=True, quiet=True))


def _saved_bytes(client: docker.DockerClient, image_id: str) -> bytes:
    """``docker save``: every layer's files plus the image config and history, uncompressed."""
    return b"".join(client.images.get(image_id).save(named=False))


@pytest.fixture
def images_created(docker_client: docker.DockerClient):
    before = _all_images(docker_client)
    created: list[str] = []
    yield created
    created.extend(_all_images(docker_client) - before)
    # install images go by remove_unused_deps only: forcing one off would break another
    # session's build that pinned it (install.pinned)
    shared = {image.id for image in docker_client.images.list(filters={"label": DEPS_LABEL})}
    for image_id in set(created) - shared:
        with contextlib.suppress(docker.errors.APIError):
            docker_client.images.remove(image_id, force=True)
    remove_unused_deps(docker_client)


def test_a_password_in_the_pip_index_url_is_in_no_layer(
    make_project, docker_client, monkeypatch, images_created
) -> None:
    monkeypatch.setenv("PIP_INDEX_URL", INDEX)
    root = make_project("basic")
    console = Console(file=io.StringIO(), width=200)
    before = _all_images(docker_client)
    tag = ensure_image(docker_client, load_config(root), console)
    new = _all_images(docker_client) - before
    assert docker_client.images.get(tag).id in new
    for image_id in new:  # the project image, the install image under it, other sessions'
        with contextlib.suppress(docker.errors.NotFound):  # removed by its session meanwhile
            assert PASSWORD.encode() not in _saved_bytes(docker_client, image_id)

    # a failed install leaves no image holding it (other sessions may build meanwhile: every
    # new image is scanned) and no install container
    (root / "requirements.txt").write_text("six==1.16.0\ndebugkit-no-such-package-77c1\n")
    before = _all_images(docker_client)
    with pytest.raises(CheckFailed, match="debugkit-no-such-package-77c1"):
        ensure_image(docker_client, load_config(root), console)
    for image_id in _all_images(docker_client) - before:
        with contextlib.suppress(docker.errors.NotFound):  # removed by its session
            assert PASSWORD.encode() not in _saved_bytes(docker_client, image_id)
    assert not docker_client.containers.list(
        all=True, filters={"name": install_container_prefix(os.getpid())}
    )
