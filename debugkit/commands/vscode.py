"""`debugkit vscode`: VS Code launch/tasks/settings for a project (F5 attaches to score.py)."""

from __future__ import annotations

import json
from pathlib import Path

import click

from debugkit import launcher
from debugkit import vscode as vscode_files
from debugkit.commands.options import project_dir_argument
from debugkit.config import load_config
from debugkit.errors import CheckFailed


@click.group("vscode")
def vscode() -> None:
    """VS Code integration: F5 attaches the debugger to score.py in the container."""


@vscode.command("init")
@project_dir_argument
@click.option(
    "--workspace",
    type=click.Path(file_okay=False, path_type=Path),
    help="The folder opened in VS Code, where .vscode/ goes (default: PROJECT_DIR).",
)
@click.option(
    "--command",
    "command",
    help="How tasks run debugkit (default: 'debugkit' if on PATH, else this install's script).",
)
@click.option(
    "--debug-port",
    type=click.IntRange(1, 65535),
    help="debugpy port to attach to; the up tasks pass it to 'debugkit up' "
    "(default: the project's, else 5678).",
)
def init(
    project_dir: Path, workspace: Path | None, command: str | None, debug_port: int | None
) -> None:
    """Write or merge .vscode/launch.json, tasks.json and settings.json, keeping what you had."""
    config = load_config(project_dir)
    engine = launcher.docker_engine_answers()
    results = vscode_files.init(config, workspace, command, debug_port, engine=engine)
    for result in results:
        click.echo(f"debugkit: {result.action} {result.path}")
    port = debug_port or config.deployment.debug_port
    if engine:
        click.echo(
            f"debugkit: press F5 on '{vscode_files.ATTACH_CONTAINER}' to start the container "
            f"and attach to debugpy on 127.0.0.1:{port}"
        )
    else:
        click.echo(
            f"debugkit: no Docker engine answers: press F5 on '{vscode_files.ATTACH_PROCESS}' "
            f"to run the server as a local process and attach on 127.0.0.1:{port} (the "
            "container configurations work once Docker runs)"
        )


@vscode.command("attach-config")
@project_dir_argument
@click.option(
    "--workspace",
    type=click.Path(file_okay=False, path_type=Path),
    help="The folder opened in VS Code (default: PROJECT_DIR).",
)
def attach_config(project_dir: Path, workspace: Path | None) -> None:
    """Print the debugpy attach configuration for PROJECT_DIR's running server as JSON."""
    from debugkit import launcher

    config = load_config(project_dir)
    found = launcher.running_session(config)
    if found is None:
        raise CheckFailed(
            f"nothing is running for {config.project_dir}; start it with 'debugkit up'"
        )
    session = found[1]
    if session.debug_port is None:
        raise CheckFailed(
            "the server runs without debugpy (--no-debug or --production); "
            "restart it with 'debugkit up' to attach"
        )
    config = config.with_deployment(debug_port=session.debug_port, host=session.host)
    configuration = vscode_files.attach_configuration(
        config,
        (workspace or config.project_dir).resolve(),
        container=session.runtime == "docker",
        pre_launch_task=None,
    )
    # Substituted here, since a configuration passed to startDebugging is not a launch.json.
    text = json.dumps(configuration).replace(
        "${workspaceFolder}", (workspace or config.project_dir).resolve().as_posix()
    )
    click.echo(json.dumps(json.loads(text), indent=2))


COMMANDS = [vscode]
