"""Rule documentation: `debugkit rules CODE`, docs/rules.md and the per-rule files come from
the same text.

Regenerate with ``python -m debugkit.lint.docs > docs/rules.md`` and
``python -m debugkit.lint.docs --rule-files`` (writes ``debugkit/lint/rule_docs/CODE.md``,
the files diagnostics link to).
"""

from __future__ import annotations

import sys
from pathlib import Path

from debugkit.lint.model import RULE_DOCS_DIR, RuleInfo
from debugkit.lint.registry import all_rules

HEADER = """# debugkit lint rules

Generated from the rule definitions in `debugkit/lint/rules/` by
`python -m debugkit.lint.docs > docs/rules.md`; `debugkit rules CODE` prints the
same text. Each diagnostic links (`codeDescription`, the JSON `url`) to its rule's
part of this text installed with the package: a `file:` URI to
`debugkit/lint/rule_docs/CODE.md` (`python -m debugkit.lint.docs --rule-files`).

Suppress one line with `# noqa: CODE`. Choose rules with `select`/`ignore`
(codes, code prefixes like `DK1`, or rule names): `debugkit lint --select/--ignore`,
`[tool.debugkit.lint]` in `pyproject.toml`, or the editor setting `debugkit.lint`.
Rules marked *scoring scripts* apply to files that define `run()` or are the
project's configured entry script.

## Running it

* `debugkit lint [PATH...]` prints `FILE:LINE:COL: CODE message` (one per line, for
  problem matchers and CI logs); `--format json` or `--format sarif` (SARIF 2.1.0:
  quick fixes as `fixes`, paths relative to `SRCROOT`, the working directory).
  Exit 0 clean, 1 findings, 2 usage error or a file that does not parse (`DK000`,
  counted in the summary like a finding).
* `debugkit lsp` (or `python -m lsp`) runs the language server over stdio:
  diagnostics on open, change (debounced) and save, or pulled
  (`textDocument/diagnostic`) when the client supports it; a quick fix per
  rule plus "Disable CODE for this line"; hover on `get_model_path(...)`.
* Editor settings, section `debugkit.lint` (also accepted as
  `initializationOptions`, flat or as `{"lint": {...}}`); a bad value is reported
  once and its default used:

| key | default | meaning |
|---|---|---|
| `enabled` | `true` | lint at all |
| `select` | `[]` (all) | rule codes, prefixes or names to run |
| `ignore` | `[]` | rule codes, prefixes or names to skip |
| `debounceMs` | `300` | wait after the last change before linting (0-5000) |
| `hoverTimeoutMs` | `500` | how long hover waits for a running debugkit session (0-5000) |
| `entryScripts` | `[]` | extra file names always linted as scoring scripts |

## Rules

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


def rule_files() -> dict[Path, str]:
    """The per-rule documents diagnostics link to, by path."""
    return {r.info.doc_path: rule_markdown(r.info) for r in all_rules()}


def write_rule_files() -> None:
    RULE_DOCS_DIR.mkdir(exist_ok=True)
    wanted = rule_files()
    for stale in set(RULE_DOCS_DIR.glob("*.md")) - set(wanted):
        stale.unlink()
    for path, text in wanted.items():
        path.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    if sys.argv[1:] == ["--rule-files"]:
        write_rule_files()
    else:
        print(rules_markdown(), end="")
