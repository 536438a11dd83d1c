"""requests, replay: the recorded scoring requests, and sending one again after a fix."""

from __future__ import annotations

import contextlib
import json
import shutil
import sys
import textwrap
import time
from itertools import zip_longest
from pathlib import Path

import click

from debugkit import launcher, recording
from debugkit.client import Response
from debugkit.commands.options import project_dir_argument
from debugkit.config import ProjectConfig, load_config
from debugkit.errors import EXIT_FAILED, CheckFailed, UserError
from debugkit.recording import Recorded, RequestLog
from debugkit.session import Session

LABEL_WIDTH = 8


def _session(config: ProjectConfig) -> Session:
    found = launcher.running_session(config)
    if found is None:
        raise CheckFailed(
            f"nothing is running for {config.project_dir}; start it with 'debugkit up'"
        )
    session = found[1]
    if session.production:
        raise UserError(
            "requests are not recorded in --production mode; start without --production to "
            "record and replay them"
        )
    return session


def _when(recorded: Recorded) -> str:
    return time.strftime("%H:%M:%S", time.localtime(recorded.time))


def _one_line(data: bytes, limit: int) -> str:
    text = data.decode("utf-8", errors="replace").replace("\n", " ").strip()
    return text if len(text) <= limit else text[: limit - 1] + "\u2026"


@click.command("requests")
@project_dir_argument
@click.option("--json", "as_json", is_flag=True, help="Print the records as JSON.")
def requests_command(project_dir: Path, as_json: bool) -> None:
    """The last scoring requests PROJECT_DIR's server answered (debug mode records them)."""
    config = load_config(project_dir)
    log = recording.sync(_session(config))
    if as_json:
        click.echo(json.dumps([recording.as_dict(r) for r in log.requests], indent=2))
        return
    if not log.requests:
        click.echo("debugkit: no requests recorded yet; send one with 'debugkit score'")
        return
    click.echo(f"{'ID':>4}  {'TIME':8}  {'REQUEST':18}  {'STATUS':>6}  {'MS':>7}  {'GEN':>3}  BODY")
    for r in log.requests:
        request = f"{r.method} {r.path}"
        replayed = f" (replay of {r.replay_of})" if r.replay_of else ""
        click.echo(
            f"{r.id:>4}  {_when(r)}  {request:18.18}  {r.status:>6}  {r.duration_ms:>7.1f}  "
            f"{r.generation:>3}  {_one_line(r.body, 40)}{replayed}"
        )


def _choose(log: RequestLog, request_id: int | None, last: bool) -> Recorded:
    if request_id is not None:
        found = log.find(request_id)
        if found is None:
            known = f"{log.requests[0].id}-{log.requests[-1].id}" if log.requests else "none"
            raise UserError(
                f"no recorded request {request_id} (recorded: {known}); see 'debugkit requests'"
            )
        return found
    chosen = log.last(failed=not last)
    if chosen is None:
        what = "request" if last else "failed request"
        raise CheckFailed(f"no {what} recorded yet; see 'debugkit requests'")
    return chosen


def _split_targets(targets: tuple[str, ...]) -> tuple[Path, int | None]:
    """``[DIR] [ID]`` in either order: a number that is not a folder is the ID."""
    project_dir, request_id = Path("."), None
    for target in targets:
        if target.isdigit() and not Path(target).is_dir():
            request_id = int(target)
        else:
            project_dir = Path(target)
    return project_dir, request_id


@click.command("replay")
@click.argument("targets", nargs=-1, metavar="[DIR] [ID]")
@click.option("--last", "last", is_flag=True, help="Replay the last request.")
@click.option(
    "--last-failed",
    "last_failed",
    is_flag=True,
    help="Replay the last request that failed (the default without an ID).",
)
def replay_command(targets: tuple[str, ...], last: bool, last_failed: bool) -> None:
    """Send a recorded request again to the current generation; show old and new answers
    side by side (exit 1 unless the new answer is 2xx)."""
    if len(targets) > 2:
        raise UserError(
            "give at most a project folder and a request id: debugkit replay [DIR] [ID]"
        )
    project_dir, request_id = _split_targets(targets)
    if sum([request_id is not None, last, last_failed]) > 1:
        raise UserError("give one of ID, --last or --last-failed")
    config = load_config(project_dir)
    session = _session(config)
    log = recording.sync(session)
    chosen = _choose(log, request_id, last)
    if not chosen.body_complete:
        raise UserError(
            f"request {chosen.id}'s body ({chosen.body_size} bytes) was larger than what is "
            "recorded; send it again with 'debugkit score --file'"
        )
    started = time.perf_counter()
    answer = recording.replay(session, chosen, timeout=config.deployment.request_timeout_s + 30)
    elapsed_ms = (time.perf_counter() - started) * 1000
    for line in comparison(chosen, answer, elapsed_ms):
        click.echo(line)
    sys.stdout.flush()
    if not 200 <= answer.status < 300:
        sys.exit(EXIT_FAILED)


def comparison(
    recorded: Recorded, answer: Response, elapsed_ms: float, width: int | None = None
) -> list[str]:
    """The recorded answer and the new one, side by side."""
    width = width or shutil.get_terminal_size((120, 24)).columns
    column = max(20, (width - LABEL_WIDTH - 3) // 2)
    generation = answer.header("x-debugkit-generation") or "?"
    lines = [
        f"debugkit: replayed request {recorded.id} ({recorded.method} {recorded.path}, "
        f"recorded {_when(recorded)})",
        _row(
            "",
            f"recorded (generation {recorded.generation})",
            f"now (generation {generation})",
            column,
        ),
        _row("status", str(recorded.status), str(answer.status), column),
    ]
    lines.append(_row("time", f"{recorded.duration_ms:.0f} ms", f"{elapsed_ms:.0f} ms", column))
    old_lines = _pretty(recorded.answer, column)
    new_lines = _pretty(answer.body, column)
    for i, (old, new) in enumerate(zip_longest(old_lines, new_lines, fillvalue="")):
        lines.append(_row("answer" if i == 0 else "", old, new, column))
    # last, so that one line tells it all (the VS Code command shows this one)
    verdict = "answers" if 200 <= answer.status < 300 else "still fails"
    if recorded.failed and verdict == "answers":
        verdict = "fixed"
    lines.append(
        f"debugkit: request {recorded.id}: {recorded.status} -> {answer.status}, {verdict}"
    )
    return [line.rstrip() for line in lines]


def _row(label: str, left: str, right: str, column: int) -> str:
    return f"{label:<{LABEL_WIDTH}} {left:<{column}.{column}} | {right}"


def _pretty(body: bytes, column: int, max_lines: int = 30) -> list[str]:
    text = body.decode("utf-8", errors="replace")
    with contextlib.suppress(ValueError):
        text = json.dumps(json.loads(text), indent=1, ensure_ascii=False)
    lines: list[str] = []
    for line in text.splitlines() or [""]:
        lines += textwrap.wrap(line, column, drop_whitespace=False) or [""]
    if len(lines) > max_lines:
        lines = [*lines[: max_lines - 1], f"... ({len(lines) - max_lines + 1} more lines)"]
    return lines


COMMANDS = [requests_command, replay_command]
