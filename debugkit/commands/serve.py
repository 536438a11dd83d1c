"""``debugkit serve``: the scoring server itself (the same code runs inside the container)."""

from __future__ import annotations

import click


@click.command(
    "serve",
    context_settings={
        "ignore_unknown_options": True,
        "allow_extra_args": True,
        "help_option_names": [],
    },
    add_help_option=False,
)
@click.argument("args", nargs=-1, type=click.UNPROCESSED)
def serve(args: tuple[str, ...]) -> None:
    """Run the scoring server for an entry script (see 'debugkit serve --help')."""
    from debugkit.server.__main__ import main as server_main

    raise SystemExit(server_main(list(args)))


COMMANDS = [serve]
