"""Ports on this machine: whether the server could bind one now, and a free one.

``up`` refuses a taken port before it starts anything and ``doctor`` reports one; both
ask :func:`bind_problem`, which binds as the server will (``SO_REUSEADDR``, so that
connections of a previous run still in TIME_WAIT do not count as taken).
"""

from __future__ import annotations

import socket


def _socket(host: str) -> socket.socket:
    return socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET)


def bind_problem(host: str, port: int) -> str | None:
    """Why the server could not listen on ``host:port`` now (the OS's words), or None."""
    with _socket(host) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as exc:
            return exc.strerror or str(exc)
    return None


def free_port(host: str = "127.0.0.1") -> int:
    """A port nothing listens on now (the OS picks it)."""
    with _socket(host) as probe:
        probe.bind((host, 0))
        return int(probe.getsockname()[1])
