"""The score.py rule engine (pure ast, no pygls): shared by `debugkit lint` and the language server."""

from debugkit.lint.engine import lint_file, lint_source
from debugkit.lint.model import Finding, Fix, LintResult, RuleInfo, Severity, TextEdit
from debugkit.lint.registry import all_rules, find_rule
from debugkit.lint.selection import RuleSelection

__all__ = [
    "Finding",
    "Fix",
    "LintResult",
    "RuleInfo",
    "RuleSelection",
    "Severity",
    "TextEdit",
    "all_rules",
    "find_rule",
    "lint_file",
    "lint_source",
]
