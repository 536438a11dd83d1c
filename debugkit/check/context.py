"""What the checks share while ``debugkit check`` runs: the configuration, the runtime, the
server once started, and what earlier checks found."""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from typing import Any

from debugkit.check.result import CheckResult, Status, failed, skipped
from debugkit.check.server import CheckedServer
from debugkit.config import ProjectConfig
from debugkit.runtime import Runtime


@dataclass
class CheckContext:
    config: ProjectConfig  # the check's configuration (free port, its own container name)
    runtime_name: str  # "docker" or "process"
    runtime: Runtime
    progress: Callable[[str], None] = lambda text: None  # what is happening now, for the display
    # the display paused, while something else (the image build) draws its own
    paused: Callable[[], AbstractContextManager[None]] = contextlib.nullcontext
    server: CheckedServer | None = None
    results: dict[str, CheckResult] = field(default_factory=dict)
    # what earlier checks leave for later ones
    init_outcome: str | None = None  # ready | init_failed | exited | too_slow (start)
    init_seconds: float = 0.0
    timed_samples: list[Any] = field(default_factory=list)  # 2xx samples for latency (samples)
    # lint errors a run-time check decides (check name -> lint lines), see check/lint.py
    deferred: dict[str, list[str]] = field(default_factory=dict)

    def status_of(self, name: str) -> Status | None:
        result = self.results.get(name)
        return None if result is None else result.status

    def not_made(self, name: str, title: str, why: str) -> CheckResult:
        """The check could not be made: then the lint errors it was to decide stand."""
        lines = self.deferred.get(name)
        if not lines:
            return skipped(name, title, f"not made: {why}")
        return failed(
            name,
            title,
            f"lint found it and it could not be checked at run time ({why})",
            "fix the lint errors below",
            *lines,
        )

    def serving(self) -> bool:
        """True when the server started and init() succeeded: requests can be sent."""
        return self.init_outcome == "ready" and self.server is not None and self.server.is_running()

    def why_not_serving(self) -> str:
        if self.init_outcome != "ready" or self.server is None:
            return "init() did not succeed"
        reason = self.server.exit_reason()
        return "the server stopped" + (f" ({reason})" if reason else "")
