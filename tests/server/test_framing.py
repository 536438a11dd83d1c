"""Request framing from hostile or broken clients: chunked bodies over the limit, two
Content-Length headers, huge headers, and clients that send their headers slowly."""

from __future__ import annotations

import socket

from tests.server.conftest import ECHO_SCORE

LENGTH_SCORE = """
def init():
    pass

def run(data):
    return {"length": len(data)}
"""


def _exchange(port: int, payload: bytes, timeout: float = 30) -> bytes:
    """Send raw bytes; return the status line and headers of the answer."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as connection:
        connection.sendall(payload)
        answer = b""
        while b"\r\n\r\n" not in answer:
            block = connection.recv(65536)
            if not block:
                break
            answer += block
        rest = answer.split(b"\r\n\r\n", 1)
        body = rest[1] if len(rest) > 1 else b""
        with_more = connection.recv(65536) if b"Content-Length: 0" not in answer else b""
        return rest[0] + b"\r\n\r\n" + body + with_more


def _chunked(body: bytes) -> bytes:
    step = 65536
    chunks = b"".join(
        b"%x\r\n%s\r\n" % (len(body[i : i + step]), body[i : i + step])
        for i in range(0, len(body), step)
    )
    return chunks + b"0\r\n\r\n"


def _post(headers: str, body: bytes) -> bytes:
    return (
        f"POST /score HTTP/1.1\r\nHost: localhost\r\nContent-Type: text/plain\r\n{headers}"
        "Connection: close\r\n\r\n"
    ).encode() + body


def test_a_chunked_body_over_the_limit_is_413_not_cut(write_project, serve) -> None:
    server = serve(write_project(LENGTH_SCORE), max_body_mb=1)
    over = _exchange(
        server.port, _post("Transfer-Encoding: chunked\r\n", _chunked(b"x" * 1_500_000))
    )
    assert over.startswith(b"HTTP/1.1 413"), over[:200]
    assert b"--max-body-mb" in over
    under = _exchange(
        server.port, _post("Transfer-Encoding: chunked\r\n", _chunked(b"x" * 900_000))
    )
    assert under.startswith(b"HTTP/1.1 200") and b'{"length": 900000}' in under, under[:300]


def test_ambiguous_body_lengths_are_400(write_project, serve) -> None:
    server = serve(write_project(LENGTH_SCORE))
    two = _exchange(server.port, _post("Content-Length: 2\r\nContent-Length: 5\r\n", b"abcde"))
    assert two.startswith(b"HTTP/1.1 400"), two[:200]
    assert b"Conflicting Content-Length" in two
    both = _exchange(
        server.port,
        _post("Content-Length: 5\r\nTransfer-Encoding: chunked\r\n", _chunked(b"abcde")),
    )
    assert both.startswith(b"HTTP/1.1 400"), both[:200]
    same = _exchange(server.port, _post("Content-Length: 5\r\nContent-Length: 5\r\n", b"abcde"))
    assert same.startswith(b"HTTP/1.1 200") and b'{"length": 5}' in same


def test_headers_have_a_size_limit(write_project, serve) -> None:
    server = serve(write_project(ECHO_SCORE))
    huge = b"GET / HTTP/1.1\r\nHost: localhost\r\nX-Big: " + b"a" * 200_000 + b"\r\n\r\n"
    answer = _exchange(server.port, huge)
    assert answer.split(b" ", 2)[1] in (b"413", b"431", b"400"), answer[:200]


def test_slow_clients_do_not_stop_the_server(write_project, serve) -> None:
    server = serve(write_project(ECHO_SCORE))  # max_concurrent 1: 10 server threads at start
    slow = []
    try:
        for _ in range(40):  # each sends half a request and waits
            connection = socket.create_connection(("127.0.0.1", server.port), timeout=30)
            connection.sendall(b"GET / HTTP/1.1\r\nHost: localhost\r\nX-Slow: ")
            slow.append(connection)
        assert server.get("/", timeout=20).status == 200
        assert server.status()["state"] == "ready"
        assert server.score({"a": 1}, timeout=20).json() == {"echo": {"a": 1}}
    finally:
        for connection in slow:
            connection.close()
