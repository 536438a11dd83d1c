"""debugkit.watch.syntax: the host-side compile of changed files."""

from __future__ import annotations

from pathlib import Path

from debugkit.watch.syntax import check_syntax


def test_syntax_error_location_and_caret(tmp_path: Path) -> None:
    score = tmp_path / "score.py"
    score.write_text("def init():\n    pass\n\ndef run(data)\n    return data\n")
    problem = check_syntax(score)
    assert problem is not None
    assert problem.lines("score.py") == [
        "score.py:4:14: error: SyntaxError: expected ':'",
        "    def run(data)",
        "                 ^",
    ]
    score.write_text("def run(data):\n    return data\n")
    assert check_syntax(score) is None
