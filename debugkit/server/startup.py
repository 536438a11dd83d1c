"""Process setup before the user's code runs: paths, Azure ML's environment variables,
the azureml shim, logging."""

from __future__ import annotations

import importlib.util
import logging
import os
import signal
import sys
import threading
from typing import Any

from debugkit.server import sourceloader
from debugkit.server.options import ServerOptions

SHIMS_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "shims")


def configure_logging(production: bool) -> None:
    level = logging.INFO
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # Problem-matcher lines: `FILE:LINE: error: TYPE: MESSAGE` alone on their line.
    problems = logging.getLogger("debugkit.problems")
    problems.propagate = False
    plain = logging.StreamHandler(sys.stderr)
    plain.setFormatter(logging.Formatter("%(message)s"))
    problems.handlers[:] = [plain]
    problems.setLevel(logging.INFO)
    logging.getLogger("cheroot").setLevel(logging.WARNING)
    if not production:
        # Model.get_model_path's candidate paths: what users need first when a model is missing.
        model_logger = logging.getLogger("azureml.core.model")
        model_logger.setLevel(logging.DEBUG)
        model_logger.addFilter(lookup_lines_only)


def lookup_lines_only(record: logging.LogRecord) -> bool:
    """azureml-core's get_model_path also logs, at DEBUG and on every call, the workspace
    lookup it tries first: the whole RunEnvironmentException (a dozen lines with its JSON
    error response), 'Run is ...'. Keep its one-line path lines and everything above DEBUG."""
    if record.levelno > logging.DEBUG:
        return True
    if record.exc_info:
        return False
    message = record.getMessage()
    return "\n" not in message and not message.startswith(
        ("RunEnvironmentException", "Run is ", "RH is ")
    )


def _importable(name: str) -> bool:
    try:
        return importlib.util.find_spec(name) is not None
    except (ImportError, ValueError):
        return False


def _model_dir_as_given(options: ServerOptions) -> str:
    """AZUREML_MODEL_DIR as the user wrote it (azmlinfsrv keeps ``./my/dir`` relative), unless
    the working directory change to the source folder would make it point elsewhere."""
    given = str(options.model_dir)
    if os.path.isabs(given):
        return given
    here = os.path.abspath(given)
    if here == os.path.abspath(os.path.join(options.source_dir, given)):
        return given
    logging.getLogger("debugkit.server").info(
        "debugkit: AZUREML_MODEL_DIR=%s (--model-dir %s is relative to the folder debugkit "
        "was started in, not to the source folder it runs in)",
        here,
        given,
    )
    return here


def prepare_process(options: ServerOptions) -> None:
    sys.dont_write_bytecode = True
    os.environ.setdefault("AML_APP_ROOT", options.source_dir)
    if options.model_dir:
        os.environ["AZUREML_MODEL_DIR"] = _model_dir_as_given(options)
    os.environ["AZUREML_ENTRY_SCRIPT"] = os.path.relpath(options.entry_script, options.source_dir)
    if sys.path[0:1] != [options.source_dir]:
        sys.path.insert(0, options.source_dir)
    os.chdir(options.source_dir)
    sourceloader.install(options.source_dir)
    missing = [
        name for name in ("azureml.core", "azureml_inference_server_http") if not _importable(name)
    ]
    if missing:
        # Appended, never prepended: an installed azureml-core or inference server always
        # wins over the stand-ins.
        sys.path.append(SHIMS_DIR)
        logging.getLogger("debugkit.server").debug(
            "not installed: %s; using debugkit's stand-ins", ", ".join(missing)
        )


# Stopping never takes longer than this: cheroot waits for its request threads, and a run()
# that never returns (or a second signal landing inside server.stop()) must not keep the
# process, and its port, alive.
SHUTDOWN_BOUND_S = 5.0


def install_stop_signals() -> None:
    """SIGTERM and SIGINT end ``serve()`` once; later signals are ignored, so a second
    SIGTERM 0-1 ms after the first cannot interrupt the shutdown half-way (which left
    cheroot's worker threads running and the process hung with its port open).
    SIG_IGN rather than a flag: Python restores default handlers while it finalises,
    where a late SIGTERM would otherwise still kill the process (exit -15)."""

    def stop(signum: int, _frame: Any) -> None:
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        raise SystemExit(0)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)


def exit_within(seconds: float) -> None:
    """Make sure the process is gone ``seconds`` from now, whatever is still running."""

    def force() -> None:
        logging.getLogger("debugkit.server").warning(
            "debugkit: shutdown took over %g s; exiting now", seconds
        )
        logging.shutdown()
        os._exit(0)

    timer = threading.Timer(seconds, force)
    timer.daemon = True
    timer.start()
