"""Lint findings as LSP diagnostics, and their fixes as code actions."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from lsprotocol import types
from pygls.workspace.position_codec import PositionCodec

from debugkit.lint import Finding, Fix, Severity, TextEdit
from debugkit.lint.model import SyntaxProblem
from debugkit.lint.noqa import add_noqa

SOURCE = "debugkit"
LSP_SEVERITY = {
    Severity.ERROR: types.DiagnosticSeverity.Error,
    Severity.WARNING: types.DiagnosticSeverity.Warning,
    Severity.INFO: types.DiagnosticSeverity.Information,
}


class ClientColumns:
    """Lint columns count characters; the client counts UTF-16 (or its negotiated) code units."""

    def __init__(self, lines: Sequence[str] = (), codec: PositionCodec | None = None) -> None:
        self.lines = lines
        self.codec = codec or PositionCodec()

    def __call__(self, line: int, col: int) -> int:
        text = self.lines[line - 1] if 0 < line <= len(self.lines) else ""
        if text.isascii():
            return col
        return self.codec.client_num_units(text[:col])


ASCII = ClientColumns()


def to_range(
    line: int, col: int, end_line: int, end_col: int, columns: ClientColumns = ASCII
) -> types.Range:
    return types.Range(
        start=types.Position(line=max(line - 1, 0), character=columns(line, col)),
        end=types.Position(line=max(end_line - 1, 0), character=columns(end_line, end_col)),
    )


def to_diagnostic(finding: Finding, columns: ClientColumns = ASCII) -> types.Diagnostic:
    return types.Diagnostic(
        range=to_range(finding.line, finding.col, finding.end_line, finding.end_col, columns),
        message=finding.message,
        severity=LSP_SEVERITY[finding.effective_severity],
        code=finding.code,
        code_description=types.CodeDescription(href=finding.rule.url),
        source=SOURCE,
        data={"name": finding.rule.name, "fixes": [f.to_dict() for f in finding.fixes]},
    )


def syntax_diagnostic(problem: SyntaxProblem, columns: ClientColumns = ASCII) -> types.Diagnostic:
    return types.Diagnostic(
        range=to_range(problem.line, problem.col, problem.line, problem.col + 1, columns),
        message=problem.message,
        severity=types.DiagnosticSeverity.Error,
        code="DK000",
        source=SOURCE,
    )


def to_text_edit(edit: TextEdit, columns: ClientColumns = ASCII) -> types.TextEdit:
    return types.TextEdit(
        range=to_range(edit.line, edit.col, edit.end_line, edit.end_col, columns),
        new_text=edit.new_text,
    )


def fixes_of(diagnostic: types.Diagnostic) -> list[Fix]:
    data: Any = diagnostic.data
    if not isinstance(data, dict):
        return []
    fixes = []
    for raw in data.get("fixes") or []:
        try:
            fixes.append(Fix.from_dict(raw))
        except (KeyError, TypeError, ValueError):
            continue  # data from another server version: offer what we can
    return fixes


def code_actions(
    uri: str, lines: list[str], diagnostic: types.Diagnostic, columns: ClientColumns = ASCII
) -> list[types.CodeAction]:
    actions = [
        types.CodeAction(
            title=f"{fix.title} ({diagnostic.code})",
            kind=types.CodeActionKind.QuickFix,
            diagnostics=[diagnostic],
            is_preferred=index == 0,
            edit=types.WorkspaceEdit(changes={uri: [to_text_edit(e, columns) for e in fix.edits]}),
        )
        for index, fix in enumerate(fixes_of(diagnostic))
    ]
    line = diagnostic.range.start.line
    if isinstance(diagnostic.code, str) and diagnostic.code != "DK000" and line < len(lines):
        text = lines[line]
        actions.append(
            types.CodeAction(
                title=f"Disable {diagnostic.code} for this line",
                kind=types.CodeActionKind.QuickFix,
                diagnostics=[diagnostic],
                edit=types.WorkspaceEdit(
                    changes={
                        uri: [
                            types.TextEdit(
                                range=types.Range(
                                    start=types.Position(line=line, character=0),
                                    end=types.Position(
                                        line=line, character=columns(line + 1, len(text))
                                    ),
                                ),
                                new_text=add_noqa(text, diagnostic.code),
                            )
                        ]
                    }
                ),
            )
        )
    return actions


def merge_same_edits(actions: list[types.CodeAction]) -> list[types.CodeAction]:
    """One action per distinct edit: two rules whose fixes are the same change (DK101's and
    DK103's "Re-raise the exception" on one `except`) become one action naming both codes and
    fixing both diagnostics, so VS Code's Auto Fix finds one preferred fix, not a chooser."""
    merged: list[types.CodeAction] = []
    by_edit: dict[str, types.CodeAction] = {}
    for action in actions:
        key = repr(action.edit)
        first = by_edit.get(key)
        if first is None:
            by_edit[key] = action
            merged.append(action)
            continue
        first.diagnostics = [*(first.diagnostics or []), *(action.diagnostics or [])]
        first.is_preferred = bool(first.is_preferred or action.is_preferred) or None
        codes = [str(d.code) for d in first.diagnostics if d.code is not None]
        title = first.title.rsplit(" (", 1)[0] if first.title.endswith(")") else first.title
        first.title = f"{title} ({', '.join(dict.fromkeys(codes))})"
    return merged
