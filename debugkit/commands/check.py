"""``debugkit check [DIR]``: the deployment's failures, found before deploying (debugkit/check/)."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from debugkit.check import report as formats
from debugkit.check.runner import CheckOptions, run
from debugkit.check.start import STARTUP_PROBE_S
from debugkit.commands.options import (
    base_image_option,
    project_dir_argument,
    runtime_option,
    target_option,
)
from debugkit.errors import UserError


@click.command("check")
@project_dir_argument
@runtime_option(
    "Default: docker if an engine answers, else process (which cannot make every check)."
)
@base_image_option()
@target_option("Check against this front end:")
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="The report on stdout.",
)
@click.option(
    "--junit",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Also write a JUnit XML report here.",
)
@click.option(
    "--markdown",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Also write a Markdown summary here.",
)
@click.option(
    "--startup-timeout",
    type=click.FloatRange(min=1),
    default=STARTUP_PROBE_S,
    show_default=True,
    help="Seconds init() may take: the deployment's start-up probe time.",
)
def check(
    project_dir: Path,
    runtime: str | None,
    base_image: str | None,
    target: str | None,
    output_format: str,
    junit: Path | None,
    markdown: Path | None,
    startup_timeout: float,
) -> None:
    """Find the deployment's failures before deploying: lint, image build, init() under the
    limits, models, sample requests, latency, error leaks, config vs cloud.

    Sample requests are PROJECT_DIR/samples/NAME.json (a /score body that must answer 2xx;
    NAME.STATUS.json must answer exactly STATUS), else the inference-schema example.

    Exit 0 when every check passed (warnings allowed), 1 when one failed, 2 for a usage or
    configuration error, 3 when the checks could not run (no engine, a port).
    """
    for path in (junit, markdown):
        if path is not None and not path.resolve().parent.is_dir():
            raise UserError(f"cannot write {path}: its folder does not exist")
    options = CheckOptions(
        runtime=runtime, base_image=base_image, target=target, startup_timeout_s=startup_timeout
    )
    echo = _echo if output_format == "text" else None
    report = run(project_dir, options, echo)
    if output_format == "text":
        _echo(report.summary())
    else:
        click.echo(formats.to_json(report))
    for path, text in ((junit, formats.to_junit), (markdown, formats.to_markdown)):
        if path is not None:
            try:
                path.write_text(text(report), encoding="utf-8")
            except OSError as exc:
                raise UserError(
                    f"cannot write {path} ({exc.strerror}); pick a writable path"
                ) from None
    sys.exit(report.exit_code)


def _echo(line: str) -> None:
    click.echo(line)
    sys.stdout.flush()


COMMANDS = [check]
