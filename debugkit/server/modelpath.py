"""Model path resolution with azureml-core's exact rules, plus a diagnosis of why a name
did not resolve. Shared by the azureml.core.model shim and GET /debugkit/model-path."""

from __future__ import annotations

import difflib
import logging
import os
from dataclasses import dataclass, field
from typing import Any, Optional

logger = logging.getLogger("azureml.core.model")

WEBSERVICE_EXCEPTION = "WebserviceException"
MODEL_NOT_FOUND = "ModelNotFoundException"
VALUE_ERROR = "ValueError"


def models_root_from_env() -> str:
    """azureml-core's MODELS_DIR: $AML_APP_ROOT/azureml-models (AZUREML_MODEL_DIR is not read)."""
    return os.path.join(os.environ.get("AML_APP_ROOT", ""), "azureml-models")


@dataclass
class Candidate:
    path: str
    outcome: str  # "found", "missing", "one-entry rule violated", ...

    def to_dict(self) -> dict[str, str]:
        return {"path": self.path, "why": self.outcome}


@dataclass
class Resolution:
    name: Any
    version: Any
    models_root: str
    cwd: str
    resolved: Optional[str] = None
    searched: list[Candidate] = field(default_factory=list)
    error_type: Optional[str] = None  # exception azureml-core would raise
    error_message: Optional[str] = None

    def look(self, path: str, outcome: str) -> None:
        self.searched.append(Candidate(path, outcome))
        logger.debug(
            "get_model_path(%r, version=%r): %s -> %s", self.name, self.version, path, outcome
        )

    def fail(self, error_type: str, message: str) -> Resolution:
        self.error_type, self.error_message = error_type, message
        return self


def _latest_version(entries: list[str]) -> tuple[Optional[int], Optional[str]]:
    """max(int(v)) like azureml-core; returns (None, message) where it would raise."""
    try:
        return max(int(entry) for entry in entries), None
    except ValueError as exc:
        return None, str(exc)


def _from_root(res: Resolution) -> Resolution:
    # azureml-core's last resort: ./<name> relative to the current directory.
    if os.path.exists(os.path.join(res.cwd, str(res.name))):
        res.look(os.path.join(res.cwd, str(res.name)), "found (relative to the working directory)")
        res.resolved = str(res.name)
        return res
    res.look(os.path.join(res.cwd, str(res.name)), "missing")
    return res.fail(
        MODEL_NOT_FOUND,
        f"Model {res.name} not found in cache at {res.models_root} or in current working "
        f"directory {res.cwd}. For more info, set logging level to DEBUG.",
    )


def resolve(
    name: Any, version: Any = None, models_root: Optional[str] = None, cwd: Optional[str] = None
) -> Resolution:
    """Follow Model.get_model_path's local lookup step by step, recording each candidate."""
    res = Resolution(
        name=name,
        version=version,
        models_root=models_root if models_root is not None else models_root_from_env(),
        cwd=cwd or os.getcwd(),
    )
    if version is not None and not isinstance(version, int):
        return res.fail(WEBSERVICE_EXCEPTION, "version should be an int")
    if name is None:
        return res.fail(WEBSERVICE_EXCEPTION, "model_name is None")
    name_dir = os.path.join(res.models_root, name)
    if not os.path.exists(name_dir):
        res.look(name_dir, "missing")
        result = _from_root(res)
    else:
        if version is None:
            entries = os.listdir(name_dir)
            if not entries:
                res.look(name_dir, "no version folders inside")
                return res.fail(WEBSERVICE_EXCEPTION, "versions is empty")
            latest, problem = _latest_version(entries)
            if latest is None:
                res.look(name_dir, f"non-numeric version folder ({sorted(entries)})")
                return res.fail(VALUE_ERROR, problem or "invalid version folder")
            logger.debug("version is None. Latest version is %s", latest)
        else:
            latest = version
        version_dir = os.path.join(name_dir, str(latest))
        if not os.path.exists(version_dir):
            res.look(version_dir, "missing")
            result = _from_root(res)
        else:
            entries = os.listdir(version_dir)
            if len(entries) != 1:
                res.look(version_dir, f"one-entry rule violated: {len(entries)} entries {entries}")
                return res.fail(
                    WEBSERVICE_EXCEPTION,
                    f"Dir {version_dir} can contain only 1 file or folder. Found {entries}",
                )
            res.resolved = os.path.join(version_dir, entries[0])
            res.look(res.resolved, "found")
            return res
    if version is not None and result.error_type == MODEL_NOT_FOUND:
        # get_model_path re-raises the local miss as a WebserviceException when a version was given.
        result.error_type = WEBSERVICE_EXCEPTION
    return result


# -- diagnosis for GET /debugkit/model-path -------------------------------------


class UnsafeName(ValueError):
    pass


def check_safe_name(name: str) -> None:
    if not name or name in (".", "..") or ".." in name or "/" in name or "\\" in name:
        raise UnsafeName(f"model name {name!r} must be a plain name (no '..', '/' or '\\')")
    if os.path.isabs(name) or "\x00" in name or ":" in name:
        raise UnsafeName(f"model name {name!r} must be a plain name, not a path")


def list_available(models_root: str) -> list[dict[str, Any]]:
    """Every <name>/<version>/ under the models root with the entries it holds."""
    available: list[dict[str, Any]] = []
    if not os.path.isdir(models_root):
        return available
    for name in sorted(os.listdir(models_root)):
        name_dir = os.path.join(models_root, name)
        if not os.path.isdir(name_dir):
            continue
        versions = []
        for version in sorted(os.listdir(name_dir)):
            version_dir = os.path.join(name_dir, version)
            files = sorted(os.listdir(version_dir)) if os.path.isdir(version_dir) else []
            versions.append({"version": version, "files": files})
        available.append({"name": name, "versions": versions})
    return available


# file names that are models (the host's diagnoses read this too: debugkit/diagnose.py)
MODEL_SUFFIXES = frozenset(
    {".pkl", ".pickle", ".joblib", ".sav", ".onnx", ".pt", ".pth", ".ckpt", ".h5", ".keras"}
    | {".pb", ".safetensors", ".cbm", ".ubj", ".model", ".mlmodel", ".tflite"}
)
_LISTED_AT_MOST = 50  # files of a folder model named (an image dataset stops here)


def folder_files(folder: str) -> list[str]:
    """The files of a folder model, relative to it (POSIX, sorted, hidden ones left out)."""
    found: list[str] = []
    for root, dirs, files in os.walk(folder):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for file in sorted(f for f in files if not f.startswith(".")):
            found.append(os.path.relpath(os.path.join(root, file), folder).replace(os.sep, "/"))
            if len(found) >= _LISTED_AT_MOST:
                return found
    return found


def _folder_note(name: str, folder: str, model_dir: str) -> str:
    """Where the files of a folder model are, as the path score.py must build."""
    files = folder_files(folder)
    if not files:
        return "It is an empty folder."
    example = next((f for f in files if os.path.splitext(f)[1].lower() in MODEL_SUFFIXES), files[0])
    target = os.path.realpath(os.path.join(folder, example))
    real_model_dir = os.path.realpath(model_dir) if model_dir else ""
    if real_model_dir and os.path.commonpath([target, real_model_dir]) == real_model_dir:
        relative = os.path.relpath(target, real_model_dir).replace(os.sep, "/")
        how = f"os.path.join(os.environ['AZUREML_MODEL_DIR'], '{relative}')"
    else:
        how = f"os.path.join(Model.get_model_path({name!r}), '{example}')"
    shown = ", ".join(files[:10]) + (f", ... ({len(files)} files)" if len(files) > 10 else "")
    return f"It is a folder model; its files: {shown}. Load {example} as {how}."


def _model_dir_note(model_dir: str, models_root: str) -> Optional[str]:
    if not model_dir:
        return "AZUREML_MODEL_DIR is not set, so code that reads it gets None."
    real_dir = os.path.realpath(model_dir)
    if real_dir == os.path.realpath(models_root):
        return (
            f"AZUREML_MODEL_DIR={model_dir} is the azureml-models folder itself, "
            "the layout Azure ML uses when several models are deployed: build paths as "
            "os.path.join(AZUREML_MODEL_DIR, '<name>', '<version>', '<file>')."
        )
    if os.path.isdir(model_dir):
        entries = [e for e in os.listdir(model_dir) if not e.startswith(".")]
        inside = "'<file>'"
        if len(entries) == 1 and os.path.isdir(os.path.join(model_dir, entries[0])):
            inside = f"'{entries[0]}', '<file>'"  # a folder model: its files are below it
        return (
            f"AZUREML_MODEL_DIR={model_dir} points at one model's version folder (the single-model "
            f"layout): build paths as os.path.join(AZUREML_MODEL_DIR, {inside}); "
            "with several models deployed it would point at azureml-models instead."
        )
    return f"AZUREML_MODEL_DIR={model_dir} does not exist."


def diagnose(name: str, version: Optional[int], models_root: str, cwd: str) -> dict[str, Any]:
    res = resolve(name, version, models_root=models_root, cwd=cwd)
    available = list_available(models_root)
    names = [entry["name"] for entry in available]
    suggestion = None
    if res.resolved is None and name not in names:  # a right name: only its version is wrong
        close = difflib.get_close_matches(name, names, n=1, cutoff=0.6)
        suggestion = close[0] if close else None
    notes: list[str] = []
    resolved_path = None
    if res.resolved is not None:
        notes.append(f"Model.get_model_path({name!r}) returns {res.resolved}.")
        resolved_path = (
            res.resolved if os.path.isabs(res.resolved) else os.path.join(cwd, res.resolved)
        )
        if os.path.isdir(resolved_path):
            notes.append(_folder_note(name, resolved_path, os.environ.get("AZUREML_MODEL_DIR", "")))
    elif res.error_message and "can contain only 1 file or folder" in res.error_message:
        notes.append(
            "The version folder breaks azureml-core's one-entry rule: get_model_path needs exactly "
            "one file or folder in <name>/<version>/; register the model as one folder "
            "and load the files inside it."
        )
    elif res.error_type == VALUE_ERROR:
        notes.append(
            "A version folder under this model is not a number; azureml-core takes int() of every "
            "version folder name and fails on the first that is not."
        )
    elif name in names:
        pass  # the version note below says what is wrong
    elif suggestion:
        notes.append(f"No model named {name!r}; did you mean {suggestion!r}? (names are exact)")
    elif not os.path.isdir(models_root):
        aml_root = os.path.dirname(models_root)
        notes.append(
            f"There is no azureml-models folder under AML_APP_ROOT ({aml_root or '(unset)'}); "
            "get_model_path looks only in $AML_APP_ROOT/azureml-models, not in AZUREML_MODEL_DIR. "
            "If AML_APP_ROOT points at the code folder (as CLI v2 local endpoints set it), the "
            "mounted model is missed."
        )
    else:
        notes.append(
            f"No model named {name!r} under {models_root}"
            + (f"; available: {', '.join(names)}." if names else "; no models are there.")
        )
    if version is not None and res.resolved is None and name in names:
        versions = [
            v["version"] for entry in available if entry["name"] == name for v in entry["versions"]
        ]
        notes.append(f"Version {version} of {name!r} is not there; versions present: {versions}.")
    model_dir_note = _model_dir_note(os.environ.get("AZUREML_MODEL_DIR", ""), models_root)
    if model_dir_note:
        notes.append(model_dir_note)
    return {
        "name": name,
        "version": version,
        "models_root": models_root,
        "resolved": res.resolved,
        "exists": res.resolved is not None
        and os.path.exists(
            res.resolved if os.path.isabs(res.resolved) else os.path.join(cwd, res.resolved)
        ),
        "error": (
            {"type": res.error_type, "message": res.error_message} if res.error_type else None
        ),
        "searched": [candidate.to_dict() for candidate in res.searched],
        # a folder model's files, relative to it
        "files": folder_files(resolved_path)
        if resolved_path and os.path.isdir(resolved_path)
        else None,
        "available": available,
        "suggestion": suggestion,
        "diagnosis": " ".join(notes),
    }
