"""What a set of changed files asks for: nothing, a hot reload, a restart or a rebuild."""

from __future__ import annotations

import enum
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, fields
from pathlib import Path

from debugkit.config import CONFIG_FILE, ProjectConfig, load_config
from debugkit.environment import read_environment
from debugkit.errors import ConfigError

# Files that, appearing next to the project, can become (or are) its configuration.
CONFIG_NAMES = frozenset({CONFIG_FILE, "inferenceconfig.json", "deploymentconfig.json"})


class Kind(enum.Enum):
    SOURCE = "source"  # a file of the source folder: re-import + init()
    MODEL = "model"  # a model file: init() again (models are mounted)
    ENVIRONMENT = "environment"  # the environment file: new image
    CONFIG = "config"  # debugkit.yaml (or the Azure ML deployment files): depends on what changed


class Action(enum.IntEnum):
    """Ordered: a batch does the largest action any of its changes needs."""

    NONE = 0
    RELOAD = 1
    RESTART = 2  # same image, new container (deployment limits, models moved, ...)
    REBUILD = 3  # new image, new container (environment or base image)


@dataclass
class Plan:
    action: Action
    changed: list[Path]  # every relevant changed file
    reasons: list[str] = field(default_factory=list)  # why a restart is needed, for the user
    python_files: list[Path] = field(default_factory=list)  # to compile before reloading
    config: ProjectConfig | None = None  # the configuration to restart with
    config_error: str | None = None  # the edited configuration does not load
    notes: list[str] = field(default_factory=list)  # changes that need nothing, and why


class Classifier:
    """Sorts changed paths by what they are in ``config``; :meth:`plan` decides the action."""

    def __init__(
        self, config: ProjectConfig, loader: Callable[[Path], ProjectConfig] = load_config
    ) -> None:
        self.config = config
        self._load = loader
        try:
            self._installs = _installs(config.environment)
        except ConfigError:
            self._installs = None

    def kind(self, path: Path) -> Kind | None:
        config = self.config
        if path == config.config_file or (
            path.parent == config.project_dir and path.name in CONFIG_NAMES
        ):
            return Kind.CONFIG
        if config.environment is not None and path == config.environment:
            return Kind.ENVIRONMENT
        for model in config.models:
            if path == model.path or model.path in path.parents:
                return Kind.MODEL
        if config.source_dir in path.parents:
            return Kind.SOURCE
        return None

    def plan(self, paths: Iterable[Path]) -> Plan:
        plan = Plan(Action.NONE, [])
        for path in sorted(paths):
            kind = self.kind(path)
            if kind is None:
                continue
            plan.changed.append(path)
            if kind is Kind.SOURCE or kind is Kind.MODEL:
                plan.action = max(plan.action, Action.RELOAD)
                if kind is Kind.SOURCE and path.suffix == ".py" and path.exists():
                    plan.python_files.append(path)
            elif kind is Kind.ENVIRONMENT:
                try:
                    installs = _installs(path)
                except ConfigError as exc:  # half-typed: rebuild once it parses
                    plan.config_error = exc.message
                    continue
                if installs == self._installs:  # e.g. only the conda env's name: changed
                    plan.notes.append(
                        f"debugkit: {path.name} changed but installs the same packages; "
                        "nothing to rebuild"
                    )
                    continue
                plan.action = Action.REBUILD
                plan.reasons.append(f"the environment file {path.name} changed")
            else:
                self._plan_config(plan, path)
        return plan

    def _plan_config(self, plan: Plan, path: Path) -> None:
        try:
            new = self._load(self.config.project_dir)
        except ConfigError as exc:
            plan.config_error = exc.message
            return
        action, reasons = config_difference(self.config, new)
        if action > Action.NONE:
            plan.config = new
            plan.reasons += reasons
            plan.action = max(plan.action, action)


def config_difference(old: ProjectConfig, new: ProjectConfig) -> tuple[Action, list[str]]:
    """What a configuration change needs, with a reason per changed setting."""
    rebuild: list[str] = []
    restart: list[str] = []
    if old.environment != new.environment:
        before, after = _name(old.environment), _name(new.environment)
        rebuild.append(f"environment changed from {before} to {after}")
    if old.base_image != new.base_image:
        rebuild.append(f"base_image changed from {old.base_image} to {new.base_image}")
    if old.image != new.image:
        rebuild.append(f"image changed from {old.image or '(built)'} to {new.image or '(built)'}")
    for f in fields(old.deployment):
        before, after = getattr(old.deployment, f.name), getattr(new.deployment, f.name)
        if before != after:
            restart.append(f"deployment.{f.name} changed from {before} to {after}")
    if old.source_dir != new.source_dir:
        restart.append(f"source_dir changed to {new.source_dir}")
    if old.entry_script != new.entry_script:
        restart.append(f"entry_script changed from {old.entry_script} to {new.entry_script}")
    if old.models != new.models:
        restart.append("the models list changed (models are mounted when the server starts)")
    if old.config_file != new.config_file:
        restart.append(f"the configuration now comes from {_name(new.config_file)}")
    if rebuild:
        return Action.REBUILD, rebuild + restart
    if restart:
        return Action.RESTART, restart
    return Action.NONE, []


def _installs(environment: Path | None) -> str | None:
    """What the environment file installs (pip requirements, python version), as the image
    tag and the venv cache see it; None if it cannot be read now."""
    if environment is None:
        return None
    try:
        return read_environment(environment).content_hash
    except ConfigError:
        if environment.exists():
            raise
        return None


def _name(path: Path | None) -> str:
    return path.name if path is not None else "(none)"
