"""Known failure signatures in a scoring server's log -> what happened and the remedy.

``debugkit logs`` prints the log, then these. Each check reads the whole log text
(and, for containers, why the container exited) and is independent of the others.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from debugkit.applayout import host_path
from debugkit.config import ProjectConfig
from debugkit.consolelines import read_problems

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
_MODEL_MISSING = re.compile(
    r"ModelNotFoundException|not found in cache at|"
    r"(?:FileNotFoundError|No such file or directory).*(?:azureml-models|AZUREML_MODEL_DIR|model)",
    re.IGNORECASE,
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
    elif exit_reason and exit_reason.startswith("exit code 137"):
        detail = (
            f"the server was killed (SIGKILL, exit code 137), most often by the kernel for "
            f"going over the {limit:g} GB memory limit"
        )
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
        "raise deployment.memory_gb (memoryInGB in deploymentconfig.json, or a larger "
        "instance_type) or load less in init()/run(), e.g. a smaller model or batch",
    )


def _init_failed(log_text: str, exit_reason: str | None, config: ProjectConfig) -> Diagnosis | None:
    failed = "init() failed" in log_text or "loading the script failed" in log_text
    if not failed:
        return None
    location = _last_location(log_text)
    if location is not None and location[2] in ("ModuleNotFoundError", "ImportError"):
        return None  # the missing-package diagnosis says more
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
    modules = [m for m in _NO_MODULE.findall(log_text) if not m.startswith("sklearn.externals")]
    if not modules:
        return None
    module = modules[-1]
    package = PIP_NAMES.get(module) or PIP_NAMES.get(module.split(".")[0]) or module.split(".")[0]
    location = _last_location(log_text)
    where = (
        f" (imported at {host_path(location[0], config.source_dir)}:{location[1]})"
        if location
        else ""
    )
    if config.environment is None:
        remedy = (
            f"create requirements.txt (or a conda myenv.yml with a pip: section) listing "
            f"{package} next to {config.entry_script}; the next 'debugkit up' builds it in"
        )
    elif config.environment.suffix.lower() in (".yml", ".yaml"):
        remedy = (
            f"add {package} under 'pip:' in {config.environment}; "
            "the next 'debugkit up' rebuilds the image"
        )
    else:
        remedy = f"add {package} to {config.environment}; the next 'debugkit up' rebuilds the image"
    return Diagnosis(
        "missing package",
        f"No module named '{module}'{where}: the environment does not install {package}",
        remedy,
    )


def _model_missing(
    log_text: str, exit_reason: str | None, config: ProjectConfig
) -> Diagnosis | None:
    match = _MODEL_MISSING.search(log_text)
    if match is None:
        return None
    line = _line_of(log_text, match.start())
    configured = ", ".join(f"{m.name}:{m.version} ({m.path.name})" for m in config.models) or "none"
    name = re.search(r"Model (\S+) not found", line)
    ask = f"debugkit model-path {name.group(1)}" if name else "debugkit model-path NAME"
    return Diagnosis(
        "model not found",
        f"{line.strip()[:300]}; models mounted: {configured}",
        f"run '{ask}' to see every place it looked; list the model under models: in "
        "debugkit.yaml (mounted at azureml-models/<name>/<version>/); with one model "
        "AZUREML_MODEL_DIR is that version folder, with several it is azureml-models",
    )


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
# exit codes that say more than "it exited": 128 + the signal that ended the process
_SIGNAL_EXITS = {
    134: "aborted (SIGABRT), usually by a native library's assertion",
    139: "crashed in native code (SIGSEGV, a segmentation fault)",
}
_STOPPED_CODES = ("0", "137", "143")  # a clean stop (docker stop: 0 or 143); 137: see _memory


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


_CHECKS: tuple[Callable[[str, str | None, ProjectConfig], Diagnosis | None], ...] = (
    _memory,
    _exited,
    _sklearn_joblib,
    _missing_module,
    _model_missing,
    _init_failed,
    _port_conflict,
)


def _last_location(log_text: str) -> tuple[str, str, str, str] | None:
    """The last ``FILE:LINE: error: TYPE: MESSAGE`` line the server wrote, as its four parts."""
    problems = [p for p in read_problems(log_text) if p.severity == "error" and p.kind]
    if not problems:
        return None
    last = problems[-1]
    return last.file, str(last.line), last.kind or "", last.text


def _line_of(text: str, index: int) -> str:
    start = text.rfind("\n", 0, index) + 1
    end = text.find("\n", index)
    return text[start : end if end != -1 else len(text)]


def _env_name(config: ProjectConfig) -> str:
    return str(config.environment) if config.environment else "requirements.txt"
