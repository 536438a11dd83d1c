"""The project's environment file -> pip requirements, python version and warnings.

Two formats, as Azure ML accepts them:

* a conda environment YAML: the ``pip:`` list is installed with pip, ``python=X.Y``
  gives the python version, other conda packages cannot be installed with pip
  and are named in a warning (``pip`` itself and ``python`` are not);
* a ``requirements.txt``: every non-comment line is a pip requirement.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from debugkit.errors import ConfigError
from debugkit.yamlfile import YamlTooLarge, shown
from debugkit.yamlfile import safe_load as safe_load_yaml

# conda packages that need no pip counterpart: the interpreter and the installer themselves
_CONDA_BUILTINS = {"python", "pip", "setuptools", "wheel"}
# system libraries and toolchains conda ships that PyPI has no package for
_CONDA_ONLY = {
    "blas",
    "ca-certificates",
    "cudatoolkit",
    "cudnn",
    "cuda",
    "cuda-toolkit",
    "mkl",
    "mkl-service",
    "nccl",
    "ncurses",
    "nodejs",
    "openblas",
    "openssl",
    "readline",
    "sqlite",
    "tk",
    "xz",
    "zlib",
    "gcc",
    "gxx",
    "make",
    "cmake",
}
# conda names whose PyPI package is called differently
_CONDA_TO_PIP = {
    "pytorch": "torch",
    "pytorch-cpu": "torch",
    "py-xgboost": "xgboost",
    "py-opencv": "opencv-python-headless",
    "opencv": "opencv-python-headless",
    "pillow-simd": "pillow",
    "tensorflow-gpu": "tensorflow",
    "matplotlib-base": "matplotlib",
}
_CONDA_SPEC = re.compile(r"^\s*(?:[\w./-]+::)?([A-Za-z0-9_.-]+)\s*(.*)$")
_PYTHON_VERSION = re.compile(r"^[=<>~!]*\s*(\d+(?:\.\d+){0,2})")


@dataclass(frozen=True)
class EnvironmentSpec:
    source: Path | None
    pip_requirements: tuple[str, ...] = ()
    python_version: str | None = None  # "3.10" from a conda "python=3.10"
    warnings: tuple[str, ...] = ()

    @property
    def content_hash(self) -> str:
        """Stable over what is installed; used to tag images and cache venvs."""
        text = "\n".join([self.python_version or "", *self.pip_requirements])
        return hashlib.sha256(text.encode()).hexdigest()[:16]


def read_environment(path: Path | None) -> EnvironmentSpec:
    """Parse a conda YAML or a requirements.txt; ``None`` gives an empty environment."""
    if path is None:
        return EnvironmentSpec(source=None)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        problem = f"cannot be read ({exc.strerror}); check the environment setting"
        raise ConfigError(path, None, problem) from None
    except UnicodeDecodeError:
        raise ConfigError(path, None, "is not UTF-8 text; save it as UTF-8") from None
    if path.suffix.lower() in (".yml", ".yaml"):
        return _conda(path, text)
    return EnvironmentSpec(source=path, pip_requirements=_requirements_lines(text))


def _requirements_lines(text: str) -> tuple[str, ...]:
    lines = []
    for raw in text.splitlines():
        line = raw.split(" #", 1)[0].strip()
        if line and not line.startswith("#"):
            lines.append(line)
    return tuple(lines)


def _conda(path: Path, text: str) -> EnvironmentSpec:
    try:
        data = safe_load_yaml(text)
    except YamlTooLarge as exc:
        raise ConfigError(path, None, str(exc)) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f" at line {mark.line + 1}" if mark else ""
        raise ConfigError(path, None, f"is not valid YAML{line}; fix the syntax") from None
    if data is None:
        return EnvironmentSpec(source=path)
    if not isinstance(data, Mapping):
        raise ConfigError(
            path, None, "expected a conda environment mapping (name, channels, dependencies)"
        )
    deps = data.get("dependencies") or []
    if not isinstance(deps, list):
        raise ConfigError(
            path, "dependencies", "expected a list of conda packages and a 'pip:' list"
        )
    pip: list[str] = []
    from_conda: list[str] = []
    conda_only: list[str] = []
    python_version: str | None = None
    for i, dep in enumerate(deps):
        key = f"dependencies[{i}]"
        if isinstance(dep, Mapping):
            pip.extend(_pip_list(path, key, dep))
        elif isinstance(dep, (str, int, float)):
            name, version = _conda_name(str(dep))
            lowered = name.lower()
            if lowered == "python":
                python_version = _python_version(path, key, version) or python_version
            elif lowered in _CONDA_BUILTINS:
                continue
            elif _is_conda_only(lowered):
                conda_only.append(str(dep).strip())
            else:
                from_conda.append(_CONDA_TO_PIP.get(lowered, name) + _pip_version(version))
        else:
            raise ConfigError(
                path, key, f"expected a package name or a 'pip:' list, got {shown(dep)}"
            )
    warnings: list[str] = []
    if from_conda:
        warnings.append(
            f"{path.name}: conda packages installed with pip as {', '.join(from_conda)} "
            "(pip builds, not conda's)"
        )
    if conda_only:
        warnings.append(
            f"{path.name}: conda packages {', '.join(conda_only)} cannot be installed "
            "with pip and are skipped; add their pip names under 'pip:' if score.py needs them"
        )
    pip = from_conda + pip
    return EnvironmentSpec(
        source=path,
        pip_requirements=tuple(pip),
        python_version=python_version,
        warnings=tuple(warnings),
    )


def _pip_list(path: Path, key: str, dep: Mapping[str, Any]) -> list[str]:
    out: list[str] = []
    for name, value in dep.items():
        if name != "pip":
            raise ConfigError(
                path, f"{key}.{name}", "only a 'pip:' list may appear as a mapping in dependencies"
            )
        if value is None:
            continue
        if not isinstance(value, list) or not all(isinstance(v, (str, int, float)) for v in value):
            raise ConfigError(path, f"{key}.pip", "expected a list of pip requirement strings")
        out.extend(str(v).strip() for v in value if str(v).strip())
    return out


def _is_conda_only(name: str) -> bool:
    return name in _CONDA_ONLY or name.startswith(("lib", "_", "r-", "ld_impl"))


def _pip_version(version: str) -> str:
    """A conda version spec as pip's: ``=1.2`` (conda's fuzzy match) -> ``==1.2.*``;
    a build string (``=1.2.3=py38_0``) is dropped; ``>=``, ``<``, ``==`` pass through."""
    version = version.strip()
    if not version:
        return ""
    if version[0].isdigit():  # "numpy 1.21.*", conda's space-separated form
        version = "=" + version
    if version.startswith("=") and not version.startswith("=="):
        number = version[1:].split("=", 1)[0].rstrip("*").rstrip(".")
        return f"=={number}.*" if number else ""
    return version.replace(" ", "")


def _conda_name(spec: str) -> tuple[str, str]:
    match = _CONDA_SPEC.match(spec)
    if not match:
        return spec.strip(), ""
    return match.group(1), match.group(2).strip()


def _python_version(path: Path, key: str, version: str) -> str | None:
    if not version:
        return None
    match = _PYTHON_VERSION.match(version)
    if not match:
        raise ConfigError(path, key, f"python version {shown(version)} is not a version like 3.10")
    parts = match.group(1).split(".")
    return ".".join(parts[:2])
