"""The Azure ML app layout, as the host side knows it (one home for these facts).

An Azure ML deployment puts the source folder at ``/var/azureml-app`` and each
registered model at ``azureml-models/<name>/<version>/<basename>`` below it;
``AZUREML_MODEL_DIR`` is the version folder when there is one model, else the
``azureml-models`` root. The Docker runtime builds this layout with mounts, the
process runtime and the tests with links or copies in a temporary folder, and the
editor, ``logs`` and the watcher map the server's container paths back to the
user's files. The server (``debugkit/server/``) keeps its own reader of the layout,
since it must import nothing from the host side.
"""

from __future__ import annotations

import shutil
from collections.abc import Sequence
from pathlib import Path, PurePosixPath
from typing import Literal, TypeVar

from debugkit.config import ModelSpec

APP_ROOT = "/var/azureml-app"  # the source folder inside the container (AML_APP_ROOT)
MODELS_DIR = "azureml-models"  # below the app root
CONTAINER_MODELS_ROOT = f"{APP_ROOT}/{MODELS_DIR}"

_P = TypeVar("_P", str, Path)


def model_parts(model: ModelSpec) -> tuple[str, str, str]:
    """``(<name>, <version>, <basename>)``: where a model sits below the models root."""
    return model.name, str(model.version), model.path.name


def container_model_path(model: ModelSpec) -> str:
    """Where the model's file or folder is inside the container."""
    return "/".join((CONTAINER_MODELS_ROOT, *model_parts(model)))


def model_dir(models_root: _P, models: Sequence[ModelSpec]) -> _P:
    """AZUREML_MODEL_DIR as Azure ML sets it: the version folder for one model, else the root.

    ``models_root`` is a container path (str) or a host folder (Path); the answer is the same kind.
    """
    if len(models) != 1:
        return models_root
    name, version, _ = model_parts(models[0])
    if isinstance(models_root, Path):
        return models_root / name / version
    return f"{models_root}/{name}/{version}"


def below_model_dir(model: ModelSpec, inner: str, models: Sequence[ModelSpec]) -> str:
    """The path of ``inner`` (a file inside ``model``, POSIX, ``""`` for the model itself)
    relative to AZUREML_MODEL_DIR: ``<basename>/inner`` with one model, else
    ``<name>/<version>/<basename>/inner``."""
    name, version, basename = model_parts(model)
    parts = (basename,) if len(models) == 1 else (name, version, basename)
    return "/".join((*parts, inner) if inner else parts)


def in_models_layout(path: str) -> tuple[str, str, str] | None:
    """``(<name>, <version>, <rest>)`` of a path below an ``azureml-models`` folder (the
    container's, or the process runtime's temporary one), else None."""
    parts = PurePosixPath(path.replace("\\", "/")).parts
    if MODELS_DIR not in parts:
        return None
    below = parts[len(parts) - parts[::-1].index(MODELS_DIR) :]
    if len(below) < 2:
        return None
    return below[0], below[1], "/".join(below[2:])


def layout_models(
    models: Sequence[ModelSpec], app_root: Path, how: Literal["link", "copy"] = "link"
) -> Path:
    """Lay ``models`` out below ``app_root/azureml-models`` on this machine; return AZUREML_MODEL_DIR.

    ``link`` (the process runtime) sees later edits of the model; ``copy`` (tests) snapshots it.
    """
    models_root = app_root / MODELS_DIR
    models_root.mkdir(parents=True, exist_ok=True)
    for model in models:
        target = models_root.joinpath(*model_parts(model))
        target.parent.mkdir(parents=True, exist_ok=True)
        if how == "link":
            target.symlink_to(model.path, target_is_directory=model.path.is_dir())
        elif model.path.is_dir():
            shutil.copytree(model.path, target)
        else:
            shutil.copy2(model.path, target)
    return model_dir(models_root, models)


def host_path(path: str, source_dir: Path) -> Path:
    """A path the server reported, as the user's file on this machine.

    Inside the container (``/var/azureml-app/x.py``) or relative to the source folder
    (the server reports paths below it): the file in ``source_dir``. Anything else (an
    absolute host path, a pseudo-file such as ``<string>``) is returned unchanged.
    """
    posix = PurePosixPath(path.replace("\\", "/"))
    if posix.is_relative_to(APP_ROOT):
        return source_dir.joinpath(*posix.relative_to(APP_ROOT).parts)
    if path.startswith("<") or posix.is_absolute() or Path(path).is_absolute():
        return Path(path)
    return source_dir.joinpath(*posix.parts)
