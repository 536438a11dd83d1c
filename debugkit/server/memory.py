"""A memory limit without a container: a watchdog on the server's resident memory.

The process runtime has no cgroup to enforce ``memory_gb``, and setting one needs root.
So the server (``--memory-limit-mb``) samples its own RSS plus that of its child
processes, as a container's memory cgroup counts them, and when the sum goes over the
limit it does what the kernel's OOM killer does to a container: the process ends with exit
code 137 at once, with a log line that ``debugkit logs`` and ``up`` read as ``OOMKilled``,
the same diagnosis a Docker run gets. Sampling every 100 ms costs ~20 µs per sample
(reading /proc), so an allocation can overshoot by what it grows in 100 ms before it is
caught; a kernel limit would stop it at the byte.
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import threading
from typing import Optional

OOM_EXIT_CODE = 137  # 128 + SIGKILL, what Docker reports for an OOM-killed container
OOM_MARKER = "debugkit: OOMKilled:"  # read by the process runtime's exit_reason
SAMPLE_S = 0.1
_PAGE = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096


def _rss(pid: int) -> int:
    with open(f"/proc/{pid}/statm") as f:
        return int(f.read().split()[1]) * _PAGE


def _children(pid: int) -> list[int]:
    found: list[int] = []
    try:
        for task in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{task}/children") as f:
                found += [int(child) for child in f.read().split()]
    except OSError:
        pass
    return found


def _descendants(pid: int) -> list[int]:
    found: list[int] = []
    pending = _children(pid)
    while pending:
        child = pending.pop()
        found.append(child)
        pending += _children(child)
    return found


def tree_rss(pid: int) -> int:
    """Resident bytes of ``pid`` and all its descendants (gone processes count 0)."""
    total = 0
    pending = [pid]
    while pending:
        current = pending.pop()
        try:
            total += _rss(current)
        except (OSError, ValueError, IndexError):
            continue
        pending += _children(current)
    return total


def supported() -> bool:
    return os.path.exists(f"/proc/{os.getpid()}/statm")


def start_watchdog(limit_mb: float, memory_setting: str) -> Optional[threading.Thread]:
    """Stop the process like the OOM killer once it uses more than ``limit_mb``.

    ``memory_setting`` names the setting in the log line (e.g. ``memory_gb 0.5``).
    Returns None where /proc is missing (not Linux): the caller says the limit is not
    enforced.
    """
    if not supported():
        return None
    limit = int(limit_mb * 1024 * 1024)
    pid = os.getpid()
    logger = logging.getLogger("debugkit.server")

    def watch() -> None:
        stop = threading.Event()
        while not stop.wait(SAMPLE_S):
            used = tree_rss(pid)
            if used > limit:
                logger.error(
                    "%s the server used %d MB, over its memory limit of %d MB (%s); stopped "
                    "with exit code %d as a container's OOM killer stops it",
                    OOM_MARKER,
                    used // (1024 * 1024),
                    limit // (1024 * 1024),
                    memory_setting,
                    OOM_EXIT_CODE,
                )
                logging.shutdown()
                for child in _descendants(pid):  # a cgroup's OOM kill takes them all
                    with contextlib.suppress(OSError):
                        os.kill(child, signal.SIGKILL)
                os._exit(OOM_EXIT_CODE)

    thread = threading.Thread(target=watch, name="debugkit-memory-watchdog", daemon=True)
    thread.start()
    return thread
