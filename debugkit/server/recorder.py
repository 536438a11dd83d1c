"""The last N scoring requests, in memory, so the one that failed can be sent again after a fix.

Debug mode only (the server never builds a Recorder in production mode). Credentials are
not kept: Authorization, Proxy-Authorization and Cookie headers are dropped. Bodies are
capped (a replay of a cut body is refused on the host). ``GET /debugkit/requests`` hands
them to ``debugkit requests`` / ``debugkit replay``, which keep a copy in the session's
state folder (owner-only).
"""

from __future__ import annotations

import base64
import itertools
import threading
import time
from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

DEFAULT_LIMIT = 50
BODY_LIMIT = 256 * 1024  # request bodies kept up to this size (50 of them: 12.5 MB at most)
ANSWER_LIMIT = 16 * 1024  # enough of the answer to compare old and new side by side
DROPPED_HEADERS = frozenset({"authorization", "proxy-authorization", "cookie"})


@dataclass(frozen=True)
class Recorded:
    id: int
    time: float
    method: str
    path: str  # with the query string
    headers: dict[str, str]
    body: bytes
    body_size: int  # before the cap
    status: int
    duration_ms: float
    generation: int
    answer: bytes
    answer_type: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "time": self.time,
            "method": self.method,
            "path": self.path,
            "headers": self.headers,
            "body_b64": base64.b64encode(self.body).decode("ascii"),
            "body_size": self.body_size,
            "body_complete": len(self.body) == self.body_size,
            "status": self.status,
            "duration_ms": round(self.duration_ms, 1),
            "generation": self.generation,
            "answer_b64": base64.b64encode(self.answer).decode("ascii"),
            "answer_type": self.answer_type,
        }


class Recorder:
    def __init__(self, limit: int = DEFAULT_LIMIT) -> None:
        self.limit = limit
        self._items: deque[Recorded] = deque(maxlen=max(limit, 1))
        self._ids = itertools.count(1)
        self._lock = threading.Lock()

    def add(
        self,
        *,
        method: str,
        path: str,
        headers: Mapping[str, str],
        body: bytes,
        status: int,
        duration_ms: float,
        generation: int,
        answer: bytes,
        answer_type: str,
    ) -> None:
        if self.limit <= 0:
            return
        kept = {k: v for k, v in headers.items() if k.lower() not in DROPPED_HEADERS}
        with self._lock:
            self._items.append(
                Recorded(
                    id=next(self._ids),
                    time=time.time(),
                    method=method,
                    path=path,
                    headers=kept,
                    body=body[:BODY_LIMIT],
                    body_size=len(body),
                    status=status,
                    duration_ms=duration_ms,
                    generation=generation,
                    answer=answer[:ANSWER_LIMIT],
                    answer_type=answer_type,
                )
            )

    def since(self, last_id: int = 0) -> list[dict[str, Any]]:
        """The requests recorded after ``last_id``, oldest first."""
        with self._lock:
            return [item.to_dict() for item in self._items if item.id > last_id]
