"""Concurrency slots and request timeouts for run().

run() executes in its own worker thread so the request can give up (504) while the
worker is stuck. The wait does not count time during which a debugger holds the
process paused, and a stuck worker is freed by injecting an exception into it.
"""

from __future__ import annotations

import ctypes
import logging
import sys
import threading
import time
import traceback
from dataclasses import dataclass
from typing import Any, Callable, Optional

from debugkit.server.errorinfo import display_path, is_inside

logger = logging.getLogger("debugkit.server")

POLL_STEP_S = 0.05
# A poll step that took this long means the waiting thread itself was suspended
# (a debugger's "pause all threads"), so it is not counted.
SUSPENDED_STEP_S = 1.0


class RunTimedOut(BaseException):
    """Injected into a run() that outlived the request timeout (BaseException so a bare
    ``except Exception`` in the user's code does not swallow it)."""


class ConcurrencyLimiter:
    """Non-blocking slots: a request over the limit is refused at once (503)."""

    def __init__(self, max_concurrent: int) -> None:
        self.max_concurrent = max_concurrent
        self._semaphore = threading.Semaphore(max_concurrent) if max_concurrent > 0 else None
        self._lock = threading.Lock()
        self.busy = 0

    def try_acquire(self) -> bool:
        if self._semaphore is not None and not self._semaphore.acquire(blocking=False):
            return False
        with self._lock:
            self.busy += 1
        return True

    def release(self) -> None:
        with self._lock:
            self.busy -= 1
        if self._semaphore is not None:
            self._semaphore.release()


@dataclass
class RunOutcome:
    value: Any = None
    error: Optional[BaseException] = None
    timed_out: bool = False
    elapsed_ms: float = 0.0


def _thread_suspended_by_debugger(thread: threading.Thread) -> bool:
    """True while pydevd (debugpy) holds this thread at a breakpoint or pause."""
    if "pydevd" not in sys.modules:
        return False
    try:
        info = thread.additional_info  # type: ignore[attr-defined]
        from _pydevd_bundle.pydevd_constants import STATE_SUSPEND

        return info.pydev_state == STATE_SUSPEND
    except Exception:
        return False


def _inject(thread_id: int, exc_type: type[BaseException]) -> bool:
    changed = ctypes.pythonapi.PyThreadState_SetAsyncExc(
        ctypes.c_ulong(thread_id), ctypes.py_object(exc_type)
    )
    if changed > 1:  # should never happen; undo to be safe
        ctypes.pythonapi.PyThreadState_SetAsyncExc(ctypes.c_ulong(thread_id), None)
        return False
    return changed == 1


def format_user_stack(thread_id: int, source_dir: str) -> list[str]:
    """file:line of each frame of the thread's current stack inside the source folder."""
    frame = sys._current_frames().get(thread_id)
    if frame is None:
        return []
    lines = []
    for summary in traceback.extract_stack(frame):
        if is_inside(summary.filename, source_dir):
            code = (summary.line or "").strip()
            where = display_path(summary.filename, source_dir)
            lines.append(f"{where}:{summary.lineno}: in {summary.name}: {code}")
    return lines


class RunExecutor:
    """Runs run() in a worker thread, bounded by a timeout that a debugger pause stops."""

    def __init__(self, timeout_s: float, source_dir: str) -> None:
        self.timeout_s = timeout_s
        self.source_dir = source_dir

    def execute(
        self,
        call: Callable[[], Any],
        on_worker_exit: Callable[[], None],
        request_id: str,
    ) -> RunOutcome:
        """Run ``call``; ``on_worker_exit`` runs when the worker really ends (even after a 504)."""
        outcome = RunOutcome()
        done = threading.Event()
        abandoned = threading.Event()

        def work() -> None:
            started = time.perf_counter()
            try:
                outcome.value = call()
            except RunTimedOut:
                logger.warning("debugkit: stuck run() for request %s was stopped", request_id)
            except BaseException as exc:
                outcome.error = exc
            finally:
                outcome.elapsed_ms = (time.perf_counter() - started) * 1000
                done.set()
                try:
                    on_worker_exit()
                finally:
                    if abandoned.is_set():
                        logger.info("debugkit: worker for request %s has ended", request_id)

        worker = threading.Thread(target=work, name=f"run-{request_id[:8]}", daemon=True)
        worker.start()
        if self.timeout_s <= 0:
            done.wait()
            return outcome

        counted = 0.0
        while not done.is_set():
            before = time.monotonic()
            if done.wait(POLL_STEP_S):
                break
            step = time.monotonic() - before
            if step > SUSPENDED_STEP_S or _thread_suspended_by_debugger(worker):
                continue
            counted += step
            if counted >= self.timeout_s:
                if done.is_set():
                    break
                outcome.timed_out = True
                abandoned.set()
                self._report_stuck(worker, request_id)
                if worker.ident is not None:
                    _inject(worker.ident, RunTimedOut)
                return outcome
        return outcome

    def _report_stuck(self, worker: threading.Thread, request_id: str) -> None:
        stack = format_user_stack(worker.ident or 0, self.source_dir)
        lines = [
            f"debugkit: run() for request {request_id} exceeded the request timeout of "
            f"{self.timeout_s:g} s; answering 504. Its current stack:"
        ]
        lines += [f"  {line}" for line in stack] or ["  (no frame inside the source folder)"]
        logger.error("\n".join(lines))
