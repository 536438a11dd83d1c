"""A reload's bounded wait: init() that never returns must not hold ``POST /debugkit/reload``
(and ``up``'s watcher) forever.

The load runs in its own thread. The request waits up to ``wait_s``, not counting time
while a debugger holds that thread (stepping through init() is not being stuck); then it
answers with the line init() is stuck on, and an exception is injected into the load so
that, if init() is in Python code, the load fails like any init() error and the last good
generation keeps serving. Code blocked in C (a socket read without timeout) keeps the
thread until it returns: later reloads say so at once instead of queueing behind it.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any, Callable, Optional

from debugkit.server.limits import format_user_stack, stop_when_in_python, wait_unpaused

RELOAD_WAIT_S = 120.0  # as long as `up` waits for a reload's answer (client.reload)


class ReloadTimedOut(BaseException):
    """Injected into a load that outlived the wait (BaseException: ``except Exception``
    in init() must not swallow it)."""


@dataclass
class Waited:
    finished: bool
    value: Any = None
    stack: list[str] = field(default_factory=list)  # where the load was when the wait ended


class BoundedLoads:
    """Runs loads one at a time in their own thread, each waited for at most ``wait_s``."""

    def __init__(self, source_dir: str, wait_s: float = RELOAD_WAIT_S) -> None:
        self.source_dir = source_dir
        self.wait_s = wait_s
        self._running: Optional[threading.Thread] = None  # a load that outlived its wait

    def stuck_stack(self) -> Optional[list[str]]:
        """Where an earlier load that outlived its wait still is, or None."""
        thread = self._running
        if thread is None or not thread.is_alive():
            self._running = None
            return None
        return format_user_stack(thread.ident or 0, self.source_dir)

    def run(self, load: Callable[[], Any]) -> Waited:
        box: dict[str, Any] = {}
        done = threading.Event()

        def work() -> None:
            try:
                box["value"] = load()
            except ReloadTimedOut:
                box["value"] = None  # the wait already answered
            except BaseException as exc:  # handed to the waiting request
                box["error"] = exc
            finally:
                done.set()

        thread = threading.Thread(target=work, name="debugkit-reload", daemon=True)
        thread.start()
        wait_unpaused(done, lambda: thread, self.wait_s)
        if done.is_set():
            if "error" in box:
                raise box["error"]
            return Waited(True, box.get("value"))
        stack = format_user_stack(thread.ident or 0, self.source_dir)
        self._running = thread
        stop_when_in_python(thread, ReloadTimedOut, lambda: not done.is_set())
        return Waited(False, stack=stack)
