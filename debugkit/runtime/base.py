"""What every runtime does, and the parts they share."""

from __future__ import annotations

import time
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, fields
from typing import Any

from debugkit.client import ServerClient
from debugkit.config import ProjectConfig, apply_overrides
from debugkit.errors import CheckFailed, UnavailableError
from debugkit.session import Session

READY_STATES = ("ready", "init_failed")


@dataclass(frozen=True)
class UpOptions:
    """What ``debugkit up`` asked for: made once from its flags, stored once in the session
    record (:meth:`to_record`), and the same object again for every restart (:meth:`from_record`),
    so that a restart starts the server as ``up`` did."""

    debug: bool = True  # start debugpy
    wait_for_debugger: bool = False
    production: bool = False  # no error details, no /debugkit routes, no debugpy
    foreground: bool = True  # stop the server when debugkit exits (Ctrl-C, crash)
    # flags that win over the project's configuration (--port, --image, ...), as (key, value)
    overrides: tuple[tuple[str, Any], ...] = ()

    def __post_init__(self) -> None:  # one order, so that equal requests compare equal
        object.__setattr__(self, "overrides", tuple(sorted(dict(self.overrides).items())))

    def configure(self, config: ProjectConfig) -> ProjectConfig:
        """``config`` as this ``up`` sees it: its flags on top."""
        return apply_overrides(config, dict(self.overrides))

    def to_record(self) -> dict[str, Any]:
        return {**asdict(self), "overrides": dict(self.overrides)}

    @classmethod
    def from_record(cls, record: dict[str, Any]) -> UpOptions:
        known = {f.name for f in fields(cls)}
        values = {k: v for k, v in record.items() if k in known}
        values["overrides"] = tuple(dict(values.get("overrides") or {}).items())
        return cls(**values)


@dataclass(frozen=True)
class ServerPlacement:
    """Where the server runs, as the server itself sees it (host paths, or container paths)."""

    python: str
    entry_script: str
    source_dir: str
    host: str
    port: int
    debug_host: str
    debug_port: int | None  # None: no debugpy
    model_dir: str | None = None  # None: AZUREML_MODEL_DIR comes from the environment
    # the server's own memory watchdog, where no container enforces memory_gb
    memory_limit_mb: int | None = None


def server_command(config: ProjectConfig, options: UpOptions, where: ServerPlacement) -> list[str]:
    """The ``python -m debugkit.server`` command line (docs/architecture.md) both runtimes run."""
    deployment = config.deployment
    command = [
        where.python,
        # debugpy warns that breakpoints in frozen stdlib modules may be missed
        *(["-Xfrozen_modules=off"] if where.debug_port is not None else []),
        "-m",
        "debugkit.server",
        "--entry-script",
        where.entry_script,
        "--source-dir",
        where.source_dir,
        "--host",
        where.host,
        "--port",
        str(where.port),
        "--request-timeout",
        str(deployment.request_timeout_s),
        "--max-concurrent",
        str(deployment.max_concurrent_requests),
        "--target",
        deployment.target,
        "--max-wait",
        str(deployment.max_request_wait_s),
        "--settings-format",
        config.settings_format,
    ]
    if where.model_dir is not None:
        command += ["--model-dir", where.model_dir]
    if where.memory_limit_mb is not None:
        command += ["--memory-limit-mb", str(where.memory_limit_mb)]
    if where.debug_port is not None:
        command += ["--debug-port", str(where.debug_port), "--debug-host", where.debug_host]
        if options.wait_for_debugger:
            command.append("--wait-for-debugger")
    if options.production:
        command.append("--production")
    return command


LOCAL_HOSTS = ("127.0.0.1", "localhost", "::1")


def exposure_warning(host: str, debug: bool, where: str) -> str | None:
    """The warning for ports bound beyond this machine's loopback (``host``), or None.
    debugpy has no authentication: whoever reaches its port runs code as the server."""
    if host in LOCAL_HOSTS:
        return None
    what = "the scoring port and the debugger" if debug else "the scoring port"
    return (
        f"debugkit: WARNING: {what} listen on {host}: anyone who can reach this machine "
        f"there can {'run any code ' + where if debug else 'call it'}. Use deployment.host: "
        "127.0.0.1 unless you mean it"
    )


def debug_port_for(config: ProjectConfig, options: UpOptions) -> int | None:
    """The debug port to publish, or None when debugpy is off (--no-debug, --production)."""
    return config.deployment.debug_port if options.debug and not options.production else None


class Runtime(ABC):
    name: str

    @abstractmethod
    def prepare(self, config: ProjectConfig) -> None:
        """Build what ``start`` needs (image, virtualenv) without touching a running server,
        so that a rebuild after an environment change can fail while the old one serves."""

    @abstractmethod
    def start(self, config: ProjectConfig, options: UpOptions) -> Session:
        """Start the server and return its session (without waiting for readiness)."""

    @abstractmethod
    def stop(self, session: Session) -> None:
        """Stop and remove everything ``start`` created. Safe to call twice."""

    @abstractmethod
    def is_running(self, session: Session) -> bool: ...

    @abstractmethod
    def logs(
        self, session: Session, tail: int | None = None, follow: bool = False
    ) -> Iterator[str]:
        """Lines of the server's log."""

    def new_session(
        self, config: ProjectConfig, options: UpOptions, debug_port: int | None, **where: Any
    ) -> Session:
        """The session record of a server this runtime just started (``where``: its ids)."""
        return Session(
            project_key=config.project_key,
            project_dir=str(config.project_dir),
            runtime=self.name,
            host=config.deployment.host,
            port=config.deployment.port,
            debug_port=debug_port,
            production=options.production,
            **where,
        )

    def exit_reason(self, session: Session) -> str | None:
        """Why the server is gone (e.g. ``OOMKilled``), if the runtime can tell."""
        return None


def wait_until_ready(
    runtime: Runtime,
    session: Session,
    timeout: float = 120.0,
    echo: Callable[[str], None] | None = None,
) -> dict:
    """Poll the server until ``init()`` finished (ready or init_failed); return its status.

    In production mode there is no status route, so readiness is ``GET /`` answering 200.
    ``echo`` hears once when debugpy listens and holds init() for a client
    (``--wait-for-debugger``): only then can an editor attach.
    """
    told_waiting = False
    client = ServerClient(session.url, timeout=2.0)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not runtime.is_running(session):
            reason = runtime.exit_reason(session)
            raise CheckFailed(
                "the scoring server exited before it was ready"
                + (f" ({reason})" if reason else "")
                + "; see 'debugkit logs' for the cause"
            )
        try:
            if session.production:
                if client.health().status == 200:
                    return {"state": "ready"}
            else:
                status = client.status()
                if status.get("state") in READY_STATES:
                    return status
                if echo and not told_waiting and (status.get("debugger") or {}).get("waiting"):
                    told_waiting = True
                    echo(
                        f"debugkit: waiting for a debugger on {session.host}:{session.debug_port} "
                        "before init(); attach now"
                    )
        except (UnavailableError, ValueError):
            pass
        time.sleep(0.05)
    raise CheckFailed(
        f"the scoring server did not become ready within {timeout:.0f} s; "
        "see 'debugkit logs' (a slow init() or a debugger that never attached with --wait-for-debugger)"
    )
