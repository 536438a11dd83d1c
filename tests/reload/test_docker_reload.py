"""Hot reload against a real container: the source folder is a read-only bind mount and the
watcher runs on the host; the server reports paths inside the container."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path

import docker
import docker.errors
import pytest

from debugkit.client import ServerClient
from debugkit.config import load_config
from debugkit.watch.loop import Watcher
from tests.helpers import BASE_IMAGE, free_port
from tests.reload.conftest import launched, make_project, score_source, wait_for

pytestmark = pytest.mark.docker
OK = "\u2713"


@pytest.fixture
def container_up(
    tmp_path: Path, docker_client: docker.DockerClient
) -> Iterator[tuple[Path, Watcher, list[str]]]:
    root = make_project(tmp_path / "proj")
    (root / "debugkit.yaml").write_text(
        f"base_image: {BASE_IMAGE}\ndeployment:\n  port: {free_port()}\n"
        "  max_concurrent_requests: 0\n"
    )
    with launched(load_config(root), "docker", timeout=600) as (watcher, lines):
        try:
            yield root, watcher, lines
        finally:
            image = watcher.session.image
    if image:
        with contextlib.suppress(docker.errors.DockerException):  # in use by another run
            docker_client.images.remove(image, force=True)


def test_container_reloads_on_host_save_and_maps_error_paths(container_up) -> None:
    root, watcher, lines = container_up
    server = ServerClient(watcher.session.url)

    def answer() -> tuple[str | None, object]:
        response = server.score(b'{"data": 1}')
        headers = {k.lower(): v for k, v in response.headers.items()}
        return headers.get("x-debugkit-generation"), response.json()

    assert answer() == ("1", {"tag": "v1", "helper": 1})
    (root / "helper.py").write_text("VALUE = 2\n")
    wait_for(
        "the new helper in the container", lambda: answer() == ("2", {"tag": "v1", "helper": 2})
    )
    wait_for(  # printed once the reload request returns, maybe after the first new answer
        "the reload line",
        lambda: any(line.startswith(f"debugkit: reload {OK} generation 2 ") for line in lines),
    )
    # only run() reads helper.VALUE: the container kept init()'s state
    assert "(helper.py; init() kept, " in next(x for x in lines if " generation 2 " in x)

    source = score_source("v3", init_extra="    raise KeyError('model')\n")
    (root / "score.py").write_text(source)
    number = source.splitlines().index("    raise KeyError('model')") + 1
    failed = wait_for(
        "the failed reload", lambda: next((x for x in lines if "KeyError" in x), None)
    )
    # reported as the host's file, not /var/azureml-app/score.py
    assert failed.startswith(f"{root / 'score.py'}:{number}: error: KeyError: ")
    assert failed.endswith("generation 2 keeps serving]")
    assert answer() == ("2", {"tag": "v1", "helper": 2})
