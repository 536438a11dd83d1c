"""``debugkit lint``, ``debugkit rules`` and ``debugkit lsp``."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from pathlib import Path

import click

from debugkit.errors import EXIT_FAILED, EXIT_OK, EXIT_USAGE, UserError
from debugkit.lint import RuleSelection, all_rules, find_rule, lint_file
from debugkit.lint.docs import rule_markdown
from debugkit.lint.report import FileResult, problem_count, to_json, to_sarif, to_text
from debugkit.lint.selection import (
    find_pyproject,
    read_pyproject_selection,
    split_codes,
    unknown_selectors,
)

SKIPPED_DIRS = {"__pycache__", "node_modules", "site-packages", "build", "dist", "venv", "env"}


def _python_files(paths: tuple[str, ...]) -> Iterator[Path]:
    for raw in paths:
        path = Path(raw)
        if not path.exists():
            raise UserError(f"{raw} does not exist; pass a score.py file or a folder holding one")
        if path.is_file():
            yield path
            continue
        for folder, dirs, files in os.walk(path):
            dirs[:] = sorted(d for d in dirs if not d.startswith(".") and d not in SKIPPED_DIRS)
            for name in sorted(files):
                if name.endswith(".py"):
                    yield Path(folder) / name


def _selection(
    paths: tuple[str, ...], select: tuple[str, ...], ignore: tuple[str, ...]
) -> RuleSelection:
    pyproject = find_pyproject(Path(paths[0]).resolve() if paths else Path.cwd())
    base = read_pyproject_selection(pyproject) if pyproject else RuleSelection()
    chosen = RuleSelection(
        select=split_codes(select) or base.select,
        ignore=base.ignore + split_codes(ignore),
    )
    unknown = unknown_selectors([*chosen.select, *chosen.ignore], [r.info for r in all_rules()])
    if unknown:
        where = f" (from --select/--ignore or {pyproject})" if pyproject else ""
        raise UserError(
            f"unknown rule code '{unknown[0]}'{where}; 'debugkit rules' lists the codes"
        )
    return chosen


@click.command("lint")
@click.argument("paths", nargs=-1, type=click.Path())
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["text", "json", "sarif"]),
    default="text",
    show_default=True,
)
@click.option(
    "--select", multiple=True, help="Only these rule codes, prefixes or names (comma-separated)."
)
@click.option(
    "--ignore", multiple=True, help="Skip these rule codes, prefixes or names (comma-separated)."
)
def lint(
    paths: tuple[str, ...], output_format: str, select: tuple[str, ...], ignore: tuple[str, ...]
) -> None:
    """Check score.py files for risky patterns (the language server's rules).

    Exit 0 clean, 1 findings, 2 usage or parse error.
    """
    paths = paths or (".",)
    selection = _selection(paths, select, ignore)
    results = [FileResult(path, lint_file(path, selection)) for path in _python_files(paths)]
    if output_format == "json":
        click.echo(to_json(results))
    elif output_format == "sarif":
        click.echo(to_sarif(results, base=Path.cwd()))
    else:
        text = to_text(results)
        if text:
            click.echo(text)
    notes = sorted({note for item in results for note in item.result.notes})
    for note in notes:
        click.echo(f"debugkit: note: {note}", err=True)
    problems = problem_count(results)
    broken = sum(1 for item in results if item.result.syntax_error)
    if output_format == "text":
        click.echo(f"debugkit: {problems} problem(s) in {len(results)} file(s)", err=True)
    if broken:
        sys.exit(EXIT_USAGE)
    sys.exit(EXIT_FAILED if problems else EXIT_OK)


@click.command("rules")
@click.argument("code", required=False)
def rules(code: str | None) -> None:
    """List the lint rules, or explain one (by code or name)."""
    if code is None:
        for rule in all_rules():
            info = rule.info
            click.echo(f"{info.code}  {info.name:<28} {info.severity.value:<8} {info.summary}")
        return
    rule = find_rule(code)
    if rule is None:
        raise UserError(f"no rule '{code}'; 'debugkit rules' lists the codes")
    click.echo(rule_markdown(rule.info), nl=False)


@click.command("lsp")
def lsp() -> None:
    """Run the score.py language server over stdio (for editors)."""
    from lsp.server import serve_stdio

    serve_stdio()


COMMANDS = [lint, rules, lsp]
