"""What the benchmarks share; bench/ imports nothing from tests/.

A bench runs as ``python bench/NAME.py`` and puts the repository on ``sys.path`` before it
imports this module (``sys.path.insert(0, <repo>)``, then ``from bench.common import ...``).
"""

from __future__ import annotations

import contextlib
import json
import os
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

from debugkit import launcher
from debugkit.client import ServerClient
from debugkit.config import ProjectConfig, load_config
from debugkit.errors import UserError
from debugkit.ports import free_port

__all__ = [
    "BASE_IMAGE",
    "REPO_ROOT",
    "Debugger",
    "ServerProcess",
    "foreground_up",
    "free_port",
    "make_project",
    "percentile",
    "pick_runtime",
    "stop_process",
]

REPO_ROOT = Path(__file__).resolve().parent.parent
# the offline image scripts/docker-engine.sh builds: no registry needed
BASE_IMAGE = os.environ.get("DEBUGKIT_TEST_BASE_IMAGE", "debugkit-test-base:bookworm")


def make_project(root: Path, port: int, score: str, extra: str = "") -> ProjectConfig:
    """A project on ``port`` whose image builds on the offline base image."""
    root.mkdir(parents=True)
    (root / "score.py").write_text(score)
    (root / "debugkit.yaml").write_text(
        f"base_image: {BASE_IMAGE}\ndeployment:\n  port: {port}\n{extra}"
    )
    return load_config(root)


def pick_runtime(requested: str) -> str:
    """``auto``: docker when an engine answers, else the process runtime."""
    if requested != "auto":
        return requested
    try:
        import debugkit.runtime.docker  # noqa: F401
    except ImportError:
        return "process"
    return "docker" if launcher.docker_engine_answers() else "process"


def percentile(values: list[float], fraction: float) -> float:
    """The nearest-rank value at ``fraction`` (0.5: the median, 0.95: p95)."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


class ServerProcess:
    """``python -m debugkit.server`` on a free port, ready (init() has run) once constructed."""

    def __init__(self, python: str, entry: Path, log: Path, **flags: Any) -> None:
        self.port = free_port()
        args = [python, "-m", "debugkit.server", "--entry-script", str(entry)]
        args += ["--port", str(self.port)]
        for key, value in flags.items():
            if value is not None and value is not False:
                option = "--" + key.replace("_", "-")
                args += [option] if value is True else [option, str(value)]
        env = {**os.environ, "PYTHONPATH": str(REPO_ROOT), "PYDEVD_DISABLE_FILE_VALIDATION": "1"}
        env.pop("AML_APP_ROOT", None)
        env.pop("AZUREML_MODEL_DIR", None)
        with log.open("ab") as out:
            self.process = subprocess.Popen(args, stdout=out, stderr=subprocess.STDOUT, env=env)
        self.client = ServerClient(f"http://127.0.0.1:{self.port}", timeout=5)
        self._wait_ready(log)

    def _wait_ready(self, log: Path, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise SystemExit(f"the server exited ({self.process.returncode}); see {log}")
            try:
                if self.status().get("state") == "ready":
                    return
            except (UserError, ValueError):
                pass
            time.sleep(0.05)
        self.stop()
        raise SystemExit(f"the server was not ready within {timeout:.0f} s; see {log}")

    def status(self) -> dict[str, Any]:
        return self.client.status()

    def stop(self) -> None:
        stop_process(self.process)


def foreground_up(root: Path, *flags: str) -> tuple[subprocess.Popen[str], list[str]]:
    """``debugkit up --runtime docker FLAGS ROOT`` in the foreground, returned once it watches
    (or, with ``--no-watch``, once it says it does not), with the lines it printed so far."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "debugkit", "up", "--runtime", "docker", *flags, str(root)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
        text=True,
    )
    assert proc.stdout is not None
    seen: list[str] = []
    marker = "debugkit: not watching" if "--no-watch" in flags else "debugkit: watching"
    for line in proc.stdout:  # ends at EOF if up dies: the error below then shows why
        seen.append(line)
        if marker in line:
            return proc, seen
    proc.wait(timeout=30)
    raise RuntimeError("up never became ready:\n" + "".join(seen))


def stop_process(process: subprocess.Popen[bytes]) -> None:
    """SIGTERM, then SIGKILL after 10 s."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(10)


class Debugger:
    """A DAP client attached to debugpy as VS Code attaches (initialize, attach,
    configurationDone), with no breakpoints; its events are read and dropped until close()."""

    def __init__(self, host: str, port: int, timeout: float = 30) -> None:
        self._sock = socket.create_connection((host, port), timeout=timeout)
        self._stream = self._sock.makefile("rb")
        self._seq = 0
        self._send("initialize", {"clientID": "vscode", "adapterID": "debugpy"})
        self._until(lambda m: m.get("command") == "initialize" and m.get("type") == "response")
        attach = self._send("attach", {"request": "attach", "type": "debugpy", "justMyCode": True})
        self._until(lambda m: m.get("event") == "initialized")
        self._send("configurationDone")
        self._until(lambda m: m.get("type") == "response" and m.get("request_seq") == attach)
        self._sock.settimeout(None)
        threading.Thread(target=self._drain, name="bench-dap", daemon=True).start()

    def _send(self, command: str, arguments: dict[str, Any] | None = None) -> int:
        self._seq += 1
        message = {"seq": self._seq, "type": "request", "command": command}
        if arguments is not None:
            message["arguments"] = arguments
        body = json.dumps(message).encode()
        self._sock.sendall(b"Content-Length: %d\r\n\r\n" % len(body) + body)
        return self._seq

    def _read(self) -> dict[str, Any]:
        length = 0
        while (line := self._stream.readline()) not in (b"\r\n", b""):
            name, _, value = line.decode().partition(":")
            if name.strip().lower() == "content-length":
                length = int(value)
        if not length:
            raise ConnectionError("debugpy closed the connection")
        return dict(json.loads(self._stream.read(length)))

    def _until(self, wanted: Any) -> dict[str, Any]:
        while True:
            message = self._read()
            if message.get("type") == "response" and not message.get("success", True):
                raise SystemExit(f"debugpy refused {message.get('command')}: {message}")
            if wanted(message):
                return message

    def _drain(self) -> None:
        try:
            while True:
                self._read()
        except (OSError, ValueError, ConnectionError):
            pass

    def close(self) -> None:
        with contextlib.suppress(OSError):
            self._send("disconnect", {"terminateDebuggee": False})
        self._sock.close()
