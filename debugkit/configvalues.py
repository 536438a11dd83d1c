"""Reading one value of a project's configuration file: each reader names the file and
the key when the value is wrong (:class:`ConfigError`), and says what was expected."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import yaml

from debugkit.errors import ConfigError
from debugkit.yamlfile import YamlTooLarge, shown
from debugkit.yamlfile import safe_load as safe_load_yaml

# Ranges outside which a setting is a typo or breaks the runtime (1e-6 GB rounds to 0 MB,
# which the engine reads as "unlimited"; an infinite timeout cannot be armed, 1e300 s
# overflowed every socket timeout): (low, high). Memory and CPU above what this machine
# has are refused later, by the "cannot be scheduled" check, which says what it has.
SETTING_RANGES = {
    "request_timeout_s": (0.01, 86_400.0),
    "max_request_wait_s": (0.0, 86_400.0),
    "memory_gb": (0.01, 1e6),  # the engine's minimum is 6 MB
    "cpu_cores": (0.01, 1e6),  # the engine's minimum is 0.01 CPU
}
_MODEL_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")


def read_yaml(file: Path) -> Mapping[str, Any]:
    try:
        data = safe_load_yaml(file.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(file, None, f"cannot be read ({exc.strerror})") from None
    except YamlTooLarge as exc:
        raise ConfigError(file, None, str(exc)) from None
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f" at line {mark.line + 1}" if mark else ""
        raise ConfigError(file, None, f"is not valid YAML{line}; fix the syntax") from None
    if data is None:
        return {}
    if not isinstance(data, Mapping):
        raise ConfigError(file, None, "expected a mapping of settings at the top level")
    return data


def read_json(file: Path) -> Mapping[str, Any]:
    try:
        data = json.loads(file.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(file, None, f"cannot be read ({exc.strerror})") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(file, None, f"is not valid JSON ({exc}); fix the syntax") from None
    if not isinstance(data, Mapping):
        raise ConfigError(file, None, "expected a JSON object at the top level")
    return data


def reject_unknown(file: Path, key: str | None, data: Mapping[str, Any], known: set[str]) -> None:
    for name in data:
        if name not in known:
            where = f"{key}.{name}" if key else str(name)
            raise ConfigError(
                file, where, f"is not a known setting; expected one of {', '.join(sorted(known))}"
            )


def as_bool(file: Path, key: str, value: Any) -> bool:
    if not isinstance(value, bool):
        raise ConfigError(file, key, f"expected true or false, got {shown(value)}")
    return value


def as_str(file: Path, key: str, value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ConfigError(file, key, f"expected a non-empty string, got {shown(value)}")
    return value.strip()


def as_number(file: Path, key: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ConfigError(file, key, f"expected a number, got {shown(value)}")
    try:
        return float(value)
    except OverflowError:  # an int of 400 digits
        raise ConfigError(file, key, f"expected a number, got {shown(value)}") from None


def in_range(file: Path, key: str, setting: str, value: float, scale: float = 1.0) -> float:
    """``value`` (in the file's unit: ``scale`` of SETTING_RANGES' unit, e.g. 1000 for ms)
    if within the setting's range; NaN and infinities are not."""
    low, high = (bound * scale for bound in SETTING_RANGES[setting])
    if not low <= value <= high:  # False for NaN too
        raise ConfigError(file, key, f"expected {low:g} to {high:g}, got {shown(value)}")
    return value


def as_int(file: Path, key: str, value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ConfigError(file, key, f"expected a whole number >= 0, got {shown(value)}")
    return value


def as_version(file: Path, key: str, value: Any) -> int:
    if isinstance(value, str) and value.isdigit():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ConfigError(file, key, f"expected a model version number >= 1, got {shown(value)}")
    return value


def as_port(file: Path, key: str, value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 65535:
        raise ConfigError(file, key, f"expected a port number 1-65535, got {shown(value)}")
    return value


def as_model_name(file: Path, key: str, value: Any) -> str:
    """A model name becomes a folder (azureml-models/<name>): never a path."""
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)  # name: 123
    name = as_str(file, key, value)
    if not _MODEL_NAME.match(name):
        raise ConfigError(
            file, key, f"{shown(name)} is not a valid model name (letters, digits, . _ -)"
        )
    return name


def as_folder(file: Path, key: str, root: Path, value: Any) -> Path:
    return _local_path(file, key, root, value, Path.is_dir, "folder {} does not exist")


def as_existing(file: Path, key: str, root: Path, value: Any) -> Path:
    raw = as_str(file, key, str(value))
    if raw.startswith("azureml:"):
        raise ConfigError(
            file,
            key,
            f"'{raw}' is a registered asset; download it and point {key} at the local file or folder",
        )
    path = (root / raw).resolve()
    if not path.exists():
        raise ConfigError(file, key, f"{path} does not exist; point it at the model file or folder")
    return path


def as_env_file(file: Path, key: str, root: Path, value: Any) -> Path:
    return _local_path(file, key, root, value, Path.is_file, "environment file {} does not exist")


def _local_path(
    file: Path, key: str, root: Path, value: Any, exists: Callable[[Path], bool], missing: str
) -> Path:
    """``value`` relative to ``root``, which ``exists`` must accept (else ``missing``)."""
    path = (root / as_str(file, key, str(value))).resolve()
    if not exists(path):
        raise ConfigError(file, key, missing.format(path))
    return path
