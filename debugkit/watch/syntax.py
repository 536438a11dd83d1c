"""Compile changed Python files on the host: a typo is reported at once, not sent to the server."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from debugkit.consolelines import problem_line


@dataclass(frozen=True)
class SyntaxProblem:
    path: Path
    line: int
    column: int  # 1-based
    message: str
    kind: str = "SyntaxError"  # or IndentationError, TabError
    text: str = ""  # the offending source line
    end_column: int | None = None

    def lines(self, shown_path: str | None = None) -> list[str]:
        """``FILE:LINE:COL: error: SyntaxError: msg``, then the source line and a caret line."""
        where = shown_path or str(self.path)
        head = problem_line(where, self.line, f"{self.kind}: {self.message}", column=self.column)
        text = self.text.rstrip("\r\n")
        if not text.strip():
            return [head]
        indent = len(text) - len(text.lstrip())
        body = text[indent:]
        start = max(self.column - 1 - indent, 0)
        width = 1
        if self.end_column and self.end_column > self.column:
            width = self.end_column - self.column
        width = max(1, min(width, len(body) - start))
        # keep tabs as tabs under the caret so it lines up in any terminal
        pad = "".join(c if c == "\t" else " " for c in body[:start])
        return [head, f"    {body}", f"    {pad}{'^' * width}"]


def check_syntax(path: Path) -> SyntaxProblem | None:
    """Compile ``path`` as the server would import it; None if it compiles (or is gone)."""
    try:
        source = path.read_bytes()
    except OSError:
        return None
    try:
        compile(source, os.fspath(path), "exec", dont_inherit=True)
    except SyntaxError as exc:
        return SyntaxProblem(
            path=path,
            line=exc.lineno or 1,
            column=exc.offset or 1,
            message=exc.msg,
            kind=type(exc).__name__,
            text=exc.text or "",
            end_column=exc.end_offset if exc.end_lineno in (None, exc.lineno) else None,
        )
    except ValueError as exc:  # null bytes in the source (a SyntaxError from 3.12 on)
        return SyntaxProblem(path=path, line=1, column=1, message=str(exc))
    return None
