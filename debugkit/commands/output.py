"""What the project commands print beyond their own lines: flushed lines (editors' tasks read
them as they come) and the diagnosis of a server's log."""

from __future__ import annotations

import sys

import click

from debugkit.config import ProjectConfig


def echo(line: str) -> None:
    click.echo(line)
    sys.stdout.flush()


def print_diagnosis(config: ProjectConfig, log_text: str, exit_reason: str | None) -> None:
    from debugkit.diagnose import diagnose

    findings = diagnose(log_text, exit_reason, config)
    if findings:
        click.echo("")
        click.echo("diagnosis:")
        for finding in findings:
            click.echo(f"  x {finding.title}: {finding.detail}")
            click.echo(f"    remedy: {finding.remedy}")
