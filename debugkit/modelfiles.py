"""What the project's model files hold, read on the host for diagnoses: the files of a
folder model, where a file of a given name is, and the scikit-learn version a pickle
was written with."""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

from debugkit.config import ModelSpec
from debugkit.server.modelpath import folder_files  # the server lists them alike

# BaseEstimator.__getstate__ stores the writer's version in every estimator's state as
# '_sklearn_version': the key, a memo/opcode byte or two, then the version string
_SKLEARN_VERSION = re.compile(
    rb"_sklearn_version.{1,8}?(\d+\.\d+(?:\.\d+)?(?:(?:rc|a|b|\.post|\.dev)\d+)?)", re.DOTALL
)
_CHUNK = 8 * 1024 * 1024
_READ_AT_MOST = 512 * 1024 * 1024  # a bigger pickle is read only this far


def files_of(model: ModelSpec) -> list[str]:
    """The files of a folder model, relative to it (POSIX, sorted); ``[""]`` for a file model."""
    return folder_files(str(model.path)) if model.path.is_dir() else [""]


def find_file(models: Sequence[ModelSpec], basename: str) -> list[tuple[ModelSpec, str]]:
    """Every ``(model, inner path)`` whose file is called ``basename`` (``""``: the model file)."""
    hits: list[tuple[ModelSpec, str]] = []
    for model in models:
        for inner in files_of(model):
            if (inner.rsplit("/", 1)[-1] if inner else model.path.name) == basename:
                hits.append((model, inner))
    return hits


def pickled_sklearn_version(path: Path) -> str | None:
    """The scikit-learn version that wrote the pickle at ``path`` (uncompressed joblib or
    pickle), None if it says none."""
    try:
        with open(path, "rb") as f:
            tail = b""
            for _ in range(_READ_AT_MOST // _CHUNK):
                chunk = f.read(_CHUNK)
                if not chunk:
                    return None
                found = _SKLEARN_VERSION.search(tail + chunk)
                if found:
                    return found.group(1).decode("ascii")
                tail = chunk[-64:]
    except OSError:
        return None
    return None


def pickled_sklearn_versions(models: Sequence[ModelSpec]) -> dict[str, str]:
    """``{model file (relative to its model's folder, or its name): version}``."""
    versions: dict[str, str] = {}
    for model in models:
        for inner in files_of(model):
            version = pickled_sklearn_version(model.path / inner if inner else model.path)
            if version:
                versions[f"{model.path.name}/{inner}" if inner else model.path.name] = version
    return versions
