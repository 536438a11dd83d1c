"""`status` and `logs` between two servers of a restart: the record says what is going on."""

from __future__ import annotations

import json
from pathlib import Path

from debugkit import session as sessions
from debugkit.config import load_config
from tests.helpers import debugkit


def test_status_and_logs_say_restarting_and_why_while_no_server_runs(tmp_path: Path) -> None:
    (tmp_path / "score.py").write_text("def init():\n    pass\n\ndef run(raw):\n    return raw\n")
    config = load_config(tmp_path)
    trigger = "deployment.memory_gb changed from 1.0 to 2.0 (debugkit.yaml)"
    # the watcher's restart has stopped the old server and not yet recorded the new one
    record = sessions.Session(
        project_key=config.project_key,
        project_dir=str(tmp_path),
        runtime="process",
        host="127.0.0.1",
        port=1,
        debug_port=None,
        server_pid=None,
        transition="restarting",
        trigger=trigger,
    )
    sessions.save(record)
    try:
        status = debugkit("status", "--json", str(tmp_path))
        report = json.loads(status.stdout)
        assert status.returncode == 1
        assert report["state"] == "restarting" and report["trigger"] == trigger
        assert "exited" not in report
        logs = debugkit("logs", str(tmp_path))
        assert logs.returncode == 0 and f"debugkit: restarting: {trigger}" in logs.stdout
    finally:
        sessions.remove(config.project_key)
