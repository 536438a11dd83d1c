"""pip's output read as it streams: what to show while it runs, and which package failed.

An install can take many minutes (a resolver backtracking, a source build), and its
failure ends with lines such as ``No module named 'pkg_resources'`` or ``See above for
output`` that do not name the package. pip names it earlier: the ``Collecting X`` it was
working on, ``Failed to build X``, ``No matching distribution found for X``.
"""

from __future__ import annotations

import re
from collections import deque

# lines worth showing off a terminal: one per package and phase, not per progress tick
_MILESTONE = re.compile(
    r"^\s*(Collecting |Building wheels? for |Installing build dependencies|"
    r"Installing collected packages|Successfully installed |Running setup\.py install for |"
    r"INFO: pip is looking at multiple versions|ERROR: )"
)
_COLLECTING = re.compile(r"^\s*Collecting (\S+)")
_NAMED_FAILURE = (
    (re.compile(r"Failed (?:to build|building wheel for) ([^\s,]+)"), "building it failed"),
    (re.compile(r"No matching distribution found for (\S+)"), "no version of it is found"),
    (
        re.compile(r"Could not find a version that satisfies the requirement (\S+)"),
        "no version of it is found",
    ),
)
_CONFLICT = re.compile(r"ERROR: (Cannot install .*|ResolutionImpossible.*)")
_PROGRESS_BAR = re.compile(r"[\u2501\u2500#]{5,}|\d+(\.\d+)?/\d+(\.\d+)? [kMG]?B ")
TAIL_LINES = 15


class PipWatch:
    """Feed it pip's lines; it keeps the package being worked on and the one that failed."""

    def __init__(self) -> None:
        self.current: str | None = None  # the requirement pip last started collecting
        self.failed: tuple[str, str] | None = None  # (requirement, how) from pip's own error
        self.conflict: str | None = None
        self.tail: deque[str] = deque(maxlen=TAIL_LINES)

    def feed(self, line: str) -> bool:
        """Take one line; True if it is a milestone worth showing while pip runs."""
        line = line.rstrip()
        if not line.strip() or _PROGRESS_BAR.search(line):
            return False
        self.tail.append(line)
        collecting = _COLLECTING.match(line)
        if collecting:
            self.current = collecting.group(1)
        if self.failed is None:
            for pattern, how in _NAMED_FAILURE:
                match = pattern.search(line)
                if match:
                    self.failed = (match.group(1), how)
                    break
        conflict = _CONFLICT.search(line)
        if conflict and self.conflict is None:
            self.conflict = conflict.group(1).strip()
        return bool(_MILESTONE.match(line))

    def culprit(self) -> str | None:
        """The failing package in a few words, e.g. ``pandas==1.1.5 (building it failed)``."""
        if self.failed is not None:
            return f"{self.failed[0]} ({self.failed[1]})"
        if self.conflict is not None:
            return f"conflicting requirements: {self.conflict}"
        if self.current is not None:
            return f"{self.current} (pip was installing it when it failed)"
        return None
