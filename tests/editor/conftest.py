"""The real-VS-Code suite's fixtures: one code-server + headless Chromium per test session
(built once and cached by scripts/install-vscode-test.sh), a fresh window per test, and
screenshots of every open window when a test fails."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Callable

import pytest

from tests.editor.harness import REPO, VsCode, Window, install_code_server, pack_extension

SCREENSHOTS = Path(
    os.environ.get("DEBUGKIT_EDITOR_SCREENSHOTS", REPO / "build" / "editor-screenshots")
)


def debugkit_program() -> str:
    found = shutil.which("debugkit") or str(Path(sys.executable).parent / "debugkit")
    assert Path(found).exists(), "the debugkit command is not installed (pip install -e .)"
    return found


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[Any]) -> Any:
    report = yield
    if report.when == "call":
        item.stash[FAILED] = report.failed
    return report


FAILED = pytest.StashKey[bool]()


@pytest.fixture(scope="session")
def vscode_home() -> Iterator[Path]:
    home = Path(tempfile.mkdtemp(prefix="debugkit-vscode-"))
    yield home
    shutil.rmtree(home, ignore_errors=True)


@pytest.fixture(scope="session")
def vscode(vscode_home: Path) -> Iterator[VsCode]:
    code_server = install_code_server()
    vsix = pack_extension(vscode_home)
    instance = VsCode(
        code_server,
        vscode_home,
        {
            "debugkit.command": debugkit_program(),
            "security.workspace.trust.enabled": False,
            "files.autoSave": "off",  # code-server auto-saves by default: quick fixes would land on disk
            "workbench.startupEditor": "none",
            "extensions.autoCheckUpdates": False,
            "extensions.autoUpdate": False,
            "telemetry.telemetryLevel": "off",
            "debug.openDebug": "openOnDebugBreak",
        },
    )
    instance.install(vsix)
    instance.start()
    try:
        yield instance
    finally:
        instance.stop()


@pytest.fixture
def open_window(
    vscode: VsCode, request: pytest.FixtureRequest
) -> Iterator[Callable[[Path], Window]]:
    windows: list[Window] = []

    def open_(folder: Path) -> Window:
        window = vscode.open(folder)
        windows.append(window)
        return window

    yield open_
    failed = request.node.stash.get(FAILED, False)
    for index, window in enumerate(windows):
        if failed:
            name = re.sub(r"[^\w.-]+", "_", request.node.name)
            path = SCREENSHOTS / f"{name}-{index}.png"
            try:
                window.page.screenshot(path)
                print(f"screenshot of the failed window: {path}")
            except Exception as exc:  # the page may be gone; the failure says why
                print(f"no screenshot ({exc})")
        window.close()


def run_debugkit(
    *args: str, cwd: Path | None = None, check: bool = True
) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(
        [debugkit_program(), *args], capture_output=True, text=True, timeout=300, cwd=cwd
    )
    if check:
        assert result.returncode == 0, result.stdout + result.stderr
    return result
