"""Process setup before the user's code runs: paths, Azure ML's environment variables,
the azureml shim, logging."""

from __future__ import annotations

import importlib.util
import logging
import os
import sys

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
        logging.getLogger("azureml.core.model").setLevel(logging.DEBUG)


def _importable(name: str) -> bool:
    try:
        return importlib.util.find_spec(name) is not None
    except (ImportError, ValueError):
        return False


def prepare_process(options: ServerOptions) -> None:
    sys.dont_write_bytecode = True
    os.environ.setdefault("AML_APP_ROOT", options.source_dir)
    if options.model_dir:
        os.environ["AZUREML_MODEL_DIR"] = os.path.abspath(options.model_dir)
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
