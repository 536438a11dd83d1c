"""Settings users of azmlinfsrv (azureml-inference-server-http 1.5.1) already have.

``debugkit serve`` is meant as a drop-in for scripts that start azmlinfsrv, so it reads
the same environment variables and files, with the same precedence (command line, then
environment, then ``config.json``), as azmlinfsrv's ``amlserver.merge_configuration`` and
``server/config.py`` do:

* ``SCORING_TIMEOUT_MS``: the run() timeout when ``--request-timeout`` is not given;
* ``WORKER_COUNT`` / ``--worker_count``: worker processes in production mode;
* ``AML_CORS_ORIGINS`` / ``--access_control_allow_origins``: CORS headers;
* ``AZUREML_CONFIG_FILE`` / ``--config_file`` / ``config.json`` in the app root (or the
  entry script's folder): values for the variables above that the environment leaves unset;
* ``SEPERATE_HEALTH_ENDPOINT=true`` + ``HEALTH_PORT`` / ``--health_port`` (default 5000);
* ``HTTP_X_MS_SERVER_VERSION`` and its switch ``SERVER_VERSION_LOG_RESPONSE_ENABLED``;
* ``AML_APP_INSIGHTS_ENABLED`` / ``AML_APP_INSIGHTS_KEY`` /
  ``--appinsights_instrumentation_key``: kept in the script's environment; nothing is sent;
* ``logging.json`` in the app root (or the entry script's folder): ``logging.config.dictConfig``;
* ``print()`` in score.py: a timestamped log line (logger ``azmlinfsrv.print``).
"""

from __future__ import annotations

import builtins
import functools
import json
import logging
import logging.config
import os
import sys
from collections.abc import MutableMapping
from dataclasses import dataclass
from typing import Any, Optional

SCORING_TIMEOUT_MS = "SCORING_TIMEOUT_MS"
WORKER_COUNT = "WORKER_COUNT"
CORS_ORIGINS = "AML_CORS_ORIGINS"
CONFIG_FILE = "AZUREML_CONFIG_FILE"
SEPARATE_HEALTH = "SEPERATE_HEALTH_ENDPOINT"  # sic: azmlinfsrv's spelling
HEALTH_PORT = "HEALTH_PORT"
SERVER_VERSION = "HTTP_X_MS_SERVER_VERSION"
SERVER_VERSION_ENABLED = "SERVER_VERSION_LOG_RESPONSE_ENABLED"
APP_INSIGHTS_ENABLED = "AML_APP_INSIGHTS_ENABLED"
APP_INSIGHTS_KEY = "AML_APP_INSIGHTS_KEY"
DEFAULT_HEALTH_PORT = 5000
# what the runtimes pass from the environment 'up' runs in to the server's (not the ports,
# the timeout or the model folder, which the deployment configuration decides, nor host
# paths such as AZUREML_CONFIG_FILE)
PASS_THROUGH = (
    WORKER_COUNT,
    CORS_ORIGINS,
    SERVER_VERSION,
    SERVER_VERSION_ENABLED,
    APP_INSIGHTS_ENABLED,
    APP_INSIGHTS_KEY,
    "SERVICE_PATH_PREFIX",
    "SERVICE_NAME",
    "SERVICE_VERSION",
)
# config.json keys azmlinfsrv reads (the aliased fields of its settings class) that matter here
CONFIG_FILE_KEYS = (SCORING_TIMEOUT_MS, "SERVICE_PATH_PREFIX", "SERVICE_NAME", "SERVICE_VERSION")


class SettingError(ValueError):
    """A setting with a value azmlinfsrv would refuse too; the message names it."""


@dataclass(frozen=True)
class AzmlSettings:
    request_timeout_s: Optional[float]  # from SCORING_TIMEOUT_MS, None when unset
    worker_count: int
    cors_origins: tuple[str, ...]
    health_port: Optional[int]  # a separate health listener
    server_version: Optional[str]  # the x-ms-server-version header, None when switched off
    config_file: Optional[str]
    app_insights: bool


def apply_command_line(args: Any, environ: MutableMapping[str, str]) -> None:
    """azmlinfsrv's flags set its environment variables (``merge_configuration``)."""
    if getattr(args, "worker_count", None) is not None:
        environ[WORKER_COUNT] = str(args.worker_count)
    if getattr(args, "access_control_allow_origins", None) is not None:
        environ[CORS_ORIGINS] = args.access_control_allow_origins
    if getattr(args, "appinsights_instrumentation_key", None) is not None:
        environ[APP_INSIGHTS_ENABLED] = "true"
        environ[APP_INSIGHTS_KEY] = args.appinsights_instrumentation_key
    if getattr(args, "config_file", None):
        environ[CONFIG_FILE] = os.path.realpath(args.config_file)
    if getattr(args, "health_port", None) is not None:
        environ[HEALTH_PORT] = str(args.health_port)


def find_config_file(environ: MutableMapping[str, str], roots: list[str]) -> Optional[str]:
    """AZUREML_CONFIG_FILE, else a non-empty ``config.json`` in the app root or script folder."""
    candidates = [environ.get(CONFIG_FILE)] + [os.path.join(r, "config.json") for r in roots]
    for path in candidates:
        if path and os.path.isfile(path) and os.path.getsize(path) > 0:
            return path
    return None


def read_settings(
    environ: MutableMapping[str, str], roots: list[str], server_version: str
) -> AzmlSettings:
    """The settings from ``environ`` (updated with config.json values it lacks)."""
    config_file = find_config_file(environ, roots)
    if config_file:
        try:
            with open(config_file, encoding="utf-8") as f:
                values = json.load(f)
        except (OSError, ValueError) as exc:
            raise SettingError(
                f"{config_file} cannot be read as JSON ({exc}); fix or remove it"
            ) from None
        if not isinstance(values, dict):
            raise SettingError(f"{config_file} must hold a JSON object of settings")
        for key in CONFIG_FILE_KEYS:
            if values.get(key) is not None:
                environ.setdefault(key, str(values[key]))
    timeout_ms = _number(environ, SCORING_TIMEOUT_MS, minimum=1)
    workers = _number(environ, WORKER_COUNT, minimum=1)
    health: Optional[int] = None
    if environ.get(SEPARATE_HEALTH, "").lower() == "true":
        port = _number(environ, HEALTH_PORT, minimum=1)
        health = int(port) if port is not None else DEFAULT_HEALTH_PORT
    version: Optional[str] = None
    if environ.get(SERVER_VERSION_ENABLED, "true").lower() == "true":
        version = environ.get(SERVER_VERSION) or server_version
    origins = tuple(o.strip() for o in environ.get(CORS_ORIGINS, "").split(",") if o.strip())
    return AzmlSettings(
        request_timeout_s=timeout_ms / 1000 if timeout_ms is not None else None,
        worker_count=int(workers) if workers is not None else 1,
        cors_origins=origins,
        health_port=health,
        server_version=version,
        config_file=config_file,
        app_insights=environ.get(APP_INSIGHTS_ENABLED, "").lower() == "true",
    )


def _number(environ: MutableMapping[str, str], name: str, minimum: int) -> Optional[int]:
    raw = environ.get(name)
    if raw is None or raw == "":
        return None
    try:
        value = int(raw)
    except ValueError:
        value = minimum - 1
    if value < minimum:
        raise SettingError(f"{name}={raw!r} is not a whole number >= {minimum}; fix or unset it")
    return value


# --- CORS (as flask-cors configured by azmlinfsrv: methods GET and POST) -----------------


def cors_headers(origins: tuple[str, ...], headers: Any, method: str) -> dict[str, str]:
    """The CORS headers for a request with these headers, or {} when its origin is not allowed."""
    origin = headers.get("Origin")
    if not origins or not origin:
        return {}
    if "*" in origins:
        allowed = "*"
    elif origin in origins:
        allowed = origin
    else:
        return {}
    answer = {"Access-Control-Allow-Origin": allowed}
    if allowed != "*":
        answer["Vary"] = "Origin"
    if method == "OPTIONS" and headers.get("Access-Control-Request-Method"):
        answer["Access-Control-Allow-Methods"] = "GET, POST"
        requested = headers.get("Access-Control-Request-Headers")
        if requested:
            answer["Access-Control-Allow-Headers"] = requested
    return answer


# --- logging -------------------------------------------------------------------------------


def load_logging_json(roots: list[str]) -> Optional[str]:
    """Apply the first ``logging.json`` found, as azmlinfsrv does; return its path."""
    for root in roots:
        path = os.path.join(root, "logging.json")
        if os.path.isfile(path):
            try:
                with open(path, encoding="utf-8") as f:
                    logging.config.dictConfig(json.load(f))
            except (OSError, ValueError, TypeError, AttributeError, ImportError) as exc:
                raise SettingError(f"{path} is not a valid logging configuration ({exc})") from None
            # dictConfig disables loggers that exist already unless told otherwise; debugkit's
            # own lines (ready, reloads, errors) and print() must still reach the log
            for name, item in logging.root.manager.loggerDict.items():
                if isinstance(item, logging.Logger) and name.split(".")[0] in _KEEP_ENABLED:
                    item.disabled = False
            return path
    return None


_KEEP_ENABLED = ("debugkit", "azmlinfsrv")
_builtin_print = builtins.print
_print_logger = logging.getLogger("azmlinfsrv.print")


@functools.wraps(_builtin_print)
def _print_to_log(*objects: Any, sep: Optional[str] = " ", end: Optional[str] = "\n",
                  file: Any = None, flush: bool = False) -> None:  # fmt: skip
    if file is None or file is sys.stdout:
        _print_logger.info((" " if sep is None else sep).join(map(str, objects)))
    else:
        _builtin_print(*objects, sep=sep, end=end, file=file, flush=flush)


def redirect_print() -> None:
    """score.py's print() to stdout becomes a timestamped log line, as in azmlinfsrv."""
    builtins.print = _print_to_log
