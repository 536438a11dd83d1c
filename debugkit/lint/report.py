"""Lint results as text (`FILE:LINE:COL: CODE message`), JSON or SARIF 2.1.0."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from debugkit import __version__
from debugkit.lint.model import DOCS_BASE_URL, LintResult, Severity
from debugkit.lint.registry import all_rules

SYNTAX_CODE = "DK000"
SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
SARIF_LEVEL = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note"}


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


def to_sarif(results: list[FileResult], base: Path | None = None) -> str:
    rules = [r.info for r in all_rules()]
    index = {r.code: i for i, r in enumerate(rules)}
    sarif_rules = [
        {
            "id": r.code,
            "name": r.name,
            "shortDescription": {"text": r.summary},
            "fullDescription": {"text": r.doc.what},
            "help": {"text": r.doc.fix, "markdown": r.doc.fix},
            "helpUri": r.url,
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
        uri = _uri(item.path, base)
        if item.result.syntax_error:
            err = item.result.syntax_error
            sarif_results.append(
                {
                    "ruleId": SYNTAX_CODE,
                    "level": "error",
                    "message": {"text": err.message},
                    "locations": [_location(uri, err.line, err.col, err.line, err.col)],
                }
            )
        for f in item.result.findings:
            sarif_results.append(
                {
                    "ruleId": f.code,
                    "ruleIndex": index[f.code],
                    "level": SARIF_LEVEL[f.effective_severity],
                    "message": {"text": f.message},
                    "locations": [_location(uri, f.line, f.col, f.end_line, f.end_col)],
                }
            )
    log = {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "debugkit",
                        "version": __version__,
                        "informationUri": DOCS_BASE_URL,
                        "rules": sarif_rules,
                    }
                },
                "results": sarif_results,
            }
        ],
    }
    return json.dumps(log, indent=2)


def _uri(path: Path, base: Path | None) -> str:
    if base is not None:
        try:
            return path.resolve().relative_to(base.resolve()).as_posix()
        except ValueError:
            pass
    return path.resolve().as_uri()


def _location(uri: str, line: int, col: int, end_line: int, end_col: int) -> dict[str, Any]:
    region = {
        "startLine": line,
        "startColumn": col + 1,
        "endLine": end_line,
        "endColumn": max(end_col, col) + 1,
    }
    return {"physicalLocation": {"artifactLocation": {"uri": uri}, "region": region}}
