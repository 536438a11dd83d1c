"""Collect a burst of file events into one batch."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable
from pathlib import Path


class Debouncer:
    """A batch is due once events stop for a quiet period, or ``max_wait`` after its first event.

    The quiet period depends on the last event: ``settled`` (the editor closed the file it
    wrote, or renamed the finished file into place) waits ``quiet_settled``; anything else
    (a write that may go on, a file that vanished mid-save) waits the longer ``quiet``.
    Editors' save sequences take well under a millisecond, so the short wait keeps a save
    to one batch while most of the latency goes. ``max_wait`` keeps a file written
    continuously from postponing the reload forever.

    Thread-safe: watchdog's thread calls :meth:`add`, the watcher's loop calls :meth:`wait`.
    """

    def __init__(
        self,
        quiet: float = 0.1,
        quiet_settled: float = 0.025,
        max_wait: float = 1.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.quiet = quiet
        self.quiet_settled = min(quiet_settled, quiet)
        self.max_wait = max_wait
        self._clock = clock
        self._paths: set[Path] = set()
        self._first = 0.0
        self._last = 0.0
        self._settled = False
        self._cond = threading.Condition()

    def add(self, paths: Iterable[Path], settled: bool = False) -> None:
        new = set(paths)
        if not new:
            return
        with self._cond:
            now = self._clock()
            if not self._paths:
                self._first = now
            self._paths |= new
            self._last = now
            self._settled = settled
            self._cond.notify_all()

    def due_in(self) -> float | None:
        """Seconds until the pending batch is due (<= 0: due now); None when nothing is pending."""
        with self._cond:
            return self._due_in_locked()

    def take(self) -> set[Path]:
        """The pending batch, if due (else an empty set)."""
        with self._cond:
            return self._take_locked()

    def wait(self, stop: threading.Event, poll: float = 0.25) -> set[Path]:
        """Block until a batch is due or ``stop`` is set (then returns an empty set).

        ``poll`` bounds each sleep so that ``stop`` is seen promptly.
        """
        with self._cond:
            while not stop.is_set():
                batch = self._take_locked()
                if batch:
                    return batch
                due = self._due_in_locked()
                self._cond.wait(poll if due is None else min(due, poll))
        return set()

    def _take_locked(self) -> set[Path]:
        due = self._due_in_locked()
        if due is None or due > 0:
            return set()
        batch, self._paths = self._paths, set()
        return batch

    def _due_in_locked(self) -> float | None:
        if not self._paths:
            return None
        quiet = self.quiet_settled if self._settled else self.quiet
        return min(self._last + quiet, self._first + self.max_wait) - self._clock()
