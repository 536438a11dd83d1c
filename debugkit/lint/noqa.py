"""`# noqa` and `# noqa: DK101, DK102` comments, one line at a time."""

from __future__ import annotations

import re

NOQA = re.compile(
    r"#\s*noqa(?P<codes>:\s*[A-Za-z]+[0-9]+(?:[\s,]+[A-Za-z]+[0-9]+)*)?", re.IGNORECASE
)


def suppressed_codes(line_text: str) -> set[str] | None:
    """None: no noqa; empty set: bare `# noqa` (every code); else the listed codes."""
    if "#" not in line_text:
        return None
    match = NOQA.search(line_text)
    if match is None:
        return None
    codes = match.group("codes")
    if not codes:
        return set()
    return {c.upper() for c in re.findall(r"[A-Za-z]+[0-9]+", codes)}


def is_suppressed(line_text: str, code: str) -> bool:
    codes = suppressed_codes(line_text)
    return codes is not None and (not codes or code in codes)


def add_noqa(line_text: str, code: str) -> str:
    """The line with `code` added to its noqa comment (or a new one)."""
    match = NOQA.search(line_text) if "#" in line_text else None
    if match is None:
        return f"{line_text.rstrip()}  # noqa: {code}"
    codes = suppressed_codes(line_text) or set()
    if not match.group("codes"):
        return line_text  # bare noqa already covers every code
    merged = ", ".join(sorted(codes | {code}))
    return line_text[: match.start()] + f"# noqa: {merged}" + line_text[match.end() :]
