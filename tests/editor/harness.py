"""Real VS Code for the tests: code-server (VS Code in the browser) with the debugkit
extension installed into a private profile, driven in headless Chromium over CDP.

Everything binds to 127.0.0.1; code-server and Chromium run in their own process groups
and are killed as groups (code-server forks file watchers and extension hosts)."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import subprocess
import time
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from debugkit.ports import free_port
from tests.editor.cdp import Page, new_tab

REPO = Path(__file__).resolve().parents[2]
EXTENSION = REPO / "vscode-config" / "extension"
INSTALL_SCRIPT = REPO / "scripts" / "install-vscode-test.sh"
CODE_SERVER_VERSION = "4.100.3"  # = VS Code 1.100.3 (scripts/install-vscode-test.sh)
READY_S = 90.0  # generous: a failing check should fail, not hang; nothing is timed


def install_code_server() -> Path:
    """The cached code-server build (built once by scripts/install-vscode-test.sh)."""
    env = dict(os.environ, DEBUGKIT_CODE_SERVER_VERSION=CODE_SERVER_VERSION)
    result = subprocess.run(
        ["bash", str(INSTALL_SCRIPT)], capture_output=True, text=True, env=env, timeout=1800
    )
    if result.returncode != 0:
        raise RuntimeError(
            f"{INSTALL_SCRIPT.name} failed ({result.returncode}):\n{result.stderr[-4000:]}"
        )
    root = Path(result.stdout.strip().splitlines()[-1])
    return root / "node_modules" / "code-server"


def pack_extension(out_dir: Path) -> Path:
    """npm ci + vsce package: the .vsix a user would install."""
    npm = shutil.which("npm")
    assert npm, "npm is needed to pack the extension"
    if not (EXTENSION / "node_modules" / "vscode-languageclient").is_dir():
        subprocess.run(
            [npm, "ci", "--no-audit", "--no-fund"], cwd=EXTENSION, check=True, capture_output=True
        )
    vsix = out_dir / "debugkit.vsix"
    result = subprocess.run(
        [
            "npx",
            "--no-install",
            "vsce",
            "package",
            "--skip-license",
            "--allow-missing-repository",
            "-o",
            str(vsix),
        ],
        cwd=EXTENSION,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    return vsix


def kill_group(process: subprocess.Popen[Any]) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)
    # children that outlived the leader (extension hosts, watchers)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)


def _wait_http(url: str, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


@dataclass
class VsCode:
    """One code-server + one headless Chromium, shared by the tests of a session."""

    code_server: Path
    home: Path  # profile, logs
    user_settings: dict[str, Any]
    port: int = 0
    cdp_port: int = 0
    processes: list[subprocess.Popen[Any]] = field(default_factory=list)

    @property
    def user_data_dir(self) -> Path:
        return self.home / "user-data"

    @property
    def extensions_dir(self) -> Path:
        return self.home / "extensions"

    def binary(self) -> list[str]:
        return [str(self.code_server / "out" / "node" / "entry.js")]

    def install(self, vsix: Path) -> None:
        result = subprocess.run(
            [
                "node",
                *self.binary(),
                "--user-data-dir",
                str(self.user_data_dir),
                "--extensions-dir",
                str(self.extensions_dir),
                "--install-extension",
                str(vsix),
            ],
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
        settings = self.user_data_dir / "User" / "settings.json"
        settings.parent.mkdir(parents=True, exist_ok=True)
        settings.write_text(json.dumps(self.user_settings, indent=2))

    def start(self) -> None:
        self.port, self.cdp_port = free_port(), free_port()
        config = self.home / "code-server.yaml"  # keeps it out of ~/.config
        config.write_text(f"bind-addr: 127.0.0.1:{self.port}\nauth: none\ncert: false\n")
        log = open(self.home / "code-server.log", "ab")  # noqa: SIM115 (closed with the process)
        env = dict(os.environ)
        env.pop("VSCODE_IPC_HOOK_CLI", None)
        self.processes.append(
            subprocess.Popen(
                [
                    "node",
                    *self.binary(),
                    "--config",
                    str(config),
                    "--user-data-dir",
                    str(self.user_data_dir),
                    "--extensions-dir",
                    str(self.extensions_dir),
                    "--disable-telemetry",
                    "--disable-update-check",
                    "--disable-workspace-trust",
                    "--ignore-last-opened",
                ],
                stdout=log,
                stderr=subprocess.STDOUT,
                env=env,
                start_new_session=True,
                cwd=self.home,
            )
        )
        chromium = shutil.which("chromium") or shutil.which("chromium-browser")
        assert chromium, "chromium is not installed (scripts/install-vscode-test.sh installs it)"
        browser_log = open(self.home / "chromium.log", "ab")  # noqa: SIM115
        self.processes.append(
            subprocess.Popen(
                [
                    chromium,
                    "--headless=new",
                    "--no-sandbox",
                    "--disable-gpu",
                    "--no-first-run",
                    "--no-default-browser-check",
                    "--disable-extensions",
                    f"--user-data-dir={self.home / 'chromium'}",
                    "--remote-debugging-address=127.0.0.1",
                    f"--remote-debugging-port={self.cdp_port}",
                    "--window-size=1600,1000",
                    "about:blank",
                ],
                stdout=browser_log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        )
        _wait_http(f"http://127.0.0.1:{self.port}/healthz", READY_S)
        _wait_http(f"http://127.0.0.1:{self.cdp_port}/json/version", READY_S)

    def stop(self) -> None:
        for process in reversed(self.processes):
            kill_group(process)
        self.processes.clear()

    def open(self, folder: Path) -> Window:
        """A new tab with ``folder`` opened as the workspace."""
        url = f"http://127.0.0.1:{self.port}/?folder={urllib.parse.quote(str(folder))}"
        page = Page(new_tab(self.cdp_port, "about:blank"))
        page.send("Page.enable")
        page.send("Runtime.enable")
        page.navigate(url)
        window = Window(page, folder)
        window.wait_ready()
        return window


class Window:
    """VS Code operations a user does, and what they see."""

    def __init__(self, page: Page, folder: Path) -> None:
        self.page = page
        self.folder = folder

    def close(self) -> None:
        self.page.close()

    def wait_ready(self) -> None:
        self.page.wait_for(
            "!!document.querySelector('.monaco-workbench .part.statusbar')",
            READY_S,
            "the VS Code workbench",
        )

    def text(self, selector: str) -> list[str]:
        return (
            self.page.evaluate(
                f"Array.from(document.querySelectorAll({json.dumps(selector)}))"
                ".map(e => e.getAttribute('aria-label') || e.textContent || '')"
            )
            or []
        )

    def run_command(self, title: str) -> None:
        """F1, the command's title, Enter (as a user runs a command)."""
        self.page.press("Escape")
        self.page.press("F1")
        self.page.wait_for(
            "!!document.querySelector('.quick-input-widget:not([style*=\"display: none\"]) input')",
            10,
            "the command palette",
        )
        self.page.type(title)
        self.page.wait_for(
            f"Array.from(document.querySelectorAll('.quick-input-list .monaco-list-row'))"
            f".some(r => (r.getAttribute('aria-label')||'').toLowerCase().includes({json.dumps(title.lower())}))",
            15,
            f"command '{title}' in the palette",
        )
        self.page.press("Enter")

    def pick(self, label: str) -> None:
        """Choose ``label`` in the open quick pick (type it, wait for the row, Enter)."""
        row = (
            "Array.from(document.querySelectorAll('.quick-input-list .monaco-list-row'))"
            f".some(r => (r.getAttribute('aria-label')||r.textContent||'').includes({json.dumps(label)}))"
        )
        self.page.wait_for(row, 30, f"'{label}' in the picker")
        self.page.type(label)
        self.page.wait_for(row, 10, f"'{label}' in the picker")
        self.page.press("Enter")

    def open_file(self, relative: str) -> None:
        self.page.press("Escape")
        self.page.press("Ctrl+p")
        self.page.wait_for(
            "!!document.querySelector('.quick-input-widget:not([style*=\"display: none\"]) input')",
            10,
            "quick open",
        )
        self.page.type(relative)
        name = relative.rsplit("/", 1)[-1]
        self.page.wait_for(
            f"Array.from(document.querySelectorAll('.quick-input-list .monaco-list-row'))"
            f".some(r => (r.getAttribute('aria-label')||'').includes({json.dumps(name)}))",
            15,
            f"{relative} in quick open",
        )
        self.page.press("Enter")
        self.page.wait_for(
            f"(document.querySelector('.tab.active')||{{}}).getAttribute?.('aria-label')?.includes({json.dumps(name)})",
            15,
            f"{relative} open in the editor",
        )
        self.focus_editor()

    def focus_editor(self) -> None:
        self.page.evaluate(
            "(() => { const t = document.querySelector('.editor-instance .monaco-editor textarea');"
            " if (t) t.focus(); return !!t; })()"
        )

    def goto_line(self, line: int) -> None:
        self.focus_editor()
        self.page.press("Ctrl+g")
        self.page.wait_for(
            "!!document.querySelector('.quick-input-widget:not([style*=\"display: none\"]) input')",
            10,
            "go to line",
        )
        self.page.type(str(line))
        self.page.wait_for(
            "Array.from(document.querySelectorAll('.quick-input-list .monaco-list-row'))"
            f".some(r => (r.textContent || '').includes('line {line}'))",
            10,
            f"'Go to line {line}'",
        )
        self.page.press("Enter")
        self.page.wait_for(
            "Array.from(document.querySelectorAll('.part.statusbar .statusbar-item'))"
            f".some(e => (e.textContent || '').includes('Ln {line},'))",
            10,
            f"cursor on line {line}",
        )

    def problems(self) -> list[str]:
        """The Problems panel's rows (opens it)."""
        if not self.page.evaluate("!!document.querySelector('.markers-panel')"):
            self.page.press("Ctrl+Shift+m")
            self.page.wait_for(
                "!!document.querySelector('.markers-panel')", 10, "the Problems panel"
            )
        return self.text(".markers-panel .monaco-list-row")

    def status_bar(self) -> list[str]:
        return self.text(".part.statusbar .statusbar-item")

    def notifications(self) -> list[str]:
        return self.text(
            ".notifications-toasts .notification-list-item, .notifications-center .notification-list-item"
        )
