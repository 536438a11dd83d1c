"""What turns keeping init() off: debugkit.yaml `keep_init: false` (the watcher then asks for
init() on every save), `debugkit reload --init`; and what a bad value says. Real server,
real watcher, real files."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from debugkit.commands.project import reload as reload_command
from debugkit.config import load_config
from debugkit.errors import ConfigError
from debugkit.session import remove as remove_session
from tests.helpers import process_session, start_server
from tests.reload.conftest import wait_for, watched_server

OK = "\u2713"
SCORE = """\
def init():
    global model
    model = "loaded"


def run(raw):
    return {"model": model, "version": 1}
"""


def _project(root: Path, yaml: str = "") -> Path:
    root.mkdir(parents=True)
    (root / "score.py").write_text(SCORE)
    if yaml:
        (root / "debugkit.yaml").write_text(yaml)
    return root


def test_keep_init_false_runs_init_on_every_save(tmp_path: Path) -> None:
    root = _project(tmp_path / "proj", "keep_init: false\n")
    assert load_config(root).keep_init is False
    with watched_server(root) as live:
        (root / "score.py").write_text(SCORE.replace('"version": 1', '"version": 2'))
        line = live.line_with(f"reload {OK}")
        assert line.endswith("(score.py; init() ran)"), line


def test_by_default_a_run_only_save_keeps_init(tmp_path: Path) -> None:
    root = _project(tmp_path / "proj")
    with watched_server(root) as live:
        (root / "score.py").write_text(SCORE.replace('"version": 1', '"version": 2'))
        assert "(score.py; init() kept, " in live.line_with(f"reload {OK}")
        wait_for("the new code", lambda: live.server.score("{}").json()["version"] == 2)


def test_debugkit_reload_keeps_init_unless_told_init(tmp_path: Path) -> None:
    root = _project(tmp_path / "proj")
    server = start_server(root / "score.py", source_dir=root)
    config = load_config(root)
    process_session(root, server, save=True)
    try:
        kept = CliRunner().invoke(reload_command, [str(root)])
        assert kept.exit_code == 0, kept.output
        assert "generation 2" in kept.output and "; init() kept, " in kept.output
        forced = CliRunner().invoke(reload_command, [str(root), "--init"])
        assert forced.exit_code == 0, forced.output
        assert "generation 3" in forced.output and forced.output.rstrip().endswith("; init() ran")
    finally:
        server.stop()
        remove_session(config.project_key)


def test_a_keep_init_that_is_not_a_boolean_names_the_key(tmp_path: Path) -> None:
    root = _project(tmp_path / "proj", "keep_init: sometimes\n")
    with pytest.raises(ConfigError, match=r"keep_init.*expected true or false, got 'sometimes'"):
        load_config(root)
