"""Expected findings marked in fixture comments: `# expect: DK101` and `# ok: DK101`."""

from __future__ import annotations

import re
from pathlib import Path

MARKER = re.compile(r"#\s*(expect|ok):\s*(DK\d{3})")


def markers(path: Path) -> tuple[set[tuple[int, str]], set[tuple[int, str]]]:
    """(expected (line, code) findings, (line, code) that must stay clean)."""
    expected: set[tuple[int, str]] = set()
    clean: set[tuple[int, str]] = set()
    for number, text in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        for kind, code in MARKER.findall(text):
            (expected if kind == "expect" else clean).add((number, code))
    return expected, clean
