"""The project commands: up, down, status, logs, score, reload, model-path."""

from __future__ import annotations

import contextlib
import json
import sys
import threading
import time
from pathlib import Path
from typing import Any

import click

from debugkit import launcher, lifecycle
from debugkit.client import ServerClient
from debugkit.commands.options import base_image_option, project_dir_argument
from debugkit.config import ProjectConfig, load_config
from debugkit.consolelines import error_line, not_reloaded_line, on_host, watching_line
from debugkit.errors import EXIT_FAILED, CheckFailed, ConfigError, UserError
from debugkit.runtime import UpOptions, get_runtime
from debugkit.server.profiles import PROFILE_NAMES, get_profile
from debugkit.session import Session
from debugkit.vscode import ATTACH_PROCESS, ATTACH_RUNNING
from debugkit.watch.filters import is_ignored
from debugkit.watch.report import init_detail, serving
from debugkit.watch.syntax import SyntaxProblem, check_syntax

EXIT_TAIL_LINES = 15  # of a server that exited under a foreground up


def _echo(line: str) -> None:
    click.echo(line)
    sys.stdout.flush()


def _require_debug_routes(config: ProjectConfig, command: str, instead: str) -> Session:
    """The running session, if it has the debug routes (``--production`` turns them off)."""
    session = _require_session(config)
    if session.production:
        raise UserError(
            f"'debugkit {command}' needs the debug routes, which --production turns off "
            f"({instead}); run 'debugkit up' without --production to use it"
        )
    return session


def _require_session(config: ProjectConfig) -> Session:
    found = launcher.running_session(config)
    if found is None:
        raise CheckFailed(
            f"nothing is running for {config.project_dir}; start it with 'debugkit up'"
        )
    return found[1]


# --- up --------------------------------------------------------------------------------------------


@click.command("up")
@project_dir_argument
@click.option(
    "--runtime",
    type=click.Choice(["docker", "process"]),
    help="Default: docker if an engine answers.",
)
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
@base_image_option(
    "Build on this image instead of the configured base_image (env DEBUGKIT_BASE_IMAGE)."
)
@click.option(
    "--target",
    type=click.Choice(PROFILE_NAMES),
    help="Answer like this front end: aks (v1 AKS/ACI) or managed (v2 managed online endpoint). "
    "Default: managed for a v2 deployment YAML, else aks (or deployment.target).",
)
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
        _echo(
            "debugkit: no Docker engine answers; running the server as a local process (--runtime process)"
        )
    if production and (wait_for_debugger or debug_port):
        _echo("debugkit: --production never starts debugpy; ignoring the debugger flags")
    for warning in config.warnings:
        _echo(f"debugkit: warning: {warning}")
    _echo(f"debugkit: starting {config.entry_path} ({runtime_name} runtime) ...")
    with lifecycle.stop_signals_interrupt():  # SIGTERM, SIGHUP: as Ctrl-C
        with launcher.exclusive_start(config):  # a second `up` of this folder says so at once
            try:
                started = launcher.start(config, runtime_name, options, echo=_echo)
            except KeyboardInterrupt as exc:
                _echo(f"debugkit: {_stopped_by(exc)} before the server was ready; stopped it")
                sys.exit(getattr(exc, "exit_code", 130))
            if detach:
                _report_ready(config, started.session, started.status)
                if not no_watch:
                    started.session.watcher_pid = launcher.spawn_background_watcher(
                        config, started.session
                    )
                    launcher.sessions.save(started.session)
                _echo(
                    f"debugkit: running in the background; stop with 'debugkit down {config.project_dir}'"
                )
                if started.status.get("state") == "init_failed":
                    sys.exit(EXIT_FAILED)  # scripts can tell; the server stays up to fix and save
                return
        sys.exit(_run_until_stopped(config, started, watch=not no_watch))


def _stopped_by(exc: BaseException) -> str:
    return f"stopped by {exc.name}" if isinstance(exc, lifecycle.Stopped) else "interrupted"


def _run_until_stopped(config: ProjectConfig, started: launcher.Started, watch: bool) -> int:
    """A foreground ``up`` from ready to its end; returns the exit code.

    Ctrl-C, SIGTERM and SIGHUP stop and remove the server. ``debugkit down`` from another
    shell has done that already. A server that exited keeps its record and log for
    ``debugkit logs``, and ``up`` says why it exited.
    """
    follower_stop = threading.Event()
    follower = _follow_logs(started, follower_stop)
    ended: lifecycle.Ended | None = None
    code = 0
    how = ""
    try:
        _report_ready(config, started.session, started.status)
        ended = _run_foreground(config, started.session, watch)
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
                    _echo(f"{how}debugkit: stopped and removed the server")
    if ended is not None and ended.how == lifecycle.DOWN:
        _echo(f"debugkit: stopped by 'debugkit down' from another shell ({config.project_dir})")
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
    _echo(f"debugkit: the scoring server exited{reason}; its last lines:")
    if ended.session is None:
        return
    runtime = get_runtime(ended.session.runtime)
    text = "".join(runtime.logs(ended.session))
    for line in text.splitlines()[-EXIT_TAIL_LINES:]:
        _echo(f"  {line}")
    _print_diagnosis(config, text, ended.detail or runtime.exit_reason(ended.session))
    _echo(
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
        _echo(
            f"debugkit: init() failed at {session.scoring_url}; the server stays up so you can fix and save"
        )
        _echo(error_line(error, config.source_dir))
    else:
        suffix = f" (generation {generation})" if generation else ""
        _echo(f"debugkit: ready at {session.scoring_url}{suffix}; {_answers_as(config)}")
    if session.debug_port:
        configuration = ATTACH_PROCESS if session.runtime == "process" else ATTACH_RUNNING
        _echo(
            f"debugkit: debugpy on {session.host}:{session.debug_port}; in VS Code run "
            f"'{configuration}' (create it with 'debugkit vscode init')"
        )


def _follow_logs(started: launcher.Started, stop: threading.Event) -> threading.Thread:
    """Print the server's log until ``stop``; after a restart (by the watcher) follow the new server."""

    def pump() -> None:
        runtime, session = started.runtime, started.session
        source_dir = session.config_loader()(session.project_dir).source_dir
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


def _run_foreground(config: ProjectConfig, session: Session, watch: bool) -> lifecycle.Ended:
    """Hot-reload on save (unless told not to) until ``down`` from another shell stops the
    session or its server exits; Ctrl-C, SIGTERM and SIGHUP raise out of here."""
    stop = threading.Event()
    if watch:
        from debugkit.watch.loop import Watcher

        watcher = Watcher(config, session, _echo)
        monitor = lifecycle.SessionMonitor(
            config.project_key, lambda _: stop.set(), lock=watcher.lock
        )
        monitor.start()
        _echo(watching_line(config.source_dir, "for changes (Ctrl-C to stop)"))
        try:
            watcher.run(stop)
        finally:
            monitor.cancel()
    else:
        monitor = lifecycle.SessionMonitor(config.project_key, lambda _: stop.set())
        monitor.start()
        _echo("debugkit: not watching files (Ctrl-C to stop)")
        try:
            stop.wait()
        finally:
            monitor.cancel()
    assert monitor.ended is not None
    return monitor.ended


# --- down, status, logs ------------------------------------------------------------------------------


def _config_or_stand_in(project_dir: Path) -> ProjectConfig:
    """The project's configuration; if it became invalid while a server runs, a stand-in
    that still finds that server (records are keyed by the folder), with a warning: a typo
    in debugkit.yaml must not keep 'down' from freeing the ports."""
    try:
        return load_config(project_dir)
    except ConfigError as exc:
        root = Path(project_dir).expanduser().resolve()
        stand_in = ProjectConfig(project_dir=root, source_dir=root, entry_script="score.py")
        if not root.is_dir() or launcher.sessions.load(stand_in.project_key) is None:
            raise
        click.echo(f"debugkit: warning: {exc.message}; acting on what runs anyway", err=True)
        return stand_in


@click.command("down")
@project_dir_argument
@click.option(
    "--images", is_flag=True, help="Also remove the project's images (kept as a build cache)."
)
def down(project_dir: Path, images: bool) -> None:
    """Stop and remove what 'up' started for PROJECT_DIR."""
    config = _config_or_stand_in(project_dir)
    record = launcher.sessions.load(config.project_key)
    if record is None:
        _echo(f"debugkit: nothing is running for {config.project_dir}")
    else:
        launcher.stop(record, by="down")
        _echo(f"debugkit: stopped and removed the server for {config.project_dir}")
    if images and launcher.docker_engine_answers():
        from debugkit.check.server import CHECK_KEY_SUFFIX
        from debugkit.runtime.docker import DockerRuntime

        runtime = DockerRuntime()  # `up`'s images and those `debugkit check` keeps as its cache
        keys = (config.project_key, config.project_key + CHECK_KEY_SUFFIX)
        removed = sum(runtime.remove_project_images(key) for key in keys)
        _echo(f"debugkit: removed {removed} image(s) of {config.project_dir}")


@click.command("status")
@project_dir_argument
@click.option("--json", "as_json", is_flag=True, help="Print the status as JSON.")
def status(project_dir: Path, as_json: bool) -> None:
    """State, generation, last error and URLs of PROJECT_DIR's server (exit 1 unless ready)."""
    config = _config_or_stand_in(project_dir)
    report: dict[str, Any] = {"state": "stopped", "project_dir": str(config.project_dir)}
    record = launcher.sessions.load(config.project_key)
    found = launcher.running_session(config)
    if found is not None:
        session = found[1]
        report.update(runtime=session.runtime, url=session.url, scoring_url=session.scoring_url)
        report["debug_port"] = session.debug_port
        if launcher.orphaned(session):
            report["orphaned"] = (
                f"the 'debugkit up' that started it (pid {session.owner_pid}) is gone, but the "
                f"server still runs; stop it with 'debugkit down {config.project_dir}'"
            )
        client = ServerClient(session.url, timeout=5)
        if session.production:
            report["state"] = "ready" if client.health().status == 200 else "starting"
            report["target"] = config.deployment.target  # no status route in production
        else:
            report.update(client.status())
    elif record is not None and record.transition is None:
        reason = get_runtime(record.runtime).exit_reason(record)
        report["exited"] = reason or "the server is gone"
        report["hint"] = f"see 'debugkit logs {config.project_dir}' for why"
    if record is not None:
        _add_watcher_facts(report, record, config, serving=found is not None)
    if as_json:
        click.echo(json.dumps(report, indent=2))
    else:
        _print_status(report, config)
    if report["state"] not in SERVING_STATES:
        sys.exit(EXIT_FAILED)


# status exits 0 in these: requests are answered (while rebuilding, by the old generation)
SERVING_STATES = ("ready", "rebuilding")


def _add_watcher_facts(
    report: dict[str, Any], record: Session, config: ProjectConfig, serving: bool
) -> None:
    """What the record knows beyond the server: a rebuild or restart under way (and why),
    a rebuild that failed, and saved files that do not serve (host-caught syntax errors,
    a reload whose init() failed)."""
    if record.transition == "rebuilding" and serving and report["state"] == "ready":
        report["state"] = "rebuilding"
    elif record.transition == "restarting" and not serving:
        report["state"] = "restarting"
    if record.transition:
        report["trigger"] = record.trigger
    if record.rebuild_error:
        report["rebuild_failed"] = record.rebuild_error
    not_serving = list(record.unsent)
    last_reload = report.get("last_reload") or {}
    if last_reload.get("ok") is False and last_reload.get("error"):
        not_serving.append(error_line(last_reload["error"], config.source_dir, "reload failed"))
    if not_serving:
        report["not_serving"] = not_serving


def _print_status(report: dict[str, Any], config: ProjectConfig) -> None:
    _echo(f"state: {report['state']}")
    for key in (
        "trigger",
        "generation",
        "runtime",
        "scoring_url",
        "debug_port",
        "reloads",
        "target",
        "exited",
        "orphaned",
        "hint",
    ):
        if report.get(key) is not None:
            _echo(f"{key.replace('_', ' ')}: {report[key]}")
    kept = serving(report.get("generation")) if report.get("generation") is not None else ""
    if report.get("rebuild_failed"):
        _echo(f"rebuild failed: {report['rebuild_failed']}")
        if kept:
            _echo(f"  {kept}")
    if report.get("not_serving"):
        _echo("saved but not serving" + (f" ({kept})" if kept else "") + ":")
        for line in report["not_serving"]:
            _echo(f"  {line}")
    if report.get("last_error") and report.get("state") != "ready":
        _echo("last error: " + error_line(report["last_error"], config.source_dir))
        if report["last_error"].get("traceback"):
            _print_blocks({"traceback": report["last_error"]["traceback"]})


@click.command("logs")
@project_dir_argument
@click.option("--follow", "-f", is_flag=True, help="Keep printing new lines.")
@click.option("--tail", type=click.IntRange(min=1), help="Only the last N lines.")
def logs(project_dir: Path, follow: bool, tail: int | None) -> None:
    """The server's log, then a diagnosis of known failure signatures with the remedy."""
    config = load_config(project_dir)
    record = launcher.sessions.load(config.project_key)
    if record is None:
        raise CheckFailed(f"nothing was started for {config.project_dir}; run 'debugkit up' first")
    runtime = get_runtime(record.runtime)
    text: list[str] = []
    try:
        for line in runtime.logs(record, tail=tail, follow=follow):
            text.append(line)
            click.echo(line.rstrip("\n"))
    except KeyboardInterrupt:
        pass
    if record.transition:
        click.echo(f"debugkit: {record.transition}: {record.trigger}")
    if record.rebuild_error:
        click.echo(f"debugkit: rebuild failed: {record.rebuild_error}")
    watcher_log = launcher.watcher_log(config.project_key)
    if watcher_log.exists() and not follow:
        click.echo(f"--- hot reload (watcher log {watcher_log})")
        lines = watcher_log.read_text(errors="replace").splitlines()
        for line in lines[-tail:] if tail else lines:
            click.echo(line)
    _print_diagnosis(config, "".join(text), runtime.exit_reason(record))


def _print_diagnosis(config: ProjectConfig, log_text: str, exit_reason: str | None) -> None:
    from debugkit.diagnose import diagnose

    findings = diagnose(log_text, exit_reason, config)
    if findings:
        click.echo("")
        click.echo("diagnosis:")
        for finding in findings:
            click.echo(f"  x {finding.title}: {finding.detail}")
            click.echo(f"    remedy: {finding.remedy}")


# --- score, reload, model-path ------------------------------------------------------------------------


@click.command("score")
@project_dir_argument
@click.option("--data", help="Request body (JSON text).")
@click.option(
    "--file",
    "file",
    type=click.File("rb"),
    help="Read the request body from a file ('-' for stdin).",
)
@click.option("--content-type", default="application/json", show_default=True)
def score(project_dir: Path, data: str | None, file: Any, content_type: str) -> None:
    """POST a request to /score and print the status and body (exit 1 unless 2xx)."""
    if data is not None and file is not None:
        raise UserError("give the request body with --data or --file, not both")
    if data is None and file is None:
        raise UserError(
            "give the request body with --data '{\"data\": ...}' or --file request.json"
        )
    body = data.encode() if data is not None else file.read()
    config = load_config(project_dir)
    session = _require_session(config)
    timeout = config.deployment.request_timeout_s + 30
    response = ServerClient(session.url).score(body, content_type, timeout=timeout)
    _echo(f"HTTP {response.status}")
    if 200 <= response.status < 300:
        click.echo(response.text)  # run()'s answer, byte for byte
    else:
        _print_error_body(response.text)
    if not 200 <= response.status < 300:
        sys.exit(EXIT_FAILED)


def _print_error_body(text: str) -> None:
    """An error's JSON body as people read it: indented, and its multi-line strings (the
    traceback, a stuck run()'s stack) as lines rather than one line of \\n escapes."""
    try:
        body = json.loads(text)
    except ValueError:
        click.echo(text)
        return
    blocks: dict[str, str] = {}
    click.echo(json.dumps(_without_blocks(body, "", blocks), indent=2))
    _print_blocks(blocks)


def _without_blocks(value: Any, path: str, blocks: dict[str, str]) -> Any:
    """``value`` with its multi-line strings moved into ``blocks`` (by dotted key)."""
    if isinstance(value, dict):
        kept = {}
        for key, item in value.items():
            where = f"{path}.{key}" if path else str(key)
            if isinstance(item, str) and "\n" in item.rstrip("\n"):
                blocks[where] = item
            else:
                kept[key] = _without_blocks(item, where, blocks)
        return kept
    return value


def _print_blocks(blocks: dict[str, str]) -> None:
    for key, value in blocks.items():
        click.echo(f"{key}:")
        for line in value.rstrip("\n").splitlines():
            click.echo(f"  {line}")


@click.command("reload")
@project_dir_argument
@click.option(
    "--init", "run_init", is_flag=True, help="Run init() even if nothing it reads changed."
)
def reload(project_dir: Path, run_init: bool) -> None:
    """Reload score.py now: re-import, and run init() unless nothing it reads changed (then its
    state, the loaded model, is kept); the last good version serves on failure."""
    config = load_config(project_dir)
    session = _require_debug_routes(config, "reload", "a save restarts it instead")
    config = session.config_loader()(project_dir)  # with up's flags (--no-keep-init)
    problems = _syntax_problems(config.source_dir)
    if problems:
        for problem in problems:
            for line in problem.lines():
                _echo(line)
        _echo(not_reloaded_line("the running version keeps serving"))
        sys.exit(EXIT_FAILED)
    mode = "always" if run_init or not config.keep_init else "auto"
    result = ServerClient(session.url).reload(init=mode)
    if result.get("ok"):
        _echo(
            f"debugkit: reloaded: generation {result.get('generation')} in "
            f"{result.get('duration_ms', 0):.0f} ms{init_detail(result.get('init'))}"
        )
        return
    _echo(
        f"debugkit: reload failed; generation {result.get('generation')} keeps serving\n"
        + error_line(result.get("error"), config.source_dir)
    )
    sys.exit(EXIT_FAILED)


def _syntax_problems(source_dir: Path) -> list[SyntaxProblem]:
    """Compile the source folder's Python files on the host, as the watcher does before a reload."""
    problems = []
    for path in sorted(source_dir.rglob("*.py")):
        if not is_ignored(path.relative_to(source_dir)):
            problem = check_syntax(path)
            if problem is not None:
                problems.append(problem)
    return problems


@click.command("model-path")
@click.argument("name")
@project_dir_argument
@click.option(
    "--version", "version", type=click.IntRange(min=1), help="Model version (default: the highest)."
)
@click.option("--json", "as_json", is_flag=True, help="Print the server's answer as JSON.")
def model_path(name: str, project_dir: Path, version: int | None, as_json: bool) -> None:
    """Ask the running server where model NAME resolves, and why (exit 1 if it does not exist)."""
    config = load_config(project_dir)
    session = _require_debug_routes(config, "model-path", "its log shows what init() loaded")
    response = ServerClient(session.url).model_path(name, version)
    answer = response.json()
    if response.status != 200:
        raise UserError(
            answer.get("message") or answer.get("error") or f"the server answered {response.status}"
        )
    if as_json:
        click.echo(json.dumps(answer, indent=2))
    else:
        _print_model_path(name, answer, version)
    if not answer.get("exists"):
        sys.exit(EXIT_FAILED)


def _print_model_path(name: str, answer: dict[str, Any], version: int | None = None) -> None:
    mark = "found" if answer.get("exists") else "NOT FOUND"
    _echo(f"{name}: {mark}" + (f" at {answer['resolved']}" if answer.get("resolved") else ""))
    for candidate in answer.get("searched") or []:
        _echo(f"  looked at {candidate.get('path')}: {candidate.get('why', '')}")
    for model in answer.get("available") or []:
        for entry in model.get("versions", []):
            files = ", ".join(entry.get("files", []))
            _echo(f"  available: {model.get('name')} version {entry.get('version')}: {files}")
    suggestion = answer.get("suggestion")
    versions = [
        str(v.get("version"))
        for model in answer.get("available") or []
        if model.get("name") == name
        for v in model.get("versions", [])
    ]
    if not answer.get("exists") and versions and version is not None:
        # the name is right, only the version is not: say that, not "did you mean NAME?"
        _echo(
            f"  {name} has no version {version}; it has version {', '.join(versions)} "
            "(without --version, the highest)"
        )
    elif suggestion and suggestion != name:
        _echo(f"  did you mean '{suggestion}'?")
    if answer.get("diagnosis"):
        _echo(f"  {answer['diagnosis']}")


COMMANDS = [up, down, status, logs, score, reload, model_path]
