"""Rule documentation: `debugkit rules CODE` and docs/rules.md come from the same text.

Regenerate the Markdown with ``python -m debugkit.lint.docs > docs/rules.md``.
"""

from __future__ import annotations

from debugkit.lint.model import RuleInfo
from debugkit.lint.registry import all_rules

HEADER = """# debugkit lint rules

Generated from the rule definitions in `debugkit/lint/rules/` by
`python -m debugkit.lint.docs > docs/rules.md`; `debugkit rules CODE` prints the
same text. Each editor diagnostic links here (`codeDescription`).

Suppress one line with `# noqa: CODE`. Choose rules with `select`/`ignore`
(codes, code prefixes like `DK1`, or rule names): `debugkit lint --select/--ignore`,
`[tool.debugkit.lint]` in `pyproject.toml`, or the editor setting `debugkit.lint`.
Rules marked *scoring scripts* apply to files that define `run()` or are the
project's configured entry script.

| code | name | severity | confidence | applies to | summary |
|---|---|---|---|---|---|
"""


def rule_markdown(info: RuleInfo) -> str:
    scope = "scoring scripts" if info.scoring_only else "every file"
    cwe = f", {info.cwe}" if info.cwe else ""
    return (
        f"## {info.code} {info.name}\n\n"
        f"*{info.summary}.* Severity: {info.severity.value}; confidence: {info.confidence.value}; "
        f"applies to {scope}{cwe}.\n\n"
        f"### What it does\n\n{info.doc.what}\n\n"
        f"### Why it is bad\n\n{info.doc.why}\n\n"
        f"### Example\n\n```python\n{info.doc.example.rstrip()}\n```\n\n"
        f"### Fix\n\n{info.doc.fix}\n"
    )


def rules_markdown() -> str:
    rules = [r.info for r in all_rules()]
    table = "".join(
        f"| [{r.code}](#{r.anchor}) | {r.name} | {r.severity.value} | {r.confidence.value} | "
        f"{'scoring scripts' if r.scoring_only else 'every file'} | {r.summary} |\n"
        for r in rules
    )
    return HEADER + table + "\n" + "\n".join(rule_markdown(r) for r in rules)


if __name__ == "__main__":
    print(rules_markdown(), end="")
