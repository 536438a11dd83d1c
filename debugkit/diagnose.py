"""Known failure signatures in a scoring server's log -> what happened and the remedy.

``debugkit logs`` prints the log, then these. Each check reads the whole log text
(and, for containers, why the container exited) and is independent of the others.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from debugkit.applayout import below_model_dir, host_path, in_models_layout
from debugkit.config import ModelSpec, ProjectConfig
from debugkit.consolelines import read_problems
from debugkit.modelfiles import files_of, find_file, pickled_sklearn_versions
from debugkit.server.modelpath import MODEL_SUFFIXES  # file names that are models

# import name -> pip name, where they differ (the usual suspects in scoring scripts)
PIP_NAMES = {
    "sklearn": "scikit-learn",
    "cv2": "opencv-python-headless",
    "PIL": "pillow",
    "yaml": "pyyaml",
    "skimage": "scikit-image",
    "bs4": "beautifulsoup4",
    "dateutil": "python-dateutil",
    "google.protobuf": "protobuf",
    "inference_schema": "inference-schema",
    "dotenv": "python-dotenv",
}

_NO_MODULE = re.compile(r"ModuleNotFoundError: No module named '(?P<module>[\w.]+)'")
_SKLEARN_JOBLIB = re.compile(
    r"No module named 'sklearn\.externals\.joblib'|cannot import name 'joblib' from 'sklearn\.externals'"
)
# azureml-core's own miss (Model.get_model_path)
_MODEL_NOT_FOUND = re.compile(r"ModelNotFoundException|Model \S+ not found in cache at")
# a file the code opened is not there: the quoted path decides whether it is a model's
_FILE_MISSING = re.compile(
    r"No such file or directory: '(?P<path>[^'\n]+)'|"
    r"SavedModel file does not exist at: (?P<saved>\S+)|"
    r"Load model from (?P<onnx>\S+) failed"
)
# A module path a pickle names that the installed package does not have: the model was
# pickled with another version (scikit-learn 1.4 removed sklearn.ensemble._gb_losses, so
# GradientBoosting models pickled before it fail to load after it).
_UNPICKLING = re.compile(
    r"joblib\.load\(|pickle\.loads?\(|numpy_pickle\.py|[/\\]pickle\.py|in find_class|"
    r"torch\.load\(|[/\\]torch[/\\]serialization\.py|cloudpickle|[/\\]dill[/\\]"
)
_PICKLE_ATTRIBUTE = re.compile(
    r"AttributeError: Can't get attribute '(?P<attr>\w+)' on <module '(?P<module>[\w.]+)'"
)
# scikit-learn >= 1.3 warns on every estimator it unpickles from another version
_INCONSISTENT = re.compile(
    r"InconsistentVersionWarning: Trying to unpickle estimator (?P<estimator>\w+) from version "
    r"(?P<pickled>\d[\w.]*?)\.? when using version (?P<serving>\d[\w.]*?)\.?\s"
)
_PORT_IN_USE = re.compile(
    r"Address already in use|port is already allocated|\[Errno 98\]|\[WinError 10048\]"
)
_WORKER_BOOT = re.compile(r"Booting worker with pid|debugkit: starting ")


@dataclass(frozen=True)
class Diagnosis:
    title: str
    detail: str
    remedy: str


def diagnose(log_text: str, exit_reason: str | None, config: ProjectConfig) -> list[Diagnosis]:
    """Every known signature found in ``log_text``, most fundamental first."""
    found: list[Diagnosis] = []
    for check in _CHECKS:
        result = check(log_text, exit_reason, config)
        if result is not None and result not in found:
            found.append(result)
    return found


def _memory(log_text: str, exit_reason: str | None, config: ProjectConfig) -> Diagnosis | None:
    limit = config.deployment.memory_gb
    boots = len(_WORKER_BOOT.findall(log_text))
    if exit_reason == "OOMKilled":
        detail = f"the container was killed for using more than its {limit:g} GB memory limit"
    elif "MemoryError" in log_text:
        detail = f"Python raised MemoryError under the {limit:g} GB memory limit"
    elif boots >= 3:
        detail = (
            f"the server booted {boots} times: workers killed and restarted, "
            "usually for running out of memory"
        )
    else:
        return None
    return Diagnosis(
        "memory exhausted",
        detail,
        f"raise {config.setting('memory')} or load less in init()/run(), e.g. a smaller "
        "model or batch",
    )


def _killed(log_text: str, exit_reason: str | None, config: ProjectConfig) -> Diagnosis | None:
    """SIGKILL (exit code 137) that is not the memory limit's: the runtime's flag says which."""
    reason = exit_reason or ""
    if reason.startswith("exit code 137") and NOT_OOM_KILLED in reason:
        detail = (
            "exit code 137: the server was killed with SIGKILL, and the container's "
            "OOMKilled flag is false, so not for memory: something outside stopped it "
            "(docker kill, docker rm -f, an engine restart)"
        )
    elif reason.startswith("exit code 137") or reason == "killed by signal 9":
        detail = (
            f"{reason}: the server was killed with SIGKILL from outside: kill -9, or the "
            "kernel's OOM killer when the whole machine ran out of memory (see dmesg)"
        )
    else:
        return None
    return Diagnosis(
        "killed",
        detail,
        "start it again with 'debugkit up'; if nobody stopped it, look for what sends "
        "SIGKILL (a script, a supervisor, the machine's memory)",
    )


def _init_failed(log_text: str, exit_reason: str | None, config: ProjectConfig) -> Diagnosis | None:
    failed = "init() failed" in log_text or "loading the script failed" in log_text
    if not failed:
        return None
    location = _last_location(log_text)
    if location is not None and location[2] in ("ModuleNotFoundError", "ImportError"):
        return None  # the missing-package diagnosis says more
    if _skewed_modules(log_text):
        return None  # so does the pickle's
    if location is None:
        detail = "init() raised an exception (see the traceback above)"
        where = str(config.entry_path)
    else:
        file, line, kind, message = location
        where = f"{host_path(file, config.source_dir)}:{line}"
        detail = f"{where}: {kind}: {message}"
    return Diagnosis(
        "init() failed",
        detail,
        f"fix the error at {where}, then save (the watcher reloads) or run 'debugkit reload'; "
        "to step through it, start with --wait-for-debugger and set a breakpoint in init()",
    )


def _sklearn_joblib(
    log_text: str, exit_reason: str | None, config: ProjectConfig
) -> Diagnosis | None:
    if not _SKLEARN_JOBLIB.search(log_text):
        return None
    return Diagnosis(
        "'from sklearn.externals import joblib' fails",
        "scikit-learn 0.23 removed sklearn.externals.joblib",
        f"write 'import joblib' in {config.entry_script} and add joblib to "
        f"{_env_name(config)}; keep scikit-learn pinned to the version the model was trained with",
    )


def _missing_module(
    log_text: str, exit_reason: str | None, config: ProjectConfig
) -> Diagnosis | None:
    skewed = {module for module, _ in _skewed_modules(log_text)}
    modules = [
        m
        for m in _NO_MODULE.findall(log_text)
        if not m.startswith("sklearn.externals") and m not in skewed
    ]
    if not modules:
        return None
    module = modules[-1]
    package = _pip_name(module)
    location = _last_location(log_text)
    where = (
        f" (imported at {host_path(location[0], config.source_dir)}:{location[1]})"
        if location
        else ""
    )
    return Diagnosis(
        "missing package",
        f"No module named '{module}'{where}: the environment does not install {package}",
        _add_requirement(config, package),
    )


def _pip_name(module: str) -> str:
    return PIP_NAMES.get(module) or PIP_NAMES.get(module.split(".")[0]) or module.split(".")[0]


def _add_requirement(config: ProjectConfig, requirement: str, verb: str = "add") -> str:
    """``add REQUIREMENT`` where this project's environment file takes it."""
    if config.environment is None:
        return (
            f"create requirements.txt (or a conda myenv.yml with a pip: section) listing "
            f"{requirement} next to {config.entry_script}; the next 'debugkit up' builds it in"
        )
    if config.environment.suffix.lower() in (".yml", ".yaml"):
        return (
            f"{verb} {requirement} under 'pip:' in {config.environment}; "
            "the next 'debugkit up' rebuilds the image"
        )
    return (
        f"{verb} {requirement} in {config.environment}; the next 'debugkit up' rebuilds the image"
    )


def _skewed_modules(log_text: str) -> list[tuple[str, str]]:
    """``(module, error line)`` for each module a pickle named that is not there while an
    unpickler ran, where the package itself imports (so: another version of it)."""
    missing_top = {m for m in _NO_MODULE.findall(log_text) if "." not in m}
    found: list[tuple[str, str]] = []
    for match in (*_NO_MODULE.finditer(log_text), *_PICKLE_ATTRIBUTE.finditer(log_text)):
        module = match.group("module")
        if "." not in module or module.split(".")[0] in missing_top:
            continue  # the package itself is missing: that is the missing-package diagnosis
        if _UNPICKLING.search(_traceback_before(log_text, match.start())):
            found.append((module, _line_of(log_text, match.start()).strip()))
    return found


def _pickle_skew(log_text: str, exit_reason: str | None, config: ProjectConfig) -> Diagnosis | None:
    skewed = _skewed_modules(log_text)
    warnings = list(_INCONSISTENT.finditer(log_text))
    if not skewed and not warnings:
        return None
    package = _pip_name(skewed[-1][0]) if skewed else "scikit-learn"
    pickled = serving = None
    source = ""
    if warnings:
        pickled, serving = warnings[-1].group("pickled"), warnings[-1].group("serving")
        source = f" (InconsistentVersionWarning for {warnings[-1].group('estimator')})"
    elif package == "scikit-learn":
        versions = pickled_sklearn_versions(config.models)
        if versions:
            file, pickled = next(iter(versions.items()))
            source = f" (read from {file})"
    if skewed:
        module, line = skewed[-1]
        detail = (
            f"{line[:200]} while the model was unpickled: the installed {package} has no "
            f"{module}, so the model was pickled with another {package} version"
        )
    else:
        detail = f"the model was unpickled with another {package} version: results may differ"
    if pickled:
        detail += f"; it was pickled with {package} {pickled}{source}"
        if serving:
            detail += f", this environment has {serving}"
    if pickled:
        remedy = (
            _add_requirement(config, f"{package}=={pickled}", verb="pin")
            + f" (an old {package} installs only on the Pythons it supports: pin python "
            f"too); or load the model with {package} {pickled} and save it again with the "
            "version you serve"
        )
    else:
        remedy = (
            _add_requirement(config, f"{package} at the version that pickled the model", "pin")
            + "; or save the model again with the version you serve"
        )
    return Diagnosis(f"model pickled with another {package} version", detail, remedy)


def _model_missing(
    log_text: str, exit_reason: str | None, config: ProjectConfig
) -> Diagnosis | None:
    found = _last_model_miss(log_text, config)
    if found is None:
        return None
    line, missing = found
    configured = ", ".join(f"{m.name}:{m.version} ({m.path.name})" for m in config.models) or "none"
    name = re.search(r"Model (\S+) not found", line)
    ask = f"debugkit model-path {name.group(1)}" if name else "debugkit model-path NAME"
    detail = f"{line.strip()[:300]}; models mounted: {configured}"
    where = _where_it_is(missing, config.models) if missing else None
    if where is not None:
        detail += f"; {where[0]}"
        return Diagnosis(
            "model not found",
            detail,
            f"build the path as os.path.join(os.environ['AZUREML_MODEL_DIR'], '{where[1]}'); "
            f"'{ask}' shows every place get_model_path looks",
        )
    return Diagnosis(
        "model not found",
        detail + _folder_listing(config.models),
        f"run '{ask}' to see every place it looked; list the model in "
        f"{config.setting('models')} (mounted at azureml-models/<name>/<version>/); with one "
        "model AZUREML_MODEL_DIR is that version folder, with several it is azureml-models",
    )


def _last_model_miss(log_text: str, config: ProjectConfig) -> tuple[str, str | None] | None:
    """The last line that says a model is missing, and the missing path when it names one."""
    last: tuple[int, str | None] | None = None
    for match in _MODEL_NOT_FOUND.finditer(log_text):
        last = (match.start(), None)
        break  # azureml-core's miss: the first says it, later ones repeat it
    for match in _FILE_MISSING.finditer(log_text):
        path = match.group("path") or match.group("saved") or match.group("onnx")
        if _is_model_path(path, config.models) and (last is None or match.start() > last[0]):
            last = (match.start(), path)
    if last is None:
        return None
    return _line_of(log_text, last[0]), last[1]


def _is_model_path(path: str, models: tuple[ModelSpec, ...]) -> bool:
    """A path (not request data that a library took for one) below the models folder, or
    of a model's file name or kind."""
    if not path or path[0] in "{[" or len(path) > 1024:
        return False
    if in_models_layout(path) is not None or "AZUREML_MODEL_DIR" in path:
        return True
    basename = path.replace("\\", "/").rstrip("/").rsplit("/", 1)[-1]
    suffix = "." + basename.rsplit(".", 1)[-1].lower() if "." in basename else ""
    return suffix in MODEL_SUFFIXES or bool(find_file(models, basename))


def _where_it_is(missing: str, models: tuple[ModelSpec, ...]) -> tuple[str, str] | None:
    """Where a file of the missing path's name really is, below AZUREML_MODEL_DIR:
    ``(sentence, relative path)``, or None when no model has one (or it is not missing)."""
    basename = missing.replace("\\", "/").rstrip("/").rsplit("/", 1)[-1]
    hits = find_file(models, basename)
    if not hits:
        return None
    model, inner = hits[0]
    relative = below_model_dir(model, inner, models)
    right = (model.name, str(model.version), "/".join(p for p in (model.path.name, inner) if p))
    if in_models_layout(missing) == right:
        return None  # the path is right: the file is missing for another reason
    others = f" (and {len(hits) - 1} more of that name)" if len(hits) > 1 else ""
    return f"{basename} is at AZUREML_MODEL_DIR/{relative}{others}", relative


def _folder_listing(models: tuple[ModelSpec, ...]) -> str:
    """``; files of folder model X: a, b, ...`` for each folder model."""
    text = ""
    for model in models:
        if model.path.is_dir():
            files = files_of(model)
            shown = ", ".join(below_model_dir(model, inner, models) for inner in files[:10]) + (
                f", ... ({len(files)} files)" if len(files) > 10 else ""
            )
            text += (
                f"; files of folder model {model.name} (below AZUREML_MODEL_DIR): {shown or 'none'}"
            )
    return text


def _port_conflict(
    log_text: str, exit_reason: str | None, config: ProjectConfig
) -> Diagnosis | None:
    match = _PORT_IN_USE.search(log_text)
    if match is None:
        return None
    if "debugpy.listen" in log_text:
        return Diagnosis(
            "port conflict",
            f"debugpy.listen() in {config.entry_script} wants the port debugkit's debugger holds",
            "remove debugpy.listen()/wait_for_client() from the script: debugkit starts debugpy "
            "itself (attach to the debug port it prints; --wait-for-debugger to stop before init)",
        )
    return Diagnosis(
        "port conflict",
        _line_of(log_text, match.start()).strip()[:300],
        "another process holds the port: stop it, or choose other ports with --port / "
        "--debug-port (deployment.port / deployment.debug_port)",
    )


_EXIT_CODE = re.compile(r"exit code (\d+)")
# what the Docker runtime's exit reason adds to exit code 137 when the OOMKilled flag is false
NOT_OOM_KILLED = "OOMKilled=false"
# exit codes that say more than "it exited": 128 + the signal that ended the process
_SIGNAL_EXITS = {
    134: "aborted (SIGABRT), usually by a native library's assertion",
    139: "crashed in native code (SIGSEGV, a segmentation fault)",
}
_STOPPED_CODES = ("0", "137", "143")  # a clean stop (docker stop: 0 or 143); 137: see _killed


def _exited(log_text: str, exit_reason: str | None, config: ProjectConfig) -> Diagnosis | None:
    """The server process ended by itself: no Python exception reaches the log for that."""
    match = _EXIT_CODE.match(exit_reason or "")
    if match is None or match.group(1) in _STOPPED_CODES:
        return None
    code = int(match.group(1))
    how = _SIGNAL_EXITS.get(code) or (
        "ended without a Python traceback, as os._exit() or sys.exit() outside a request does"
    )
    return Diagnosis(
        "the server exited",
        f"exit code {code}: the scoring server process {how}",
        f"look for os._exit()/sys.exit() in {config.entry_script} and the code it calls, "
        "or a native library that crashes; 'debugkit up --wait-for-debugger' and a "
        "breakpoint before it show the way there",
    )


# the server's access line for /score: "POST /score 502 3.1ms"
_SCORE_STATUS = re.compile(r"\b(?:GET|POST|PUT|OPTIONS) /score (?P<status>\d{3}) ")
# written by the server when it refuses a request over max_concurrent (server/app.py)
_OVER_CAPACITY = re.compile(r"debugkit: (?:503|429) for request \S*: (?P<message>Too many .*)")
# the server's line for a /score answered 503 before init() returned (server/app.py)
_NOT_STARTED = re.compile(r"debugkit: 503 for request \S*: init\(\) has not finished")
_TIMED_OUT = re.compile(r"exceeded the request timeout of (?P<seconds>[\d.]+) s")
NOT_ENCODABLE = "which JSON cannot encode"  # the server's words (server/returnsite.py)
RUN_RAISED = "run() raised (request "  # the server's log line (server/app.py)


def _score_statuses(log_text: str) -> list[int]:
    return [int(m.group("status")) for m in _SCORE_STATUS.finditer(log_text)]


def _run_problem(log_text: str, config: ProjectConfig, needle: str = "") -> str | None:
    """``HOST_FILE:LINE: TYPE: MESSAGE`` of the last problem line (containing ``needle``)."""
    for problem in reversed(read_problems(log_text)):
        if problem.severity == "error" and needle in problem.message:
            return f"{host_path(problem.file, config.source_dir)}:{problem.line}: {problem.message}"
    return None


def _not_encodable(
    log_text: str, exit_reason: str | None, config: ProjectConfig
) -> Diagnosis | None:
    """run() returned normally, but with a value JSON cannot encode (502/424)."""
    if NOT_ENCODABLE not in log_text:
        return None
    where = _run_problem(log_text, config, NOT_ENCODABLE)
    if where is None:  # no location: the server's log line
        where = _line_of(log_text, log_text.rindex(NOT_ENCODABLE)).strip()
    location = where.split(": ", 1)[0]
    return Diagnosis(
        "run() returned a value JSON cannot encode",
        where[:400],
        f"return plain values at {location} (lists, dicts, str, int, float, bool, None), "
        "then save: the watcher reloads; 'debugkit replay --last-failed' sends the request again",
    )


def _run_failed(log_text: str, exit_reason: str | None, config: ProjectConfig) -> Diagnosis | None:
    """Requests answered 502 (aks) or 424 (managed) because run() raised."""
    failed = log_text.count(RUN_RAISED)
    if not failed:
        return None
    # the server writes the problem line right before its "run() raised" line
    where = _run_problem(log_text[: log_text.rindex(RUN_RAISED)], config)
    statuses = sorted({s for s in _score_statuses(log_text) if s in (502, 424)})
    answered = "/".join(map(str, statuses)) or "an error"
    location = where.split(": ", 1)[0] if where else str(config.entry_path)
    return Diagnosis(
        "run() raised",
        f"{failed} request(s) answered {answered}; last: {where or 'see the traceback above'}",
        f"fix the error at {location}, then save (the watcher reloads); 'debugkit replay "
        "--last-failed' sends the failing request again, --wait-for-debugger and a breakpoint "
        "in run() step through it",
    )


def _over_capacity(
    log_text: str, exit_reason: str | None, config: ProjectConfig
) -> Diagnosis | None:
    """503 (aks) or 429 (managed): more requests at once than the container takes."""
    refused = list(_OVER_CAPACITY.finditer(log_text))
    if not refused:
        return None
    limit = config.deployment.max_concurrent_requests
    wait = (
        f" and the wait for a slot ({config.setting('max_wait')})"
        if config.deployment.target == "aks"
        else ""
    )
    return Diagnosis(
        "too many requests at once",
        f"{len(refused)} request(s) refused: {refused[-1].group('message')}",
        f"send at most {limit} request(s) at a time, or raise {config.setting('max_concurrent')}"
        f"{wait} as far as the deployment will run them",
    )


def _starting(log_text: str, exit_reason: str | None, config: ProjectConfig) -> Diagnosis | None:
    """/score answered 503 because init() had not finished (the server logs each)."""
    unavailable = len(_NOT_STARTED.findall(log_text))
    if not unavailable:
        return None
    return Diagnosis(
        "scored before the server was ready",
        f"{unavailable} request(s) answered 503 while init() was still running",
        "wait until 'debugkit up' says ready (or 'debugkit status' says ready) before sending "
        "requests; a client of the deployed service should retry 503 after Retry-After",
    )


def _timed_out(log_text: str, exit_reason: str | None, config: ProjectConfig) -> Diagnosis | None:
    """504 (aks) or 408 (managed): run() outlived the request timeout."""
    stuck = list(_TIMED_OUT.finditer(log_text))
    if not stuck:
        return None
    where = _run_problem(log_text, config, "Timeout:")
    return Diagnosis(
        "run() timed out",
        f"{len(stuck)} request(s) ran over the request timeout of {stuck[-1].group('seconds')} s"
        + (f"; run() was at {where.split(': ', 1)[0]}" if where else "")
        + " (the log above shows its stack)",
        f"make run() faster there, or raise {config.setting('request_timeout')} as far as "
        "the deployment allows",
    )


_CHECKS: tuple[Callable[[str, str | None, ProjectConfig], Diagnosis | None], ...] = (
    _memory,
    _killed,
    _exited,
    _sklearn_joblib,
    _pickle_skew,
    _missing_module,
    _model_missing,
    _init_failed,
    _not_encodable,
    _run_failed,
    _timed_out,
    _over_capacity,
    _starting,
    _port_conflict,
)


def _last_location(log_text: str) -> tuple[str, str, str, str] | None:
    """The last ``FILE:LINE: error: TYPE: MESSAGE`` line the server wrote, as its four parts."""
    problems = [p for p in read_problems(log_text) if p.severity == "error" and p.kind]
    if not problems:
        return None
    last = problems[-1]
    return last.file, str(last.line), last.kind or "", last.text


def _traceback_before(text: str, index: int) -> str:
    """The traceback that ends in the error at ``index`` (up to 6000 characters of it)."""
    start = text.rfind("Traceback (most recent call last):", max(0, index - 6000), index)
    return text[start if start != -1 else max(0, index - 2000) : index]


def _line_of(text: str, index: int) -> str:
    start = text.rfind("\n", 0, index) + 1
    end = text.find("\n", index)
    return text[start : end if end != -1 else len(text)]


def _env_name(config: ProjectConfig) -> str:
    return str(config.environment) if config.environment else "requirements.txt"
