"""Recorded scoring requests on the host: synced from the server, kept in the session's state
folder (owner-only: 0700 folder, 0600 file) so they outlive a restart, removed by ``down``;
sent again to the current generation by ``debugkit replay``, ``--replay-on-save`` and the
VS Code command.

The server records (debug mode only) in memory (:mod:`debugkit.server.recorder`); its ids
restart with each server, so the host numbers requests itself, in one sequence per session.
"""

from __future__ import annotations

import base64
import contextlib
import json
import os
import shutil
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from debugkit.client import Response, ServerClient
from debugkit.paths import state_dir
from debugkit.session import Session

KEPT = 50  # requests kept on the host, over all servers of the session
REPLAY_HEADER = "x-debugkit-replay-of"
# hop-by-hop or recomputed by the client: never resent as recorded
_NOT_RESENT = frozenset(
    {"host", "content-length", "connection", "accept-encoding", "transfer-encoding"}
)


@dataclass
class Recorded:
    id: int  # the host's number, stable across server restarts
    time: float
    method: str
    path: str
    headers: dict[str, str]
    body_b64: str
    body_size: int
    body_complete: bool
    status: int
    duration_ms: float
    generation: int
    answer_b64: str
    answer_type: str

    @property
    def body(self) -> bytes:
        return base64.b64decode(self.body_b64)

    @property
    def answer(self) -> bytes:
        return base64.b64decode(self.answer_b64)

    @property
    def failed(self) -> bool:
        return self.status >= 400

    @property
    def replay_of(self) -> str | None:
        """The id of the request this one replayed, if it is a replay."""
        return next((v for k, v in self.headers.items() if k.lower() == REPLAY_HEADER), None)


def session_folder(project_key: str) -> Path:
    """The session's own state folder, readable by its owner only."""
    folder = state_dir() / project_key
    folder.mkdir(mode=0o700, exist_ok=True)
    os.chmod(folder, 0o700)  # also when it existed with looser permissions
    return folder


def forget(project_key: str) -> None:
    """Remove what was recorded for a session (``down``)."""
    shutil.rmtree(state_dir() / project_key, ignore_errors=True)


class RequestLog:
    """The session's recorded requests, oldest first."""

    def __init__(self, project_key: str) -> None:
        self.project_key = project_key
        self.requests: list[Recorded] = []
        self.next_id = 1
        self.server = ""  # the server the last sync read from, and its last id
        self.server_last = 0

    @property
    def file(self) -> Path:
        return state_dir() / self.project_key / "requests.json"

    @classmethod
    def load(cls, project_key: str) -> RequestLog:
        log = cls(project_key)
        try:
            data = json.loads(log.file.read_text())
            log.requests = [Recorded(**item) for item in data["requests"]]
            log.next_id = int(data["next_id"])
            log.server, log.server_last = str(data["server"]), int(data["server_last"])
        except (OSError, ValueError, KeyError, TypeError):
            pass  # nothing recorded yet (or an unreadable file, rewritten on the next sync)
        return log

    def save(self) -> None:
        folder = session_folder(self.project_key)
        tmp = folder / "requests.json.tmp"
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as f:
            json.dump(
                {
                    "next_id": self.next_id,
                    "server": self.server,
                    "server_last": self.server_last,
                    "requests": [asdict(r) for r in self.requests],
                },
                f,
            )
        os.replace(tmp, self.file)

    def sync(self, client: ServerClient) -> bool:
        """Add what the server recorded since the last sync; False if it records nothing
        (production mode, or an older server). Saves the log when something was added."""
        since = self.server_last
        answer = client.request("GET", f"/debugkit/requests?since={since}")
        if answer.status != 200:
            return False
        data = answer.json()
        if data.get("server") != self.server:  # a new server (a restart): its ids start over
            self.server, self.server_last = str(data.get("server")), 0
            answer = client.request("GET", "/debugkit/requests?since=0")
            data = answer.json()
        fields = set(Recorded.__dataclass_fields__) - {"id"}
        added = False
        for item in data.get("requests", []):
            self.server_last = max(self.server_last, int(item["id"]))
            self.requests.append(
                Recorded(id=self.next_id, **{k: v for k, v in item.items() if k in fields})
            )
            self.next_id += 1
            added = True
        del self.requests[:-KEPT]
        if added:
            self.save()
        return bool(data.get("limit"))

    def find(self, request_id: int) -> Recorded | None:
        return next((r for r in self.requests if r.id == request_id), None)

    def last(self, failed: bool = False) -> Recorded | None:
        candidates = [r for r in self.requests if r.failed or not failed]
        return candidates[-1] if candidates else None


def sync(session: Session) -> RequestLog:
    """The session's log, with what its server recorded since the last look."""
    log = RequestLog.load(session.project_key)
    if not session.production:
        log.sync(ServerClient(session.url, timeout=10))
    return log


def replay(session: Session, recorded: Recorded, timeout: float) -> Response:
    """Send a recorded request again, to whichever generation serves now."""
    headers = {k: v for k, v in recorded.headers.items() if k.lower() not in _NOT_RESENT}
    headers[REPLAY_HEADER] = str(recorded.id)
    body = recorded.body if recorded.method not in ("GET", "HEAD") or recorded.body else None
    return ServerClient(session.url).request(
        recorded.method, recorded.path, body, headers, timeout=timeout
    )


def as_dict(recorded: Recorded) -> dict[str, Any]:
    """For ``--json``: the record with its body as text where it is text."""
    data = asdict(recorded)
    for key in ("body", "answer"):
        raw = base64.b64decode(data.pop(f"{key}_b64"))
        try:
            data[key] = raw.decode("utf-8")
        except UnicodeDecodeError:
            data[f"{key}_b64"] = base64.b64encode(raw).decode("ascii")
    return data
