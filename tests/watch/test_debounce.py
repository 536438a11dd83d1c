"""debugkit.watch.debounce: bursts of events become one batch."""

from __future__ import annotations

import threading
from pathlib import Path

from debugkit.watch.debounce import Debouncer


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_burst_becomes_one_batch_after_quiet_period() -> None:
    clock = FakeClock()
    debouncer = Debouncer(quiet=0.1, max_wait=1.0, clock=clock)
    debouncer.add([Path("a.py")])
    clock.now += 0.05
    debouncer.add([Path("b.py")])
    clock.now += 0.09  # 0.09 since the last event: not quiet yet
    assert debouncer.take() == set()
    clock.now += 0.02
    assert debouncer.take() == {Path("a.py"), Path("b.py")}
    assert debouncer.due_in() is None


def test_continuous_writes_flush_at_max_wait() -> None:
    clock = FakeClock()
    debouncer = Debouncer(quiet=0.1, max_wait=0.5, clock=clock)
    for _ in range(10):
        debouncer.add([Path("big.bin")])
        clock.now += 0.06
    assert debouncer.take() == {Path("big.bin")}


def test_settled_save_fires_after_the_short_quiet_period() -> None:
    clock = FakeClock()
    debouncer = Debouncer(quiet=0.1, quiet_settled=0.02, max_wait=1.0, clock=clock)
    debouncer.add([Path("score.py")])  # modified: the write may go on
    clock.now += 0.03
    assert debouncer.take() == set()
    debouncer.add([Path("score.py")], settled=True)  # closed after writing
    clock.now += 0.019
    assert debouncer.take() == set()
    clock.now += 0.002
    assert debouncer.take() == {Path("score.py")}


def test_an_unsettled_event_after_a_settled_one_waits_the_full_period() -> None:
    clock = FakeClock()
    debouncer = Debouncer(quiet=0.1, quiet_settled=0.02, max_wait=1.0, clock=clock)
    debouncer.add([Path("score.py")], settled=True)
    debouncer.add([Path("helper.py")])  # another file still being written
    clock.now += 0.05
    assert debouncer.take() == set()
    clock.now += 0.06
    assert debouncer.take() == {Path("score.py"), Path("helper.py")}


def test_wait_returns_empty_when_stopped() -> None:
    debouncer = Debouncer()
    stop = threading.Event()
    stop.set()
    assert debouncer.wait(stop) == set()


def test_wait_hands_out_the_batch_take_would() -> None:
    """The watcher's loop calls wait(): it takes a due batch exactly as take() does."""
    clock = FakeClock()
    debouncer = Debouncer(quiet=0.1, max_wait=1.0, clock=clock)
    debouncer.add([Path("score.py")])
    clock.now += 0.2  # quiet long enough: due, so wait() must not block
    assert debouncer.wait(threading.Event()) == {Path("score.py")}
    assert debouncer.due_in() is None
