"""The lint data model: rules describe themselves, findings say where and what, fixes say how."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum
from typing import Any


class Severity(str, Enum):
    ERROR = "error"
    WARNING = "warning"
    INFO = "info"


class Confidence(str, Enum):
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"


DOCS_BASE_URL = "https://github.com/debugkit/debugkit/blob/main/docs/rules.md"


@dataclass(frozen=True)
class RuleDoc:
    """The four parts every rule explains, in Markdown."""

    what: str
    why: str
    example: str  # Python source showing the problem
    fix: str  # Markdown; may contain a fenced example


@dataclass(frozen=True)
class RuleInfo:
    code: str  # stable, e.g. DK101
    name: str  # kebab-case, e.g. exception-text-returned
    summary: str  # one line
    severity: Severity
    confidence: Confidence
    doc: RuleDoc
    scoring_only: bool = True  # applies only to files that look like scoring scripts
    cwe: str | None = None

    @property
    def anchor(self) -> str:
        return f"{self.code.lower()}-{self.name}"

    @property
    def url(self) -> str:
        return f"{DOCS_BASE_URL}#{self.anchor}"


@dataclass(frozen=True)
class TextEdit:
    """Replace [start, end) with new_text. Lines are 1-based, columns 0-based characters."""

    line: int
    col: int
    end_line: int
    end_col: int
    new_text: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "line": self.line,
            "col": self.col,
            "end_line": self.end_line,
            "end_col": self.end_col,
            "new_text": self.new_text,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> TextEdit:
        return cls(
            int(data["line"]),
            int(data["col"]),
            int(data["end_line"]),
            int(data["end_col"]),
            str(data["new_text"]),
        )


@dataclass(frozen=True)
class Fix:
    title: str
    edits: tuple[TextEdit, ...]

    def to_dict(self) -> dict[str, Any]:
        return {"title": self.title, "edits": [e.to_dict() for e in self.edits]}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Fix:
        return cls(str(data["title"]), tuple(TextEdit.from_dict(e) for e in data["edits"]))


@dataclass(frozen=True)
class Finding:
    """One problem. Lines are 1-based, columns 0-based characters (end exclusive)."""

    rule: RuleInfo
    message: str
    line: int
    col: int
    end_line: int
    end_col: int
    fixes: tuple[Fix, ...] = ()
    severity: Severity | None = None  # overrides the rule's severity for this finding

    @property
    def code(self) -> str:
        return self.rule.code

    @property
    def effective_severity(self) -> Severity:
        return self.severity or self.rule.severity

    def to_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "name": self.rule.name,
            "message": self.message,
            "severity": self.effective_severity.value,
            "confidence": self.rule.confidence.value,
            "line": self.line,
            "column": self.col + 1,
            "end_line": self.end_line,
            "end_column": self.end_col + 1,
            "url": self.rule.url,
            "fixes": [f.to_dict() for f in self.fixes],
        }


@dataclass(frozen=True)
class SyntaxProblem:
    """The file does not parse; no rule ran."""

    message: str
    line: int
    col: int


@dataclass
class LintResult:
    findings: list[Finding] = field(default_factory=list)
    syntax_error: SyntaxProblem | None = None
    notes: list[str] = field(default_factory=list)  # e.g. a config error that disabled a rule
    is_scoring_script: bool = False
    complete: bool = True  # False: parts of the module were not parsed (syntax not checked there)
