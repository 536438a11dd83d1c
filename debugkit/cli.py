"""The ``debugkit`` command line. Each command lives in ``debugkit/commands/<topic>.py``."""

from __future__ import annotations

import sys

import click

from debugkit import __version__
from debugkit.commands import check, doctor, lint, project, replay, replicas, serve, vscode
from debugkit.errors import EXIT_FAILED, UserError

# every command module, each exposing COMMANDS (a new module is added here, by name)
COMMAND_MODULES = (project, replay, serve, lint, vscode, doctor, replicas, check)


class DebugkitGroup(click.Group):
    """Prints :class:`UserError` as one line (traceback only with ``--verbose``)."""

    def invoke(self, ctx: click.Context):  # type: ignore[override]
        try:
            return super().invoke(ctx)
        except UserError as err:
            if ctx.meta.get("debugkit.verbose"):
                raise
            click.echo(f"debugkit: error: {err.message}", err=True)
            ctx.exit(err.exit_code)
        except (
            click.exceptions.Exit,
            click.exceptions.Abort,
            click.ClickException,
            KeyboardInterrupt,
        ):
            raise
        except Exception as err:  # an unexpected failure of debugkit itself
            if ctx.meta.get("debugkit.verbose"):
                raise
            click.echo(
                f"debugkit: internal error: {type(err).__name__}: {err} (rerun with --verbose for the traceback)",
                err=True,
            )
            ctx.exit(EXIT_FAILED)


@click.group(cls=DebugkitGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="debugkit")
@click.option("--verbose", is_flag=True, help="Show tracebacks and debug logs.")
@click.pass_context
def main(ctx: click.Context, verbose: bool) -> None:
    """Debug an Azure ML scoring service (score.py) locally: run, reload, attach, diagnose."""
    ctx.meta["debugkit.verbose"] = verbose
    if verbose:
        import logging

        logging.basicConfig(level=logging.DEBUG, stream=sys.stderr)


for _module in COMMAND_MODULES:
    for _command in _module.COMMANDS:
        main.add_command(_command)
