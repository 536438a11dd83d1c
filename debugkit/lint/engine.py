"""Parse once, index once, run the selected rules, drop what `# noqa` suppresses."""

from __future__ import annotations

from pathlib import Path

from debugkit.lint.context import ProjectModels, build_context
from debugkit.lint.model import LintResult, SyntaxProblem
from debugkit.lint.noqa import is_suppressed
from debugkit.lint.parsing import parse_module
from debugkit.lint.project import is_entry_script, project_models
from debugkit.lint.registry import all_rules
from debugkit.lint.selection import RuleSelection


def lint_source(
    source: str,
    path: Path | None = None,
    selection: RuleSelection | None = None,
    entry_script: bool | None = None,
    models: ProjectModels | None = None,
    read_project: bool = True,
    skip_quiet_chunks: bool = False,
) -> LintResult:
    """Lint one module's text.

    ``path`` locates the project (config, models); ``entry_script`` forces the
    scoring-script rules on or off (None: decide from the project's config and
    whether the module defines ``run``); ``models`` overrides the project's models.
    ``skip_quiet_chunks``: see :func:`debugkit.lint.parsing.parse_module`
    (``result.complete`` says whether the whole module was parsed).
    """
    selection = selection or RuleSelection()
    try:
        parsed = parse_module(source, str(path or "<string>"), skip_quiet_chunks)
    except SyntaxError as err:
        return LintResult(
            syntax_error=SyntaxProblem(
                f"syntax error: {err.msg}", err.lineno or 1, max((err.offset or 1) - 1, 0)
            )
        )
    except ValueError as err:  # e.g. null bytes
        return LintResult(syntax_error=SyntaxProblem(f"cannot parse: {err}", 1, 0))

    def load_models() -> ProjectModels:
        if models is not None:
            return models
        if path is None or not read_project:
            return ProjectModels(error="no file path, so no project config to read")
        return project_models(path)

    if entry_script is None:
        entry_script = bool(
            path and read_project and "def run" not in source and is_entry_script(path)
        )
    ctx = build_context(
        source,
        parsed.tree,
        path,
        entry_script=entry_script,
        models_loader=load_models,
        calls=parsed.calls,
        imports=parsed.imports,
    )
    result = LintResult(is_scoring_script=ctx.is_scoring_script, complete=parsed.complete)
    for rule in all_rules():
        if not selection.enabled(rule.info):
            continue
        if rule.info.scoring_only and not ctx.is_scoring_script:
            continue
        for finding in rule.check(ctx):
            if not is_suppressed(ctx.line_text(finding.line), finding.code):
                result.findings.append(finding)
    loaded = ctx._models
    if loaded is not None and loaded.error and models is None and path is not None and read_project:
        result.notes.append(f"model names not checked (DK108): {loaded.error}")
    result.findings.sort(key=lambda f: (f.line, f.col, f.code))
    return result


def lint_file(path: Path, selection: RuleSelection | None = None) -> LintResult:
    data = path.read_bytes()
    try:
        source = data.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        return LintResult(syntax_error=SyntaxProblem(f"not UTF-8 text ({err.reason})", 1, 0))
    return lint_source(source, path, selection)
