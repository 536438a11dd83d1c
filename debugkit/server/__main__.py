"""`python -m debugkit.server`: the scoring server (``debugkit serve`` forwards here).

The HTTP port is bound first, then init() runs in the background, so the status route
answers (state ``starting``) while init() is still working.
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import math
import os
import sys
import threading
from typing import Optional

from debugkit.server import settingnames
from debugkit.server.profiles import DEFAULT_PROFILE, PROFILE_NAMES, get_profile

EXIT_USAGE = 2
EXIT_UNAVAILABLE = 3
MAX_WAIT_S = 86_400.0  # a day: longer is a typo (configvalues.SETTING_RANGES has the same bound)

logger = logging.getLogger("debugkit.server")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="debugkit serve",
        description="Serve an Azure ML scoring script (init()/run()) the way a deployment does.",
    )
    # azmlinfsrv's underscore spellings too, so scripts that start azmlinfsrv can start this
    parser.add_argument(
        "--entry-script",
        "--entry_script",
        help="the scoring script, e.g. score.py (default: $AZUREML_ENTRY_SCRIPT)",
    )
    parser.add_argument(
        "--source-dir",
        help="folder put on sys.path and used as the working directory "
        "(default: $AML_APP_ROOT, else the script's folder)",
    )
    parser.add_argument(
        "--model-dir",
        "--model_dir",
        help="sets AZUREML_MODEL_DIR, kept as given (default: the variable as set)",
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8890)
    parser.add_argument("--debug-port", type=int, help="start debugpy on this port before init()")
    parser.add_argument("--debug-host", default="127.0.0.1")
    parser.add_argument(
        "--wait-for-debugger", action="store_true", help="hold init() until a debugger attaches"
    )
    parser.add_argument(
        "--production",
        action="store_true",
        help="no error details, no /debugkit routes, no debugpy",
    )
    parser.add_argument(
        "--request-timeout",
        type=float,
        default=None,
        metavar="S",
        help="answer 504 (aks) or 408 (managed) after this; default 60 (aks) or 5 (managed)",
    )
    parser.add_argument("--max-concurrent", type=int, default=1, metavar="N", help="0 = unlimited")
    parser.add_argument("--max-body-mb", type=float, default=100.0, metavar="M")
    parser.add_argument(
        "--record-requests",
        type=int,
        default=50,
        metavar="N",
        help="keep the last N /score requests for 'debugkit replay' (debug mode only; 0 = none)",
    )
    parser.add_argument(
        "--target",
        choices=PROFILE_NAMES,
        default=DEFAULT_PROFILE,
        help="whose front end to answer like: aks (v1 AKS/ACI: 502/504/503 after a queue wait) "
        "or managed (v2 managed online endpoint: 424/408/429)",
    )
    parser.add_argument(
        "--worker-count",
        "--worker_count",
        type=int,
        metavar="N",
        help="worker processes in --production (default: $WORKER_COUNT, else 1); debug mode "
        "keeps one process so that one debugger sees every request",
    )
    parser.add_argument(
        "--health-port",
        "--health_port",
        type=int,
        metavar="P",
        help="with SEPERATE_HEALTH_ENDPOINT=true: also listen here (default 5000), as azmlinfsrv",
    )
    parser.add_argument(
        "--access-control-allow-origins",
        "--access_control_allow_origins",
        metavar="ORIGINS",
        help="CORS for these comma-separated origins (default: $AML_CORS_ORIGINS)",
    )
    parser.add_argument(
        "--appinsights-instrumentation-key",
        "--appinsights_instrumentation_key",
        metavar="KEY",
        help="sets AML_APP_INSIGHTS_ENABLED/_KEY for score.py; debugkit sends no telemetry",
    )
    parser.add_argument(
        "--config-file",
        "--config_file",
        metavar="F",
        help="azmlinfsrv settings as JSON (default: $AZUREML_CONFIG_FILE, else config.json "
        "in the app root)",
    )
    parser.add_argument(
        "--settings-format",
        choices=settingnames.FORMATS,
        help="name the project's settings as this format writes them in messages "
        "(debugkit.yaml, v2 deployment YAML, v1 deploymentconfig.json; default: Azure ML's "
        "setting names)",
    )
    # internal: a further production worker process sharing the port (SO_REUSEPORT)
    parser.add_argument("--reuse-port", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument(
        "--memory-limit-mb",
        type=float,
        metavar="M",
        help="stop the server like an OOM kill (exit 137) once it and its children use more "
        "than this (for runs without a container's memory limit)",
    )
    parser.add_argument(
        "--max-wait",
        type=float,
        default=None,
        metavar="S",
        help="aks: how long a request over --max-concurrent waits for a slot before 503 "
        "(max_request_wait_time, default 0.5)",
    )
    return parser


def _fail(message: str, code: int) -> int:
    print(f"debugkit serve: error: {message}", file=sys.stderr)
    return code


def _resolve_paths(args: argparse.Namespace) -> tuple[str, str]:
    """(entry script, source dir), both absolute. Raises ValueError with a user sentence."""
    source_dir = args.source_dir or os.environ.get("AML_APP_ROOT") or None
    entry = args.entry_script or os.environ.get("AZUREML_ENTRY_SCRIPT")
    if not entry:
        raise ValueError(
            "no entry script; pass --entry-script score.py (or set AZUREML_ENTRY_SCRIPT)"
        )
    if os.path.isabs(entry):
        entry_path = entry
    elif source_dir and os.path.exists(os.path.join(source_dir, entry)):
        entry_path = os.path.join(source_dir, entry)
    else:
        entry_path = os.path.abspath(entry)
    if not os.path.isfile(entry_path):
        raise ValueError(
            f"entry script {entry} not found (looked at {entry_path}); "
            "pass --entry-script with the path of your score.py"
        )
    if source_dir is None:
        source_dir = os.path.dirname(entry_path)
    if not os.path.isdir(source_dir):
        raise ValueError(f"source folder {source_dir} does not exist; fix --source-dir")
    return os.path.realpath(entry_path), os.path.realpath(source_dir)


def main(argv: Optional[list[str]] = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    args = build_parser().parse_args(argv)
    try:
        entry_script, source_dir = _resolve_paths(args)
    except ValueError as exc:
        return _fail(str(exc), EXIT_USAGE)
    if (
        args.max_concurrent < 0
        or (args.request_timeout is not None and args.request_timeout < 0)
        or args.max_body_mb <= 0
        or (args.max_wait is not None and args.max_wait < 0)
        or (args.memory_limit_mb is not None and args.memory_limit_mb <= 0)
    ):
        return _fail(
            "--max-concurrent, --request-timeout and --max-wait must be >= 0, "
            "--max-body-mb and --memory-limit-mb > 0",
            EXIT_USAGE,
        )
    # inf/nan pass the checks above; inf crashed the start, 1e300 overflowed every socket
    # timeout (each connection failed)
    for flag, value, most in (
        ("--request-timeout", args.request_timeout, MAX_WAIT_S),
        ("--max-wait", args.max_wait, MAX_WAIT_S),
        ("--max-body-mb", args.max_body_mb, math.inf),
        ("--memory-limit-mb", args.memory_limit_mb, math.inf),
    ):
        if value is not None and not (math.isfinite(value) and value <= most):
            return _fail(f"{flag} must be a finite number up to {most:g}, not {value}", EXIT_USAGE)
    profile = get_profile(args.target)
    from debugkit import __version__
    from debugkit.server import azmlinfsrv

    azmlinfsrv.apply_command_line(args, os.environ)
    # azmlinfsrv looks in AML_APP_ROOT; here that is the source folder in both runtimes (the
    # process runtime points AML_APP_ROOT at its models layout), then the script's folder
    roots = [source_dir, os.path.dirname(entry_script)]
    try:
        azml = azmlinfsrv.read_settings(os.environ, roots, f"debugkit/{__version__}")
    except azmlinfsrv.SettingError as exc:
        return _fail(str(exc), EXIT_USAGE)
    if args.request_timeout is not None:
        request_timeout_s = args.request_timeout
    elif azml.request_timeout_s is not None:
        request_timeout_s = azml.request_timeout_s
    else:
        request_timeout_s = profile.default_request_timeout_s

    # Imported after argument checks so `--help` and usage errors stay instant.
    from debugkit.server.app import create_app
    from debugkit.server.debugger import Debugger
    from debugkit.server.listeners import (
        build_server,
        serve_in_background,
        spawn_workers,
        stop_workers,
        worker_count_note,
    )
    from debugkit.server.options import ServerOptions
    from debugkit.server.service import ScoringService
    from debugkit.server.startup import (
        SHUTDOWN_BOUND_S,
        configure_logging,
        exit_within,
        install_stop_signals,
        prepare_process,
    )

    options = ServerOptions(
        entry_script=entry_script,
        source_dir=source_dir,
        model_dir=args.model_dir,
        host=args.host,
        port=args.port,
        debug_port=args.debug_port,
        debug_host=args.debug_host,
        wait_for_debugger=args.wait_for_debugger,
        production=args.production,
        request_timeout_s=request_timeout_s,
        max_concurrent=args.max_concurrent,
        max_body_mb=args.max_body_mb,
        record_requests=max(args.record_requests, 0),
        target=profile.name,
        max_wait_s=profile.default_max_wait_s if args.max_wait is None else args.max_wait,
        cors_origins=azml.cors_origins,
        server_version=azml.server_version,
        settings_format=args.settings_format,
    )
    configure_logging(options.production)
    try:
        logging_json = azmlinfsrv.load_logging_json(roots)
    except azmlinfsrv.SettingError as exc:
        return _fail(str(exc), EXIT_USAGE)
    if logging_json:
        logger.info("debugkit: loaded logging config from %s", logging_json)
    azmlinfsrv.redirect_print()
    if os.environ.get("WORKER_TIMEOUT"):
        logger.info(
            "debugkit: WORKER_TIMEOUT is not used: the request timeout (SCORING_TIMEOUT_MS, "
            "--request-timeout) stops a stuck run() without restarting the process"
        )
    if azml.app_insights:
        logger.info(
            "debugkit: AML_APP_INSIGHTS_ENABLED is passed on to score.py; debugkit sends no "
            "telemetry"
        )
    workers = azml.worker_count if args.worker_count is None else args.worker_count
    note = worker_count_note(workers, options.production)
    if note and not args.reuse_port:
        logger.info(note)
    if args.memory_limit_mb:
        from debugkit.server.memory import start_watchdog

        setting = f"memory_gb {args.memory_limit_mb / 1024:g}"
        if start_watchdog(args.memory_limit_mb, setting) is None:
            logger.warning("debugkit: --memory-limit-mb is not enforced here (no /proc)")
    prepare_process(options)
    # production mode always runs init() on a (restart's) load: never keeps its state
    service = ScoringService(
        options.entry_script, options.source_dir, keep_init=not options.production
    )
    debugger = Debugger()
    app = create_app(options, service, debugger)

    if args.reuse_port:
        # a further production worker: like a gunicorn worker it takes connections only
        # once its init() has run, so the kernel never hands it one to answer "starting"
        service.start()
    more_workers = workers - 1 if options.production and not args.reuse_port else 0
    server = build_server(
        options, app, options.port, reuse_port=args.reuse_port or more_workers > 0
    )
    health = (
        build_server(options, app, azml.health_port)
        if azml.health_port is not None and not args.reuse_port
        else None
    )
    for listener, flag in ((server, "--port"), (health, "--health_port")):
        try:
            if listener is not None:
                listener.prepare()  # binds, so a port in use is reported before init() runs
        except OSError as exc:
            host, port = listener.bind_addr[:2]
            return _fail(
                f"cannot listen on {host}:{port} ({exc.strerror or exc}); "
                f"stop what uses the port or pass another {flag}",
                EXIT_UNAVAILABLE,
            )
    if health is not None:
        serve_in_background(health, "debugkit-health")
        logger.info("debugkit: health (and scoring) also on port %s", health.bind_addr[1])
    worker_processes = spawn_workers(argv, server.bind_addr[1], more_workers)
    logger.info(
        "debugkit: starting %s on http://%s:%s (source %s; answers as %s: %s)",
        os.path.relpath(options.entry_script, options.source_dir),
        options.host,
        server.bind_addr[1],
        options.source_dir,
        profile.name,
        profile.description,
    )

    if options.debug_port is not None:
        if options.production:
            logger.warning("debugkit: --production ignores --debug-port; debugpy is not started")
        else:
            debugger.listen(options.debug_host, options.debug_port)

    def initialise() -> None:
        if options.wait_for_debugger and not options.production:
            debugger.wait_for_client()
        service.start()

    if not args.reuse_port:
        threading.Thread(target=initialise, name="debugkit-init", daemon=True).start()

    install_stop_signals()
    try:
        server.serve()
    except (SystemExit, KeyboardInterrupt):
        pass
    finally:
        logger.info("debugkit: stopping")
        exit_within(SHUTDOWN_BOUND_S)
        stop_workers(worker_processes, SHUTDOWN_BOUND_S - 1)
        for listener in (health, server):
            with contextlib.suppress(Exception):
                if listener is not None:
                    listener.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
