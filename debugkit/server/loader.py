"""Load one generation of the entry script: a fresh module, its run() analysed the way
azmlinfsrv does it, and init() called."""

from __future__ import annotations

import importlib.util
import inspect
import logging
import os
import sys
import threading
import time
from dataclasses import dataclass
from types import ModuleType
from typing import Any, Callable, Optional

from debugkit.server.errorinfo import ErrorInfo, describe_exception, describe_problem
from debugkit.server.sourceloader import SourceOnlyLoader

ENTRY_MODULE_NAME = "entry_module"

logger = logging.getLogger("debugkit.server")

# How run() receives its input (azmlinfsrv's input parsers).
RAW_STRING = "raw"  # undecorated: the body as str
SCHEMA = "schema"  # inference-schema @input_schema: parsed JSON, one kwarg per parameter
RAW_HTTP = "rawhttp"  # @rawhttp: the Flask request object


class LoadError(Exception):
    def __init__(self, phase: str, info: ErrorInfo) -> None:
        super().__init__(f"{phase}: {info.type}: {info.message}")
        self.phase = phase  # "import", "contract" or "init"
        self.info = info


@dataclass
class Generation:
    number: int
    module: ModuleType
    run: Callable[..., Any]
    input_mode: str
    input_parameter: str  # first parameter of run() (raw / rawhttp)
    schema_parameters: list[inspect.Parameter]
    wants_request_headers: bool
    init_ms: float
    init_ran: bool = True  # False: a reload kept the previous generation's init() state
    in_flight: int = 0

    def call_run(self, kwargs: dict[str, Any], headers: dict[str, str]) -> Any:
        if self.wants_request_headers:
            return self.run(**kwargs, request_headers=headers)
        return self.run(**kwargs)


def _reset_rawhttp_flags() -> None:
    """@rawhttp sets a module-global flag; clear it so a reload sees the new script's choice."""
    for name in (
        "azureml_inference_server_http.api.aml_request",
        "azureml.contrib.services.aml_request",
    ):
        module = sys.modules.get(name)
        if module is not None and hasattr(module, "_rawHttpRequested"):
            module._rawHttpRequested = False


def _rawhttp_requested(run: Callable[..., Any]) -> bool:
    if getattr(run, "__debugkit_rawhttp__", False):
        return True
    for name in (
        "azureml_inference_server_http.api.aml_request",
        "azureml.contrib.services.aml_request",
    ):
        module = sys.modules.get(name)
        if module is not None and getattr(module, "_rawHttpRequested", False):
            return True
    return False


def _is_schema_decorated(run: Callable[..., Any]) -> bool:
    try:
        from inference_schema.schema_util import is_schema_decorated
    except ImportError:
        return False
    try:
        return bool(is_schema_decorated(run))
    except Exception:
        return False


def import_entry_module(entry_script: str, source_dir: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        ENTRY_MODULE_NAME, entry_script, loader=SourceOnlyLoader(ENTRY_MODULE_NAME, entry_script)
    )
    if spec is None or spec.loader is None:
        raise LoadError(
            "import",
            describe_problem(
                "ImportError", f"cannot load {entry_script} as a module", entry_script, source_dir
            ),
        )
    module = importlib.util.module_from_spec(spec)
    previous = sys.modules.get(ENTRY_MODULE_NAME)
    # Registered while it executes so dataclasses/pickle in score.py can find their module.
    sys.modules[ENTRY_MODULE_NAME] = module
    try:
        spec.loader.exec_module(module)
    except BaseException as exc:
        if previous is not None:
            sys.modules[ENTRY_MODULE_NAME] = previous
        else:
            sys.modules.pop(ENTRY_MODULE_NAME, None)
        if _is_ctrl_c(exc):
            raise
        raise LoadError("import", describe_exception(exc, source_dir)) from exc
    return module


def _is_ctrl_c(exc: BaseException) -> bool:
    """A KeyboardInterrupt from the user pressing Ctrl-C, which stops the server. Signals
    reach only the main thread: in any other (init() at start, a reload in a request
    thread) it was raised by the user's code and is reported like any error."""
    return (
        isinstance(exc, KeyboardInterrupt) and threading.current_thread() is threading.main_thread()
    )


def analyse_run(
    module: ModuleType, entry_script: str, source_dir: str
) -> tuple[Callable[..., Any], str, str, list[inspect.Parameter], bool]:
    def contract_error(message: str) -> LoadError:
        return LoadError(
            "contract", describe_problem("ScriptError", message, entry_script, source_dir)
        )

    if not callable(getattr(module, "init", None)):
        raise contract_error(f"{entry_script} does not have an init() function defined.")
    run = getattr(module, "run", None)
    if not callable(run):
        raise contract_error(f"{entry_script} does not have a run() function defined.")
    try:
        params = list(inspect.signature(run).parameters.values())
    except (TypeError, ValueError) as exc:
        raise contract_error(f"cannot read the signature of run(): {exc}") from exc
    if any(p.kind not in (p.KEYWORD_ONLY, p.POSITIONAL_OR_KEYWORD) for p in params):
        raise contract_error("run() cannot accept positional-only arguments, *args, or **kwargs.")
    wants_headers = any(p.name == "request_headers" for p in params)
    params = [p for p in params if p.name != "request_headers"]
    if not params:
        if wants_headers:
            raise contract_error('run() needs to accept an argument other than "request_headers".')
        raise contract_error("run() needs to accept an argument for input data.")
    rawhttp = _rawhttp_requested(run)
    decorated = _is_schema_decorated(run)
    if rawhttp and decorated:
        raise contract_error("run() cannot be decorated with both @rawhttp and @input_schema")
    mode = RAW_HTTP if rawhttp else SCHEMA if decorated else RAW_STRING
    return run, mode, params[0].name, params, wants_headers


def _schema_registries() -> list[dict[str, Any]]:
    """inference-schema's global registries, keyed "module.function"."""
    module = sys.modules.get("inference_schema.schema_util")
    if module is None:
        return []
    return [
        registry
        for registry in (
            getattr(module, "__functions_schema__", None),
            getattr(module, "__versions__", None),
        )
        if isinstance(registry, dict)
    ]


def _forget_stale_schemas() -> list[dict[str, Any]]:
    """Let a fresh entry_module (and re-imported helpers) declare their schemas again:
    inference-schema refuses a second @output_schema for the same "module.function".
    Returns snapshots to put back if the new generation fails to load."""
    snapshots = []
    for registry in _schema_registries():
        snapshots.append(dict(registry))
        for key in list(registry):
            module_name = key.rsplit(".", 1)[0]
            if module_name == ENTRY_MODULE_NAME or module_name not in sys.modules:
                del registry[key]
    return snapshots


def _restore_schemas(snapshots: list[dict[str, Any]]) -> None:
    for registry, snapshot in zip(_schema_registries(), snapshots):
        registry.clear()
        registry.update(snapshot)


def load_generation(
    number: int,
    entry_script: str,
    source_dir: str,
    keep_state: Optional[Callable[[ModuleType], bool]] = None,
) -> Generation:
    """Import the script as a fresh module and call init(); raise LoadError on any failure.

    ``keep_state(module)`` (a reload that keeps init()'s state) may carry the old
    generation's state over into the fresh module and return True to skip init()."""
    _reset_rawhttp_flags()
    schemas = _forget_stale_schemas()
    try:
        return _load(number, entry_script, source_dir, keep_state)
    except LoadError:
        _restore_schemas(schemas)
        raise
    finally:
        _dedupe_sys_path()


def _dedupe_sys_path() -> None:
    """Many score.py files ``sys.path.insert(0, <their folder>)`` at import: once per reload
    that grew sys.path by an entry per reload (each slowing every later import a little).
    The first occurrence of each entry is kept, so the insert still takes effect."""
    seen: set[str] = set()
    kept = [entry for entry in sys.path if not (entry in seen or seen.add(entry))]
    if len(kept) != len(sys.path):
        sys.path[:] = kept


def _load(
    number: int,
    entry_script: str,
    source_dir: str,
    keep_state: Optional[Callable[[ModuleType], bool]] = None,
) -> Generation:
    module = import_entry_module(entry_script, source_dir)
    run, mode, first_param, params, wants_headers = analyse_run(module, entry_script, source_dir)
    init_ran = keep_state is None or not keep_state(module)
    started = time.perf_counter()
    try:
        if init_ran:
            module.init()
    except BaseException as exc:
        if _is_ctrl_c(exc):
            raise
        raise LoadError("init", describe_exception(exc, source_dir)) from exc
    init_ms = (time.perf_counter() - started) * 1000
    logger.debug("run() input mode for %s: %s", os.path.basename(entry_script), mode)
    return Generation(
        number=number,
        module=module,
        run=run,
        input_mode=mode,
        input_parameter=first_param,
        schema_parameters=params,
        wants_request_headers=wants_headers,
        init_ms=init_ms if init_ran else 0.0,
        init_ran=init_ran,
    )
