"""How a foreground ``debugkit up`` ends, and knowing why.

It ends by Ctrl-C, by SIGTERM (how VS Code stops a task), by SIGHUP (a closed terminal),
by ``debugkit down`` from another shell, or because its server exited. The first three
clean up alike; ``down`` has already cleaned up; a server that exited keeps its record
and log for ``debugkit logs``. SIGKILL leaves no chance: :mod:`debugkit.runtime.reaper`
covers it.
"""

from __future__ import annotations

import contextlib
import signal
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from debugkit import session as sessions

STOP_SIGNALS = (signal.SIGTERM, signal.SIGHUP)
DOWN = "down"
EXITED = "exited"


class Stopped(KeyboardInterrupt):
    """SIGTERM or SIGHUP, raised where Ctrl-C's KeyboardInterrupt would be, so the same
    cleanup runs; the process then exits with the shell's code for that signal."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum
        self.name = signal.Signals(signum).name
        self.exit_code = 128 + signum


def _in_main_thread() -> bool:
    return threading.current_thread() is threading.main_thread()


@contextlib.contextmanager
def stop_signals_interrupt() -> Iterator[None]:
    """While inside, SIGTERM and SIGHUP raise :class:`Stopped` in the main thread."""
    if not _in_main_thread():  # signal handlers can only be set there
        yield
        return

    def raise_stopped(signum: int, _frame: Any) -> None:
        raise Stopped(signum)

    previous = {sig: signal.signal(sig, raise_stopped) for sig in STOP_SIGNALS}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


@contextlib.contextmanager
def shielded() -> Iterator[list[int]]:
    """Cleanup runs to its end: Ctrl-C, SIGTERM and SIGHUP arriving meanwhile are only
    noted (in the yielded list). Stopping a container takes the engine up to a few seconds,
    and a second Ctrl-C in that time must not leave it half removed."""
    held: list[int] = []
    if not _in_main_thread():
        yield held
        return
    previous = {
        sig: signal.signal(sig, lambda signum, _frame: held.append(signum))
        for sig in (signal.SIGINT, *STOP_SIGNALS)
    }
    try:
        yield held
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


@dataclass(frozen=True)
class Ended:
    """Why a session ended while its ``up`` watched it."""

    how: str  # DOWN or EXITED
    detail: str  # e.g. "exit code 137"; empty when there is nothing to add
    session: sessions.Session | None  # the last record seen (EXITED: the dead server's)


def why_ended(project_key: str, runtimes: dict[str, Any]) -> Ended | None:
    """None while the project's session runs; else how it ended (``runtimes`` caches one
    runtime object, and so one engine client, per runtime name)."""
    return record_ended(sessions.load(project_key), runtimes)


def record_ended(record: sessions.Session | None, runtimes: dict[str, Any]) -> Ended | None:
    """:func:`why_ended` for a record already read (None: it is gone)."""
    from debugkit.runtime import get_runtime

    if record is None or record.stopped_by:
        return Ended(DOWN, record.stopped_by if record else "", record)
    if record.runtime not in runtimes:
        runtimes[record.runtime] = get_runtime(record.runtime)
    runtime = runtimes[record.runtime]
    if runtime.is_running(record):
        return None
    detail = runtime.exit_reason(record) or ""
    if record.rebuild_error and not detail:  # a restart stopped it and could not start anew
        detail = f"the restart failed: {record.rebuild_error}"
    return Ended(EXITED, detail, record)


class SessionMonitor(threading.Thread):
    """Calls ``on_end`` once the session is stopped by ``down`` or its server exits.

    ``lock`` is held by whoever replaces the session (a restart removes the record and
    writes a new one): the check waits for it rather than mistaking a restart for an end.
    """

    def __init__(
        self,
        project_key: str,
        on_end: Callable[[Ended], None],
        lock: threading.Lock | None = None,
        interval: float = 0.5,
        runtimes: dict[str, Any] | None = None,
    ) -> None:
        """``runtimes``: the runtime objects that started the server, by name: a process
        runtime's own child tells its exit code only to the object holding it."""
        super().__init__(name="debugkit-session-monitor", daemon=True)
        self._key = project_key
        self._on_end = on_end
        self._lock = lock or threading.Lock()
        self._interval = interval
        self._done = threading.Event()
        self._runtimes: dict[str, Any] = dict(runtimes or {})
        self.ended: Ended | None = None

    def run(self) -> None:
        while not self._done.wait(self._interval):
            try:
                with self._lock:
                    ended = why_ended(self._key, self._runtimes)
            except Exception:  # the engine hiccuped: ask again next time
                continue
            if ended is not None:
                self.ended = ended
                self._on_end(ended)
                return

    def cancel(self) -> None:
        self._done.set()
