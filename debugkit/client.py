"""HTTP client for a running scoring server (host side). Standard library only."""

from __future__ import annotations

import http.client
import json
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from typing import Any

from debugkit.errors import UnavailableError
from debugkit.server.guard import CLIENT_HEADER


@dataclass
class Response:
    status: int
    headers: dict[str, str]
    body: bytes

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", errors="replace")

    def json(self) -> Any:
        return json.loads(self.body)

    def header(self, name: str) -> str | None:
        """A header's value, whatever the case of its name."""
        for key, value in self.headers.items():
            if key.lower() == name.lower():
                return value
        return None


def _reason(err: BaseException) -> str:
    reason = getattr(err, "reason", err)  # URLError wraps the socket's error
    if isinstance(reason, (http.client.HTTPException, ConnectionResetError)):
        return "the connection closed in the middle of its answer: the server stopped"
    return str(reason) or type(reason).__name__


class ServerClient:
    def __init__(self, base_url: str, timeout: float = 10.0) -> None:
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout

    def request(
        self,
        method: str,
        path: str,
        body: bytes | None = None,
        headers: dict[str, str] | None = None,
        timeout: float | None = None,
    ) -> Response:
        # the debug routes refuse state-changing requests a web page could send (server/guard.py)
        headers = {CLIENT_HEADER: "1", **(headers or {})}
        req = urllib.request.Request(
            self.base_url + path, data=body, method=method, headers=headers
        )
        # The one place a broken exchange becomes UnavailableError: a refused or timed-out
        # connection (URLError, OSError) and one dropped mid-answer (RemoteDisconnected,
        # ConnectionResetError, IncompleteRead: an http.client.HTTPException, not an OSError),
        # as when the memory watchdog kills the server while 'up' polls it. Reading the body
        # (of an error answer too) is inside the try: that is where IncompleteRead arises.
        try:
            try:
                with urllib.request.urlopen(req, timeout=timeout or self.timeout) as resp:
                    return Response(resp.status, dict(resp.headers), resp.read())
            except urllib.error.HTTPError as err:
                return Response(err.code, dict(err.headers), err.read())
        except (OSError, http.client.HTTPException) as err:
            raise UnavailableError(
                f"the scoring server at {self.base_url} does not answer ({_reason(err)}); "
                "start it with 'debugkit up' or check 'debugkit logs'"
            ) from None

    def status(self) -> dict[str, Any]:
        return self.request("GET", "/debugkit/status").json()

    def health(self) -> Response:
        return self.request("GET", "/")

    def score(
        self, body: bytes, content_type: str = "application/json", timeout: float | None = None
    ) -> Response:
        return self.request("POST", "/score", body, {"Content-Type": content_type}, timeout=timeout)

    def reload(self, timeout: float = 120.0, init: str = "auto") -> dict[str, Any]:
        """``init``: ``auto`` keeps init()'s state when nothing it reads changed; ``always``."""
        path = "/debugkit/reload" + ("?init=always" if init == "always" else "")
        return self.request("POST", path, b"", timeout=timeout).json()

    def model_path(self, name: str, version: int | None = None) -> Response:
        query = {"name": name} | ({"version": str(version)} if version is not None else {})
        return self.request("GET", "/debugkit/model-path?" + urllib.parse.urlencode(query))
