"""Every rule against its fixtures: findings exactly where `# expect:` says, none at `# ok:`."""

from __future__ import annotations

from pathlib import Path

import pytest

from debugkit.lint import all_rules, lint_file
from tests.lint.markers import markers

FIXTURES = Path(__file__).parent / "fixtures"
FIXTURE_FILES = sorted([*FIXTURES.glob("*.py"), *FIXTURES.glob("*/score.py")])


@pytest.mark.parametrize("path", FIXTURE_FILES, ids=lambda p: str(p.relative_to(FIXTURES)))
def test_fixture_findings_match_markers(path: Path) -> None:
    expected, clean = markers(path)
    checked = {code for _, code in expected | clean}
    assert checked, f"{path.name} has no markers"
    result = lint_file(path)
    assert result.syntax_error is None
    found = {(f.line, f.code) for f in result.findings if f.code in checked}
    assert found == expected, "\n".join(
        f"{'missing' if item in expected else 'unexpected'} {item[1]} at line {item[0]}"
        for item in sorted(found ^ expected)
    )
    assert not (found & clean)


def test_every_rule_has_positive_and_negative_fixtures() -> None:
    expected: set[str] = set()
    clean: set[str] = set()
    for path in FIXTURE_FILES:
        positives, negatives = markers(path)
        expected |= {code for _, code in positives}
        clean |= {code for _, code in negatives}
    codes = {rule.info.code for rule in all_rules()}
    assert codes - expected == set(), "rules without a positive fixture"
    assert codes - clean == set(), "rules without a negative fixture"
