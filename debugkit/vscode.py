"""VS Code files for a project: generate `.vscode/launch.json`, `tasks.json`, `settings.json`
and merge them into what the user already has.

The files are JSONC, edited through :mod:`debugkit.jsonc` so that everything debugkit
does not manage (other configurations, comments, formatting) stays byte for byte; the
entries debugkit manages are found by their "name"/"label" and updated key by key, so a
second run changes nothing. The configuration and task names below are the one source
for the extension's copy (vscode-config/extension/src/logic.js, tied by a test) and for
the hints ``debugkit up`` prints.
"""

from __future__ import annotations

import os
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from debugkit.applayout import APP_ROOT
from debugkit.config import ProjectConfig
from debugkit.consolelines import PROBLEM_LINE_REGEXP
from debugkit.errors import UserError
from debugkit.jsonc import JsoncDocument, Match

ATTACH_CONTAINER = "debugkit: attach to scoring container"
ATTACH_RUNNING = "debugkit: attach to running container (no up)"
ATTACH_PROCESS = "debugkit: attach to local process"
# The same attach through the extension's own debug type (VS Code's built-in DAP client
# straight to debugpy's port), for users without ms-python's Python Debugger extension.
ATTACH_CONTAINER_BUILTIN = "debugkit: attach to scoring container (no Python extension)"
DEBUG_TYPE_PYTHON = "debugpy"  # ms-python's Python Debugger extension
DEBUG_TYPE_BUILTIN = "debugkit"  # this project's extension (vscode-config/extension)
TASK_UP = "debugkit: up"
TASK_UP_PROCESS = "debugkit: up (local process)"
TASK_DOWN = "debugkit: down"
TASK_RELOAD = "debugkit: reload"
TASK_LINT = "debugkit: lint"

# `FILE:LINE[:COL]: error: MESSAGE`: init() failures, reload errors, syntax errors.
ERROR_LINE_REGEXP = PROBLEM_LINE_REGEXP
# `FILE:LINE:COL: CODE message` from `debugkit lint`.
LINT_LINE_REGEXP = r"^(.+?):(\d+):(\d+): ([A-Z]+[0-9]+) (.*)$"
# A cycle starts with `debugkit up`'s first line or a reload/restart, and ends once the
# server is ready (or init() failed, or a reload finished) so the debugger attaches only then.
# A successful reload begins a new cycle too, so problems it fixed leave the Problems panel.
BACKGROUND_BEGINS = r"^debugkit: (starting|reloading|restarting|rebuilding|reload \u2713)"
BACKGROUND_ENDS = (
    r"debugkit: (ready at |init\(\) failed|reload|restart |not reloaded|"
    r"waiting for a debugger|stopped)"
)

HEADER = "// Written by `debugkit vscode init`; edit freely: re-running it only updates the debugkit entries.\n"


# --- what debugkit writes ---------------------------------------------------------------------------


def workspace_path(path: Path, workspace: Path) -> str:
    """``${workspaceFolder}``-relative when inside the workspace (portable), else absolute."""
    try:
        rel = path.resolve().relative_to(workspace.resolve())
    except ValueError:
        return path.resolve().as_posix()
    return "${workspaceFolder}" if rel == Path(".") else "${workspaceFolder}/" + rel.as_posix()


def debugkit_command() -> str:
    """`debugkit` when it is on PATH, else the script next to this Python (a venv not activated)."""
    if shutil.which("debugkit"):
        return "debugkit"
    beside = Path(sys.executable).parent / ("debugkit.exe" if os.name == "nt" else "debugkit")
    return str(beside) if beside.exists() else "debugkit"


def connect_host(config: ProjectConfig) -> str:
    host = config.deployment.host
    return "127.0.0.1" if host in ("0.0.0.0", "", "::") else host


def attach_configuration(
    config: ProjectConfig,
    workspace: Path,
    *,
    container: bool = True,
    name: str = ATTACH_CONTAINER,
    pre_launch_task: str | None = TASK_UP,
    debug_type: str = DEBUG_TYPE_PYTHON,
) -> dict[str, Any]:
    """The debugpy attach configuration VS Code (or a DAP test) uses; both debug types send
    debugpy the same attach arguments."""
    configuration: dict[str, Any] = {
        "name": name,
        "type": debug_type,
        "request": "attach",
        "connect": {"host": connect_host(config), "port": config.deployment.debug_port},
    }
    if container:
        configuration["pathMappings"] = [
            {
                "localRoot": workspace_path(config.source_dir, workspace),
                "remoteRoot": APP_ROOT,
            }
        ]
    configuration["justMyCode"] = True
    if pre_launch_task:
        configuration["preLaunchTask"] = pre_launch_task
    return configuration


def launch_configurations(
    config: ProjectConfig, workspace: Path, engine: bool = True
) -> list[dict[str, Any]]:
    """``engine``: a Docker engine answers. Without one the local-process configuration
    comes first, as F5 runs the first one of a new launch.json and the container ones need
    Docker."""
    container = [
        attach_configuration(config, workspace),
        attach_configuration(config, workspace, name=ATTACH_RUNNING, pre_launch_task=None),
    ]
    process = [
        attach_configuration(
            config, workspace, container=False, name=ATTACH_PROCESS, pre_launch_task=TASK_UP_PROCESS
        )
    ]
    builtin = [
        attach_configuration(
            config, workspace, name=ATTACH_CONTAINER_BUILTIN, debug_type=DEBUG_TYPE_BUILTIN
        )
    ]
    return container + process + builtin if engine else process + container + builtin


def error_matcher(background: bool) -> dict[str, Any]:
    matcher: dict[str, Any] = {
        "owner": "debugkit",
        "source": "debugkit",
        "fileLocation": ["autoDetect", "${workspaceFolder}"],
        "pattern": {
            "regexp": ERROR_LINE_REGEXP,
            "file": 1,
            "line": 2,
            "column": 3,
            "severity": 4,
            "message": 5,
        },
    }
    if background:
        matcher["background"] = {
            "activeBegin": True,
            "beginsPattern": BACKGROUND_BEGINS,
            "endsPattern": BACKGROUND_ENDS,
        }
    return matcher


def lint_matcher() -> dict[str, Any]:
    return {
        "owner": "debugkit-lint",
        "source": "debugkit lint",
        "fileLocation": ["autoDetect", "${workspaceFolder}"],
        "severity": "warning",
        "pattern": {
            "regexp": LINT_LINE_REGEXP,
            "file": 1,
            "line": 2,
            "column": 3,
            "code": 4,
            "message": 5,
        },
    }


def tasks(
    config: ProjectConfig, workspace: Path, command: str, debug_port: int | None = None
) -> list[dict[str, Any]]:
    """``debug_port``: `vscode init --debug-port`, passed on to `up` so the server listens
    where launch.json attaches (a v2 project's config has no debug port of its own)."""
    project = workspace_path(config.project_dir, workspace)
    port_args = ["--debug-port", str(debug_port)] if debug_port is not None else []

    def task(label: str, args: list[str], matcher: Any, **extra: Any) -> dict[str, Any]:
        return {
            "label": label,
            "type": "process",
            "command": command,
            "args": args,
            "options": {"cwd": "${workspaceFolder}"},
            **extra,
            "problemMatcher": matcher,
        }

    up_extra = {"isBackground": True, "presentation": {"reveal": "always", "panel": "dedicated"}}
    return [
        task(
            TASK_UP,
            ["up", project, "--runtime", "docker", *port_args],
            error_matcher(True),
            **up_extra,
        ),
        task(
            TASK_UP_PROCESS,
            ["up", project, "--runtime", "process", *port_args],
            error_matcher(True),
            **up_extra,
        ),
        task(TASK_DOWN, ["down", project], []),
        task(TASK_RELOAD, ["reload", project], error_matcher(False)),
        task(TASK_LINT, ["lint", workspace_path(config.source_dir, workspace)], lint_matcher()),
    ]


def settings(config: ProjectConfig, workspace: Path, command: str) -> dict[str, Any]:
    """Extension settings; written only where the user has not set them."""
    return {
        "debugkit.command": command,
        "debugkit.projectDir": workspace_path(config.project_dir, workspace),
    }


# --- the files ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class FileResult:
    path: Path
    action: str  # "created", "updated", "unchanged"


def _write(path: Path, new: str, old: str | None) -> FileResult:
    if old == new:
        return FileResult(path, "unchanged")
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".debugkit-tmp")
    with open(tmp, "w", encoding="utf-8", newline="") as file:  # line endings as they are
        file.write(new)
    os.replace(tmp, path)
    return FileResult(path, "created" if old is None else "updated")


def _read(path: Path) -> str | None:
    try:
        with open(path, encoding="utf-8", newline="") as file:
            return file.read()
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError) as exc:
        raise UserError(f"{path} cannot be read ({exc}); fix its permissions or encoding") from None


def merge_launch(
    text: str | None, configurations: list[dict[str, Any]], name: str = "launch.json"
) -> str:
    doc = JsoncDocument(text if text is not None else HEADER, name)
    doc.ensure(["version"], "0.2.0", only_if_missing=True)
    for configuration in configurations:
        doc.ensure(["configurations", Match("name", configuration["name"])], configuration)
    return doc.text


def merge_tasks(text: str | None, entries: list[dict[str, Any]], name: str = "tasks.json") -> str:
    doc = JsoncDocument(text if text is not None else HEADER, name)
    doc.ensure(["version"], "2.0.0", only_if_missing=True)
    for entry in entries:
        doc.ensure(["tasks", Match("label", entry["label"])], entry)
    return doc.text


def merge_settings(text: str | None, values: dict[str, Any], name: str = "settings.json") -> str:
    doc = JsoncDocument(text if text is not None else "{}\n", name)
    for key, value in values.items():
        doc.ensure([key], value, only_if_missing=True)
    return doc.text


def init(
    config: ProjectConfig,
    workspace: Path | None = None,
    command: str | None = None,
    debug_port: int | None = None,
    engine: bool = True,
) -> list[FileResult]:
    """Write or merge the project's `.vscode/` files; running it again changes nothing.

    ``debug_port`` (`--debug-port`) wins over the project's: launch.json attaches there and
    the up tasks pass it on."""
    if debug_port is not None:
        config = config.with_deployment(debug_port=debug_port)
    workspace = (workspace or config.project_dir).resolve()
    command = command or debugkit_command()
    folder = workspace / ".vscode"
    if folder.exists() and not folder.is_dir():
        raise UserError(
            f"{folder} is a file, not a folder; move it away and run 'debugkit vscode init' again"
        )
    plans = [
        ("launch.json", merge_launch, launch_configurations(config, workspace, engine)),
        ("tasks.json", merge_tasks, tasks(config, workspace, command, debug_port)),
        ("settings.json", merge_settings, settings(config, workspace, command)),
    ]
    # Merge all three before writing any, so a broken file leaves every file untouched.
    merged = []
    for file_name, merge, content in plans:
        path = folder / file_name
        old = _read(path)
        merged.append((path, merge(old, content, str(path)), old))  # type: ignore[operator]
    return [_write(path, new, old) for path, new, old in merged]
