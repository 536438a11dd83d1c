"""Other tenants of the engine: nothing but the user's host loopback reaches debugpy.

debugpy has no authentication, so a container that can connect to it can run any code
in the scoring container. These tests probe from a second container on the same engine.
"""

from __future__ import annotations

import json
import os
import socket
from pathlib import Path

import docker
import pytest
from docker.models.containers import Container

from debugkit.config import ProjectConfig, load_config
from debugkit.runtime.image import LABEL_PROJECT
from tests.docker.conftest import debugkit
from tests.helpers import BASE_IMAGE

pytestmark = pytest.mark.docker

# Runs in the probe container: one line per target, "open" or the error it got.
_PROBE = """
import json, socket, sys
result = {}
# the host as this container sees it: the default route's gateway
for line in open("/proc/net/route").read().splitlines()[1:]:
    fields = line.split()
    if fields[1] == "00000000":
        gateway = socket.inet_ntoa(bytes.fromhex(fields[2])[::-1])
for host, port in json.loads(sys.argv[1]):
    host = gateway if host == "GATEWAY" else host
    try:
        socket.create_connection((host, port), timeout=3).close()
        result[f"{host}:{port}"] = "open"
    except OSError as exc:
        result[f"{host}:{port}"] = type(exc).__name__
print(json.dumps(result))
"""


def _probe(client: docker.DockerClient, targets: list[tuple[str, int]]) -> dict[str, str]:
    output = client.containers.run(
        BASE_IMAGE, ["python3", "-c", _PROBE, json.dumps(targets)], remove=True
    )
    return json.loads(output.decode().strip().splitlines()[-1])


def _up_detached(
    docker_client: docker.DockerClient, root: Path, config: ProjectConfig
) -> Container:
    """``up --detach`` on Docker, and the one container it started."""
    debugkit("up", "--detach", "--runtime", "docker", str(root))
    (container,) = docker_client.containers.list(
        filters={"label": f"{LABEL_PROJECT}={config.project_key}"}
    )
    return container


def test_other_containers_reach_neither_debugger_nor_server(make_project, docker_client) -> None:
    root = make_project("basic")
    config = load_config(root)
    container = _up_detached(docker_client, root, config)
    networks = container.attrs["NetworkSettings"]["Networks"]
    assert list(networks) == [f"debugkit-{config.project_key}"], networks
    (address,) = [n["IPAddress"] for n in networks.values()]

    # the user's own loopback works: the published ports accept connections
    socket.create_connection(("127.0.0.1", config.deployment.debug_port), timeout=5).close()
    assert "hello from the model" in debugkit("score", str(root), "--data", "{}").stdout

    seen = _probe(
        docker_client,
        [
            (address, 5678),  # debugpy, straight to the container
            (address, 5001),  # the scoring server
            ("GATEWAY", config.deployment.debug_port),  # the host's published debug port
            ("GATEWAY", config.deployment.port),
        ],
    )
    assert "open" not in seen.values(), seen

    debugkit("down", str(root))
    assert (
        docker_client.networks.list(filters={"label": f"{LABEL_PROJECT}={config.project_key}"})
        == []
    )


def test_processes_run_unprivileged_with_limits(make_project, docker_client) -> None:
    root = make_project("basic")
    config = load_config(root)
    container = _up_detached(docker_client, root, config)
    uid = os.getuid() or 65534  # a root invoker gets nobody, never root
    assert container.attrs["Config"]["User"].split(":")[0] == str(uid)
    host = container.attrs["HostConfig"]
    assert host["CapDrop"] == ["ALL"] and not host["CapAdd"]
    assert "no-new-privileges" in host["SecurityOpt"]
    assert 0 < host["PidsLimit"] <= 4096
    assert host["LogConfig"]["Config"].get("max-size")
    # the server itself (not only `docker exec`) runs as that uid, with no capabilities
    listing = container.exec_run(
        [
            "sh",
            "-c",
            "for p in /proc/[0-9]*; do grep -q debugkit.server $p/cmdline 2>/dev/null && "
            "grep -E '^(Uid|CapEff):' $p/status; done",
        ]
    ).output.decode()
    assert f"Uid:\t{uid}\t" in listing, listing
    assert "CapEff:\t0000000000000000" in listing, listing
    # ready means init() ran: the model was readable as that uid
    assert "hello from the model" in debugkit("score", str(root), "--data", "{}").stdout
    debugkit("down", str(root))
