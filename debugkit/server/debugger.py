"""debugpy, started at most once per process and only when asked for (fail-open)."""

from __future__ import annotations

import contextlib
import logging
import threading
from typing import Any, Optional

from debugkit.server.daprelay import DapRelay

logger = logging.getLogger("debugkit.server")


class Debugger:
    def __init__(self) -> None:
        self.port: Optional[int] = None
        self.host: Optional[str] = None
        self.problem: Optional[str] = None
        self.waiting = False  # holding init() until a client attaches (--wait-for-debugger)
        self._debugpy: Any = None
        self._lock = threading.Lock()

    @property
    def listening(self) -> bool:
        return self._debugpy is not None

    def listen(self, host: str, port: int) -> bool:
        """debugpy.listen once per process; a second call (e.g. after a reload) does nothing."""
        with self._lock:
            if self._debugpy is not None:
                return True
            try:
                import debugpy
            except ImportError:
                self.problem = "debugpy is not installed"
                logger.warning(
                    "debugkit: debugpy is not installed in this environment, so no debugger can "
                    "attach; serving anyway (add debugpy to the environment to debug)"
                )
                return False
            try:
                # The public port is the relay's (bound first, so a port in use is reported
                # as such); debugpy's adapter listens on a loopback port behind it.
                relay = DapRelay(host, port, ("127.0.0.1", 0))
                try:
                    adapter_host, adapter_port = debugpy.listen(("127.0.0.1", 0))
                except BaseException:
                    relay.close()
                    raise
                relay.adapter = (adapter_host, adapter_port)
                relay.start()
            except Exception as exc:  # port in use, already listening, ...
                self.problem = f"debugpy.listen failed: {exc}"
                logger.warning(
                    "debugkit: could not start debugpy on %s:%d (%s); serving anyway",
                    host,
                    port,
                    exc,
                )
                return False
            self._debugpy = debugpy
            self.host, self.port = host, port
            logger.info("debugkit: debugpy listening on %s:%d", host, port)
            return True

    def trace_current_thread(self, user_code: bool = True) -> None:
        """Let debugpy trace this thread only while it runs user code with a client attached.

        Before Python 3.12 debugpy traces with sys.settrace, which slows every line of a
        traced thread 2-3x even with nobody attached (bench/debug_overhead.py). Request
        threads (``user_code=False``) only run the server's own code, so they are never traced.
        """
        if self._debugpy is None:
            return
        with contextlib.suppress(Exception):  # bookkeeping must never fail a request
            self._debugpy.trace_this_thread(user_code and bool(self._debugpy.is_client_connected()))

    def wait_for_client(self) -> None:
        if self._debugpy is None:
            return
        self.waiting = True
        logger.info(
            "debugkit: waiting for a debugger to attach on port %s before init()", self.port
        )
        try:
            self._debugpy.wait_for_client()
        finally:
            self.waiting = False
        logger.info("debugkit: debugger attached")

    def status(self) -> dict[str, Any]:
        attached = False
        if self._debugpy is not None:
            try:
                attached = bool(self._debugpy.is_client_connected())
            except Exception:
                attached = False
        info: dict[str, Any] = {"port": self.port, "attached": attached}
        if self.waiting:
            info["waiting"] = True
        if self.problem:
            info["problem"] = self.problem
        return info
