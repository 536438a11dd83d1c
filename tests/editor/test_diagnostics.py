"""Editor diagnostics in a real VS Code: the Problems panel, a quick fix through the UI,
settings.json reaching the running language server, and a wrong debugkit.command."""

from __future__ import annotations

import json
import re
import time
from pathlib import Path

import pytest

from tests.editor.harness import Window
from tests.helpers import RERAISES, SWALLOWS_ERROR, SWALLOWS_ERROR_LINE

RISKY = SWALLOWS_ERROR
SAFE = RERAISES
RISKY_LINE = SWALLOWS_ERROR_LINE
WAIT_S = 45.0


def project(tmp_path: Path, source: str, settings: dict | None = None) -> Path:
    folder = tmp_path / "project"
    folder.mkdir(parents=True)
    (folder / "score.py").write_text(source)
    if settings is not None:
        (folder / ".vscode").mkdir()
        (folder / ".vscode" / "settings.json").write_text(json.dumps(settings, indent=2))
    return folder


def problem_codes(window: Window) -> list[str]:
    window.problems()
    rows = window.page.evaluate(
        "Array.from(document.querySelectorAll('.markers-panel .monaco-list-row'))"
        ".map(r => r.textContent)"
    )
    return sorted(code for row in rows or [] for code in re.findall(r"DK\d{3}", row))


def wait_for_codes(window: Window, expected: list[str], timeout: float = WAIT_S) -> None:
    deadline = time.monotonic() + timeout
    seen: list[str] = []
    while time.monotonic() < deadline:
        seen = problem_codes(window)
        if seen == sorted(expected):
            return
        time.sleep(0.2)
    raise AssertionError(f"Problems panel shows {seen}, expected {sorted(expected)}")


def editor_text(window: Window) -> str:
    text = window.page.evaluate(
        "(document.querySelector('.editor-instance .view-lines')||{}).innerText || ''"
    )
    return text.replace("\u00a0", " ")


def check_risky_file_is_flagged(window: Window) -> None:
    """What a user sees first: the DK rows of a risky score.py."""
    window.open_file("score.py")
    wait_for_codes(window, ["DK101", "DK103"])


def test_problems_panel_lists_dk_rows_for_a_risky_score_py_and_none_for_a_safe_one(
    tmp_path: Path, open_window
) -> None:
    risky = open_window(project(tmp_path / "risky", RISKY))
    check_risky_file_is_flagged(risky)
    assert any("debugkit" in item for item in risky.status_bar())
    safe = open_window(project(tmp_path / "safe", SAFE))
    safe.open_file("score.py")
    # the safe file is linted too (the server answers), with nothing to report
    time.sleep(2)
    assert problem_codes(safe) == []


def test_quick_fix_through_the_ui_changes_the_text_and_clears_the_rows(
    tmp_path: Path, open_window
) -> None:
    window = open_window(project(tmp_path, RISKY))
    check_risky_file_is_flagged(window)
    window.goto_line(RISKY_LINE)
    window.page.press("End")
    # Auto Fix applies the one preferred fix (two preferred fixes would open a chooser)
    window.run_command("Auto Fix")
    window.page.wait_for(
        "((document.querySelector('.editor-instance .view-lines')||{}).innerText||'')"
        ".replace(/\\u00a0/g, ' ').includes('        raise')",
        WAIT_S,
        "the quick fix's edit in the editor",
    )
    assert "str(e)" not in editor_text(window)
    wait_for_codes(window, [])


def test_lint_ignore_in_settings_json_removes_rows_without_a_reload(
    tmp_path: Path, open_window
) -> None:
    folder = project(tmp_path, RISKY, settings={})
    window = open_window(folder)
    check_risky_file_is_flagged(window)
    (folder / ".vscode" / "settings.json").write_text(
        json.dumps({"debugkit.lint.ignore": ["DK103"]}, indent=2)
    )
    wait_for_codes(window, ["DK101"])
    (folder / ".vscode" / "settings.json").write_text(
        json.dumps({"debugkit.lint.ignore": ["DK101", "DK103"]}, indent=2)
    )
    wait_for_codes(window, [])


def test_a_wrong_debugkit_command_fails_the_checks_and_says_what_to_change(
    tmp_path: Path, open_window
) -> None:
    """Negative control: with debugkit.command pointing nowhere, the suite's first check
    fails, and the user gets one message naming the command tried and the setting."""
    wrong = "/nonexistent/bin/debugkit"
    window = open_window(project(tmp_path, RISKY, settings={"debugkit.command": wrong}))
    with pytest.raises(AssertionError, match="Problems panel shows"):
        window.open_file("score.py")
        wait_for_codes(window, ["DK101", "DK103"], timeout=10)
    messages = window.page.wait_for(
        "Array.from(document.querySelectorAll('.notifications-toasts .notification-list-item'))"
        ".map(e => e.textContent)",
        WAIT_S,
        "the start-failure notification",
    )
    about_us = [m for m in messages if "debugkit" in m]
    assert len(about_us) == 1, messages
    assert f"{wrong} lsp" in about_us[0] and "debugkit.command" in about_us[0], about_us[0]
    assert "undefined" not in about_us[0]
