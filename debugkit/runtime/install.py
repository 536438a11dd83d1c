"""pip installs for an image, run in a throwaway container and committed: no credential
reaches a layer.

The host's pip settings may hold a password (``index-url = https://user:pw@...``) and a
CA bundle. A Dockerfile step would have to COPY them into a layer, and removing them in
a later layer still leaves them in ``docker save`` output and in the cached layers of a
failed build; the engine's classic builder (the only one docker-py drives) has no build
secrets. So the folder holding them is bind-mounted read-only into a container that runs
pip, and only that container's file changes are committed: the installed packages.
A failed install commits nothing and its container is removed.

The committed image is tagged ``debugkit-deps:<hash of its inputs>`` and shared by every
project with the same base, pip settings and requirements (the cache the classic
builder's layer cache used to be).

Until the build on it has started, an install image has no child, so another debugkit
process pruning install images (``down --images``, a test session's teardown) could
remove it under a build that just committed or found it (the build then fails "No such
image"). A build therefore pins the image it uses: a created, never started container of
it, which makes the engine refuse a removal without force (:func:`pinned`).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import socket
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import docker
import docker.errors

from debugkit.applayout import APP_ROOT
from debugkit.runtime.pipconfig import IMAGE_DIR, shell_quote
from debugkit.session import pid_alive

log = logging.getLogger(__name__)

DEPS_REPOSITORY = "debugkit-deps"
LABEL_LAYER = "debugkit.layer"  # "deps" on committed install images
LABEL_PIN_HOST = "debugkit.pin-host"  # the machine and process that hold a pin
LABEL_PIN_PID = "debugkit.pin-pid"
PIN = "pin"  # the LABEL_LAYER of pin containers
SCRIPT = "build.sh"  # in the mounted pip folder


def install_container_prefix(pid: int) -> str:
    """Install containers are named after the debugkit process that runs them (a name, not
    a label: a commit keeps the container's labels)."""
    return f"debugkit-install-{pid}-"


def deps_tag(fingerprint: str) -> str:
    return f"{DEPS_REPOSITORY}:{hashlib.sha256(fingerprint.encode()).hexdigest()[:16]}"


def build_script(steps: list[tuple[str, str]]) -> str:
    """A shell script that announces each step as the classic builder does (``Step N/M :
    INSTRUCTION``, which the progress display and the build error read) and runs it."""
    lines = ["set -e"]
    for header, command in steps:
        lines.append("echo " + shell_quote(header))
        lines.append(command)
    lines.append(f"mkdir -p {APP_ROOT}")
    return "\n".join(lines) + "\n"


def run_install(
    client: docker.DockerClient,
    base: str,
    pip_folder: Path,
    tag: str,
    labels: dict[str, str],
    on_line: Callable[[str], None],
) -> int:
    """Run ``pip_folder/build.sh`` in a container of ``base`` with ``pip_folder`` mounted
    read-only; on success commit the container as ``tag``. Return the exit code.

    docker.errors.ImageNotFound / APIError when ``base`` cannot be had."""
    try:
        config = client.images.get(base).attrs.get("Config") or {}
    except docker.errors.ImageNotFound:
        config = client.images.pull(base).attrs.get("Config") or {}
    script = f"{IMAGE_DIR}/{SCRIPT}"
    # A commit keeps the container's entrypoint and command: the base's are put back, and
    # an entrypoint is overridden only when the base has one (``ENTRYPOINT []`` cannot be
    # committed). docker.py always gives the server's command, so CMD is cosmetic.
    changes = [f"LABEL {key}={value}" for key, value in labels.items()]
    changes.append(f"USER {config.get('User') or '0'}")  # the install runs as 0
    if config.get("Cmd"):
        changes.append(f"CMD {json.dumps(config['Cmd'])}")
    run_as: dict[str, object] = {"command": ["sh", script]}
    if config.get("Entrypoint"):
        run_as = {"entrypoint": ["sh"], "command": [script]}
        changes.append(f"ENTRYPOINT {json.dumps(config['Entrypoint'])}")
    container = client.containers.run(
        base,
        **run_as,
        user="0",  # installs into the image's own python, whatever USER it declares
        volumes={str(pip_folder): {"bind": IMAGE_DIR, "mode": "ro"}},
        labels=labels,
        name=install_container_prefix(os.getpid()) + uuid.uuid4().hex[:8],
        detach=True,
    )
    try:
        pending = b""
        for chunk in container.logs(stream=True, follow=True):
            pending += chunk
            *lines, pending = pending.split(b"\n")
            for line in lines:
                on_line(line.decode("utf-8", errors="replace"))
        if pending:
            on_line(pending.decode("utf-8", errors="replace"))
        code = int(container.wait().get("StatusCode", 1))
        if code == 0:
            repository, _, version = tag.partition(":")
            container.commit(repository=repository, tag=version, changes=changes)
        return code
    finally:
        with contextlib.suppress(docker.errors.APIError):
            container.remove(force=True)


@contextlib.contextmanager
def pinned(client: docker.DockerClient, tag: str) -> Iterator[bool]:
    """Keep ``tag`` from :func:`remove_unused_deps` for the duration; yield False (and pin
    nothing) when no image has that tag."""
    try:
        pin = client.containers.create(
            tag,
            command=["true"],  # never started: a command only because create wants one
            name=f"{install_container_prefix(os.getpid())}{PIN}-{uuid.uuid4().hex[:8]}",
            labels={
                LABEL_LAYER: PIN,
                LABEL_PIN_HOST: socket.gethostname(),
                LABEL_PIN_PID: str(os.getpid()),
            },
            network_disabled=True,
        )
    except docker.errors.ImageNotFound:
        yield False
        return
    try:
        yield True
    finally:
        with contextlib.suppress(docker.errors.APIError):
            pin.remove(force=True)


def _remove_stale_pins(client: docker.DockerClient) -> None:
    """Pins left by a process killed mid-build (SIGKILL runs no finally) would keep their
    image forever: those of dead processes of this machine go."""
    try:
        pins = client.containers.list(
            all=True,
            filters={"label": [f"{LABEL_LAYER}={PIN}", f"{LABEL_PIN_HOST}={socket.gethostname()}"]},
        )
    except docker.errors.APIError:
        return
    for pin in pins:
        pid = (pin.labels or {}).get(LABEL_PIN_PID, "")
        if pid.isdigit() and not pid_alive(int(pid)):
            with contextlib.suppress(docker.errors.APIError):
                pin.remove(force=True)


def remove_unused_deps(client: docker.DockerClient) -> None:
    """Remove install images no project image is built on and no build pins (the engine
    refuses the others: never forced)."""
    _remove_stale_pins(client)
    try:
        images = client.images.list(filters={"label": f"{LABEL_LAYER}=deps"})
    except docker.errors.APIError:
        return
    for image in images:
        try:
            client.images.remove(image.id, noprune=False)
        except docker.errors.APIError as exc:  # a project image or a build's pin uses it
            log.debug("kept install image %s: %s", image.tags, exc)
