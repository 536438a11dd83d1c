"""Start, find, restart and stop a project's scoring server: what ``up``, ``down`` and the watcher share."""

from __future__ import annotations

import contextlib
import fcntl
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from debugkit import recording
from debugkit import session as sessions
from debugkit.config import ProjectConfig
from debugkit.consolelines import is_watching
from debugkit.errors import UnavailableError, UserError
from debugkit.ports import bind_problem
from debugkit.runtime import Runtime, UpOptions, get_runtime, wait_until_ready
from debugkit.session import Session, pid_alive

PORT_RELEASE_S = 5.0  # how long a restart waits for the old server's ports to be free


@dataclass
class Started:
    runtime: Runtime
    session: Session
    status: dict[str, Any]  # the server's /debugkit/status once init() has run


def docker_engine_answers() -> bool:
    try:
        import docker

        client = docker.from_env(timeout=3)
        try:
            return bool(client.ping())
        finally:
            client.close()
    except Exception:
        return False


def choose_runtime(requested: str | None) -> str:
    """``docker`` if asked or an engine answers, else ``process``."""
    if requested:
        if requested == "docker" and not docker_engine_answers():
            raise UnavailableError(
                "no Docker engine answers; start Docker (or dockerd) or use --runtime process"
            )
        return requested
    return "docker" if docker_engine_answers() else "process"


def running_session(config: ProjectConfig) -> tuple[Runtime, Session] | None:
    """The project's live session, if any.

    A session whose server has gone (killed, out of memory) keeps its record, log and
    container until ``up`` or ``down``, so that ``logs`` can still say what happened.
    """
    record = sessions.load(config.project_key)
    if record is None:
        return None
    runtime = get_runtime(record.runtime)
    return (runtime, record) if runtime.is_running(record) else None


def start(
    config: ProjectConfig,
    runtime_name: str,
    options: UpOptions,
    timeout: float = 600,
    echo: Callable[[str], None] | None = None,
    reaper_pid: int | None = None,
    replacing: Session | None = None,
) -> Started:
    """Start the server, record the session, and wait until init() has run.

    ``replacing``: a restart's old session, already stopped; its record stays until the
    new one is written, so that ``status`` says ``restarting`` rather than ``stopped``.
    """
    existing = None if replacing else running_session(config)
    if existing is not None and orphaned(existing[1]):
        stop(existing[1])  # its `up` was killed and its reaper too: nobody else will
        existing = None
    if existing is not None:
        raise UserError(
            f"{config.project_dir} is already running at {existing[1].url}; "
            f"use it, or stop it first with 'debugkit down {config.project_dir}'"
        )
    stale = None if replacing else sessions.load(config.project_key)
    if stale is not None:  # left by a killed debugkit or a server that died
        stop(stale)
    _check_port_free(config.deployment.host, config.deployment.port, "scoring port", "--port")
    if options.debug and not options.production:
        _check_port_free(
            config.deployment.host, config.deployment.debug_port, "debug port", "--debug-port"
        )
    if options.foreground and runtime_name == "docker" and not pid_alive(reaper_pid):
        from debugkit.runtime import reaper

        reaper_pid = reaper.spawn(os.getpid(), config.project_key)
    runtime = get_runtime(runtime_name)
    session = runtime.start(config, options)
    session.request = options.to_record()
    if options.foreground:
        session.owner_pid, session.reaper_pid = os.getpid(), reaper_pid
    sessions.save(session)
    try:
        status = wait_until_ready(runtime, session, timeout=timeout, echo=echo)
    except BaseException:
        # a server that died keeps its record and log, so that `debugkit logs` can say why
        if options.foreground and runtime.is_running(session):
            stop(session)
        raise
    return Started(runtime, session, status)


def prepare(session: Session, config: ProjectConfig, trigger: str) -> None:
    """Build the image (or virtualenv) for ``config`` while ``session``'s server serves on.

    The record says ``rebuilding`` meanwhile; a failure is recorded for ``status`` and
    raised, and the server that serves is untouched.
    """
    sessions.update(session, transition="rebuilding", trigger=trigger, rebuild_error=None)
    try:
        get_runtime(session.runtime).prepare(config)
    except BaseException as exc:
        sessions.update(session, transition=None, trigger=None, rebuild_error=describe(exc))
        raise
    sessions.update(session, transition=None, trigger=None)


def restart(session: Session, config: ProjectConfig, trigger: str = "") -> Session:
    """Stop the server and start it again with the same options (new limits, new image).

    Call :func:`prepare` first when the image changes, so that the switch is short. The
    record stays (``restarting``) until the new server's replaces it.
    """
    options = UpOptions.from_record(session.request)  # as `up` asked, --wait-for-debugger too
    watcher_pid = session.watcher_pid
    # a port the new settings move to must be free before the old server stops: if it is
    # taken, the old one keeps serving and the next save retries
    deployment = config.deployment
    moved = [(deployment.port, "scoring port", "--port")]
    if options.debug and not options.production:
        moved.append((deployment.debug_port, "debug port", "--debug-port"))
    for port, what, flag in moved:
        if port not in (session.port, session.debug_port):
            _check_port_free(deployment.host, port, what, flag)
    _keep_recorded_requests(session)
    sessions.update(session, transition="restarting", trigger=trigger or None)
    get_runtime(session.runtime).stop(session)
    # the old server's ports: debugpy's adapter (a process of its own) lets go a moment
    # after the server has exited, and the new server needs the same ports
    wanted = [session.port] + ([session.debug_port] if session.debug_port else [])
    deadline = time.monotonic() + PORT_RELEASE_S
    while any(bind_problem(session.host, p) for p in wanted) and time.monotonic() < deadline:
        time.sleep(0.05)
    try:
        started = start(
            config,
            session.runtime,
            options,
            reaper_pid=session.reaper_pid,
            replacing=session,
        )
    except BaseException as exc:
        # the old server is gone and no new one came up: status says so, and why
        sessions.update(session, transition=None, trigger=None, rebuild_error=describe(exc))
        raise
    started.session.watcher_pid = watcher_pid
    sessions.save(started.session)
    return started.session


def describe(exc: BaseException) -> str:
    """An exception as the one line (or build tail) users read."""
    if isinstance(exc, UserError):
        return exc.message
    if isinstance(exc, KeyboardInterrupt):
        return "interrupted"
    return f"{type(exc).__name__}: {exc}"


def orphaned(session: Session) -> bool:
    """The session belonged to a foreground ``up`` that is gone (killed with its reaper)."""
    return session.owner_pid is not None and not pid_alive(session.owner_pid)


def _keep_recorded_requests(session: Session) -> None:
    """The server keeps them in memory only: copy them to the session folder before it goes."""
    with contextlib.suppress(Exception):  # a server that does not answer has nothing to give
        recording.sync(session)


def stop(session: Session, by: str | None = None) -> None:
    """Stop the server and the background watcher; remove the session record.

    ``by`` (e.g. ``down``) is written into the record first, so that a foreground ``up``
    watching it says who stopped it rather than that its server vanished.
    """
    if by and session.owner_pid and session.owner_pid != os.getpid():
        session.stopped_by = by
        sessions.save(session)
    if (
        session.watcher_pid
        and session.watcher_pid != os.getpid()
        and pid_alive(session.watcher_pid)
    ):
        with contextlib.suppress(ProcessLookupError):
            os.kill(session.watcher_pid, signal.SIGTERM)
    get_runtime(session.runtime).stop(session)
    sessions.remove(session.project_key)
    watcher_log(session.project_key).unlink(missing_ok=True)
    recording.forget(session.project_key)  # recorded request bodies are the user's data


@contextlib.contextmanager
def exclusive_start(config: ProjectConfig) -> Iterator[None]:
    """One ``up`` at a time per project: a second one fails at once with one sentence.

    An flock on ``<state>/<key>.lock`` (released by the kernel if ``up`` dies), holding the
    owner's pid for the message; the file is removed on release.
    """
    path = sessions.state_dir() / f"{config.project_key}.lock"
    while True:
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.read(fd, 32).decode(errors="replace").strip()
            os.close(fd)
            raise UserError(
                f"another 'debugkit up'{f' (pid {holder})' if holder else ''} is starting "
                f"{config.project_dir}; wait for it, then use it or stop it with "
                f"'debugkit down {config.project_dir}'"
            ) from None
        try:  # the file we locked may have been removed by a holder that just finished
            if os.fstat(fd).st_ino == os.stat(path).st_ino:
                break
        except FileNotFoundError:
            pass
        os.close(fd)
    try:
        os.ftruncate(fd, 0)
        os.write(fd, str(os.getpid()).encode())
        yield
    finally:
        path.unlink(missing_ok=True)
        os.close(fd)


def watcher_log(project_key: str) -> Path:
    """The background watcher's log: beside the session record, so restarts do not lose it."""
    return sessions.state_dir() / f"{project_key}-watcher.log"


def spawn_background_watcher(config: ProjectConfig, session: Session, timeout: float = 15) -> int:
    """``up --detach``: the watcher runs on in its own process until ``down``.

    Returns once it watches, so that a save made right after ``up`` is not missed.
    """
    log_file = watcher_log(config.project_key)
    log_file.unlink(missing_ok=True)
    with open(log_file, "ab") as log:
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "debugkit.watch",
                str(config.project_dir),
                "--log",
                str(log_file),
            ],
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and proc.poll() is None:
        if is_watching(log_file.read_text(errors="replace")):
            break
        time.sleep(0.05)
    return proc.pid


def _check_port_free(host: str, port: int, what: str, flag: str) -> None:
    if bind_problem(host, port) is not None:
        raise UnavailableError(
            f"the {what} {host}:{port} is in use; stop what uses it or pick another with {flag}"
        )
