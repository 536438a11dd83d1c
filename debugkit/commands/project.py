"""The commands on a project's running server: down, status, logs, score, reload, model-path
(``up`` is in commands/up.py)."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import click

from debugkit import launcher
from debugkit.client import ServerClient
from debugkit.commands.options import project_dir_argument
from debugkit.commands.output import echo, print_diagnosis
from debugkit.config import ProjectConfig, load_config
from debugkit.consolelines import error_line, not_reloaded_line
from debugkit.errors import EXIT_FAILED, CheckFailed, ConfigError, UserError
from debugkit.runtime import get_runtime
from debugkit.session import Session
from debugkit.watch.filters import is_ignored
from debugkit.watch.report import init_detail, serving
from debugkit.watch.syntax import SyntaxProblem, check_syntax


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
        echo(f"debugkit: nothing is running for {config.project_dir}")
    else:
        launcher.stop(record, by="down")
        echo(f"debugkit: stopped and removed the server for {config.project_dir}")
    if images and launcher.docker_engine_answers():
        from debugkit.check.server import CHECK_KEY_SUFFIX
        from debugkit.runtime.docker import DockerRuntime

        runtime = DockerRuntime()  # `up`'s images and those `debugkit check` keeps as its cache
        keys = (config.project_key, config.project_key + CHECK_KEY_SUFFIX)
        removed = sum(runtime.remove_project_images(key) for key in keys)
        echo(f"debugkit: removed {removed} image(s) of {config.project_dir}")


@click.command("status")
@project_dir_argument
@click.option("--json", "as_json", is_flag=True, help="Print the status as JSON.")
def status(project_dir: Path, as_json: bool) -> None:
    """State, generation, last error and URLs of PROJECT_DIR's server (exit 1 unless it serves: ready, or rebuilding)."""
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
    echo(f"state: {report['state']}")
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
            echo(f"{key.replace('_', ' ')}: {report[key]}")
    kept = serving(report.get("generation")) if report.get("generation") is not None else ""
    if report.get("rebuild_failed"):
        echo(f"rebuild failed: {report['rebuild_failed']}")
        if kept:
            echo(f"  {kept}")
    if report.get("not_serving"):
        echo("saved but not serving" + (f" ({kept})" if kept else "") + ":")
        for line in report["not_serving"]:
            echo(f"  {line}")
    if report.get("last_error") and report.get("state") != "ready":
        echo("last error: " + error_line(report["last_error"], config.source_dir))
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
    print_diagnosis(config, "".join(text), runtime.exit_reason(record))


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
    echo(f"HTTP {response.status}")
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
                echo(line)
        echo(not_reloaded_line("the running version keeps serving"))
        sys.exit(EXIT_FAILED)
    mode = "always" if run_init or not config.keep_init else "auto"
    result = ServerClient(session.url).reload(init=mode)
    if result.get("ok"):
        echo(
            f"debugkit: reloaded: generation {result.get('generation')} in "
            f"{result.get('duration_ms', 0):.0f} ms{init_detail(result.get('init'))}"
        )
        return
    echo(
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
    echo(f"{name}: {mark}" + (f" at {answer['resolved']}" if answer.get("resolved") else ""))
    for candidate in answer.get("searched") or []:
        echo(f"  looked at {candidate.get('path')}: {candidate.get('why', '')}")
    for model in answer.get("available") or []:
        for entry in model.get("versions", []):
            files = ", ".join(entry.get("files", []))
            echo(f"  available: {model.get('name')} version {entry.get('version')}: {files}")
    suggestion = answer.get("suggestion")
    versions = [
        str(v.get("version"))
        for model in answer.get("available") or []
        if model.get("name") == name
        for v in model.get("versions", [])
    ]
    if not answer.get("exists") and versions and version is not None:
        # the name is right, only the version is not: say that, not "did you mean NAME?"
        echo(
            f"  {name} has no version {version}; it has version {', '.join(versions)} "
            "(without --version, the highest)"
        )
    elif suggestion and suggestion != name:
        echo(f"  did you mean '{suggestion}'?")
    if answer.get("diagnosis"):
        echo(f"  {answer['diagnosis']}")


COMMANDS = [down, status, logs, score, reload, model_path]
