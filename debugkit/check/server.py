"""The scoring server ``debugkit check`` starts: production mode, the deployment's limits,
a free port and a container of its own (so a running ``debugkit up`` of the same project
is left alone). It also runs short probes in the server's own environment (``docker exec``
in the container, or the server's interpreter and environment for the process runtime)."""

from __future__ import annotations

import contextlib
import json
import os
import socket
import subprocess
import threading
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from debugkit.client import ServerClient
from debugkit.config import ProjectConfig, apply_overrides
from debugkit.runtime import Runtime, UpOptions
from debugkit.session import Session

# run in production mode as deployed: no error details, no /debugkit routes, no debugpy
CHECK_OPTIONS = UpOptions(debug=False, production=True, foreground=True)
CHECK_KEY_SUFFIX = "-check"

# cgroup v2, then v1: the highest memory use the kernel saw (page cache included, as the
# OOM killer counts it)
PEAK_FILES = ("/sys/fs/cgroup/memory.peak", "/sys/fs/cgroup/memory/memory.max_usage_in_bytes")
_READ_FIRST = (
    "import sys\n"
    "for p in sys.argv[1:]:\n"
    "    try:\n"
    "        print(open(p).read().strip()); break\n"
    "    except OSError:\n"
    "        pass\n"
)


@dataclass(frozen=True)
class CheckConfig(ProjectConfig):
    """The project's configuration under a key of its own: its container and image names
    differ from ``up``'s, so checking never stops the server a developer has running."""

    @property
    def project_key(self) -> str:
        return super().project_key + CHECK_KEY_SUFFIX


def check_config(
    config: ProjectConfig, base_image: str | None = None, target: str | None = None
) -> CheckConfig:
    """``config`` under the check's key, on a free port, with the command line's
    ``--base-image`` and ``--target`` on top (as ``up`` applies them)."""
    config = apply_overrides(config, {"base_image": base_image, "target": target})
    fields = {f: getattr(config, f) for f in config.__dataclass_fields__}
    fields["deployment"] = replace(config.deployment, port=free_port(config.deployment.host))
    return CheckConfig(**fields)


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as probe:
        probe.bind((host, 0))
        return int(probe.getsockname()[1])


class MemorySampler(threading.Thread):
    def __init__(self, container: Any) -> None:
        super().__init__(name="debugkit-check-memory", daemon=True)
        self.container, self.peak, self.stop = container, 0, threading.Event()

    def run(self) -> None:
        while not self.stop.wait(0.2):
            try:
                stats = self.container.stats(stream=False, one_shot=True)
            except Exception:  # the container is gone: the peak so far stands
                return
            usage = (stats.get("memory_stats") or {}).get("usage") or 0
            self.peak = max(self.peak, int(usage))


@dataclass
class CheckedServer:
    runtime: Runtime
    session: Session
    config: ProjectConfig
    _sampler: MemorySampler | None = None

    @property
    def client(self) -> ServerClient:
        return ServerClient(self.session.url, timeout=self.config.deployment.request_timeout_s + 30)

    def is_running(self) -> bool:
        return self.runtime.is_running(self.session)

    def exit_reason(self) -> str | None:
        return self.runtime.exit_reason(self.session)

    def log_text(self) -> str:
        with contextlib.suppress(Exception):
            return "".join(self.runtime.logs(self.session))
        return ""

    def stop(self) -> None:
        if self._sampler is not None:
            self._sampler.stop.set()
        self.runtime.stop(self.session)

    # --- probes in the server's environment ------------------------------------------------------

    def run_python(self, code: str, *args: str) -> str | None:
        """stdout of ``python -c code args`` where the server runs; None if it cannot be run."""
        if self.session.container_id:
            container = self._container()
            if container is None or container.status != "running":
                return None
            exit_code, output = container.exec_run(["python3", "-c", code, *args], demux=True)
            stdout = (output[0] or b"") if isinstance(output, tuple) else (output or b"")
            return stdout.decode("utf-8", errors="replace") if exit_code == 0 else None
        pid = self.session.server_pid
        proc = Path(f"/proc/{pid}")
        if not pid or not proc.exists():  # not Linux, or the server is gone
            return None
        try:
            python = os.readlink(proc / "exe")
            env = dict(
                item.split("=", 1)
                for item in (proc / "environ").read_bytes().decode(errors="replace").split("\0")
                if "=" in item
            )
            cwd = os.readlink(proc / "cwd")
        except OSError:
            return None
        result = subprocess.run(
            [python, "-c", code, *args],
            env=env,
            cwd=cwd,
            capture_output=True,
            text=True,
            timeout=60,
        )
        return result.stdout if result.returncode == 0 else None

    def run_json(self, code: str, payload: Any) -> Any:
        output = self.run_python(code, json.dumps(payload))
        return None if output is None else json.loads(output)

    def peak_memory_bytes(self) -> tuple[int | None, str]:
        """The highest memory use so far, and how it was measured."""
        if self.session.container_id:
            output = self.run_python(_READ_FIRST, *PEAK_FILES)
            if output and output.strip().isdigit():
                return int(output.strip()), "cgroup peak"
            if self._sampler is not None and self._sampler.peak:
                return self._sampler.peak, "sampled every 0.2 s"
            return None, "not measurable"
        with contextlib.suppress(OSError, ValueError):
            for line in Path(f"/proc/{self.session.server_pid}/status").read_text().splitlines():
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) * 1024, "peak RSS of the server process"
        return None, "not measurable"

    def sample_memory_if_needed(self) -> None:
        """Without a cgroup peak file (cgroup v2 before Linux 5.19), sample the container's
        memory use from the engine until the server stops."""
        if not self.session.container_id:
            return
        output = self.run_python(_READ_FIRST, *PEAK_FILES)
        if output and output.strip().isdigit():
            return
        container = self._container()
        if container is not None:
            self._sampler = MemorySampler(container)
            self._sampler.start()

    def _container(self) -> Any:
        client = getattr(self.runtime, "client", None)
        if client is None:
            return None
        import docker.errors

        try:
            return client.containers.get(self.session.container_id)
        except docker.errors.NotFound:
            return None


def start_server(runtime: Runtime, config: ProjectConfig) -> CheckedServer:
    """Start the server without waiting for init(); the caller stops it.

    If ``debugkit check`` is killed (a CI job cancelled with SIGKILL), nobody runs that
    stop: for a container, the reaper ``up`` uses removes it once this process is gone
    (the process runtime's server dies with its parent by itself).
    """
    if runtime.name == "docker":  # before the container exists, so no kill can come between
        from debugkit.runtime import reaper

        reaper.spawn(os.getpid(), config.project_key)
    session = runtime.start(config, CHECK_OPTIONS)
    return CheckedServer(runtime, session, config)
