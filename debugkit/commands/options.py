"""Arguments and options several commands share, spelled once (same name, default, help)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import click
from click.decorators import FC

from debugkit.server.profiles import PROFILE_NAMES

# PROJECT_DIR: the folder with score.py and its debugkit.yaml / Azure ML config
project_dir_argument = click.argument(
    "project_dir", default=".", required=False, type=click.Path(file_okay=False, path_type=Path)
)

BUILD_ON = "Build on this image instead of the configured base_image (env DEBUGKIT_BASE_IMAGE)."
TARGETS = (
    "aks (v1 AKS/ACI) or managed (v2 managed online endpoint). Default: managed for a v2 "
    "deployment YAML, else aks (or deployment.target)."
)


def base_image_option(help: str = BUILD_ON) -> Callable[[FC], FC]:
    """``--base-image``, also read from ``DEBUGKIT_BASE_IMAGE`` (how CI and tests pin it)."""
    return click.option("--base-image", envvar="DEBUGKIT_BASE_IMAGE", help=help)


def runtime_option(help: str) -> Callable[[FC], FC]:
    """``--runtime docker|process``; ``help`` says what the command does by default."""
    return click.option("--runtime", type=click.Choice(["docker", "process"]), help=help)


def target_option(verb: str) -> Callable[[FC], FC]:
    """``--target aks|managed``; ``verb`` says what the command does as that front end."""
    return click.option("--target", type=click.Choice(PROFILE_NAMES), help=f"{verb} {TARGETS}")
