"""Lint results as text (`FILE:LINE:COL: CODE message`), JSON or SARIF 2.1.0."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from debugkit import __version__
from debugkit.lint.docs import rule_markdown
from debugkit.lint.model import Fix, LintResult, Severity
from debugkit.lint.registry import all_rules

SYNTAX_CODE = "DK000"
SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
SARIF_LEVEL = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note"}
SRCROOT = "SRCROOT"  # the uriBaseId relative locations are resolved against


@dataclass
class FileResult:
    path: Path
    result: LintResult

    @property
    def display(self) -> str:
        return str(self.path)


def to_text(results: list[FileResult]) -> str:
    lines = []
    for item in results:
        if item.result.syntax_error:
            err = item.result.syntax_error
            lines.append(f"{item.display}:{err.line}:{err.col + 1}: {SYNTAX_CODE} {err.message}")
        for f in item.result.findings:
            lines.append(f"{item.display}:{f.line}:{f.col + 1}: {f.code} {f.message}")
    return "\n".join(lines)


def to_json(results: list[FileResult]) -> str:
    out: list[dict[str, Any]] = []
    for item in results:
        if item.result.syntax_error:
            err = item.result.syntax_error
            out.append(
                {
                    "file": item.display,
                    "code": SYNTAX_CODE,
                    "name": "syntax-error",
                    "message": err.message,
                    "severity": "error",
                    "line": err.line,
                    "column": err.col + 1,
                }
            )
        out.extend({"file": item.display, **f.to_dict()} for f in item.result.findings)
    return json.dumps(out, indent=2)


def problem_count(results: list[FileResult]) -> int:
    """Findings plus files that do not parse (each reported as DK000)."""
    return sum(len(item.result.findings) + bool(item.result.syntax_error) for item in results)


def to_sarif(results: list[FileResult], base: Path | None = None) -> str:
    """SARIF 2.1.0: locations relative to ``base`` (``SRCROOT``), quick fixes as ``fixes``."""
    rules = [r.info for r in all_rules()]
    index = {r.code: i for i, r in enumerate(rules)}
    sarif_rules = [
        {
            "id": r.code,
            "name": r.name,
            "shortDescription": {"text": r.summary},
            "fullDescription": {"text": r.doc.what},
            # the whole rule text, not a link: a file: URI means nothing on another machine
            "help": {"text": r.doc.fix, "markdown": rule_markdown(r)},
            "defaultConfiguration": {"level": SARIF_LEVEL[r.severity]},
            "properties": {
                "precision": {"high": "high", "medium": "medium", "low": "low"}[r.confidence.value],
                "tags": ["security", r.cwe] if r.cwe else [],
            },
        }
        for r in rules
    ]
    sarif_results: list[dict[str, Any]] = []
    for item in results:
        artifact = _artifact(item.path, base)
        if item.result.syntax_error:
            err = item.result.syntax_error
            sarif_results.append(
                {
                    "ruleId": SYNTAX_CODE,
                    "level": "error",
                    "message": {"text": err.message},
                    "locations": [_location(artifact, err.line, err.col, err.line, err.col)],
                }
            )
        for f in item.result.findings:
            result: dict[str, Any] = {
                "ruleId": f.code,
                "ruleIndex": index[f.code],
                "level": SARIF_LEVEL[f.effective_severity],
                "message": {"text": f.message},
                "locations": [_location(artifact, f.line, f.col, f.end_line, f.end_col)],
            }
            if f.fixes:
                result["fixes"] = [_fix(artifact, fix) for fix in f.fixes]
            sarif_results.append(result)
    run: dict[str, Any] = {
        "tool": {"driver": {"name": "debugkit", "version": __version__, "rules": sarif_rules}},
        "columnKind": "unicodeCodePoints",  # our columns count characters, not UTF-16 units
        "results": sarif_results,
    }
    if base is not None:
        run["originalUriBaseIds"] = {SRCROOT: {"uri": base.resolve().as_uri() + "/"}}
    log = {"$schema": SARIF_SCHEMA, "version": "2.1.0", "runs": [run]}
    return json.dumps(log, indent=2)


def _artifact(path: Path, base: Path | None) -> dict[str, str]:
    """Relative to ``base`` with ``uriBaseId`` when inside it, else an absolute file: URI."""
    if base is not None:
        try:
            relative = path.resolve().relative_to(base.resolve()).as_posix()
        except ValueError:
            pass
        else:
            return {"uri": relative, "uriBaseId": SRCROOT}
    return {"uri": path.resolve().as_uri()}


def _region(line: int, col: int, end_line: int, end_col: int) -> dict[str, int]:
    return {
        "startLine": line,
        "startColumn": col + 1,
        "endLine": end_line,
        "endColumn": max(end_col, col) + 1 if end_line == line else end_col + 1,
    }


def _location(
    artifact: dict[str, str], line: int, col: int, end_line: int, end_col: int
) -> dict[str, Any]:
    return {
        "physicalLocation": {
            "artifactLocation": artifact,
            "region": _region(line, col, end_line, end_col),
        }
    }


def _fix(artifact: dict[str, str], fix: Fix) -> dict[str, Any]:
    """A quick fix as a SARIF fix: one artifactChange, each edit a deletedRegion + insertion."""
    return {
        "description": {"text": fix.title},
        "artifactChanges": [
            {
                "artifactLocation": artifact,
                "replacements": [
                    {
                        "deletedRegion": _region(e.line, e.col, e.end_line, e.end_col),
                        "insertedContent": {"text": e.new_text},
                    }
                    for e in fix.edits
                ],
            }
        ],
    }
