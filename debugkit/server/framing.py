"""Request framing the HTTP stack leaves open: sizes, conflicting lengths, slow senders.

* A chunked body has no length up front; werkzeug cuts it at MAX_CONTENT_LENGTH without a
  word, so run() got a truncated body and answered 200. ``read_body_first`` reads every
  body (chunked or not) before the app sees the request: over the limit is a 413.
  Reading it there also means a slow upload never holds a run() slot.
* Two different ``Content-Length`` headers, or one beside ``Transfer-Encoding``, make
  the body's end ambiguous (request smuggling): 400.
* Request line plus headers are capped (``MAX_HEADER_BYTES``) and must arrive within
  ``HEADER_DEADLINE_S``; cheroot's own socket timeout is per read and long (a scoring
  response may take minutes), so a client dribbling one header byte at a time kept a
  server thread for up to 120 s.
* cheroot's thread pool does not grow by itself: ``keep_threads_free`` adds threads while
  none is idle, so slow clients cost threads, not availability of ``GET /``.
"""

from __future__ import annotations

import io
import threading
import time
from collections.abc import Iterable
from typing import Any, Callable

from cheroot import server as cheroot_server

MAX_HEADER_BYTES = 64 * 1024  # request line + headers; nginx's default buffers are 32 KB
HEADER_DEADLINE_S = 10.0
POOL_CAP = 256  # threads at most: each idle one is ~8 KB of real memory
_READ_BLOCK = 64 * 1024


class _StrictHeaderReader(cheroot_server.HeaderReader):
    def __call__(self, rfile: Any, hdict: Any = None) -> Any:
        seen: list[bytes] = []

        class Recording(dict):  # type: ignore[type-arg]
            def __setitem__(self, key: bytes, value: bytes) -> None:
                if key == b"Content-Length":
                    seen.append(value.strip())
                super().__setitem__(key, value)

        headers = super().__call__(rfile, Recording())
        if len(set(seen)) > 1:
            raise ValueError("Conflicting Content-Length headers.")
        if seen and b"Transfer-Encoding" in headers:
            raise ValueError("Content-Length and Transfer-Encoding together are ambiguous.")
        if hdict is None:
            return dict(headers)
        hdict.update(headers)
        return hdict


class _DeadlineReader:
    """The connection's reader while the request line and headers arrive: each read
    checks the total time spent."""

    def __init__(self, rfile: Any, deadline: float) -> None:
        self._rfile = rfile
        self._deadline = deadline

    def _check(self) -> None:
        if time.monotonic() > self._deadline:
            raise ValueError(f"Request headers took longer than {HEADER_DEADLINE_S:g} s.")

    def readline(self, size: int = -1) -> bytes:
        self._check()
        return self._rfile.readline(size)

    def read(self, size: int = -1) -> bytes:
        self._check()
        return self._rfile.read(size)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._rfile, name)


class _Request(cheroot_server.HTTPRequest):
    header_reader = _StrictHeaderReader()

    def parse_request(self) -> None:
        connection_reader = self.conn.rfile
        self.conn.rfile = _DeadlineReader(connection_reader, time.monotonic() + HEADER_DEADLINE_S)
        self.conn.socket.settimeout(HEADER_DEADLINE_S)  # each read of the headers
        try:
            super().parse_request()
        finally:
            self.conn.rfile = connection_reader
            self.conn.socket.settimeout(self.server.timeout)


class _Connection(cheroot_server.HTTPConnection):
    RequestHandlerClass = _Request


def harden(server: Any) -> None:
    """Apply this module's request framing to a cheroot server before it starts."""
    server.ConnectionClass = _Connection
    server.max_request_header_size = MAX_HEADER_BYTES


def keep_threads_free(server: Any, interval_s: float = 0.05) -> threading.Thread:
    """Grow ``server``'s pool while no thread is idle (up to POOL_CAP), shrink it back
    when many are."""

    def watch() -> None:
        while True:
            time.sleep(interval_s)
            pool = server.requests
            if not server.ready:  # not started yet, or stopped
                continue
            base = pool.min
            count = len(pool._threads)  # no public count in cheroot 11
            if pool.idle == 0 and count < POOL_CAP:
                pool.grow(min(8, POOL_CAP - count))
            elif pool.idle > base and count > base:
                pool.shrink(min(pool.idle - base, count - base))

    thread = threading.Thread(target=watch, name="debugkit-pool", daemon=True)
    thread.start()
    return thread


def read_body_first(
    app: Callable[..., Iterable[bytes]],
    max_bytes: int,
    too_large: Callable[[], Callable[..., Iterable[bytes]]],
) -> Callable[..., Iterable[bytes]]:
    """WSGI middleware: the whole body is read (at most ``max_bytes``) before ``app`` runs."""

    def middleware(environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        length = environ.get("CONTENT_LENGTH") or ""
        chunked = environ.get("wsgi.input_terminated") and not length
        # a declared length over the limit is the app's 413, without reading the body
        if chunked or (length.isdigit() and 0 < int(length) <= max_bytes):
            stream = environ["wsgi.input"]
            limit = max_bytes + 1 if chunked else min(int(length), max_bytes + 1)
            parts: list[bytes] = []
            size = 0
            while size < limit:
                block = stream.read(min(_READ_BLOCK, limit - size))
                if not block:
                    break
                parts.append(block)
                size += len(block)
            if size > max_bytes:
                environ["wsgi.input"] = io.BytesIO()
                environ["CONTENT_LENGTH"] = "0"
                return too_large()(environ, start_response)
            environ["wsgi.input"] = io.BytesIO(b"".join(parts))
            environ["CONTENT_LENGTH"] = str(size)
            # now a plain body of known length (werkzeug reads none of a "chunked" one
            # unless the server marks its stream terminated)
            environ.pop("wsgi.input_terminated", None)
            environ.pop("HTTP_TRANSFER_ENCODING", None)
        return app(environ, start_response)

    return middleware
