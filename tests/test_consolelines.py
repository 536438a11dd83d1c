"""Console lines other tools match: each writer's line is read back by its reader."""

from __future__ import annotations

from pathlib import Path

from debugkit.consolelines import (
    NOT_RELOADED,
    Problem,
    error_line,
    is_watching,
    not_reloaded_line,
    problem_line,
    read_problems,
    watching_line,
)
from debugkit.watch.syntax import check_syntax


def test_problem_line_round_trips_with_and_without_column() -> None:
    lines = [
        problem_line("score.py", 3, "KeyError: 'x'", column=7),
        problem_line("/abs/helper.py", 12, "boom"),
    ]
    assert read_problems("noise\n" + "\n".join(lines) + "\nmore noise\n") == [
        Problem("score.py", 3, 7, "error", "KeyError: 'x'"),
        Problem("/abs/helper.py", 12, None, "error", "boom"),
    ]
    assert read_problems(lines[0])[0].kind == "KeyError"
    assert read_problems(lines[0])[0].text == "'x'"
    assert read_problems(lines[1])[0].kind is None


def test_server_errors_keep_their_column_and_map_to_the_host(tmp_path: Path) -> None:
    error = {
        "type": "NameError",
        "message": "name 'x' is not defined\nsecond line",
        "file": "/var/azureml-app/sub/score.py",
        "line": 4,
        "column": 9,
    }
    line = error_line(error, tmp_path, "reload \u2717")
    assert line == (
        f"{tmp_path / 'sub' / 'score.py'}:4:9: error: NameError: name 'x' is not defined"
        " [reload \u2717]"
    )
    (problem,) = read_problems(line)
    assert (problem.file, problem.line, problem.column) == (str(tmp_path / "sub/score.py"), 4, 9)
    assert error_line({"type": "OSError", "message": "gone"}, tmp_path) == (
        "debugkit: error: OSError: gone"
    )


def test_host_syntax_check_writes_the_same_problem_line(tmp_path: Path) -> None:
    score = tmp_path / "score.py"
    score.write_text("def run(data)\n    return data\n")
    problem = check_syntax(score)
    assert problem is not None
    (read,) = read_problems("\n".join(problem.lines()))
    assert (read.file, read.line, read.column, read.kind) == (str(score), 1, 14, "SyntaxError")


def test_not_reloaded_and_watching_lines() -> None:
    assert not_reloaded_line("generation 2 keeps serving").startswith(NOT_RELOADED + "; ")
    line = watching_line(Path("/p/src"), "for http://127.0.0.1:8890 (pid 7)")
    assert line == "debugkit: watching /p/src for http://127.0.0.1:8890 (pid 7)"
    assert is_watching(f"10:00:01 {line}\n")
    assert not is_watching("debugkit: not watching files (Ctrl-C to stop)")
