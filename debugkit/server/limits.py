"""Concurrency slots (with the front end's queue) and request timeouts for run().

run() executes in its own worker thread so the request can give up (504) while the
worker is stuck. The wait does not count time during which a debugger holds the
process paused, and a stuck worker is freed by injecting an exception into it.
"""

from __future__ import annotations

import ctypes
import dis
import logging
import queue
import sys
import threading
import time
import traceback
from collections import deque
from dataclasses import dataclass, field
from typing import Any, Callable, Optional

from debugkit.server.errorinfo import display_path, is_inside

logger = logging.getLogger("debugkit.server")
problems = logging.getLogger("debugkit.problems")

POLL_STEP_S = 0.05
# A poll step that took this long means the waiting thread itself was suspended
# (a debugger's "pause all threads"), so it is not counted.
SUSPENDED_STEP_S = 1.0


class RunTimedOut(BaseException):
    """Injected into a run() that outlived the request timeout (BaseException so a bare
    ``except Exception`` in the user's code does not swallow it)."""


ADMITTED = "admitted"
REFUSED = "refused"  # over the pending cap: refused at once (managed: 429)
WAITED_TOO_LONG = "waited_too_long"  # no slot within the wait bound (aks: 503, managed: 408)


class AdmissionQueue:
    """Concurrency slots with a first-come-first-served queue, as the deployed front ends do.

    A request over ``max_concurrent`` waits for a slot (up to ``max_wait_s``) instead of
    being refused at once: a second client is served as soon as the first run() ends. With
    ``max_pending`` > 0 a request that would make more than that many requests in flight
    (running + waiting) is refused without waiting (the managed endpoint's 429).
    ``max_concurrent`` 0 means unlimited. A freed slot is handed straight to the oldest
    waiter, so a newcomer cannot overtake the queue.
    """

    def __init__(self, max_concurrent: int, max_pending: int = 0) -> None:
        self.max_concurrent = max_concurrent
        self.max_pending = max_pending
        self._lock = threading.Lock()
        self._waiters: deque[threading.Event] = deque()
        self.busy = 0

    @property
    def waiting(self) -> int:
        return len(self._waiters)

    def acquire(self, max_wait_s: Optional[float]) -> str:
        """ADMITTED, REFUSED or WAITED_TOO_LONG; ``max_wait_s`` None waits without a bound,
        0 not at all."""
        with self._lock:
            if self.max_concurrent <= 0 or (self.busy < self.max_concurrent and not self._waiters):
                self.busy += 1
                return ADMITTED
            if self.max_pending and self.busy + len(self._waiters) >= self.max_pending:
                return REFUSED
            granted = threading.Event()
            self._waiters.append(granted)
        if granted.wait(max_wait_s):
            return ADMITTED
        with self._lock:
            if granted.is_set():  # handed a slot just as the wait ran out
                return ADMITTED
            self._waiters.remove(granted)
        return WAITED_TOO_LONG

    def release(self) -> None:
        with self._lock:
            if self._waiters:
                self._waiters.popleft().set()  # the slot passes on; busy stays the same
            else:
                self.busy -= 1


@dataclass
class RunOutcome:
    value: Any = None
    error: Optional[BaseException] = None
    timed_out: bool = False
    stack: list[str] = field(default_factory=list)  # where a timed-out run() was stuck
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


def wait_unpaused(
    done: threading.Event, thread: Callable[[], Optional[threading.Thread]], limit_s: float
) -> float:
    """Wait until ``done`` is set or ``limit_s`` of counted time has passed; the seconds
    counted (< ``limit_s``: ``done`` was set). A step is not counted while the debugger
    holds ``thread()`` or when it took over SUSPENDED_STEP_S (the whole process was paused)."""
    counted = 0.0
    while counted < limit_s:
        before = time.monotonic()
        if done.wait(POLL_STEP_S):
            break
        step = time.monotonic() - before
        current = thread()
        if step > SUSPENDED_STEP_S or (
            current is not None and _thread_suspended_by_debugger(current)
        ):
            continue
        counted += step
    return counted


def _inject(thread_id: int, exc_type: type[BaseException]) -> bool:
    changed = ctypes.pythonapi.PyThreadState_SetAsyncExc(
        ctypes.c_ulong(thread_id), ctypes.py_object(exc_type)
    )
    if changed > 1:  # should never happen; undo to be safe
        ctypes.pythonapi.PyThreadState_SetAsyncExc(ctypes.c_ulong(thread_id), None)
        return False
    return changed == 1


def _in_c_call(thread_id: int) -> bool:
    """Whether the thread is inside a call to C code (time.sleep, socket.recv, a lock): its
    innermost Python frame is at a CALL instruction (a Python callee has its own frame)."""
    frame = sys._current_frames().get(thread_id)
    if frame is None:
        return False
    code = frame.f_code.co_code
    index = frame.f_lasti
    return 0 <= index < len(code) and dis.opname[code[index]].startswith(("CALL", "PRECALL"))


def stop_when_in_python(
    thread: threading.Thread, exc_type: type[BaseException], running: Callable[[], bool]
) -> None:
    """Inject ``exc_type`` into ``thread`` (delivered when it next runs Python code).

    Before Python 3.12 with debugpy loaded, never while the thread is blocked in C: an
    exception pending for such a thread froze the whole server (every other thread,
    cheroot's accept loop included, spun on the interpreter's eval breaker holding the
    GIL) until the call returned, forever for a read without timeout. There it is injected
    once the thread is seen outside a C call; a loop that is almost always in C (sleeping
    in short steps) may then keep running, and keeps its slot (the 503s say where)."""
    ident = thread.ident
    if ident is None:
        return
    if sys.version_info >= (3, 12) or "pydevd" not in sys.modules:
        _inject(ident, exc_type)
        return

    def watch() -> None:
        while running() and thread.is_alive():
            if not _in_c_call(ident):
                _inject(ident, exc_type)
                return
            time.sleep(POLL_STEP_S)

    if not _in_c_call(ident):
        _inject(ident, exc_type)
    else:
        threading.Thread(target=watch, name="debugkit-stop-run", daemon=True).start()


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


class _Task:
    def __init__(
        self, call: Callable[[], Any], on_exit: Callable[[], None], request_id: str
    ) -> None:
        self.call = call
        self.on_exit = on_exit
        self.request_id = request_id
        self.outcome = RunOutcome()
        self.done = threading.Event()
        self.lock = threading.Lock()  # orders "finished" against "abandoned + injected"
        self.finished = False
        self.abandoned = False
        self.thread: Optional[threading.Thread] = None
        self.what = ""  # e.g. "generation 3", for the reports of a stuck run()


class RunExecutor:
    """Runs run() on pooled worker threads, bounded by a timeout that a debugger pause stops.

    A worker whose run() outlived the timeout gets RunTimedOut injected and then retires,
    so a late-delivered injected exception can never hit another request's run().
    """

    def __init__(
        self,
        timeout_s: float,
        source_dir: str,
        timeout_status: int,
        before_run: Optional[Callable[[], None]] = None,
    ) -> None:
        self.timeout_s = timeout_s
        self.timeout_status = timeout_status  # the profile's (profiles.py), named in the log
        self.source_dir = source_dir
        self.before_run = before_run  # called on the worker thread before each run()
        self._tasks: queue.SimpleQueue[_Task] = queue.SimpleQueue()
        self._idle = 0
        self._idle_lock = threading.Lock()
        self._spawned = 0
        self._abandoned: set[_Task] = set()  # timed out, still running (e.g. blocked in C)

    # -- workers -------------------------------------------------------------------

    def _submit(self, task: _Task) -> None:
        with self._idle_lock:
            if self._idle > 0:
                self._idle -= 1
                spawn = False
            else:
                spawn = True
                self._spawned += 1
                number = self._spawned
        if spawn:
            threading.Thread(target=self._worker, name=f"run-worker-{number}", daemon=True).start()
        self._tasks.put(task)

    def _worker(self) -> None:
        try:
            while True:
                task = self._tasks.get()
                if not self._run_task(task):
                    return  # abandoned after a timeout: retire this thread
                with self._idle_lock:
                    self._idle += 1
        except RunTimedOut:
            return  # a late injected exception in a retiring worker

    def _run_task(self, task: _Task) -> bool:
        task.thread = threading.current_thread()
        if self.before_run is not None:
            self.before_run()
        started = time.perf_counter()
        try:
            try:
                task.outcome.value = task.call()
            except RunTimedOut:
                logger.warning("debugkit: stuck run() for request %s was stopped", task.request_id)
            except BaseException as exc:
                task.outcome.error = exc
            finally:
                task.outcome.elapsed_ms = (time.perf_counter() - started) * 1000
                with task.lock:
                    task.finished = True
                    abandoned = task.abandoned
                task.done.set()
        finally:
            task.on_exit()
        if abandoned:
            self._abandoned.discard(task)
            logger.info("debugkit: worker for request %s has ended", task.request_id)
        return not abandoned

    # -- requests ------------------------------------------------------------------

    def execute(
        self,
        call: Callable[[], Any],
        on_worker_exit: Callable[[], None],
        request_id: str,
        what: str = "",
    ) -> RunOutcome:
        """Run ``call``; ``on_worker_exit`` runs when the worker really ends (even after a 504)."""
        task = _Task(call, on_worker_exit, request_id)
        task.what = what
        self._submit(task)
        if self.timeout_s <= 0:
            task.done.wait()
            return task.outcome
        counted = wait_unpaused(task.done, lambda: task.thread, self.timeout_s)
        if counted < self.timeout_s:
            return task.outcome
        thread = task.thread
        with task.lock:
            if task.finished:
                return task.outcome
            task.abandoned = True
            self._abandoned.add(task)
            timed_out = RunOutcome(timed_out=True, elapsed_ms=counted * 1000)
            if thread is not None and thread.ident is not None:
                timed_out.stack = self._report_stuck(thread, request_id)
                stop_when_in_python(thread, RunTimedOut, lambda: not task.finished)
        return timed_out

    def stuck_runs(self) -> list[str]:
        """One line per run() that outlived its timeout and still holds its slot: which
        request, ``what`` it ran on, and the line it is at now."""
        lines = []
        for task in list(self._abandoned):
            thread = task.thread
            stack = format_user_stack(thread.ident or 0, self.source_dir) if thread else []
            where = stack[-1].split(": in ", 1)[0] if stack else "code outside the source folder"
            what = f" ({task.what})" if task.what else ""
            lines.append(f"run() of request {task.request_id}{what}, still at {where}")
        return lines

    def _report_stuck(self, worker: threading.Thread, request_id: str) -> list[str]:
        stack = format_user_stack(worker.ident or 0, self.source_dir)
        lines = [
            f"debugkit: run() for request {request_id} exceeded the request timeout of "
            f"{self.timeout_s:g} s; answering {self.timeout_status}. Its current stack:"
        ]
        lines += [f"  {line}" for line in stack] or ["  (no frame inside the source folder)"]
        logger.error("\n".join(lines))
        if stack:
            # The innermost user frame, in the form problem matchers read.
            where = stack[-1].split(": in ", 1)[0]
            problems.error(
                "%s: error: Timeout: run() exceeded the request timeout of %g s",
                where,
                self.timeout_s,
            )
        return stack
