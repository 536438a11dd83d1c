"""Restart-class changes through the real launcher, and the detached background watcher."""

from __future__ import annotations

import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from debugkit import launcher
from debugkit import session as sessions
from debugkit.client import ServerClient
from debugkit.config import load_config
from debugkit.errors import UserError
from debugkit.runtime import UpOptions
from debugkit.watch.loop import Watcher
from tests.helpers import REPO_ROOT, free_port, process_session, start_server
from tests.reload.conftest import launched, make_project, score_source, wait_for

OK = "\u2713"


def _cmdline(pid: int) -> list[str]:
    return Path(f"/proc/{pid}/cmdline").read_bytes().decode().split("\0")


@pytest.fixture
def up(tmp_path: Path) -> Iterator[tuple[Path, Watcher, list[str]]]:
    """A project started by the launcher (process runtime), watched on a thread."""
    root = make_project(tmp_path / "proj")
    (root / "requirements.txt").write_text("# nothing to install\n")
    (root / "debugkit.yaml").write_text(
        "environment: requirements.txt\n"
        f"deployment:\n  port: {free_port()}\n  request_timeout_s: 30\n"
    )
    with launched(load_config(root), "process", timeout=60) as (watcher, lines):
        yield root, watcher, lines


def test_deployment_limit_change_restarts_with_the_new_limit(up) -> None:
    root, watcher, lines = up
    old = watcher.session
    assert "30.0" in _cmdline(old.server_pid)
    text = (
        (root / "debugkit.yaml")
        .read_text()
        .replace("request_timeout_s: 30", "request_timeout_s: 31")
    )
    (root / "debugkit.yaml").write_text(text)
    done = wait_for(
        "the restart", lambda: next((x for x in lines if f"restart {OK}" in x), None), 60
    )
    assert done.startswith(f"debugkit: restart {OK} generation 1 in ")
    assert lines[0] == (
        "debugkit: restarting: "
        "deployment.request_timeout_s changed from 30.0 to 31.0 (debugkit.yaml)"
    )
    new = sessions.load(old.project_key)
    assert new is not None and new.server_pid != old.server_pid
    assert watcher.session.server_pid == new.server_pid
    cmdline = _cmdline(new.server_pid)
    assert cmdline[cmdline.index("--request-timeout") + 1] == "31.0"
    assert ServerClient(new.url).score(b'{"data": 1}').json() == {"tag": "v1", "helper": 1}


def test_environment_file_change_rebuilds_and_says_why(up) -> None:
    root, watcher, lines = up
    old_pid = watcher.session.server_pid
    (root / "requirements.txt").write_text("six==1.16.0\n")  # installs something new
    wait_for("the restart", lambda: any(f"restart {OK}" in x for x in lines), 300)
    trigger = "the environment file requirements.txt changed (requirements.txt)"
    # built first while the old server serves, then switched
    assert lines[:2] == [
        f"debugkit: rebuilding: {trigger}; generation 1 keeps serving meanwhile",
        f"debugkit: restarting: {trigger}",
    ]
    assert watcher.session.server_pid != old_pid
    # hot reload goes on against the new server
    (root / "score.py").write_text(score_source("v2"))
    wait_for("a reload", lambda: any(f"reload {OK} generation 2" in x for x in lines))


def test_restart_with_a_broken_score_py_reports_init_failure(up) -> None:
    root, watcher, lines = up
    broken = score_source("v2").replace("def run(raw):", "def run(raw)")
    (root / "score.py").write_text(broken)
    wait_for("the syntax error", lambda: any("not reloaded" in x for x in lines))
    text = (root / "debugkit.yaml").read_text()
    (root / "debugkit.yaml").write_text(
        text.replace("request_timeout_s: 30", "request_timeout_s: 31")
    )
    failed = wait_for(
        "the restart", lambda: next((x for x in lines if "restart in" in x), None), 60
    )
    number = broken.splitlines().index("def run(raw)") + 1
    assert failed.startswith(f"{root / 'score.py'}:{number}:13: error: SyntaxError: expected ':' [")
    assert failed.endswith("init() failed; fix and save to reload]")
    (root / "score.py").write_text(score_source("v3"))
    wait_for("the recovery", lambda: any(x.startswith(f"debugkit: reload {OK}") for x in lines))
    assert ServerClient(watcher.session.url).score(b"{}").json() == {"tag": "v3", "helper": 1}


def test_failed_restart_is_reported_and_retried_on_the_next_save(up) -> None:
    root, watcher, lines = up
    config_file = root / "debugkit.yaml"
    text = config_file.read_text()
    old_port = str(watcher.session.port)
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        busy = str(taken.getsockname()[1])
        config_file.write_text(text.replace(old_port, busy))
        failed = wait_for(
            "the failed restart", lambda: next((x for x in lines if "failed" in x), None), 60
        )
        assert failed.startswith(
            f"debugkit: restart failed: the scoring port 127.0.0.1:{busy} is in use"
        )
        assert failed.endswith("; the next save retries")
        # the port was checked before the old server stopped: it still serves
        assert ServerClient(watcher.session.url).score(b"{}").json() == {"tag": "v1", "helper": 1}
    free = str(free_port())
    config_file.write_text(text.replace(old_port, free))
    wait_for("the retried restart", lambda: any(f"restart {OK}" in x for x in lines), 60)
    assert watcher.session.port == int(free)
    assert ServerClient(watcher.session.url).score(b"{}").json() == {"tag": "v1", "helper": 1}


def test_production_mode_restarts_instead_of_reloading(tmp_path: Path) -> None:
    root = make_project(tmp_path / "proj")
    (root / "debugkit.yaml").write_text(f"deployment:\n  port: {free_port()}\n")
    config = load_config(root)
    started = launcher.start(config, "process", UpOptions(debug=False, production=True), timeout=60)
    lines: list[str] = []
    watcher = Watcher(config, started.session, lines.append)
    stop = threading.Event()
    thread = threading.Thread(target=watcher.run, args=(stop,), daemon=True)
    thread.start()
    try:
        assert watcher.ready.wait(10)
        (root / "score.py").write_text(score_source("v2"))
        wait_for("the restart", lambda: any(f"restart {OK}" in x for x in lines), 60)
        assert lines[0] == "debugkit: restarting: hot reload is off in --production mode (score.py)"
        assert watcher.reloads == 0
        body = ServerClient(watcher.session.url).score(b"{}").json()
        assert body == {"tag": "v2", "helper": 1}
    finally:
        stop.set()
        thread.join(10)
        launcher.stop(watcher.session)


def _detached(root: Path, log: Path, module: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", module, str(root), "--log", str(log)],
        cwd=REPO_ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


@pytest.mark.parametrize(
    ("ending", "module"),
    [
        ("down", "debugkit.watch"),
        ("server gone", "debugkit.watch"),
        ("down", "debugkit.watcher"),  # the old name works for one release (docs/interface.md)
    ],
)
def test_detached_watcher_reloads_and_exits_with_the_session(
    tmp_path: Path, ending: str, module: str
) -> None:
    root = make_project(tmp_path / "proj")
    server = start_server(root / "score.py", source_dir=root)
    config = load_config(root)
    process_session(root, server, save=True)
    log = tmp_path / "watcher.log"
    watcher = _detached(root, log, module)
    try:
        wait_for("the watcher to start", lambda: log.exists() and "watching" in log.read_text())
        (root / "score.py").write_text(score_source("v2"))
        wait_for("the reload in the log", lambda: f"reload {OK} generation 2" in log.read_text())
        assert server.score({"data": 1}).json() == {"tag": "v2", "helper": 1}
        if ending == "down":
            sessions.remove(config.project_key)
            expected = "watcher stopping: the session ended"
        else:
            server.stop()
            expected = "watcher stopping: the scoring server is gone"
        assert watcher.wait(30) == 0, watcher.stderr.read() if watcher.stderr else ""
        assert expected in log.read_text()
    finally:
        if watcher.poll() is None:
            watcher.kill()
            watcher.wait()
        server.stop()
        sessions.remove(config.project_key)


def test_a_restart_starts_the_server_as_up_asked_wait_for_debugger_included(
    tmp_path: Path,
) -> None:
    """`up --wait-for-debugger --port P`: the restart a deployment change causes holds init()
    for a debugger again and keeps the port (both come from the one stored UpOptions)."""
    from tests.dap.dapclient import DapClient

    root = make_project(tmp_path / "proj")
    (root / "debugkit.yaml").write_text(
        f"deployment:\n  port: {free_port()}\n  debug_port: {free_port()}\n"
    )
    port = free_port()
    options = UpOptions(wait_for_debugger=True, overrides=(("port", port),))
    config = options.configure(load_config(root))

    daps: list[DapClient] = []

    def attach_when_waiting() -> None:
        """A debugger attaches once init() is held for one (as VS Code's F5 would)."""
        client = ServerClient(f"http://127.0.0.1:{port}", timeout=5)

        def waiting() -> bool:
            try:
                return bool((client.status().get("debugger") or {}).get("waiting"))
            except UserError:  # not listening yet
                return False

        wait_for("init() held for a debugger", waiting)
        daps.append(DapClient.connect("127.0.0.1", config.deployment.debug_port))
        daps[-1].attach()

    # start and restart run on this thread: a foreground server ends with the thread that
    # started it (PR_SET_PDEATHSIG), as it ends with `up`
    try:
        attaching = threading.Thread(target=attach_when_waiting)
        attaching.start()
        session = launcher.start(config, "process", options, timeout=60).session
        attaching.join(30)
        assert UpOptions.from_record(sessions.load(session.project_key).request) == options
        # the debugger detaches first: a connection the old server closes first would hold
        # the debug port (FIN_WAIT/TIME_WAIT) for the new one
        daps[0].close()

        attaching = threading.Thread(target=attach_when_waiting)
        attaching.start()
        new = launcher.restart(session, config)
        attaching.join(30)
        assert len(daps) == 2  # the restarted server waited for a debugger too
        assert new.port == port
        assert "--wait-for-debugger" in _cmdline(new.server_pid)
        assert ServerClient(new.url).status()["state"] == "ready"
    finally:
        for dap in daps:
            dap.close()
        current = sessions.load(config.project_key)
        if current is not None:
            launcher.stop(current)
