"""Arguments and options several commands share, spelled once (same name, default, help)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import click
from click.decorators import FC

# PROJECT_DIR: the folder with score.py and its debugkit.yaml / Azure ML config
project_dir_argument = click.argument(
    "project_dir", default=".", required=False, type=click.Path(file_okay=False, path_type=Path)
)


def base_image_option(help: str) -> Callable[[FC], FC]:
    """``--base-image``, also read from ``DEBUGKIT_BASE_IMAGE`` (how CI and tests pin it)."""
    return click.option("--base-image", envvar="DEBUGKIT_BASE_IMAGE", help=help)
