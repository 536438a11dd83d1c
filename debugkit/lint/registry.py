"""The rule registry: each rule module registers one :class:`Rule`."""

from __future__ import annotations

import ast
import importlib
import pkgutil
from collections.abc import Iterable
from typing import ClassVar

from debugkit.lint.context import LintContext
from debugkit.lint.model import Finding, Fix, RuleInfo, Severity

_RULES: dict[str, Rule] = {}
_loaded = False


class Rule:
    """Subclasses set ``info`` and implement :meth:`check`."""

    info: ClassVar[RuleInfo]

    def check(self, ctx: LintContext) -> Iterable[Finding]:
        raise NotImplementedError

    def finding(
        self,
        ctx: LintContext,
        node: ast.AST,
        message: str,
        fixes: Iterable[Fix] = (),
        severity: Severity | None = None,
    ) -> Finding:
        line, col, end_line, end_col = ctx.span(node)
        return Finding(self.info, message, line, col, end_line, end_col, tuple(fixes), severity)


def register(cls: type[Rule]) -> type[Rule]:
    code = cls.info.code
    if code in _RULES:
        raise RuntimeError(f"rule code {code} registered twice")
    _RULES[code] = cls()
    return cls


def _load_rule_modules() -> None:
    global _loaded
    from debugkit.lint import rules

    _loaded = True

    for module in pkgutil.iter_modules(rules.__path__):
        importlib.import_module(f"{rules.__name__}.{module.name}")


def all_rules() -> list[Rule]:
    if not _loaded:  # a rule module imported directly registers only itself
        _load_rule_modules()
    return [_RULES[code] for code in sorted(_RULES)]


def find_rule(code_or_name: str) -> Rule | None:
    key = code_or_name.strip()
    for rule in all_rules():
        if key.upper() == rule.info.code or key.lower() == rule.info.name:
            return rule
    return None
