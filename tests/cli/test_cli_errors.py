"""Bad input at the command line: one sentence on stderr, the documented exit code, no traceback."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers import debugkit


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


def test_verbose_is_accepted_after_the_subcommand(tmp_path: Path) -> None:
    (tmp_path / "debugkit.yaml").write_text("deployment: [oops\n")
    result = debugkit("status", str(tmp_path), "--verbose")
    assert result.returncode != 0
    assert "no such option" not in result.stderr
    assert "Traceback" in result.stderr  # --verbose: the traceback, as before the subcommand


def test_a_reader_that_goes_away_ends_quietly(tmp_path: Path) -> None:
    # `debugkit rules | head -1`: the reader is gone before debugkit writes (deterministic:
    # its end of the pipe is closed before debugkit starts)
    read_end, write_end = os.pipe()
    os.close(read_end)
    try:
        result = subprocess.run(
            [sys.executable, "-m", "debugkit", "rules"],
            stdout=write_end,
            stderr=subprocess.PIPE,
            text=True,
            timeout=60,
        )
    finally:
        os.close(write_end)
    assert result.returncode == 141  # as any Unix tool whose reader went away
    assert result.stderr == ""


@pytest.mark.parametrize("home", ["/dev/null", "a-file"])
def test_an_unusable_home_is_one_sentence(tmp_path: Path, home: str) -> None:
    (tmp_path / "score.py").write_text("def init(): pass\ndef run(d): return d\n")
    env = {k: v for k, v in os.environ.items() if not k.startswith("DEBUGKIT_")}
    env["HOME"] = home if home.startswith("/") else str(tmp_path / "file-not-folder")
    (tmp_path / "file-not-folder").write_text("")
    result = subprocess.run(
        [sys.executable, "-m", "debugkit", "status", str(tmp_path)],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert_one_line_error(result, 2, "set HOME to a writable folder")
