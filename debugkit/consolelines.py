"""Console lines that other tools match: one writer for each, with its reader beside it.

* the problem line ``FILE:LINE[:COL]: error: MESSAGE``: VS Code's problem matcher
  (``PROBLEM_LINE_REGEXP``, written into tasks.json by ``debugkit vscode init``) and
  ``debugkit logs``' diagnosis (:func:`read_problems`) read it; ``up``, ``status``,
  ``reload``, the watcher and host-side syntax checks write it (:func:`problem_line`,
  :func:`error_line`). The server writes the same form into its log on its own, since
  it imports nothing from the host side (``debugkit/server/errorinfo.py``).
* ``debugkit: not reloaded until the syntax error is fixed; ...``: ends a cycle of
  VS Code's background matcher.
* ``debugkit: watching ...``: ``up --detach`` waits for it in the watcher's log
  (:func:`is_watching`) before it returns.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from debugkit.applayout import host_path

# JavaScript and Python read this regexp alike (it goes into tasks.json as it is).
PROBLEM_LINE_REGEXP = r"^(.+?):(\d+):(?:(\d+):)?\s+(error|warning):\s+(.*)$"
_PROBLEM = re.compile(PROBLEM_LINE_REGEXP, re.MULTILINE)
_KIND = re.compile(r"^(?P<kind>[\w.]+): ?(?P<text>.*)$")

NOT_RELOADED = "debugkit: not reloaded until the syntax error is fixed"
WATCHING = "debugkit: watching"


@dataclass(frozen=True)
class Problem:
    """One problem line, as a matcher reads it."""

    file: str
    line: int
    column: int | None
    severity: str  # "error" or "warning"
    message: str

    @property
    def kind(self) -> str | None:
        """The exception type a ``TYPE: MESSAGE`` message starts with, else None."""
        found = _KIND.match(self.message)
        return found.group("kind") if found else None

    @property
    def text(self) -> str:
        """The message without its leading ``TYPE:``."""
        found = _KIND.match(self.message)
        return found.group("text") if found else self.message


def problem_line(
    file: str, line: int, message: str, column: int | None = None, severity: str = "error"
) -> str:
    """``FILE:LINE[:COL]: error: MESSAGE``; ``message`` must be one line."""
    where = f"{file}:{line}:" + (f"{column}:" if column else "")
    return f"{where} {severity}: {message}"


def read_problems(text: str) -> list[Problem]:
    """Every problem line in ``text`` (a log, a console transcript), in order."""
    return [
        Problem(m[1], int(m[2]), int(m[3]) if m[3] else None, m[4], m[5].rstrip())
        for m in _PROBLEM.finditer(text)
    ]


def shown(path: Path | str) -> str:
    """Relative to the current folder when below it (what editors' problem matchers resolve),
    else absolute."""
    path = Path(path)
    try:
        return os.fspath(path.relative_to(Path.cwd()))
    except ValueError:
        return os.fspath(path)


def error_line(error: Any, source_dir: Path, tail: str | None = None) -> str:
    """A server's error (``{"type", "message", "file", "line", "column"}``) as one line.

    With a location: ``FILE:LINE[:COL]: error: TYPE: MESSAGE [tail]``, the file mapped from
    the container to the user's copy; without one: ``debugkit: TAIL: TYPE: MESSAGE``.
    """
    if not isinstance(error, dict):
        error = {"message": str(error or "")}
    message = (str(error.get("message") or "").strip().splitlines() or ["failed"])[0]
    text = f"{error.get('type') or 'Error'}: {message}"
    if error.get("file") and error.get("line"):
        where = shown(host_path(str(error["file"]), source_dir))
        column = int(error["column"]) if error.get("column") else None
        line = problem_line(where, int(error["line"]), text, column=column)
        return f"{line} [{tail}]" if tail else line
    return f"debugkit: {tail or 'error'}: {text}"


def on_host(line: str, source_dir: Path) -> str:
    """A server log line with its problem location (if any) as the user's file, written as
    :func:`shown` writes it. The server names files relative to the code folder or inside the
    container (``score.py:17``); VS Code's matcher resolves from the folder the task runs in,
    so for code in ``src/`` it would open a file that does not exist."""
    found = _PROBLEM.match(line)
    if found is None or found[1].startswith("debugkit"):
        return line
    return shown(host_path(found[1], source_dir)) + line[found.end(1) :]


def not_reloaded_line(kept: str) -> str:
    """After the syntax errors' problem lines: nothing was sent to the server."""
    return f"{NOT_RELOADED}; {kept}"


def watching_line(folder: Path, detail: str) -> str:
    return f"{WATCHING} {shown(folder)} {detail}"


def is_watching(text: str) -> bool:
    """True once a watcher's output says it sees saves."""
    return WATCHING + " " in text
