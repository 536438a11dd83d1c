"""Old name of the watcher, kept working for one release: the watcher lives in
:mod:`debugkit.watch` (its loop in :mod:`debugkit.watch.loop`, the detached entry point
``python -m debugkit.watch``, which ``python -m debugkit.watcher`` still runs)."""

from __future__ import annotations

import sys

from debugkit.watch.__main__ import SessionMonitor, main
from debugkit.watch.loop import Watcher, watch_roots

__all__ = ["SessionMonitor", "Watcher", "main", "watch_roots"]

if __name__ == "__main__":
    sys.exit(main())
