"""``debugkit up``: start the scoring server, say when it is ready, then (in the foreground)
hot-reload on save until Ctrl-C, SIGTERM/SIGHUP, ``debugkit down`` or the server's exit."""

from __future__ import annotations

import contextlib
import sys
import threading
import time
from pathlib import Path
from typing import Any

import click

from debugkit import launcher, lifecycle
from debugkit.commands.options import (
    base_image_option,
    project_dir_argument,
    runtime_option,
    target_option,
)
from debugkit.commands.output import echo, print_diagnosis
from debugkit.config import ProjectConfig, load_config
from debugkit.consolelines import error_line, on_host, watching_line
from debugkit.errors import EXIT_FAILED
from debugkit.runtime import UpOptions, get_runtime
from debugkit.server.profiles import get_profile
from debugkit.session import Session
from debugkit.vscode import ATTACH_PROCESS, ATTACH_RUNNING

EXIT_TAIL_LINES = 15  # of a server that exited under a foreground up


@click.command("up")
@project_dir_argument
@runtime_option("Default: docker if an engine answers.")
@click.option(
    "--port",
    type=click.IntRange(1, 65535),
    help="Scoring port on 127.0.0.1 (default from config: 8890).",
)
@click.option(
    "--debug-port", type=click.IntRange(1, 65535), help="debugpy port on 127.0.0.1 (default 5678)."
)
@click.option("--no-debug", is_flag=True, help="Do not start debugpy.")
@click.option("--wait-for-debugger", is_flag=True, help="Hold init() until a debugger attaches.")
@click.option("--no-watch", is_flag=True, help="Do not hot-reload on file changes.")
@click.option(
    "--detach", is_flag=True, help="Return once ready; the watcher runs on until 'debugkit down'."
)
@click.option("--production", is_flag=True, help="No error details, no debug routes, no debugpy.")
@click.option(
    "--no-keep-init",
    is_flag=True,
    help="Run init() on every reload, even when nothing it reads changed (keep_init: false).",
)
@click.option(
    "--replay-on-save",
    is_flag=True,
    help="After each successful reload, send the last failed request again and say if it is fixed.",
)
@click.option(
    "--image",
    help="Run this existing image (e.g. the one Azure ML built) instead of building one.",
)
@base_image_option()
@target_option("Answer like this front end:")
def up(
    project_dir: Path,
    runtime: str | None,
    port: int | None,
    debug_port: int | None,
    no_debug: bool,
    wait_for_debugger: bool,
    no_watch: bool,
    detach: bool,
    production: bool,
    no_keep_init: bool,
    replay_on_save: bool,
    image: str | None,
    base_image: str | None,
    target: str | None,
) -> None:
    """Start the scoring server for PROJECT_DIR, wait until ready, then hot-reload on save."""
    overrides = {
        key: value
        for key, value in {
            "port": port,
            "debug_port": debug_port,
            "base_image": base_image,
            "image": image,
            "keep_init": False if no_keep_init else None,
            "replay_on_save": True if replay_on_save else None,
            "target": target,
        }.items()
        if value is not None
    }
    options = UpOptions(
        debug=not no_debug and not production,
        wait_for_debugger=wait_for_debugger and not production,
        production=production,
        foreground=not detach,
        overrides=tuple(overrides.items()),
    )
    config = options.configure(load_config(project_dir))
    runtime_name = launcher.choose_runtime(runtime)
    if runtime is None and runtime_name == "process":
        echo(
            "debugkit: no Docker engine answers; running the server as a local process (--runtime process)"
        )
    if production and (wait_for_debugger or debug_port):
        echo("debugkit: --production never starts debugpy; ignoring the debugger flags")
    for warning in config.warnings:
        echo(f"debugkit: warning: {warning}")
    echo(f"debugkit: starting {config.entry_path} ({runtime_name} runtime) ...")
    started: list[launcher.Started] = []  # filled once the server is up
    with lifecycle.stop_signals_interrupt():  # SIGTERM, SIGHUP: as Ctrl-C
        try:
            code = _start_and_run(config, runtime_name, options, detach, no_watch, started)
        except KeyboardInterrupt as exc:
            # Before ready, or in the moment between ready and the foreground loop taking
            # over (seen 1 in 8 under load: click printed "Aborted!" and exited 1), an
            # interrupt cleans up like one during the loop.
            if not started:
                echo(f"debugkit: {_stopped_by(exc)} before the server was ready; stopped it")
            else:
                with lifecycle.shielded():
                    current = launcher.sessions.load(config.project_key)
                    if current is not None:
                        launcher.stop(current)
                how = (
                    f"debugkit: {_stopped_by(exc)}; " if isinstance(exc, lifecycle.Stopped) else ""
                )
                echo(f"{how}debugkit: stopped and removed the server")
            code = getattr(exc, "exit_code", 0 if started else 130)
    if code is not None:
        sys.exit(code)


def _start_and_run(
    config: ProjectConfig,
    runtime_name: str,
    options: UpOptions,
    detach: bool,
    no_watch: bool,
    started_out: list[launcher.Started],
) -> int | None:
    """Start the server (appended to ``started_out`` once up). Detached: return once it is
    handed to the background watcher (``None``: exit 0, or EXIT_FAILED when init() failed);
    in the foreground: run until stopped and return the exit code."""
    with launcher.exclusive_start(config):  # a second `up` of this folder says so at once
        started = launcher.start(config, runtime_name, options, echo=echo)
        started_out.append(started)
        if detach:
            _report_ready(config, started.session, started.status)
            if not no_watch:
                started.session.watcher_pid = launcher.spawn_background_watcher(
                    config, started.session
                )
                launcher.sessions.save(started.session)
            echo(
                f"debugkit: running in the background; stop with 'debugkit down {config.project_dir}'"
            )
            if started.status.get("state") == "init_failed":
                return EXIT_FAILED  # scripts can tell; the server stays up to fix and save
            return None
    return _run_until_stopped(config, started, watch=not no_watch)


def _stopped_by(exc: BaseException) -> str:
    return f"stopped by {exc.name}" if isinstance(exc, lifecycle.Stopped) else "interrupted"


def _run_until_stopped(config: ProjectConfig, started: launcher.Started, watch: bool) -> int:
    """A foreground ``up`` from ready to its end; returns the exit code.

    Ctrl-C, SIGTERM and SIGHUP stop and remove the server. ``debugkit down`` from another
    shell has done that already. A server that exited keeps its record and log for
    ``debugkit logs``, and ``up`` says why it exited.
    """
    follower_stop = threading.Event()
    follower = _follow_logs(started, config.source_dir, follower_stop)
    ended: lifecycle.Ended | None = None
    code = 0
    how = ""
    try:
        _report_ready(config, started.session, started.status)
        ended = _run_foreground(config, started, watch)
    except KeyboardInterrupt as exc:  # Ctrl-C is how a foreground 'up' ends
        if isinstance(exc, lifecycle.Stopped):
            code, how = exc.exit_code, f"debugkit: {_stopped_by(exc)}; "
    finally:
        with lifecycle.shielded():
            if ended is None:  # interrupted, or debugkit itself failed: leave nothing behind
                current = launcher.sessions.load(config.project_key) or started.session
                launcher.stop(current)
            elif ended.how == lifecycle.DOWN:
                _wait_for_down(config.project_key)
            follower_stop.set()
            follower.join(timeout=2)
            with contextlib.suppress(OSError):  # a closed terminal (SIGHUP) has no stdout
                if ended is None:
                    echo(f"{how}debugkit: stopped and removed the server")
    if ended is not None and ended.how == lifecycle.DOWN:
        echo(f"debugkit: stopped by 'debugkit down' from another shell ({config.project_dir})")
    elif ended is not None:
        _report_exit(config, ended)
        code = EXIT_FAILED
    return code


def _wait_for_down(project_key: str, timeout: float = 30) -> None:
    """``down`` marks the record, then stops the server: let it finish before exiting."""
    deadline = time.monotonic() + timeout
    while launcher.sessions.load(project_key) is not None and time.monotonic() < deadline:
        time.sleep(0.1)


def _report_exit(config: ProjectConfig, ended: lifecycle.Ended) -> None:
    """The server exited under a foreground ``up``: why, its last lines and a diagnosis."""
    reason = f" ({ended.detail})" if ended.detail else ""
    echo(f"debugkit: the scoring server exited{reason}; its last lines:")
    if ended.session is None:
        return
    runtime = get_runtime(ended.session.runtime)
    text = "".join(runtime.logs(ended.session))
    for line in text.splitlines()[-EXIT_TAIL_LINES:]:
        echo(f"  {line}")
    print_diagnosis(config, text, ended.detail or runtime.exit_reason(ended.session))
    echo(
        f"debugkit: the log and record are kept: 'debugkit logs {config.project_dir}'; "
        f"'debugkit up {config.project_dir}' starts it again"
    )


def _answers_as(config: ProjectConfig) -> str:
    """Which front end the server imitates, and its limits, for the ready line."""
    deployment = config.deployment
    profile = get_profile(deployment.target)
    return (
        f"answers as {profile.name} ({profile.description}: run() failure "
        f"{profile.run_failed_status}, timeout {profile.timeout_status} after "
        f"{deployment.request_timeout_s:g} s, over capacity {profile.over_capacity_status})"
    )


def _report_ready(config: ProjectConfig, session: Session, status: dict[str, Any]) -> None:
    generation = status.get("generation")
    if status.get("state") == "init_failed":
        error = status.get("last_error") or {}
        echo(
            f"debugkit: init() failed at {session.scoring_url}; the server stays up so you can fix and save"
        )
        echo(error_line(error, config.source_dir))
    else:
        suffix = f" (generation {generation})" if generation else ""
        echo(f"debugkit: ready at {session.scoring_url}{suffix}; {_answers_as(config)}")
    if session.debug_port:
        configuration = ATTACH_PROCESS if session.runtime == "process" else ATTACH_RUNNING
        echo(
            f"debugkit: debugpy on {session.host}:{session.debug_port}; in VS Code run "
            f"'{configuration}' (create it with 'debugkit vscode init')"
        )


def _follow_logs(
    started: launcher.Started, source_dir: Path, stop: threading.Event
) -> threading.Thread:
    """Print the server's log until ``stop``; after a restart (by the watcher) follow the new server."""

    def pump() -> None:
        runtime, session = started.runtime, started.session
        while not stop.is_set():
            try:
                for line in runtime.logs(session, tail=None, follow=True):
                    # problem lines name the user's file, as VS Code's matcher resolves it
                    click.echo(on_host(line.rstrip("\n"), source_dir), err=True)
            except Exception:  # the server went away; up reports that itself
                pass
            while not stop.wait(0.2):
                current = launcher.sessions.load(session.project_key)
                if current is not None and current.started_at != session.started_at:
                    runtime, session = get_runtime(current.runtime), current
                    break

    thread = threading.Thread(target=pump, name="debugkit-logs", daemon=True)
    thread.start()
    return thread


def _run_foreground(
    config: ProjectConfig, started: launcher.Started, watch: bool
) -> lifecycle.Ended:
    """Hot-reload on save (unless told not to) until ``down`` from another shell stops the
    session or its server exits; Ctrl-C, SIGTERM and SIGHUP raise out of here."""
    stop = threading.Event()
    runtimes = {started.session.runtime: started.runtime}  # it holds the server's exit code
    watcher = None
    if watch:
        from debugkit.watch.loop import Watcher

        watcher = Watcher(config, started.session, echo)
    monitor = lifecycle.SessionMonitor(
        config.project_key,
        lambda _: stop.set(),
        lock=watcher.lock if watcher else None,  # a restart replaces the record meanwhile
        runtimes=runtimes,
    )
    monitor.start()
    try:
        if watcher:
            echo(watching_line(config.source_dir, "for changes (Ctrl-C to stop)"))
            watcher.run(stop)
        else:
            echo("debugkit: not watching files (Ctrl-C to stop)")
            stop.wait()
    finally:
        monitor.cancel()
    assert monitor.ended is not None
    return monitor.ended


COMMANDS = [up]
