"""The HTTP listeners: the scoring port, azmlinfsrv's separate health port, and the extra
worker processes of production mode (``WORKER_COUNT``).

azmlinfsrv runs gunicorn with ``WORKER_COUNT`` sync worker processes, each with its own
init(). Production mode does the same with processes that share the port through
SO_REUSEPORT (the kernel spreads connections over them). Debug mode always keeps one
process, so that one debugger sees every request and one reload reaches every request.
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import subprocess
import sys
import threading
import time
from typing import Any, Optional

from cheroot import wsgi

from debugkit.server.framing import harden, keep_threads_free
from debugkit.server.options import ServerOptions

logger = logging.getLogger("debugkit.server")


def build_server(options: ServerOptions, app: Any, port: int, reuse_port: bool = False) -> Any:
    # Requests over max_concurrent wait in the admission queue on a server thread, so there
    # are threads for them (managed: up to 2 x max_concurrent in flight) plus a few for
    # health, status and the over-capacity answers; more connections queue in cheroot.
    threads = 2 * options.max_concurrent + 8 if options.max_concurrent > 0 else 16
    server = wsgi.Server(
        (options.host, port),
        app,
        numthreads=threads,
        server_name="debugkit",
        request_queue_size=64,
        timeout=max(120, int(options.request_timeout_s) + 30),
        reuse_port=reuse_port,
    )
    server.max_request_body_size = options.max_body_bytes + 1024 * 1024
    harden(server)
    keep_threads_free(server)
    return server


def serve_in_background(server: Any, name: str) -> threading.Thread:
    """``server`` must be prepared (bound) already."""
    thread = threading.Thread(target=server.serve, name=name, daemon=True)
    thread.start()
    return thread


def spawn_workers(argv: list[str], port: int, count: int) -> list[subprocess.Popen]:
    """``count`` more server processes on the same port (each runs its own init())."""
    command = [sys.executable, "-m", "debugkit.server", *_without(argv, ("--port",))]
    command += ["--port", str(port), "--reuse-port", "--worker-count", "1"]
    env = {**os.environ, "WORKER_COUNT": "1", "SEPERATE_HEALTH_ENDPOINT": "false"}
    return [
        subprocess.Popen(command, env=env, stdin=subprocess.DEVNULL, preexec_fn=_die_with_parent)
        for _ in range(count)
    ]


def stop_workers(workers: list[subprocess.Popen], timeout_s: float) -> None:
    for worker in workers:
        with contextlib.suppress(OSError):
            worker.send_signal(signal.SIGTERM)
    deadline = time.monotonic() + timeout_s
    for worker in workers:
        try:
            worker.wait(max(0.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            worker.kill()


def _without(argv: list[str], options: tuple[str, ...]) -> list[str]:
    """argv minus ``options`` (and their values) and any worker-count spelling."""
    drop = {*options, "--worker-count", "--worker_count"}
    kept: list[str] = []
    skip = False
    for arg in argv:
        if skip:
            skip = False
            continue
        name = arg.split("=", 1)[0]
        if name in drop:
            skip = "=" not in arg
            continue
        kept.append(arg)
    return kept


def _die_with_parent() -> None:
    if sys.platform.startswith("linux"):
        import ctypes

        pr_set_pdeathsig = 1
        with contextlib.suppress(OSError, AttributeError):
            ctypes.CDLL("libc.so.6", use_errno=True).prctl(pr_set_pdeathsig, signal.SIGTERM)


def worker_count_note(requested: int, production: bool) -> Optional[str]:
    if requested <= 1:
        return None
    if production:
        return f"debugkit: {requested} worker processes (WORKER_COUNT), each runs init()"
    return (
        f"debugkit: WORKER_COUNT={requested} is not used in debug mode: one process serves, so "
        "that one debugger sees every request; --production runs that many worker processes"
    )
