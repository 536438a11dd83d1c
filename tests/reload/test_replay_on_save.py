"""--replay-on-save: after the save that fixes run(), the watcher sends the request that failed
again and says it is fixed (real server, real watcher, real files)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from debugkit import recording
from debugkit.config import load_config
from tests.helpers import process_session, start_server
from tests.reload.conftest import wait_for, watching

BROKEN = """\
import json


def init():
    pass


def run(raw):
    return {"inverse": 1 / json.loads(raw)["x"]}
"""


def test_the_last_failed_request_is_replayed_after_the_fixing_save(tmp_path: Path) -> None:
    root = tmp_path / "divide"
    root.mkdir()
    (root / "score.py").write_text(BROKEN)
    server = start_server(root / "score.py", source_dir=root)
    config = replace(load_config(root), replay_on_save=True)
    session = process_session(root, server)
    try:
        assert server.score({"x": 0}).status == 502
        with watching(config, session) as (_, lines):
            # a save that does not fix it: replayed, still failing, with the error
            (root / "score.py").write_text(BROKEN.replace("def init():", "def init():  # v2"))
            still = wait_for("a replay line", lambda: [x for x in lines if "replayed" in x])[0]
            assert "replayed request 1 (POST /score): 502 -> 502 on generation 2" in still
            assert "still failing: run() raised ZeroDivisionError" in still
            (root / "score.py").write_text(
                BROKEN.replace('["x"]', '["x"] if json.loads(raw)["x"] else 0')
            )
            fixed = wait_for("a second replay line", lambda: [x for x in lines if "fixed" in x])
            # the last failed request is now the replay of request 1 (id 2)
            assert "replayed request 2 (POST /score): 502 -> 200 on generation 3, fixed" in fixed[0]
        assert server.score({"x": 0}).json() == {"inverse": 0}
    finally:
        server.stop()
        recording.forget(config.project_key)
