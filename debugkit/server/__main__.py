"""`python -m debugkit.server`: the scoring server (``debugkit serve`` forwards here).

The HTTP port is bound first, then init() runs in the background, so the status route
answers (state ``starting``) while init() is still working.
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import os
import sys
import threading
from typing import Optional

from debugkit.server.profiles import DEFAULT_PROFILE, PROFILE_NAMES, get_profile

EXIT_USAGE = 2
EXIT_UNAVAILABLE = 3

logger = logging.getLogger("debugkit.server")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="debugkit serve",
        description="Serve an Azure ML scoring script (init()/run()) the way a deployment does.",
    )
    parser.add_argument("--entry-script", required=True, help="the scoring script, e.g. score.py")
    parser.add_argument(
        "--source-dir",
        help="folder put on sys.path and used as the working directory "
        "(default: $AML_APP_ROOT, else the script's folder)",
    )
    parser.add_argument("--model-dir", help="sets AZUREML_MODEL_DIR (default: the variable as set)")
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
        "--target",
        choices=PROFILE_NAMES,
        default=DEFAULT_PROFILE,
        help="whose front end to answer like: aks (v1 AKS/ACI: 502/504/503 after a queue wait) "
        "or managed (v2 managed online endpoint: 424/408/429)",
    )
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
    entry = args.entry_script
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
    profile = get_profile(args.target)

    # Imported after argument checks so `--help` and usage errors stay instant.
    from cheroot import wsgi

    from debugkit.server.app import create_app
    from debugkit.server.debugger import Debugger
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
        request_timeout_s=(
            profile.default_request_timeout_s
            if args.request_timeout is None
            else args.request_timeout
        ),
        max_concurrent=args.max_concurrent,
        max_body_mb=args.max_body_mb,
        target=profile.name,
        max_wait_s=profile.default_max_wait_s if args.max_wait is None else args.max_wait,
    )
    configure_logging(options.production)
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

    # Requests over max_concurrent wait in the admission queue on a server thread, so there
    # are threads for them (managed: up to 2 x max_concurrent in flight) plus a few for
    # health, status and the over-capacity answers; more connections queue in cheroot.
    threads = 2 * options.max_concurrent + 8 if options.max_concurrent > 0 else 16
    server = wsgi.Server(
        (options.host, options.port),
        app,
        numthreads=threads,
        server_name="debugkit",
        request_queue_size=64,
        timeout=max(120, int(options.request_timeout_s) + 30),
    )
    server.max_request_body_size = options.max_body_bytes + 1024 * 1024
    try:
        server.prepare()  # binds the port, so a port in use is reported before init() runs
    except OSError as exc:
        return _fail(
            f"cannot listen on {options.host}:{options.port} ({exc.strerror or exc}); "
            "stop what uses the port or pass another --port",
            EXIT_UNAVAILABLE,
        )
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

    threading.Thread(target=initialise, name="debugkit-init", daemon=True).start()

    install_stop_signals()
    try:
        server.serve()
    except (SystemExit, KeyboardInterrupt):
        pass
    finally:
        logger.info("debugkit: stopping")
        exit_within(SHUTDOWN_BOUND_S)
        with contextlib.suppress(Exception):
            server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
