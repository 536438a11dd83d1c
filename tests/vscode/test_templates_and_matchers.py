"""The problem matchers read the lines debugkit really prints; vscode-config/ matches the generator."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from debugkit import vscode
from debugkit.config import load_config
from debugkit.consolelines import error_line
from debugkit.jsonc import loads_jsonc
from debugkit.ports import free_port
from debugkit.watch.report import reload_line
from debugkit.watch.syntax import check_syntax

REPO = Path(__file__).resolve().parents[2]


def _tasks() -> list[dict]:
    return loads_jsonc((REPO / "vscode-config" / "tasks.json").read_text())["tasks"]


def _up_matcher() -> dict:
    return next(t for t in _tasks() if t["label"] == vscode.TASK_UP)["problemMatcher"]


def _match(matcher: dict, line: str) -> dict | None:
    """What VS Code's matcher extracts from one line (JS and Python agree on these regexps)."""
    pattern = matcher["pattern"]
    found = re.search(pattern["regexp"], line)
    if not found:
        return None
    return {k: found.group(v) for k, v in pattern.items() if k != "regexp" and isinstance(v, int)}


def test_vscode_config_templates_are_what_init_generates(tmp_path: Path) -> None:
    (tmp_path / "score.py").write_text(
        "def init():\n    pass\n\n\ndef run(data):\n    return data\n"
    )
    config = load_config(tmp_path)
    expected = {
        "launch.json": vscode.merge_launch(None, vscode.launch_configurations(config, tmp_path)),
        "tasks.json": vscode.merge_tasks(None, vscode.tasks(config, tmp_path, "debugkit")),
        "settings.json": vscode.merge_settings(None, vscode.settings(config, tmp_path, "debugkit")),
    }
    for name, text in expected.items():
        assert (REPO / "vscode-config" / name).read_text() == text, (
            f"regenerate vscode-config/{name}"
        )


def test_init_failure_line_lands_in_problems_at_its_file_and_line(tmp_path: Path) -> None:
    (tmp_path / "score.py").write_text("def init():\n    pass\n")
    config = load_config(tmp_path)
    line = error_line(
        {
            "type": "KeyError",
            "message": "'AZUREML_MODEL_DIR'",
            "file": "/var/azureml-app/score.py",
            "line": 7,
        },
        config.source_dir,
    )
    got = _match(_up_matcher(), line)
    assert got == {
        "file": str(tmp_path / "score.py"),
        "line": "7",
        "column": None,
        "severity": "error",
        "message": "KeyError: 'AZUREML_MODEL_DIR'",
    }


def test_syntax_error_line_of_the_watcher_has_file_line_and_column(tmp_path: Path) -> None:
    broken = tmp_path / "score.py"
    broken.write_text("def run(data):\n    return (data\n")
    problem = check_syntax(broken)
    assert problem is not None
    got = _match(_up_matcher(), problem.lines("score.py")[0])
    assert got is not None
    assert (got["file"], got["line"], got["severity"]) == ("score.py", str(problem.line), "error")
    assert got["column"] == str(problem.column)


def test_failed_reload_line_is_a_problem(tmp_path: Path) -> None:
    result = {
        "ok": False,
        "generation": 3,
        "error": {
            "type": "NameError",
            "message": "name 'x' is not defined",
            "file": "/var/azureml-app/helper.py",
            "line": 4,
        },
    }
    line = reload_line(result, "helper.py", 12.0, 3, tmp_path)
    got = _match(_up_matcher(), line)
    assert got is not None and got["line"] == "4" and got["file"].endswith("helper.py")
    assert got["message"].startswith("NameError: name 'x' is not defined")


@pytest.mark.parametrize(
    ("line", "ends"),
    [
        ("debugkit: ready at http://127.0.0.1:8890/score (generation 1)", True),
        (
            "debugkit: init() failed at http://127.0.0.1:8890/score; the server stays up so you can fix and save",
            True,
        ),
        (
            "2026-01-01 10:00:00,000 INFO debugkit.server: debugkit: waiting for a debugger to attach on port 5678 before init()",
            True,
        ),
        ("debugkit: reload \u2713 generation 2 in 80 ms (score.py)", True),
        ("debugkit: starting /x/score.py (docker runtime) ...", False),
        # up's own line: VS Code attaches (and debugpy holds init()) instead of waiting forever
        ("debugkit: waiting for a debugger on 127.0.0.1:5678 before init()", True),
        ("debugkit: installing requirements.txt ...", False),
    ],
)
def test_background_task_ends_only_when_the_server_can_be_attached(line: str, ends: bool) -> None:
    background = _up_matcher()["background"]
    assert bool(re.search(background["endsPattern"], line)) is ends
    if not ends and line.startswith("debugkit: starting"):
        assert re.search(background["beginsPattern"], line)


def test_a_successful_reload_clears_the_problems_it_fixed() -> None:
    """Background matchers drop the previous cycle's problems when a begin line comes."""
    background = _up_matcher()["background"]
    assert re.search(
        background["beginsPattern"], "debugkit: reload \u2713 generation 3 in 40 ms (score.py)"
    )
    assert not re.search(
        background["beginsPattern"], "score.py:7: error: ValueError: boom [reload \u2717]"
    )


def test_lint_matcher_reads_lint_text_output() -> None:
    lint = next(t for t in _tasks() if t["label"] == vscode.TASK_LINT)["problemMatcher"]
    got = _match(lint, "src/score.py:12:5: DK101 run() returns exception text to the client")
    assert got == {
        "file": "src/score.py",
        "line": "12",
        "column": "5",
        "code": "DK101",
        "message": "run() returns exception text to the client",
    }


def test_real_up_output_of_a_failing_init_puts_the_error_at_its_line(tmp_path: Path) -> None:
    """`debugkit up` (process runtime) on a project whose init() raises: the background task
    ends (so F5 attaches) and the error lands at score.py line 8."""
    import shutil
    import subprocess
    import sys

    project = tmp_path / "init-crash"
    shutil.copytree(REPO / "examples" / "init-crash", project)
    port = free_port()
    command = [sys.executable, "-m", "debugkit", "up", str(project), "--runtime", "process"]
    command += ["--detach", "--no-watch", "--port", str(port), "--debug-port", str(free_port())]
    try:
        up = subprocess.run(command, capture_output=True, text=True, timeout=600, cwd=project)
    finally:
        subprocess.run(
            [sys.executable, "-m", "debugkit", "down", str(project)],
            capture_output=True,
            timeout=60,
        )
    lines = up.stdout.splitlines()
    matcher = _up_matcher()
    background = matcher["background"]
    assert re.search(background["beginsPattern"], lines[0]), up.stdout
    assert any(re.search(background["endsPattern"], line) for line in lines), up.stdout
    problems = [got for got in map(lambda line: _match(matcher, line), lines) if got]
    assert len(problems) == 1, up.stdout
    (problem,) = problems
    assert Path(project, problem["file"]).resolve() == (project / "score.py").resolve()
    assert problem["line"] == "8" and problem["message"].startswith("KeyError")


def test_run_error_of_code_in_a_subfolder_points_at_the_users_file(tmp_path: Path) -> None:
    """The server names files relative to the code folder (`score.py:6`); the up task's
    output must name them as VS Code's matcher resolves them (from the folder up runs in)."""
    import subprocess
    import sys
    import time

    from debugkit.client import ServerClient

    project = tmp_path / "project"
    (project / "src").mkdir(parents=True)
    (project / "debugkit.yaml").write_text("source_dir: src\nentry_script: score.py\n")
    (project / "src" / "score.py").write_text(
        "def init():\n    pass\n\n\ndef run(data):\n    raise ValueError('no')\n"
    )
    port = free_port()
    command = [sys.executable, "-m", "debugkit", "up", str(project), "--runtime", "process"]
    command += ["--no-watch", "--port", str(port), "--no-debug"]
    up = subprocess.Popen(
        command, cwd=project, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    lines: list[str] = []
    try:
        assert up.stdout is not None
        for line in up.stdout:
            lines.append(line)
            if "ready at" in line:
                break
        ServerClient(f"http://127.0.0.1:{port}").score(b'{"x": 1}')
        deadline = time.monotonic() + 60
        problems: list[dict] = []
        while not problems and time.monotonic() < deadline:
            line = up.stdout.readline()
            lines.append(line)
            problems = [p for p in [_match(_up_matcher(), line)] if p]
    finally:
        subprocess.run(
            [sys.executable, "-m", "debugkit", "down", str(project)],
            capture_output=True,
            timeout=60,
        )
        up.wait(timeout=60)
    assert problems, "".join(lines)
    assert (project / problems[0]["file"]).resolve() == (project / "src" / "score.py").resolve()
    assert problems[0]["line"] == "6"
