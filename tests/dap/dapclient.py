"""A small Debug Adapter Protocol client: what VS Code says to debugpy, over a socket.

    with DapClient.connect("127.0.0.1", 5678) as dap:
        dap.attach(path_mappings=[...], breakpoints={"/local/score.py": [12]})
        stopped = dap.wait_event("stopped")
        frame = dap.top_frame(stopped["threadId"])
        dap.locals(frame["id"])["total"]
        dap.continue_(stopped["threadId"])

Messages are `Content-Length: N\\r\\n\\r\\n{json}`. A reader thread files responses by
request seq and queues events, so a test can wait for either while an HTTP request blocks
on a breakpoint.
"""

from __future__ import annotations

import contextlib
import json
import queue
import socket
import threading
import time
from collections.abc import Iterable
from typing import Any, Callable, Optional


class DapError(AssertionError):
    """The adapter answered a request with success: false (or not at all)."""


class DapClient:
    def __init__(self, sock: socket.socket, timeout: float = 30.0) -> None:
        self.sock = sock
        self.timeout = timeout
        self._seq = 0
        self._send_lock = threading.Lock()
        self._responses: dict[int, dict[str, Any]] = {}
        self._cond = threading.Condition()
        self._events: list[dict[str, Any]] = []  # every event seen, in order
        self._event_queue: queue.Queue[dict[str, Any]] = queue.Queue()
        self._closed = False
        self.output: list[str] = []  # "output" events' text, for failure messages
        self._reader = threading.Thread(target=self._read_loop, name="dap-reader", daemon=True)
        self._reader.start()

    @classmethod
    def connect(cls, host: str, port: int, timeout: float = 30.0) -> DapClient:
        """Connect, retrying while the adapter is not listening yet (the server is starting)."""
        deadline = time.monotonic() + timeout
        while True:
            try:
                sock = socket.create_connection((host, port), timeout=5)
                sock.settimeout(None)
                return cls(sock, timeout)
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)

    # --- wire -----------------------------------------------------------------------------------

    def _read_loop(self) -> None:
        buffer = b""
        try:
            while True:
                while b"\r\n\r\n" not in buffer:
                    chunk = self.sock.recv(65536)
                    if not chunk:
                        return
                    buffer += chunk
                header, buffer = buffer.split(b"\r\n\r\n", 1)
                length = 0
                for line in header.decode("ascii").split("\r\n"):
                    name, _, value = line.partition(":")
                    if name.strip().lower() == "content-length":
                        length = int(value)
                while len(buffer) < length:
                    chunk = self.sock.recv(65536)
                    if not chunk:
                        return
                    buffer += chunk
                body, buffer = buffer[:length], buffer[length:]
                self._dispatch(json.loads(body))
        except OSError:
            return
        finally:
            with self._cond:
                self._closed = True
                self._cond.notify_all()

    def _dispatch(self, message: dict[str, Any]) -> None:
        kind = message.get("type")
        if kind == "response":
            with self._cond:
                self._responses[message["request_seq"]] = message
                self._cond.notify_all()
        elif kind == "event":
            if message.get("event") == "output":
                self.output.append(message.get("body", {}).get("output", ""))
            with self._cond:
                self._events.append(message)
                self._cond.notify_all()
        elif kind == "request":
            # Reverse requests (runInTerminal, startDebugging) are not used by an attach.
            self._send(
                {
                    "type": "response",
                    "request_seq": message["seq"],
                    "success": False,
                    "command": message.get("command"),
                    "message": "not supported",
                }
            )

    def _send(self, message: dict[str, Any]) -> int:
        with self._send_lock:
            self._seq += 1
            message = {"seq": self._seq, **message}
            data = json.dumps(message).encode()
            self.sock.sendall(b"Content-Length: %d\r\n\r\n" % len(data) + data)
            return self._seq

    # --- requests and events -----------------------------------------------------------------------

    def send_request(self, command: str, arguments: Optional[dict[str, Any]] = None) -> int:
        message: dict[str, Any] = {"type": "request", "command": command}
        if arguments is not None:
            message["arguments"] = arguments
        return self._send(message)

    def wait_response(self, seq: int, timeout: Optional[float] = None) -> dict[str, Any]:
        deadline = time.monotonic() + (timeout or self.timeout)
        with self._cond:
            while seq not in self._responses:
                remaining = deadline - time.monotonic()
                if remaining <= 0 or self._closed:
                    why = "connection closed" if self._closed else "timed out"
                    raise DapError(f"no response to request {seq} ({why}); output: {self.output}")
                self._cond.wait(remaining)
            response = self._responses.pop(seq)
        if not response.get("success"):
            raise DapError(
                f"{response.get('command')} failed: {response.get('message')} {response.get('body')}"
            )
        return response.get("body") or {}

    def request(
        self,
        command: str,
        arguments: Optional[dict[str, Any]] = None,
        timeout: Optional[float] = None,
    ) -> dict[str, Any]:
        return self.wait_response(self.send_request(command, arguments), timeout)

    def wait_event(
        self,
        name: str,
        predicate: Optional[Callable[[dict[str, Any]], bool]] = None,
        timeout: Optional[float] = None,
    ) -> dict[str, Any]:
        """The next not-yet-taken event called ``name`` (its body), waiting if needed."""
        deadline = time.monotonic() + (timeout or self.timeout)
        with self._cond:
            while True:
                for i, event in enumerate(self._events):
                    body = event.get("body") or {}
                    if event.get("event") == name and (predicate is None or predicate(body)):
                        del self._events[i]
                        return body
                remaining = deadline - time.monotonic()
                if remaining <= 0 or self._closed:
                    seen = [e.get("event") for e in self._events]
                    raise DapError(
                        f"no {name!r} event (pending: {seen}); output: {''.join(self.output)[-2000:]}"
                    )
                self._cond.wait(remaining)

    # --- what VS Code does --------------------------------------------------------------------------

    def initialize(self) -> dict[str, Any]:
        return self.request(
            "initialize",
            {
                "clientID": "vscode",
                "clientName": "debugkit tests",
                "adapterID": "debugpy",
                "pathFormat": "path",
                "linesStartAt1": True,
                "columnsStartAt1": True,
                "supportsVariableType": True,
                "supportsRunInTerminalRequest": False,
            },
        )

    def attach(
        self,
        configuration: Optional[dict[str, Any]] = None,
        breakpoints: Optional[dict[str, Iterable[int]]] = None,
    ) -> None:
        """initialize -> attach -> (initialized) setBreakpoints -> configurationDone, as VS Code does."""
        self.initialize()
        arguments = {
            "request": "attach",
            "type": "debugpy",
            "justMyCode": True,
            **(configuration or {}),
        }
        for key in ("connect", "preLaunchTask", "name"):
            arguments.pop(key, None)
        attach_seq = self.send_request("attach", arguments)
        self.wait_event("initialized")
        for path, lines in (breakpoints or {}).items():
            self.set_breakpoints(path, lines)
        self.request("configurationDone")
        self.wait_response(attach_seq)

    def set_breakpoints(self, path: str, lines: Iterable[int]) -> list[dict[str, Any]]:
        body = self.request(
            "setBreakpoints",
            {"source": {"path": str(path)}, "breakpoints": [{"line": n} for n in lines]},
        )
        return body.get("breakpoints", [])

    def stack(self, thread_id: int) -> list[dict[str, Any]]:
        return self.request("stackTrace", {"threadId": thread_id, "startFrame": 0, "levels": 20})[
            "stackFrames"
        ]

    def top_frame(self, thread_id: int) -> dict[str, Any]:
        return self.stack(thread_id)[0]

    def wait_breakpoint(self) -> tuple[int, dict[str, Any]]:
        """The thread that stopped at a breakpoint, and its top frame."""
        stopped = self.wait_event("stopped", lambda b: b.get("reason") == "breakpoint")
        return stopped["threadId"], self.top_frame(stopped["threadId"])

    def locals(self, frame_id: int) -> dict[str, str]:
        """Name -> repr of the frame's local variables (scopes -> variables)."""
        scopes = self.request("scopes", {"frameId": frame_id})["scopes"]
        scope = next(s for s in scopes if s["name"].lower().startswith("local"))
        variables = self.request("variables", {"variablesReference": scope["variablesReference"]})[
            "variables"
        ]
        return {v["name"]: v["value"] for v in variables}

    def continue_(self, thread_id: int) -> None:
        self.request("continue", {"threadId": thread_id})

    def step_in(self, thread_id: int) -> dict[str, Any]:
        self.request("stepIn", {"threadId": thread_id})
        return self.wait_event("stopped")

    def disconnect(self) -> None:
        with contextlib.suppress(DapError, OSError):
            self.request("disconnect", {"restart": False, "terminateDebuggee": False}, timeout=10)

    def close(self) -> None:
        with contextlib.suppress(OSError):
            self.sock.close()

    def __enter__(self) -> DapClient:
        return self

    def __exit__(self, *exc: object) -> None:
        if not self._closed:
            self.disconnect()
        self.close()
