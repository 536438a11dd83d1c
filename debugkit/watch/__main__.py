"""``python -m debugkit.watch PROJECT_DIR [--log FILE] [--poll]``: the background watcher of
``debugkit up --detach``. It follows the session record and exits with it (``debugkit
down``, another watcher taking over, or the server gone). ``python -m debugkit.watcher``
is the same program under its old name, kept for one release.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
import threading
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from typing import Any, TextIO

from debugkit.config import load_config
from debugkit.consolelines import watching_line
from debugkit.errors import UserError
from debugkit.watch.loop import Echo, Watcher


class SessionMonitor(threading.Thread):
    """Sets ``stop`` once the session record is gone (``debugkit down``) or its server is."""

    def __init__(self, watcher: Watcher, stop: threading.Event, echo: Echo, interval: float = 0.5):
        super().__init__(name="debugkit-session-monitor", daemon=True)
        self._watcher = watcher
        self._stop = stop
        self._echo = echo
        self._interval = interval
        self._runtimes: dict[str, Any] = {}  # one engine client per runtime, not one per check

    def run(self) -> None:
        while not self._stop.wait(self._interval):
            with self._watcher.lock:  # a restart replaces the record: wait for it
                reason = self._gone_reason()
            if reason:
                self._echo(f"debugkit: watcher stopping: {reason}")
                self._stop.set()

    def _gone_reason(self) -> str | None:
        from debugkit import lifecycle
        from debugkit import session as sessions

        record = sessions.load(self._watcher.config.project_key)
        if record is not None and record.watcher_pid not in (None, os.getpid()):
            return f"another watcher (pid {record.watcher_pid}) took over"
        ended = lifecycle.record_ended(record, self._runtimes)
        if ended is not None and ended.how == lifecycle.DOWN:
            return "the session ended"
        if ended is not None:
            return "the scoring server is gone" + (f" ({ended.detail})" if ended.detail else "")
        assert record is not None
        self._watcher.session = record
        return None


class _LogEcho:
    """Timestamped lines appended to the log that ``debugkit logs`` shows."""

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream
        self._lock = threading.Lock()

    def __call__(self, line: str) -> None:
        stamp = datetime.now().strftime("%H:%M:%S")
        with self._lock:
            self._stream.write(f"{stamp} {line}\n")
            self._stream.flush()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m debugkit.watch",
        description="Hot-reload a running debugkit session on every save ('up --detach').",
    )
    parser.add_argument("project_dir", type=Path)
    parser.add_argument("--log", type=Path, help="append output to this file instead of stdout")
    parser.add_argument("--poll", action="store_true", help="poll instead of native file events")
    parser.add_argument("--quiet-ms", type=int, default=100, help="debounce quiet period")
    parser.add_argument(
        "--replay-on-save",
        action="store_true",
        help="after each successful reload, send the last failed request again",
    )
    args = parser.parse_args(argv)

    from debugkit import session as sessions

    try:
        config = load_config(args.project_dir)
    except UserError as exc:
        print(f"debugkit: {exc.message}", file=sys.stderr)
        return exc.exit_code
    record = sessions.load(config.project_key)
    if record is not None:
        config = record.config_loader()(args.project_dir)
    if record is None:
        print(
            f"debugkit: nothing is running for {config.project_dir}; start it with 'debugkit up'",
            file=sys.stderr,
        )
        return 1

    stream: TextIO = open(args.log, "a", encoding="utf-8") if args.log else sys.stdout  # noqa: SIM115
    echo: Echo = _LogEcho(stream)
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    if args.replay_on_save:
        config = replace(config, replay_on_save=True)
    watcher = Watcher(config, record, echo, quiet=args.quiet_ms / 1000, polling=args.poll)
    SessionMonitor(watcher, stop, echo).start()

    def announce() -> None:
        echo(watching_line(config.source_dir, f"for {record.url} (pid {os.getpid()})"))

    try:
        watcher.run(stop, on_ready=announce)
    finally:
        echo("debugkit: watcher stopped")
        if stream is not sys.stdout:
            stream.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
