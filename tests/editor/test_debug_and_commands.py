"""F5 and the commands in a real VS Code, on the Docker runtime: Up/Reload/Down from the
command palette, the up task stopped by VS Code, and an F5 attach through VS Code's own
debug UI with a breakpoint in run() that keeps stopping after a save."""

from __future__ import annotations

import json
import subprocess
import threading
import time
import urllib.request
from pathlib import Path
from typing import Any

import pytest

from debugkit.config import load_config
from debugkit.ports import free_port
from debugkit.runtime.image import LABEL_PROJECT
from debugkit.vscode import ATTACH_CONTAINER_BUILTIN
from tests.editor.conftest import debugkit_program, run_debugkit
from tests.editor.harness import Window

SCORE = """\
import json

SCALE = 2


def init():
    global ready
    ready = True


def run(raw_data):
    values = json.loads(raw_data)["values"]
    total = sum(values) * SCALE
    doubled = total * 2  # BREAK HERE
    return {"total": total, "doubled": doubled}
"""
BREAK_LINE = 14
SCALE_LINE = 3
WAIT_S = 240.0  # an image build on a cold cache; nothing is timed


def docker_answers() -> bool:
    try:
        return subprocess.run(["docker", "info"], capture_output=True, timeout=20).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False


pytestmark = pytest.mark.skipif(
    not docker_answers(), reason="no Docker engine (scripts/docker-engine.sh starts one)"
)


def make_project(tmp_path: Path) -> tuple[Path, int]:
    folder = tmp_path / "model-project"
    folder.mkdir(parents=True)
    (folder / "score.py").write_text(SCORE)
    port = free_port()
    (folder / "debugkit.yaml").write_text(
        f"entry_script: score.py\ndeployment:\n  port: {port}\n  debug_port: {free_port()}\n"
    )
    run_debugkit("vscode", "init", str(folder), "--command", debugkit_program())
    return folder, port


def containers(folder: Path) -> list[str]:
    key = load_config(folder).project_key
    result = subprocess.run(
        ["docker", "ps", "-a", "-q", "--filter", f"label={LABEL_PROJECT}={key}"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    return result.stdout.split()


def status(folder: Path) -> dict[str, Any]:
    result = run_debugkit("status", str(folder), "--json", check=False)
    try:
        return json.loads(result.stdout)
    except ValueError:  # a one-line error instead of JSON: keep it for the failure message
        return {"state": None, "output": result.stdout + result.stderr}


def wait_status(folder: Path, state: str, timeout: float = WAIT_S) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    report: dict[str, Any] = {}
    while time.monotonic() < deadline:
        report = status(folder)
        if report.get("state") == state:
            return report
        time.sleep(0.5)
    raise AssertionError(f"debugkit status never said {state!r}; last: {report}")


def wait_status_bar(window: Window, text: str, timeout: float = WAIT_S) -> str:
    return window.page.wait_for(
        "Array.from(document.querySelectorAll('.part.statusbar .statusbar-item'))"
        f".map(e => e.textContent || '').find(t => t.includes({json.dumps(text)})) || ''",
        timeout,
        f"'{text}' in the status bar",
    )


@pytest.fixture
def cleanup() -> Any:
    folders: list[Path] = []
    yield folders.append
    for folder in folders:
        subprocess.run(
            [debugkit_program(), "down", "--images", str(folder)], capture_output=True, timeout=120
        )
        leftover = containers(folder)
        if leftover:
            subprocess.run(["docker", "rm", "-f", *leftover], capture_output=True, timeout=60)


class Request:
    """A POST /score sent in the background (it blocks while VS Code holds a breakpoint)."""

    def __init__(self, port: int, values: list[int]) -> None:
        self.result: dict[str, Any] = {}
        body = json.dumps({"values": values}).encode()
        self.request = urllib.request.Request(
            f"http://127.0.0.1:{port}/score",
            data=body,
            headers={"Content-Type": "application/json"},
        )
        self.thread = threading.Thread(target=self._send, daemon=True)
        self.thread.start()

    def _send(self) -> None:
        try:
            with urllib.request.urlopen(self.request, timeout=WAIT_S) as response:
                self.result = {"status": response.status, "body": json.loads(response.read())}
        except Exception as exc:  # reported by wait()
            self.result = {"error": repr(exc)}

    def wait(self) -> dict[str, Any]:
        self.thread.join(WAIT_S)
        return self.result


def open_project(tmp_path: Path, open_window, cleanup) -> tuple[Path, int, Window]:
    """A fresh project (torn down after the test) opened in a VS Code window: its folder, its
    debug port and the window."""
    folder, port = make_project(tmp_path)
    cleanup(folder)
    return folder, port, open_window(folder)


def test_up_reload_down_commands_and_stopping_the_up_task(
    tmp_path: Path, open_window, cleanup
) -> None:
    folder, _, window = open_project(tmp_path, open_window, cleanup)
    window.open_file("score.py")

    window.run_command("debugkit: Up: start the scoring server")
    wait_status_bar(window, "debugkit: ready")
    report = wait_status(folder, "ready")
    assert report["runtime"] == "docker", report
    assert containers(folder)

    window.run_command("debugkit: Reload score.py")
    wait_status_bar(window, "gen 2", 60)
    assert status(folder)["reloads"] >= 1
    # the reload is logged in the extension's output channel (status bar item -> output)
    window.run_command("debugkit: Show the output")
    window.page.wait_for(
        "Array.from(document.querySelectorAll('.part.panel .view-lines .view-line'))"
        ".some(l => (l.textContent || '').replace(/\\u00a0/g, ' ').includes('reload ✓ generation 2'))",
        60,
        "the reload line in the debugkit output channel",
    )

    window.run_command("debugkit: Down: stop the scoring server")
    wait_status(folder, "stopped", 120)
    wait_status_bar(window, "debugkit: stopped", 60)
    assert containers(folder) == []

    # VS Code stops a task with a signal, not Ctrl-C: nothing may be left running
    window.run_command("debugkit: Up: start the scoring server")
    wait_status(folder, "ready")
    window.run_command("Tasks: Terminate Task")
    window.pick("debugkit: up")
    deadline = time.monotonic() + 120
    while containers(folder) and time.monotonic() < deadline:
        time.sleep(0.5)
    assert containers(folder) == [], "stopping the up task left its container"
    assert status(folder)["state"] == "stopped"


def paused_at(window: Window, timeout: float = WAIT_S) -> str:
    """The call stack's top frame as VS Code shows it once paused (``run score.py 14:1``).
    VS Code expands the stopped thread's frames itself, except sometimes with many threads
    (it then lists the thread as "Paused on breakpoint"): a click on it shows them, as a user
    would."""
    thread = (
        "Array.from(document.querySelectorAll('.debug-call-stack .monaco-list-row'))"
        ".find(r => (r.textContent || '').includes('Paused on breakpoint'))"
    )
    frame = "document.querySelector('.debug-call-stack .stack-frame')"
    window.page.wait_for(f"!!({frame} || {thread})", timeout, "VS Code paused (call stack view)")
    if not window.page.evaluate(f"!!{frame}"):
        window.page.click(thread)
    return window.page.wait_for(
        f"({frame} || {{}}).textContent || ''", 30, "the paused thread's frames"
    )


def variables(window: Window) -> list[str]:
    return window.page.wait_for(
        "Array.from(document.querySelectorAll('.debug-variables .monaco-list-row'))"
        ".map(e => e.textContent || '')",
        60,
        "the Variables view",
        check=lambda rows: bool(rows) and any(r.startswith("total") for r in rows),
    )


def f5_and_first_stop(window: Window, folder: Path, port: int) -> None:
    """Breakpoint in run() with F9, F5 on the generated `debugkit` configuration (its
    preLaunchTask starts the container), a request: VS Code pauses at score.py:14 with the
    local `total` in the Variables view; continue: the request answers 200."""
    window.open_file("score.py")
    window.goto_line(BREAK_LINE)
    window.page.press("F9")  # needs a debugger that declares Python breakpoints
    window.page.wait_for(
        "!!document.querySelector('.editor-instance .codicon-debug-breakpoint,"
        " .editor-instance .codicon-debug-breakpoint-unverified')",
        10,
        "a breakpoint in the gutter",
    )
    window.run_command("Debug: Select and Start Debugging")
    window.pick(ATTACH_CONTAINER_BUILTIN)
    # the preLaunchTask (debugkit: up) builds and starts the container, then VS Code attaches
    seen = window.page.wait_for(
        "(() => { const d = document.querySelector('.monaco-dialog-box');"
        " if (d) return 'dialog: ' + d.textContent + ' terminal: ' +"
        " (document.querySelector('.terminal-wrapper')||{}).textContent;"
        " return Array.from(document.querySelectorAll('.part.statusbar .statusbar-item'))"
        ".map(e => e.textContent || '').find(t => t.includes('debugger attached')) || ''; })()",
        WAIT_S,
        "the debugger attached (status bar)",
    )
    assert "debugger attached" in seen, seen
    assert status(folder)["runtime"] == "docker"

    first = Request(port, [1, 2, 3])
    frame = paused_at(window)
    assert "run" in frame and "score.py" in frame and f"{BREAK_LINE}:" in frame, frame
    assert any(row.startswith("total") and "12" in row for row in variables(window))
    assert not first.result  # held by the breakpoint
    window.page.press("F5")  # continue
    assert first.wait() == {"status": 200, "body": {"total": 12, "doubled": 24}}


def test_f5_attach_in_the_debug_ui_stops_in_run_and_again_after_a_save(
    tmp_path: Path, open_window, cleanup
) -> None:
    folder, port, window = open_project(tmp_path, open_window, cleanup)
    f5_and_first_stop(window, folder, port)

    # a save through the editor: SCALE = 3 (same lines), hot-reloaded in place
    window.goto_line(SCALE_LINE)
    window.page.press("End")
    window.page.press("Backspace")
    window.page.type("3")
    window.page.press("Ctrl+s")
    wait_status_bar(window, "gen 2", 120)

    second = Request(port, [1, 2, 3])
    frame = paused_at(window, timeout=30)
    assert "run" in frame and f"{BREAK_LINE}:" in frame, frame
    assert any(row.startswith("total") and "18" in row for row in variables(window))
    window.page.press("F5")
    assert second.wait() == {"status": 200, "body": {"total": 18, "doubled": 36}}
