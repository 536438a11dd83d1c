"""Project configuration: what to run, with which models, under which limits.

Sources, first match wins (docs/interface.md):

1. ``debugkit.yaml`` in the project folder;
2. an Azure ML v2 online deployment YAML (a YAML file with ``code_configuration``);
3. v1 ``inferenceconfig.json`` (+ ``deploymentconfig.json``);
4. defaults: ``score.py`` in the folder, models under ``model/`` or ``models/``.

Every error names the file, the key and what was expected (:class:`ConfigError`).
"""

from __future__ import annotations

import hashlib
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import yaml

from debugkit.configvalues import (
    SETTING_RANGES,
    as_bool,
    as_env_file,
    as_existing,
    as_folder,
    as_int,
    as_model_name,
    as_number,
    as_port,
    as_str,
    as_version,
    in_range,
    read_json,
    read_yaml,
    reject_unknown,
)
from debugkit.errors import ConfigError
from debugkit.instance_types import INSTANCE_TYPES
from debugkit.instance_types import lookup as lookup_instance_type
from debugkit.server import settingnames
from debugkit.server.profiles import AKS, MANAGED, PROFILE_NAMES, PROFILES
from debugkit.yamlfile import YamlTooLarge, shown
from debugkit.yamlfile import safe_load as safe_load_yaml

CONFIG_FILE = "debugkit.yaml"
# 3.12+: debugpy traces with sys.monitoring there, so an attached debugger costs ~2 %
# instead of 2-3x on 3.11 (bench/debug_overhead.py)
DEFAULT_BASE_IMAGE = "python:3.12-slim"
DEFAULT_ENTRY_SCRIPT = "score.py"
ENVIRONMENT_CANDIDATES = (
    "myenv.yml",
    "environment.yml",
    "conda.yml",
    "conda.yaml",
    "requirements.txt",
)
MODEL_DIR_CANDIDATES = ("model", "models")
# a v2 deployment YAML is a few hundred bytes; larger *.yml files (conda files) are not one
_V2_MAX_BYTES = 256 * 1024


@dataclass(frozen=True)
class ModelSpec:
    """One registered model, laid out at ``azureml-models/<name>/<version>/<basename(path)>``."""

    name: str
    version: int
    path: Path  # absolute host path of the model file or folder


@dataclass(frozen=True)
class DeploymentSettings:
    """Mirrors the Azure ML deployment configuration."""

    port: int = 8890
    debug_port: int = 5678
    host: str = "127.0.0.1"  # host address the scoring and debug ports are published on
    cpu_cores: float = 1.0
    memory_gb: float = 1.0
    gpu: bool = False
    request_timeout_s: float = 60.0
    max_concurrent_requests: int = 1  # 0 = unlimited
    # whose front end the server answers like (debugkit/server/profiles.py): aks | managed
    target: str = AKS
    # aks: how long a request over max_concurrent_requests waits for a slot, then 503
    max_request_wait_s: float = 0.5
    # the Azure VM size cpu_cores/memory_gb/gpu came from (instance_types.py), if any: the
    # runtimes fit such limits to this machine instead of refusing them
    instance_type: str | None = None


@dataclass(frozen=True)
class ProjectConfig:
    project_dir: Path
    source_dir: Path
    entry_script: str  # relative to source_dir, POSIX separators
    environment: Path | None = None
    base_image: str = DEFAULT_BASE_IMAGE
    image: str | None = None  # run this existing image instead of building one
    models: tuple[ModelSpec, ...] = ()
    deployment: DeploymentSettings = field(default_factory=DeploymentSettings)
    config_file: Path | None = None  # the file these settings came from, None for defaults
    # a reload keeps init()'s state (the loaded model) when nothing init() reads changed
    keep_init: bool = True
    # after each successful reload, send the last failed request again (up --replay-on-save)
    replay_on_save: bool = False
    warnings: tuple[str, ...] = ()  # settings read but only approximated (e.g. instance_type)

    @property
    def entry_path(self) -> Path:
        return self.source_dir / self.entry_script

    @property
    def settings_format(self) -> str:
        """Whose key names the settings are written with (debugkit/server/settingnames.py):
        debugkit.yaml's (also for a project without a file), v2's or v1's."""
        if self.config_file is None or self.config_file.name == CONFIG_FILE:
            return settingnames.DEBUGKIT
        return settingnames.V1 if self.config_file.suffix == ".json" else settingnames.V2

    def setting(self, key: str) -> str:
        """``KEY in FILE`` for a field of :class:`settingnames.SettingNames` (``max_concurrent``,
        ``request_timeout``, ``models``, ...), naming this project's own file."""
        fmt = self.settings_format
        if fmt == settingnames.V1 and key == "models":
            return (
                "the model/ (or models/) folder next to inferenceconfig.json (v1's JSON files "
                "list no models), or a models: list in a debugkit.yaml"
            )
        names = settingnames.names_for(fmt)
        name = getattr(names, key)
        if name is None:  # v2 has no queue wait: only debugkit.yaml can set one
            return settingnames.names_for(settingnames.DEBUGKIT).where(
                getattr(settingnames.names_for(settingnames.DEBUGKIT), key)
            )
        file = None if fmt == settingnames.V1 else self.config_file  # v1: deploymentconfig.json
        return names.where(name, file.name if file is not None else None)

    @property
    def project_key(self) -> str:
        """Stable id of this project on this machine: folder name + hash of its path."""
        digest = hashlib.sha256(str(self.project_dir).encode()).hexdigest()[:8]
        slug = re.sub(r"[^a-z0-9-]+", "-", self.project_dir.name.lower()).strip("-") or "project"
        return f"{slug[:40]}-{digest}"

    def with_deployment(self, **changes: Any) -> ProjectConfig:
        return replace(self, deployment=replace(self.deployment, **changes))


def apply_overrides(config: ProjectConfig, overrides: Mapping[str, Any]) -> ProjectConfig:
    """The configuration with ``debugkit up``'s command-line choices on top (they win)."""
    deployment = {
        k: v
        for k, v in overrides.items()
        if k in ("port", "debug_port", "target") and v is not None
    }
    top = {
        k: v
        for k, v in overrides.items()
        if k in ("base_image", "image", "keep_init", "replay_on_save") and v is not None
    }
    if deployment:
        config = config.with_deployment(**deployment)
    return replace(config, **top) if top else config


def load_config(project_dir: str | Path = ".") -> ProjectConfig:
    """Read the project's configuration from the first source that exists."""
    root = Path(project_dir).expanduser().resolve()
    if not root.is_dir():
        raise ConfigError(root, None, "is not a folder; pass the folder that holds score.py")
    if (root / CONFIG_FILE).is_file():
        return _from_debugkit_yaml(root, root / CONFIG_FILE)
    v2 = find_v2_deployment(root)
    if v2 is not None:
        return _from_v2_deployment(root, v2)
    if (root / "inferenceconfig.json").is_file():
        return _from_v1(root)
    return _defaults(root)


# --- debugkit.yaml -----------------------------------------------------------------------------


def _from_debugkit_yaml(root: Path, file: Path) -> ProjectConfig:
    data = read_yaml(file)
    warnings: list[str] = []
    reject_unknown(
        file,
        None,
        data,
        {
            "entry_script",
            "source_dir",
            "environment",
            "base_image",
            "image",
            "models",
            "deployment",
            "keep_init",
        },
    )
    source_dir = as_folder(file, "source_dir", root, data.get("source_dir", "."))
    entry = as_str(file, "entry_script", data.get("entry_script", DEFAULT_ENTRY_SCRIPT))
    environment = data.get("environment")
    models_raw = data.get("models")
    models = (
        _models_from_list(file, root, models_raw)
        if models_raw is not None
        else _default_models(root)
    )
    deployment_raw = data.get("deployment") or {}
    if not isinstance(deployment_raw, Mapping):
        raise ConfigError(file, "deployment", "expected a mapping of deployment settings")
    reject_unknown(file, "deployment", deployment_raw, set(DeploymentSettings.__dataclass_fields__))
    return _finish(
        root,
        file,
        source_dir=source_dir,
        entry_script=entry,
        environment=as_env_file(file, "environment", root, environment)
        if environment
        else _default_environment(source_dir, root),
        base_image=as_str(file, "base_image", data.get("base_image", DEFAULT_BASE_IMAGE)),
        image=as_str(file, "image", data["image"]) if data.get("image") else None,
        models=models,
        deployment=_deployment(file, deployment_raw, warnings),
        warnings=tuple(warnings),
        keep_init=as_bool(file, "keep_init", data.get("keep_init", True)),
    )


# --- Azure ML v2 online deployment YAML ----------------------------------------------------------


def find_v2_deployment(root: Path) -> Path | None:
    """The Azure ML v2 online deployment YAML in ``root`` (a mapping with ``code_configuration``).

    Files that are large or do not mention ``code_configuration`` are not parsed at all."""
    for file in sorted([*root.glob("*.yml"), *root.glob("*.yaml")]):
        try:
            if file.stat().st_size > _V2_MAX_BYTES:
                continue
            text = file.read_text(encoding="utf-8")
            if "code_configuration" not in text:
                continue
            data = safe_load_yaml(text)
        except (OSError, yaml.YAMLError, UnicodeDecodeError, YamlTooLarge):
            continue
        if isinstance(data, Mapping) and "code_configuration" in data:
            return file
    return None


def _from_v2_deployment(root: Path, file: Path) -> ProjectConfig:
    data = read_yaml(file)
    code = data.get("code_configuration") or {}
    if not isinstance(code, Mapping):
        raise ConfigError(
            file, "code_configuration", "expected a mapping with 'code' and 'scoring_script'"
        )
    source_dir = as_folder(file, "code_configuration.code", root, code.get("code", "."))
    entry = as_str(
        file, "code_configuration.scoring_script", code.get("scoring_script", DEFAULT_ENTRY_SCRIPT)
    )
    env = data.get("environment")
    environment: Path | None = None
    base_image = DEFAULT_BASE_IMAGE
    if isinstance(env, Mapping):
        if env.get("conda_file"):
            environment = as_env_file(file, "environment.conda_file", root, env["conda_file"])
        if env.get("image"):
            base_image = as_str(file, "environment.image", env["image"])
    if environment is None:
        environment = _default_environment(source_dir, root)
    model = data.get("model")
    models: tuple[ModelSpec, ...]
    if isinstance(model, Mapping) and model.get("path"):
        path = as_existing(file, "model.path", root, model["path"])
        name = as_model_name(file, "model.name", model.get("name") or path.stem)
        models = (
            ModelSpec(name, as_version(file, "model.version", model.get("version", 1)), path),
        )
    else:
        models = _default_models(root)
    # a managed online endpoint: its front end's status codes and 5 s default timeout
    settings: dict[str, Any] = {
        "target": MANAGED,
        "request_timeout_s": PROFILES[MANAGED].default_request_timeout_s,
    }
    warnings: list[str] = []
    if data.get("instance_type") is not None:
        settings.update(_instance_limits(file, data["instance_type"], warnings))
    request = data.get("request_settings") or {}
    if isinstance(request, Mapping):
        if "request_timeout_ms" in request:
            key = "request_settings.request_timeout_ms"
            ms = in_range(
                file,
                key,
                "request_timeout_s",
                as_number(file, key, request["request_timeout_ms"]),
                1000,
            )
            settings["request_timeout_s"] = ms / 1000
        if "max_concurrent_requests_per_instance" in request:
            settings["max_concurrent_requests"] = as_int(
                file,
                "request_settings.max_concurrent_requests_per_instance",
                request["max_concurrent_requests_per_instance"],
            )
    return _finish(
        root,
        file,
        source_dir=source_dir,
        entry_script=entry,
        environment=environment,
        base_image=base_image,
        models=models,
        deployment=DeploymentSettings(**settings),
        warnings=tuple(warnings),
    )


def _instance_limits(
    file: Path, value: Any, warnings: list[str], key: str = "instance_type"
) -> dict[str, Any]:
    """CPU, memory and GPU of the VM size named by ``instance_type`` (debugkit/instance_types.py)."""
    name = as_str(file, key, value)
    size = lookup_instance_type(name)
    if size is None:
        defaults = DeploymentSettings()
        warnings.append(
            f"{file.name}: {key} {name} is not in debugkit's table of Azure VM sizes; "
            f"using {defaults.cpu_cores:g} CPU / {defaults.memory_gb:g} GB. Set "
            "deployment.cpu_cores and deployment.memory_gb in debugkit.yaml to match it"
        )
        return {}
    canonical = next(known for known in INSTANCE_TYPES if known.lower() == name.lower())
    return {
        "cpu_cores": size.cpu_cores,
        "memory_gb": size.memory_gb,
        "gpu": size.gpu,
        "instance_type": canonical,
    }


# --- Azure ML v1 inferenceconfig.json + deploymentconfig.json ------------------------------------


def _from_v1(root: Path) -> ProjectConfig:
    file = root / "inferenceconfig.json"
    data = read_json(file)
    source_dir = as_folder(file, "sourceDirectory", root, data.get("sourceDirectory") or ".")
    entry = as_str(file, "entryScript", data.get("entryScript", DEFAULT_ENTRY_SCRIPT))
    environment: Path | None = None
    env = data.get("environment")
    if isinstance(env, Mapping):
        conda = (
            (env.get("python") or {}).get("condaDependenciesFile")
            if isinstance(env.get("python"), Mapping)
            else None
        )
        if conda:
            environment = as_env_file(
                file, "environment.python.condaDependenciesFile", source_dir, conda
            )
    elif data.get("condaFile"):
        environment = as_env_file(file, "condaFile", root, data["condaFile"])
    settings: dict[str, Any] = {}
    deploy_file = root / "deploymentconfig.json"
    if deploy_file.is_file():
        deploy = read_json(deploy_file)
        resources = deploy.get("containerResourceRequirements") or {}
        if isinstance(resources, Mapping):
            if "cpu" in resources:
                key = "containerResourceRequirements.cpu"
                number = as_number(deploy_file, key, resources["cpu"])
                settings["cpu_cores"] = in_range(deploy_file, key, "cpu_cores", number)
            if "memoryInGB" in resources:
                key = "containerResourceRequirements.memoryInGB"
                number = as_number(deploy_file, key, resources["memoryInGB"])
                settings["memory_gb"] = in_range(deploy_file, key, "memory_gb", number)
            if "gpu" in resources:
                settings["gpu"] = bool(resources["gpu"])
        if "port" in deploy:
            settings["port"] = as_port(deploy_file, "port", deploy["port"])
        # AksWebservice.deploy_configuration's scoring_timeout_ms,
        # replica_max_concurrent_requests and max_request_wait_time, as azureml-core writes them
        if deploy.get("scoringTimeoutMs") is not None:
            ms = as_number(deploy_file, "scoringTimeoutMs", deploy["scoringTimeoutMs"])
            in_range(deploy_file, "scoringTimeoutMs", "request_timeout_s", ms, 1000)
            settings["request_timeout_s"] = ms / 1000
        if deploy.get("maxConcurrentRequestsPerContainer") is not None:
            settings["max_concurrent_requests"] = as_int(
                deploy_file,
                "maxConcurrentRequestsPerContainer",
                deploy["maxConcurrentRequestsPerContainer"],
            )
        if deploy.get("maxQueueWaitMs") is not None:
            ms = as_number(deploy_file, "maxQueueWaitMs", deploy["maxQueueWaitMs"])
            in_range(deploy_file, "maxQueueWaitMs", "max_request_wait_s", ms, 1000)
            settings["max_request_wait_s"] = ms / 1000
    return _finish(
        root,
        file,
        source_dir=source_dir,
        entry_script=entry,
        environment=environment or _default_environment(source_dir, root),
        models=_default_models(root),
        deployment=DeploymentSettings(**settings),
    )


# --- defaults ----------------------------------------------------------------------------------


def _defaults(root: Path) -> ProjectConfig:
    return _finish(
        root,
        None,
        source_dir=root,
        entry_script=DEFAULT_ENTRY_SCRIPT,
        environment=_default_environment(root, root),
        models=_default_models(root),
        deployment=DeploymentSettings(),
    )


def _default_environment(*folders: Path) -> Path | None:
    for folder in folders:
        for name in ENVIRONMENT_CANDIDATES:
            if (folder / name).is_file():
                return folder / name
    return None


def _default_models(root: Path) -> tuple[ModelSpec, ...]:
    """``model/`` or ``models/``: each entry is one model named after it (version 1).

    A folder holding a single file is registered as that folder, as Azure ML
    registers a folder model.
    """
    for name in MODEL_DIR_CANDIDATES:
        folder = root / name
        if folder.is_dir():
            entries = sorted(p for p in folder.iterdir() if not p.name.startswith("."))
            return tuple(
                ModelSpec(p.stem if p.is_file() else p.name, 1, p.resolve()) for p in entries
            )
    return ()


def _models_from_list(file: Path, root: Path, raw: Any) -> tuple[ModelSpec, ...]:
    if not isinstance(raw, list):
        raise ConfigError(file, "models", "expected a list of {name, version, path}")
    models = []
    for i, item in enumerate(raw):
        key = f"models[{i}]"
        if not isinstance(item, Mapping):
            raise ConfigError(file, key, "expected a mapping with name, version and path")
        reject_unknown(file, key, item, {"name", "version", "path"})
        if "path" not in item:
            raise ConfigError(file, f"{key}.path", "is required: the model file or folder")
        path = as_existing(file, f"{key}.path", root, item["path"])
        name = as_model_name(file, f"{key}.name", item.get("name", path.stem))
        models.append(
            ModelSpec(name, as_version(file, f"{key}.version", item.get("version", 1)), path)
        )
    names = [m.name for m in models]
    for name in names:
        if names.count(name) > 1 and len(
            {m.version for m in models if m.name == name}
        ) < names.count(name):
            raise ConfigError(
                file, "models", f"model '{name}' is listed twice with the same version"
            )
    return tuple(models)


def _deployment(file: Path, raw: Mapping[str, Any], warnings: list[str]) -> DeploymentSettings:
    values: dict[str, Any] = {}
    instance: dict[str, Any] = {}
    for key, value in raw.items():
        dotted = f"deployment.{key}"
        if key == "instance_type":  # cpu_cores / memory_gb / gpu given beside it win
            instance = _instance_limits(file, value, warnings, dotted)
        elif key in ("port", "debug_port"):
            values[key] = as_port(file, dotted, value)
        elif key == "host":
            values[key] = as_str(file, dotted, value)
        elif key == "gpu":
            if not isinstance(value, bool):
                raise ConfigError(file, dotted, f"expected true or false, got {shown(value)}")
            values[key] = value
        elif key == "max_concurrent_requests":
            values[key] = as_int(file, dotted, value)
        elif key == "target":
            if value not in PROFILE_NAMES:
                raise ConfigError(
                    file,
                    dotted,
                    f"expected one of {', '.join(PROFILE_NAMES)} (whose front end to answer like), "
                    f"got {shown(value)}",
                )
            values[key] = value
        else:
            number = as_number(file, dotted, value)
            if key in SETTING_RANGES:
                values[key] = in_range(file, dotted, key, number)
            elif not 0 < number < math.inf:
                raise ConfigError(file, dotted, f"expected a positive number, got {shown(value)}")
            else:
                values[key] = number
    if "request_timeout_s" not in values and "target" in values:
        values["request_timeout_s"] = PROFILES[values["target"]].default_request_timeout_s
    return DeploymentSettings(**{**instance, **values})


def _finish(root: Path, file: Path | None, **fields: Any) -> ProjectConfig:
    config = ProjectConfig(project_dir=root, config_file=file, **fields)
    where = file or root
    entry = config.entry_path
    if not entry.is_file():
        key = None if file is None else "entry_script"
        raise ConfigError(
            where,
            key,
            f"entry script {entry} not found; create it or set entry_script to your scoring script",
        )
    try:
        entry.resolve().relative_to(config.source_dir.resolve())
    except ValueError:
        raise ConfigError(where, "entry_script", "must be inside source_dir") from None
    return config
