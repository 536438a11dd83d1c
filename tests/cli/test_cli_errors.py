"""Bad input at the command line: one sentence on stderr, the documented exit code, no traceback."""

from __future__ import annotations

import socket
import subprocess
import sys
from pathlib import Path

import pytest


def debugkit(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "debugkit", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=120,
    )


def assert_one_line_error(result: subprocess.CompletedProcess[str], code: int, *words: str) -> None:
    assert result.returncode == code, result.stderr
    assert "Traceback" not in result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    for word in words:
        assert word in lines[0]


def test_missing_score_py(tmp_path: Path) -> None:
    result = debugkit("up", str(tmp_path), "--runtime", "process")
    assert_one_line_error(result, 2, "score.py not found")


def test_unreadable_config(tmp_path: Path) -> None:
    (tmp_path / "score.py").write_text("def init(): pass\ndef run(d): return d\n")
    (tmp_path / "debugkit.yaml").write_text("deployment: [oops\n")
    result = debugkit("status", str(tmp_path))
    assert_one_line_error(result, 2, "debugkit.yaml", "not valid YAML")


def test_port_in_use(tmp_path: Path) -> None:
    (tmp_path / "score.py").write_text("def init(): pass\ndef run(d): return d\n")
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = debugkit(
            "up", str(tmp_path), "--runtime", "process", "--port", str(port), "--detach"
        )
    assert_one_line_error(result, 3, f"127.0.0.1:{port} is in use", "--port")


def test_commands_on_a_project_that_is_not_running(tmp_path: Path) -> None:
    (tmp_path / "score.py").write_text("def init(): pass\ndef run(d): return d\n")
    assert_one_line_error(debugkit("reload", str(tmp_path)), 1, "nothing is running")
    assert_one_line_error(debugkit("score", str(tmp_path), "--data", "{}"), 1, "nothing is running")
    down = debugkit("down", str(tmp_path))
    assert down.returncode == 0 and "nothing is running" in down.stdout


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (("--rps", "10", "--request-seconds", "1"), "15 replicas"),  # ceil(10 / 0.7)
        (("--rps", "10", "--request-seconds", "1", "--max-concurrent", "4"), "4 replicas"),
        (
            ("--rps", "100", "--request-seconds", "0.1", "--target-utilization", "0.5"),
            "20 replicas",
        ),
    ],
)
def test_replicas_formula(args: tuple[str, ...], expected: str) -> None:
    result = debugkit("replicas", *args)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(expected)
