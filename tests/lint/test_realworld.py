"""Realistic score.py variants: zero findings on the safe ones, the marked findings on the unsafe ones."""

from __future__ import annotations

from pathlib import Path

import pytest

from debugkit.lint import lint_file
from tests.lint.markers import markers

REALWORLD = Path(__file__).parent / "realworld"
SAFE = sorted((REALWORLD / "safe").glob("*.py"))
UNSAFE = sorted((REALWORLD / "unsafe").glob("*.py"))


def test_there_are_at_least_twenty_safe_variants() -> None:
    assert len(SAFE) >= 20


@pytest.mark.parametrize("path", SAFE, ids=lambda p: p.name)
def test_safe_variant_has_no_findings(path: Path) -> None:
    result = lint_file(path)
    assert result.syntax_error is None
    assert result.is_scoring_script
    assert [f"{f.line}: {f.code} {f.message}" for f in result.findings] == []


@pytest.mark.parametrize("path", UNSAFE, ids=lambda p: p.name)
def test_unsafe_variant_has_exactly_the_marked_findings(path: Path) -> None:
    expected, clean = markers(path)
    found = {(f.line, f.code) for f in lint_file(path).findings}
    assert found == expected
    assert not (found & clean)
