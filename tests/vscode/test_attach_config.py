"""`debugkit vscode attach-config`: what the extension's Attach command starts when the
project has no launch.json, checked by attaching with it to a real server."""

from __future__ import annotations

import json
import os
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from click.testing import CliRunner

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from debugkit import session as sessions
from debugkit.cli import main
from debugkit.config import load_config
from tests.dap.conftest import HELPER, SCORE, line_of
from tests.dap.dapclient import DapClient
from tests.helpers import free_port, start_server


def test_attach_config_of_a_running_process_server_attaches_and_stops(tmp_path: Path) -> None:
    root = tmp_path / "my-model"
    root.mkdir()
    (root / "score.py").write_text(SCORE)
    (root / "helper.py").write_text(HELPER)
    config = load_config(root)
    debug_port = free_port()
    server = start_server(root / "score.py", source_dir=root, debug_port=debug_port)
    # The record `debugkit up --runtime process` leaves for this server.
    sessions.save(
        sessions.Session(
            project_key=config.project_key,
            project_dir=str(config.project_dir),
            runtime="process",
            host="127.0.0.1",
            port=server.port,
            debug_port=debug_port,
            server_pid=server.process.pid,
        )
    )
    try:
        result = CliRunner().invoke(main, ["vscode", "attach-config", str(root)])
        assert result.exit_code == 0, result.output
        attach = json.loads(result.output)
        assert attach["connect"] == {"host": "127.0.0.1", "port": debug_port}
        assert "pathMappings" not in attach  # a local process runs the files where they are
        assert "preLaunchTask" not in attach and "${" not in result.output

        line = line_of(root / "score.py", "BP-RUN")
        with DapClient.connect(attach["connect"]["host"], attach["connect"]["port"]) as dap:
            dap.attach(attach, breakpoints={str(root / "score.py"): [line]})
            with ThreadPoolExecutor(1) as pool:
                pending = pool.submit(server.score, {"values": [4]}, timeout=60)
                thread, frame = dap.wait_breakpoint()
                assert frame["line"] == line
                dap.continue_(thread)
                assert pending.result(timeout=60).status == 200
    finally:
        server.stop()
        os.remove(sessions._file(config.project_key))


def test_attach_config_says_how_to_start_when_nothing_runs(tmp_path: Path) -> None:
    (tmp_path / "score.py").write_text(SCORE)
    result = CliRunner().invoke(main, ["vscode", "attach-config", str(tmp_path)])
    assert result.exit_code == 1
    assert "nothing is running" in result.output and "debugkit up" in result.output


def test_init_debug_port_is_honoured_for_a_v2_project(tmp_path: Path) -> None:
    """A v2 deployment YAML has no debug port: `vscode init --debug-port` must put that port
    in launch.json and pass it to `up` in the tasks, or F5 attaches where nothing listens."""
    from debugkit.jsonc import loads_jsonc

    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "score.py").write_text(
        "def init():\n    pass\n\n\ndef run(d):\n    return d\n"
    )
    (tmp_path / "blue-deployment.yml").write_text(
        "name: blue\ncode_configuration:\n  code: src\n  scoring_script: score.py\n"
    )
    result = CliRunner().invoke(
        main, ["vscode", "init", str(tmp_path), "--debug-port", "5699", "--command", "debugkit"]
    )
    assert result.exit_code == 0, result.output
    assert "127.0.0.1:5699" in result.output
    launch = loads_jsonc((tmp_path / ".vscode" / "launch.json").read_text())
    ports = {c["name"]: c["connect"]["port"] for c in launch["configurations"]}
    assert set(ports.values()) == {5699}, ports
    assert {c["type"] for c in launch["configurations"]} == {"debugpy", "debugkit"}
    tasks = loads_jsonc((tmp_path / ".vscode" / "tasks.json").read_text())["tasks"]
    for task in tasks:
        if task["args"][0] == "up":
            assert task["args"][-2:] == ["--debug-port", "5699"], task
