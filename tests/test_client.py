"""The host's server client: an exchange the server breaks off is "does not answer"
(UnavailableError, which the readiness wait and the commands turn into a one-line
diagnosis), never a raw http.client error that the CLI reports as an internal error."""

from __future__ import annotations

import socket
import struct
import threading
from collections.abc import Callable, Iterator

import pytest

from debugkit.client import ServerClient
from debugkit.errors import UnavailableError


def _truncated_ok(conn: socket.socket) -> None:  # http.client.IncompleteRead
    conn.sendall(b'HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n{"state"')


def _truncated_error(conn: socket.socket) -> None:  # IncompleteRead reading an HTTPError
    conn.sendall(b'HTTP/1.1 500 Internal Server Error\r\nContent-Length: 100\r\n\r\n{"m')


def _closed_before_answer(conn: socket.socket) -> None:  # http.client.RemoteDisconnected
    pass


def _reset(conn: socket.socket) -> None:  # ConnectionResetError: linger 0 sends a RST
    conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))


@pytest.fixture
def breaking_server() -> Iterator[Callable[[Callable[[socket.socket], None]], str]]:
    """A real socket server that reads a request, does ``answer`` and closes."""
    listeners: list[socket.socket] = []

    def start(answer: Callable[[socket.socket], None]) -> str:
        listener = socket.create_server(("127.0.0.1", 0))
        listeners.append(listener)

        def serve() -> None:
            try:
                conn, _ = listener.accept()
            except OSError:
                return
            with conn:
                conn.recv(65536)
                answer(conn)

        threading.Thread(target=serve, daemon=True).start()
        return f"http://127.0.0.1:{listener.getsockname()[1]}"

    yield start
    for listener in listeners:
        listener.close()


@pytest.mark.parametrize("answer", [_truncated_ok, _truncated_error, _closed_before_answer, _reset])
def test_a_connection_dropped_mid_answer_is_unavailable(breaking_server, answer):
    url = breaking_server(answer)
    with pytest.raises(UnavailableError) as taken:
        ServerClient(url, timeout=10).status()
    message = str(taken.value)
    assert message.startswith(f"the scoring server at {url} does not answer (")
    assert "IncompleteRead" not in message and "\n" not in message


def test_a_refused_connection_is_unavailable():
    with socket.create_server(("127.0.0.1", 0)) as probe:
        port = probe.getsockname()[1]  # closed again: nothing listens there
    with pytest.raises(UnavailableError, match="does not answer"):
        ServerClient(f"http://127.0.0.1:{port}", timeout=5).health()
