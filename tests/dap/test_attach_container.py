"""End to end, as VS Code does it: `debugkit vscode init` writes launch.json, `debugkit up`
runs the project in a real container, and a DAP client attaches with the configuration read
from that launch.json, stops in the *local* score.py, and still stops after a save reloads it."""

from __future__ import annotations

import contextlib
import json
import os
import queue
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from debugkit import vscode
from debugkit.config import load_config
from debugkit.jsonc import loads_jsonc
from debugkit.ports import free_port
from debugkit.runtime.image import LABEL_PROJECT
from tests.dap.conftest import HELPER, SCORE, line_of
from tests.dap.dapclient import DapClient, DapError
from tests.dap.test_attach_process import score_async
from tests.docker.conftest import built_projects  # noqa: F401
from tests.helpers import BASE_IMAGE, RunningServer, http

pytestmark = pytest.mark.docker


class UpProcess:
    """`debugkit up` in the foreground (watching files), its console lines collected."""

    def __init__(self, root: Path, *flags: str) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "debugkit", "up", str(root), "--runtime", "docker", *flags],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            text=True,
            cwd=root,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )
        self.lines: list[str] = []
        self._queue: queue.Queue[str] = queue.Queue()
        threading.Thread(target=self._pump, daemon=True).start()

    def _pump(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.append(line.rstrip("\n"))
            self._queue.put(line.rstrip("\n"))

    def wait_for(self, prefix: str, timeout: float = 600) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                line = self._queue.get(timeout=1)
            except queue.Empty:
                if self.process.poll() is not None:
                    break
                continue
            if line.startswith(prefix):
                return line
        raise AssertionError(f"no line starting {prefix!r}; console:\n" + "\n".join(self.lines))

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)  # Ctrl-C: up stops and removes the container
            try:
                self.process.wait(60)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)


def connect_when_listening(host: str, port: int, timeout: float = 120) -> DapClient:
    """Connect once debugpy answers `initialize`. A published container port accepts
    connections before debugpy listens inside and then drops them, so retry on that."""
    deadline = time.monotonic() + timeout
    while True:
        client = DapClient.connect(host, port, timeout=10)
        try:
            client.request("initialize", {"adapterID": "debugpy", "pathFormat": "path"}, timeout=2)
            client.close()
            return DapClient.connect(host, port)
        except (DapError, OSError):
            client.close()
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


@pytest.fixture
def container_project(tmp_path: Path, docker_client, built_projects) -> Iterator[Path]:  # noqa: F811
    root = tmp_path / "my-model"
    root.mkdir()
    (root / "score.py").write_text(SCORE)
    (root / "helper.py").write_text(HELPER)
    (root / "debugkit.yaml").write_text(
        yaml.safe_dump(
            {
                "base_image": BASE_IMAGE,
                "deployment": {
                    "port": free_port(),
                    "debug_port": free_port(),
                    "request_timeout_s": 5,
                },
            }
        )
    )
    key = load_config(root).project_key
    yield root
    with contextlib.suppress(Exception):
        subprocess.run(
            [sys.executable, "-m", "debugkit", "down", str(root)], capture_output=True, timeout=60
        )
    built_projects.append(key)
    for container in docker_client.containers.list(
        all=True, filters={"label": f"{LABEL_PROJECT}={key}"}
    ):
        container.remove(force=True)


def _generated_attach_configuration(root: Path) -> dict[str, Any]:
    """'vscode init', then launch.json's container attach configuration as VS Code reads it."""
    subprocess.run(
        [sys.executable, "-m", "debugkit", "vscode", "init", str(root)],
        check=True,
        capture_output=True,
    )
    launch = loads_jsonc((root / ".vscode" / "launch.json").read_text())
    attach = next(c for c in launch["configurations"] if c["name"] == vscode.ATTACH_CONTAINER)
    # What VS Code does with ${workspaceFolder} when the project folder is opened.
    return loads_jsonc(json.dumps(attach).replace("${workspaceFolder}", root.resolve().as_posix()))


def test_f5_attach_to_the_container_with_the_generated_launch_json(container_project: Path) -> None:
    root = container_project
    attach = _generated_attach_configuration(root)
    assert attach["pathMappings"] == [
        {"localRoot": str(root.resolve()), "remoteRoot": "/var/azureml-app"}
    ]

    up = UpProcess(root)
    try:
        ready = up.wait_for("debugkit: ready at ")
        url = ready.split()[3].removesuffix("/score")
        server = RunningServer(up.process, url, int(url.rsplit(":", 1)[1]), Path(os.devnull))
        local_score = root / "score.py"
        line = line_of(local_score, "BP-RUN")
        # The extension's Attach without a launch.json asks the running server; same answer.
        printed = subprocess.run(
            [sys.executable, "-m", "debugkit", "vscode", "attach-config", str(root)],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        assert json.loads(printed) == {k: v for k, v in attach.items() if k != "preLaunchTask"}

        with DapClient.connect(attach["connect"]["host"], attach["connect"]["port"]) as dap:
            dap.attach(attach, breakpoints={str(local_score): [line]})

            pending = score_async(server, [1, 2, 3])
            thread, frame = dap.wait_breakpoint()
            assert Path(frame["source"]["path"]).resolve() == local_score.resolve()
            assert frame["line"] == line
            assert dap.locals(frame["id"])["total"] == "12"
            dap.continue_(thread)
            result = pending.result(timeout=60)
            assert result.status == 200, result.text
            assert result.json()["doubled"] == 24

            # Save a change; the watcher of `debugkit up` reloads score.py in the container.
            local_score.write_text(SCORE.replace("SCALE = 2", "SCALE = 3"))
            up.wait_for("debugkit: reload", timeout=60)
            assert http("GET", url + "/debugkit/status").json()["generation"] == 2

            pending = score_async(server, [1, 2, 3])
            thread, frame = dap.wait_breakpoint()
            assert Path(frame["source"]["path"]).resolve() == local_score.resolve()
            assert frame["line"] == line
            assert dap.locals(frame["id"])["total"] == "18"
            time.sleep(7)  # paused longer than request_timeout_s (5): no 504 for a held request
            assert not pending.done()
            dap.continue_(thread)
            result = pending.result(timeout=60)
            assert result.status == 200 and result.json()["doubled"] == 36

            # A helper module of the source folder, mapped the same way.
            helper = root / "helper.py"
            helper_line = line_of(helper, "BP-HELPER")
            dap.set_breakpoints(str(local_score), [])
            dap.set_breakpoints(str(helper), [helper_line])
            pending = score_async(server, [1])
            thread, frame = dap.wait_breakpoint()
            assert Path(frame["source"]["path"]).resolve() == helper.resolve()
            assert frame["line"] == helper_line and dap.locals(frame["id"])["x"] == "3"
            dap.continue_(thread)
            assert pending.result(timeout=60).status == 200
    finally:
        up.stop()


def test_wait_for_debugger_in_the_container_stops_in_init(container_project: Path) -> None:
    """F5 with `--wait-for-debugger`: the up task signals on its 'waiting for a debugger' line,
    VS Code attaches, and a breakpoint in init() hits before the server is ready."""
    root = container_project
    attach = _generated_attach_configuration(root)
    up = UpProcess(root, "--wait-for-debugger")
    try:
        up.wait_for("debugkit: waiting for a debugger")
        local_score = root / "score.py"
        line = line_of(local_score, "BP-INIT")
        # Until `up` prints its line only once debugpy listens, an attach right then can be
        # dropped (the published port answers first); this retry is the user pressing F5 again.
        dap = connect_when_listening(attach["connect"]["host"], attach["connect"]["port"])
        with dap:
            dap.attach(attach, breakpoints={str(local_score): [line]})
            thread, frame = dap.wait_breakpoint()
            assert Path(frame["source"]["path"]).resolve() == local_score.resolve()
            assert frame["line"] == line
            dap.continue_(thread)
            up.wait_for("debugkit: ready at ")
    finally:
        up.stop()
