"""The ``debugkit`` command line. Each command lives in ``debugkit/commands/<topic>.py``."""

from __future__ import annotations

import sys
from typing import Any

import click

from debugkit import __version__
from debugkit.commands import check, doctor, lint, project, replay, replicas, serve, up, vscode
from debugkit.errors import EXIT_FAILED, UserError

# every command module, each exposing COMMANDS (a new module is added here, by name)
COMMAND_MODULES = (up, project, replay, serve, lint, vscode, doctor, replicas, check)


VERBOSE = "--verbose"
# 128 + SIGPIPE: what any Unix tool whose reader went away (`debugkit logs | head`) exits with
EXIT_BROKEN_PIPE = 141


class DebugkitGroup(click.Group):
    """Prints :class:`UserError` as one line (traceback only with ``--verbose``)."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        # `debugkit up --verbose` as well as `debugkit --verbose up`: people add it last
        end = args.index("--") if "--" in args else len(args)
        if VERBOSE in args[1:end]:
            args = [VERBOSE] + [a for a in args[:end] if a != VERBOSE] + args[end:]
        return super().parse_args(ctx, args)

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except BrokenPipeError:
            _quiet_stdout()
            ctx.exit(EXIT_BROKEN_PIPE)
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


def _quiet_stdout() -> None:
    """The reader of stdout is gone: point it at /dev/null, so that the interpreter's last
    flush does not print a second BrokenPipeError."""
    import os

    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass
    finally:
        os.close(devnull)


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
