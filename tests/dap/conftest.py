"""Fixtures for the debugger tests: a project in two folders (the editor's and the server's)
and the real scoring server with debugpy, attached to over DAP."""

from __future__ import annotations

import shutil
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from tests.dap.dapclient import DapClient
from tests.helpers import RunningServer, free_port, start_server

SCORE = """\
import json

import helper

SCALE = 2


def init():
    global ready
    ready = True  # BP-INIT


def run(raw_data):
    values = json.loads(raw_data)["values"]
    text = json.dumps(values)  # BP-STEP
    total = sum(values) * SCALE
    doubled = helper.double(total)  # BP-RUN
    return {"total": total, "doubled": doubled, "text": text}
"""

HELPER = """\
def double(x):
    result = x * 2  # BP-HELPER
    return result
"""


def line_of(path: Path, marker: str) -> int:
    for number, line in enumerate(path.read_text().splitlines(), start=1):
        if marker in line:
            return number
    raise AssertionError(f"{marker} not in {path}")


@dataclass
class Project:
    """The editor's copy (``local``) and the copy the server runs (``remote``), like a
    host folder bind-mounted into a container at another path."""

    local: Path
    remote: Path

    def save(self, name: str, text: str) -> None:
        """An editor save, seen by the server at once (as through the bind mount)."""
        for folder in (self.local, self.remote):
            (folder / name).write_text(text)

    def mappings(self) -> list[dict[str, str]]:
        from debugkit import vscode
        from debugkit.applayout import APP_ROOT
        from debugkit.config import load_config

        configuration = vscode.attach_configuration(load_config(self.local), self.local)
        mappings = configuration["pathMappings"]
        for mapping in mappings:
            mapping["localRoot"] = mapping["localRoot"].replace(
                "${workspaceFolder}", str(self.local)
            )
            assert mapping["remoteRoot"] == APP_ROOT
            mapping["remoteRoot"] = str(self.remote)
        return mappings


@pytest.fixture
def project(tmp_path: Path) -> Project:
    local = tmp_path / "editor" / "my-model"
    local.mkdir(parents=True)
    (local / "score.py").write_text(SCORE)
    (local / "helper.py").write_text(HELPER)
    remote = tmp_path / "server" / "app"
    shutil.copytree(local, remote)
    return Project(local, remote)


@pytest.fixture
def debug_server(project: Project) -> Iterator[Callable[..., tuple[RunningServer, int]]]:
    servers: list[RunningServer] = []

    def start(wait: str | None = "state", **flags: Any) -> tuple[RunningServer, int]:
        port = free_port()
        server = start_server(
            project.remote / "score.py",
            source_dir=project.remote,
            debug_port=port,
            wait=wait,
            **flags,
        )
        servers.append(server)
        return server, port

    yield start
    for server in servers:
        server.stop()


@pytest.fixture
def dap_connect() -> Iterator[Callable[[int], DapClient]]:
    clients: list[DapClient] = []

    def connect(port: int) -> DapClient:
        client = DapClient.connect("127.0.0.1", port)
        clients.append(client)
        return client

    yield connect
    for client in clients:
        client.__exit__(None, None, None)
