"""Find a linted file's project and read its models the way the runtime does."""

from __future__ import annotations

import time
from pathlib import Path

from debugkit import applayout
from debugkit.config import CONFIG_FILE, ProjectConfig, find_v2_deployment, load_config
from debugkit.errors import ConfigError
from debugkit.lint.context import ProjectModels

CONFIG_CACHE_S = 2.0

_configs: dict[Path, tuple[float, ProjectConfig | ConfigError]] = {}


def _is_project_dir(folder: Path) -> bool:
    if (folder / CONFIG_FILE).is_file() or (folder / "inferenceconfig.json").is_file():
        return True
    return find_v2_deployment(folder) is not None  # as load_config finds it


def find_project_dir(file: Path) -> Path:
    """Nearest folder up from ``file`` that holds a debugkit/Azure ML config, else the file's folder."""
    folder = file.resolve().parent
    for candidate in (folder, *folder.parents):
        if _is_project_dir(candidate):
            return candidate
    return folder


def load_project(file: Path) -> ProjectConfig:
    """Raises ConfigError like the runtime would.

    Remembered for a moment per folder: the editor lints on every pause in typing,
    and re-reading YAML each time would cost more than the lint.
    """
    folder = file.resolve().parent
    now = time.monotonic()
    cached = _configs.get(folder)
    if cached is None or now - cached[0] > CONFIG_CACHE_S:
        try:
            cached = (now, load_config(find_project_dir(file)))
        except ConfigError as err:
            cached = (now, err)
        _configs[folder] = cached
    if isinstance(cached[1], ConfigError):
        raise cached[1]
    return cached[1]


def is_entry_script(file: Path) -> bool:
    try:
        return load_project(file).entry_path.resolve() == file.resolve()
    except (ConfigError, OSError):
        return False


def project_models(file: Path) -> ProjectModels:
    try:
        config = load_project(file)
    except ConfigError as err:
        return ProjectModels(error=err.message)
    except OSError as err:
        return ProjectModels(error=f"{file}: cannot read the project config ({err})")
    names: dict[str, tuple[int, ...]] = {}
    for model in config.models:
        names[model.name] = (*names.get(model.name, ()), model.version)
    return ProjectModels(names=names)


def container_model_path(config: ProjectConfig, name: str, version: int | None) -> str | None:
    """Where get_model_path(name, version) resolves inside the container, or None if unknown."""
    matches = [
        m for m in config.models if m.name == name and (version is None or m.version == version)
    ]
    if not matches:
        return None
    model = max(matches, key=lambda m: m.version)
    return applayout.container_model_path(model)
