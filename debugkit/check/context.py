"""What the checks share while ``debugkit check`` runs: the configuration, the runtime, the
server once started, and what earlier checks found."""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass, field

from debugkit.check.result import CheckResult, Status
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
    state: dict[str, object] = field(default_factory=dict)  # facts a check leaves for later ones

    def status_of(self, name: str) -> Status | None:
        result = self.results.get(name)
        return None if result is None else result.status

    def serving(self) -> bool:
        """True when the server started and init() succeeded: requests can be sent."""
        return (
            bool(self.state.get("ready")) and self.server is not None and self.server.is_running()
        )
