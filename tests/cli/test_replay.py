"""Record and replay: a request that failed (502) is recorded by the real server, the fix is
saved and reloaded, and `debugkit replay` sends it again and shows 502 next to 200.
Production mode records nothing."""

from __future__ import annotations

import json
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from debugkit import launcher, recording
from debugkit.commands.replay import replay_command, requests_command
from debugkit.config import load_config
from debugkit.errors import UserError
from debugkit.paths import state_dir
from debugkit.server.app import create_app
from debugkit.server.options import ServerOptions
from debugkit.server.service import ScoringService
from debugkit.session import Session
from debugkit.session import remove as remove_session
from tests.helpers import RunningServer, process_session, start_server

BROKEN = """\
import json


def init():
    pass


def run(raw):
    data = json.loads(raw)
    return {"inverse": 1 / data["x"]}
"""

FIXED = BROKEN.replace('1 / data["x"]', '1 / data["x"] if data["x"] else None')


def _session(root: Path, server: RunningServer, production: bool = False) -> Session:
    """The record `debugkit up --runtime process` would write for this server."""
    return process_session(root, server, save=True, production=production)


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = tmp_path / "divide"
    root.mkdir()
    (root / "score.py").write_text(BROKEN)
    return root


@pytest.fixture
def running(project: Path) -> Iterator[tuple[RunningServer, Session]]:
    server = start_server(project / "score.py", source_dir=project)
    session = _session(project, server)
    try:
        yield server, session
    finally:
        server.stop()
        launcher.stop(session)


def test_replay_after_the_fix_turns_the_recorded_502_into_200(
    project: Path, running: tuple[RunningServer, Session]
) -> None:
    server, session = running
    assert server.score({"x": 4}).status == 200
    failed = server.score({"x": 0}, headers={"Authorization": "Bearer s3cret", "Cookie": "a=b"})
    assert failed.status == 502

    listed = CliRunner().invoke(requests_command, [str(project)])
    assert listed.exit_code == 0, listed.output
    rows = listed.output.splitlines()[1:]
    assert [row.split()[0] for row in rows] == ["1", "2"]
    assert "502" in rows[1].split() and '{"x": 0}' in rows[1]

    # still broken: replay shows the same failure and exits 1
    again = CliRunner().invoke(replay_command, [str(project), "--last-failed"])
    assert again.exit_code == 1, again.output

    (project / "score.py").write_text(FIXED)
    assert server.reload()["ok"]
    replayed = CliRunner().invoke(replay_command, [str(project), "2"])
    assert replayed.exit_code == 0, replayed.output
    lines = replayed.output.splitlines()
    assert lines[0].startswith("debugkit: replayed request 2 (POST /score")
    assert "recorded (generation 1)" in lines[1] and "now (generation 2)" in lines[1]
    status = lines[2].split()
    assert status[0] == "status" and status[1] == "502" and status[-1] == "200"
    assert "ZeroDivisionError" in replayed.output and '"inverse": null' in replayed.output
    assert lines[-1] == "debugkit: request 2: 502 -> 200, fixed"

    # kept in the session's state folder, owner-only, without the credentials
    folder = state_dir() / session.project_key
    file = folder / "requests.json"
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    assert stat.S_IMODE(file.stat().st_mode) == 0o600
    assert "s3cret" not in file.read_text() and "a=b" not in file.read_text()
    listed = CliRunner().invoke(requests_command, [str(project)])
    assert listed.output.splitlines()[-1].endswith("(replay of 2)")
    saved = [recording.Recorded(**r) for r in json.loads(file.read_text())["requests"]]
    assert [(r.status, r.replay_of) for r in saved] == [
        (200, None),
        (502, None),
        (502, "2"),
        (200, "2"),
    ]


def test_replay_refuses_an_unknown_id_in_one_line(
    project: Path, running: tuple[RunningServer, Session]
) -> None:
    result = CliRunner().invoke(replay_command, [str(project), "7"])
    assert isinstance(result.exception, UserError) and result.exception.exit_code == 2
    assert "no recorded request 7 (recorded: none)" in str(result.exception)


def test_nothing_is_recorded_in_production_mode(project: Path, tmp_path: Path) -> None:
    server = start_server(project / "score.py", source_dir=project, production=True, wait="health")
    try:
        session = _session(project, server, production=True)
        assert server.score({"x": 0}).status == 502
        assert server.get("/debugkit/requests").status == 404
        result = CliRunner().invoke(replay_command, [str(project)])
        assert isinstance(result.exception, UserError) and result.exception.exit_code == 2
        assert "not recorded in --production mode" in str(result.exception)
        assert not (state_dir() / session.project_key).exists()
    finally:
        server.stop()
        remove_session(load_config(project).project_key)

    # and the production app has no recorder at all, so nothing reaches memory either
    options = ServerOptions(
        entry_script=str(project / "score.py"), source_dir=str(project), production=True
    )
    service = ScoringService(options.entry_script, options.source_dir, keep_init=False)
    service.start()
    app = create_app(options, service)
    assert app.test_client().post("/score", data=b'{"x": 0}').status_code == 502
    assert app.extensions["debugkit"].recorder is None


def test_records_outlive_a_restart_and_keep_their_numbers(project: Path) -> None:
    """What a restart does (launcher copies the server's records first): the next server's
    requests are numbered after the earlier ones, which stay listed and replayable."""
    first = start_server(project / "score.py", source_dir=project)
    session = _session(project, first)
    try:
        assert first.score({"x": 0}).status == 502
        assert first.score({"x": 1}).status == 200
        assert [r.id for r in recording.sync(session).requests] == [1, 2]
    finally:
        first.stop()
    (project / "score.py").write_text(FIXED)
    second = start_server(project / "score.py", source_dir=project)
    session = _session(project, second)
    try:
        assert second.score({"x": 2}).status == 200
        log = recording.sync(session)
        assert [(r.id, r.status, r.generation) for r in log.requests] == [
            (1, 502, 1),
            (2, 200, 1),
            (3, 200, 1),
        ]
        failed = log.last(failed=True)
        assert failed is not None and failed.id == 1
        assert recording.replay(session, failed, timeout=30).status == 200
    finally:
        second.stop()
        launcher.stop(session)
    assert not (state_dir() / session.project_key).exists()  # down forgets them
