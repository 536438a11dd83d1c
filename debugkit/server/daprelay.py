"""The debug port: a small DAP relay in front of debugpy's adapter, so re-attach always works.

debugpy's adapter (1.8) has two failures a user meets with VS Code:

* a client that sends ``disconnect`` and closes its socket without waiting for the answer
  makes the adapter's handler fail (``NoMoreMessages``): later clients are accepted but get
  no session ("debugpyWaitingForServer"), so every later F5 fails until the server restarts;
* pydevd keeps the previous client's ``pathMappings``: an attach without them (or with
  ``[]``) after one with them reports and matches files through the old mapping
  ("Breakpoint in file that does not exist").

The relay owns the public debug port; debugpy listens on a loopback port of its own. Per
client it opens one adapter connection (one at a time: the next client waits until the last
session is closed), forwards every message unchanged except that an ``attach`` without path
mappings gets the identity mapping (which replaces pydevd's old one), and closes the adapter
side only after the adapter answered a ``disconnect`` (sent by the client, or by the relay
when the client just went away).
"""

from __future__ import annotations

import contextlib
import json
import logging
import socket
import threading
from typing import Any, Optional

logger = logging.getLogger("debugkit.server")

IDENTITY_MAPPINGS = [{"localRoot": "/", "remoteRoot": "/"}]
DISCONNECT_WAIT_S = 10.0  # the adapter answers a disconnect in ~5 ms; a wedged one is dropped


def _thread(target: Any, name: str, *args: Any) -> threading.Thread:
    """A relay thread the debugger leaves alone: a breakpoint with "allThreadsStopped" would
    otherwise suspend it too, and the "stopped" event it should forward would never arrive.
    The attributes are pydevd's own markers for its threads (not traced, not listed)."""

    def untraced() -> None:
        with contextlib.suppress(Exception):
            import debugpy

            debugpy.trace_this_thread(False)
        target(*args)

    thread = threading.Thread(target=untraced, name=name, daemon=True)
    thread.is_pydev_daemon_thread = True  # type: ignore[attr-defined]
    thread.pydev_do_not_trace = True  # type: ignore[attr-defined]
    return thread


def read_message(stream: Any) -> Optional[dict[str, Any]]:
    """One `Content-Length` framed DAP message from a binary file object, None at EOF."""
    length = None
    while True:
        line = stream.readline()
        if not line:
            return None
        line = line.strip()
        if not line:
            break
        name, _, value = line.decode("ascii", "replace").partition(":")
        if name.strip().lower() == "content-length":
            length = int(value.strip())
    if length is None:
        return None
    body = stream.read(length)
    if len(body) < length:
        return None
    return json.loads(body)


def write_message(sock: socket.socket, message: dict[str, Any]) -> None:
    data = json.dumps(message).encode("utf-8")
    sock.sendall(b"Content-Length: %d\r\n\r\n" % len(data) + data)


def rewrite_attach(message: dict[str, Any]) -> dict[str, Any]:
    """An attach without path mappings gets the identity mapping (see the module doc)."""
    if message.get("type") == "request" and message.get("command") == "attach":
        arguments = message.setdefault("arguments", {})
        if not arguments.get("pathMappings"):
            arguments["pathMappings"] = [dict(m) for m in IDENTITY_MAPPINGS]
    return message


class DapRelay:
    def __init__(self, host: str, port: int, adapter: tuple[str, int]) -> None:
        self.adapter = adapter
        self.listener = socket.create_server((host, port), reuse_port=False)
        self.port = self.listener.getsockname()[1]
        self._one_session = threading.Lock()
        self._closed = False

    def start(self) -> None:
        _thread(self._accept_loop, "debugkit-dap-relay").start()

    def close(self) -> None:
        self._closed = True
        with contextlib.suppress(OSError):
            self.listener.close()

    def _accept_loop(self) -> None:
        while not self._closed:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            _thread(self._serve, "debugkit-dap-client", client).start()

    def _serve(self, client: socket.socket) -> None:
        with contextlib.closing(client):
            stream = client.makefile("rb")
            try:
                first = read_message(stream)
            except (OSError, ValueError):
                first = None
            if first is None:  # a port probe (`debugkit status`, a health check): no session
                return
            # One session at a time: the next client waits until the last one is closed, so
            # it never meets a session that is still being finalized.
            acquired = self._one_session.acquire(timeout=DISCONNECT_WAIT_S + 5)
            try:
                try:
                    adapter = socket.create_connection(self.adapter, timeout=10)
                except OSError as exc:
                    logger.warning("debugkit: debugpy's adapter does not answer (%s)", exc)
                    return
                adapter.settimeout(None)
                with contextlib.closing(adapter):
                    _Session(client, stream, adapter).run(first)
            finally:
                if acquired:
                    self._one_session.release()


class _Session:
    """One client <-> one adapter connection."""

    def __init__(self, client: socket.socket, stream: Any, adapter: socket.socket) -> None:
        self.client = client
        self.stream = stream  # the client's, already read from
        self.adapter = adapter
        self.disconnect_seq: Optional[int] = None  # a disconnect the adapter must answer
        self.last_seq = 0
        self.disconnected = threading.Event()  # the adapter answered it, or closed

    def run(self, first: dict[str, Any]) -> None:
        back = _thread(self._adapter_to_client, "debugkit-dap-back")
        back.start()
        self._client_to_adapter(first)
        if not self.disconnected.is_set():
            if self.disconnect_seq is None:  # the client left without saying goodbye
                self.disconnect_seq = self.last_seq + 1
                with contextlib.suppress(OSError):
                    write_message(
                        self.adapter,
                        {
                            "seq": self.disconnect_seq,
                            "type": "request",
                            "command": "disconnect",
                            "arguments": {"restart": False, "terminateDebuggee": False},
                        },
                    )
            self.disconnected.wait(DISCONNECT_WAIT_S)
        with contextlib.suppress(OSError):
            self.adapter.shutdown(socket.SHUT_RDWR)
        back.join(DISCONNECT_WAIT_S)

    def _client_to_adapter(self, message: Optional[dict[str, Any]]) -> None:
        stream = self.stream
        try:
            while message is not None:
                if isinstance(message.get("seq"), int):
                    self.last_seq = max(self.last_seq, message["seq"])
                if message.get("type") == "request" and message.get("command") == "disconnect":
                    self.disconnect_seq = message.get("seq")
                write_message(self.adapter, rewrite_attach(message))
                message = read_message(stream)
        except (OSError, ValueError):
            return
        finally:
            stream.close()

    def _adapter_to_client(self) -> None:
        stream = self.adapter.makefile("rb")
        client_gone = False
        try:
            while True:
                message = read_message(stream)
                if message is None:
                    return
                if (
                    message.get("type") == "response"
                    and self.disconnect_seq is not None
                    and message.get("request_seq") == self.disconnect_seq
                ):
                    self.disconnected.set()
                if not client_gone:
                    try:
                        write_message(self.client, message)
                    except OSError:
                        client_gone = True  # keep reading until the adapter is done
                if self.disconnected.is_set():
                    with contextlib.suppress(OSError):
                        self.client.shutdown(socket.SHUT_RDWR)
                    return
        except (OSError, ValueError):
            return
        finally:
            self.disconnected.set()
            stream.close()
            with contextlib.suppress(OSError):
                self.client.shutdown(socket.SHUT_RDWR)
