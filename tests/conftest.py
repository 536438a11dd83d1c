"""Shared test configuration: every test run gets its own debugkit state folder."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import docker
import docker.errors
import pytest

from tests.helpers import BASE_IMAGE

# Session records must not leak between test runs or into the user's own state folder;
# the venv cache is shared across runs on purpose (it is keyed by content).
STATE_DIR = tempfile.mkdtemp(prefix="debugkit-test-state-")
os.environ["DEBUGKIT_STATE_DIR"] = STATE_DIR
os.environ.setdefault(
    "DEBUGKIT_CACHE_DIR", str(Path(tempfile.gettempdir()) / "debugkit-test-cache")
)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    shutil.rmtree(STATE_DIR, ignore_errors=True)


# Container tests (tests/docker, dap, check, reload) share one engine client. They never skip:
# with no engine or no base image this FAILS and says how to get them.
@pytest.fixture(scope="session")
def docker_client() -> docker.DockerClient:
    try:
        client = docker.from_env(timeout=120)
        client.ping()
    except docker.errors.DockerException as exc:
        pytest.fail(
            f"no Docker engine answers ({exc}); run scripts/docker-engine.sh first "
            "(it installs and starts one); container tests do not skip",
            pytrace=False,
        )
    try:
        client.images.get(BASE_IMAGE)
    except docker.errors.ImageNotFound:
        pytest.fail(
            f"base image {BASE_IMAGE} is missing; run scripts/docker-engine.sh to build it offline",
            pytrace=False,
        )
    return client
