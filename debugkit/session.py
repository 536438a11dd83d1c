"""Running sessions, recorded on disk so that ``down``/``status`` find them from any shell."""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from debugkit.paths import state_dir

if TYPE_CHECKING:
    from debugkit.config import ProjectConfig


@dataclass
class Session:
    """One ``debugkit up`` of one project."""

    project_key: str
    project_dir: str
    runtime: str  # "process" or "docker"
    host: str
    port: int
    debug_port: int | None  # None when debugpy is off
    production: bool = False
    server_pid: int | None = None  # process runtime
    container_id: str | None = None  # docker runtime
    container_name: str | None = None
    image: str | None = None
    watcher_pid: int | None = None  # background watcher of a --detach session
    log_file: str | None = None  # server log (process runtime) or watcher log
    work_dir: str | None = None  # temp folder removed on down
    started_at: float = field(default_factory=time.time)
    request: dict[str, Any] = field(default_factory=dict)  # `up`'s UpOptions.to_record()
    owner_pid: int | None = None  # the foreground `up` whose end ends the session
    reaper_pid: int | None = None  # removes the container if the owner is killed (runtime/reaper)
    stopped_by: str | None = None  # set by `debugkit down` before it stops: the owner says so
    # what the watcher is doing to it: "rebuilding" (the old server serves meanwhile) or
    # "restarting" (nothing serves), and why; None otherwise
    transition: str | None = None
    trigger: str | None = None
    rebuild_error: str | None = None  # the last failed rebuild/restart; the old server serves
    unsent: list[str] = field(default_factory=list)  # host-caught problems (FILE:LINE lines)

    def config_loader(self) -> Callable[[str | Path], ProjectConfig]:
        """Reads the project's configuration as this session sees it (with its `up` flags)."""
        from debugkit.config import load_config
        from debugkit.runtime.base import UpOptions

        options = UpOptions.from_record(self.request)
        return lambda project_dir: options.configure(load_config(project_dir))

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    @property
    def scoring_url(self) -> str:
        return f"{self.url}/score"


def _file(project_key: str) -> Path:
    return state_dir() / f"{project_key}.json"


def save(session: Session) -> None:
    path = _file(session.project_key)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(asdict(session), indent=2))
    os.replace(tmp, path)


def load(project_key: str) -> Session | None:
    path = _file(project_key)
    try:
        data = json.loads(path.read_text())
        return Session(**data)
    except (OSError, ValueError, TypeError):
        return None


def update(session: Session, **changes: Any) -> Session:
    """Change fields of ``session`` and of its record, unless the record is gone or belongs
    to another run by now (``down`` removed it, ``up`` replaced it): never resurrect one."""
    for name, value in changes.items():
        setattr(session, name, value)
    current = load(session.project_key)
    if current is not None and current.started_at == session.started_at:
        for name, value in changes.items():
            setattr(current, name, value)
        save(current)
    return session


def remove(project_key: str) -> None:
    _file(project_key).unlink(missing_ok=True)


def pid_alive(pid: int | None) -> bool:
    if not pid:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:  # a zombie child of ours counts as gone
        with open(f"/proc/{pid}/stat") as f:
            return f.read().split(")")[-1].split()[0] != "Z"
    except OSError:
        return True
