"""The watcher's loop: a save becomes a hot reload (or a restart) of the running server.

Watching happens on the host because inotify events do not cross Docker Desktop, WSL
or network mounts. Events go through: ignore list -> debounce -> content dedupe ->
classification -> (compile .py on the host) -> ``POST /debugkit/reload`` or
:func:`debugkit.launcher.restart`.

A foreground ``debugkit up`` runs :meth:`Watcher.run` on its own thread; ``up --detach``
runs ``python -m debugkit.watch PROJECT_DIR --log FILE`` (:mod:`debugkit.watch.__main__`).
"""

from __future__ import annotations

import contextlib
import os
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from watchdog.events import FileSystemEvent, FileSystemEventHandler
from watchdog.observers import Observer
from watchdog.observers.polling import PollingObserver

from debugkit.client import ServerClient
from debugkit.config import ProjectConfig
from debugkit.consolelines import error_line, not_reloaded_line, shown
from debugkit.errors import UserError
from debugkit.watch.classify import Action, Classifier, Plan
from debugkit.watch.debounce import Debouncer
from debugkit.watch.filters import is_ignored
from debugkit.watch.fingerprint import Fingerprints, fingerprint
from debugkit.watch.replay import replay_last_failed
from debugkit.watch.report import OK, changed_names, reload_line, serving
from debugkit.watch.syntax import SyntaxProblem, check_syntax

if TYPE_CHECKING:
    from debugkit.session import Session

Echo = Callable[[str], None]
_RELEVANT_EVENTS = frozenset({"created", "modified", "deleted", "moved", "closed"})
RELOAD_TIMEOUT_S = 3600.0


class _Collector(FileSystemEventHandler):
    """watchdog thread -> debouncer. Only filtering here; the rest runs on the watcher's thread."""

    def __init__(self, debouncer: Debouncer) -> None:
        self._debouncer = debouncer

    def on_any_event(self, event: FileSystemEvent) -> None:
        if event.event_type not in _RELEVANT_EVENTS:
            return
        # a folder's "modified" only means a file in it changed, and that file has its own event
        if event.is_directory and event.event_type in ("modified", "closed"):
            return
        src = Path(os.fsdecode(event.src_path))
        dest = Path(os.fsdecode(event.dest_path)) if getattr(event, "dest_path", "") else None
        paths = [p for p in (src, dest) if p is not None and not is_ignored(p)]
        # written and closed, or renamed into place: the save is (almost surely) complete
        settled = event.event_type == "closed" or (
            event.event_type == "moved" and dest is not None and dest in paths
        )
        self._debouncer.add(paths, settled=settled)


def watch_roots(config: ProjectConfig) -> list[tuple[Path, bool]]:
    """Folders to watch as (folder, recursive), without overlaps."""
    wanted: list[tuple[Path, bool]] = [(config.source_dir, True), (config.project_dir, False)]
    for file in (config.environment, config.config_file):
        if file is not None:
            wanted.append((file.parent, False))
    for model in config.models:
        wanted.append((model.path, True) if model.path.is_dir() else (model.path.parent, False))
    roots: list[tuple[Path, bool]] = []
    for folder, recursive in sorted(wanted, key=lambda r: (len(r[0].parts), not r[1])):
        if not any(folder == r or (rec and r in folder.parents) for r, rec in roots):
            roots.append((folder, recursive))
    return roots


class Watcher:
    """Turns saves under a project into reloads or restarts of one running session."""

    def __init__(
        self,
        config: ProjectConfig,
        session: Session,
        echo: Echo = print,
        *,
        quiet: float = 0.1,
        quiet_settled: float = 0.025,
        max_wait: float = 1.0,
        polling: bool = False,
    ) -> None:
        self.config = config
        self.session = session
        self.echo = echo
        self.lock = threading.Lock()  # held while the session is being replaced (restart)
        self.generation: int | None = None
        self.reloads = 0  # reload requests sent, for tests and the bench
        self.batches = 0  # debounced batches handled
        self._debouncer = Debouncer(quiet, quiet_settled, max_wait)
        self._fingerprints = Fingerprints()
        self._classifier = Classifier(config, session.config_loader())
        self._broken: dict[Path, SyntaxProblem] = {}
        self._restart_pending: Plan | None = None
        self._last_reload = (0.0, 0.0)  # wall-clock window of the last reload request
        self._polling = polling
        self._observer: Any = None
        self.observer_kind = ""  # "native" (inotify, FSEvents, ...) or "polling"
        self.ready = threading.Event()  # set once the observer is watching
        self._stop = threading.Event()

    # --- lifecycle ----------------------------------------------------------------------------

    def run(self, stop: threading.Event, on_ready: Callable[[], None] | None = None) -> None:
        """Watch until ``stop`` is set; ``on_ready`` runs once saves are being seen."""
        self._stop = stop
        with self._observing():
            self._fingerprints.record(root for root, _ in watch_roots(self.config))
            self.generation = self._current_generation()
            self.ready.set()
            if on_ready is not None:
                on_ready()
            held = False
            while not stop.is_set():
                batch = self._debouncer.wait(stop)
                if not batch:
                    continue
                if not held and any(self._fingerprints.vanished(p) for p in batch):
                    # a known file is missing: mid-save (renamed away) or deleted; give the
                    # editor one full quiet period to put it back before acting
                    self._debouncer.add(batch)
                    held = True
                    continue
                held = False
                try:
                    self.handle(batch)
                except Exception as exc:  # one bad batch must not end a long debugging session
                    self.echo(
                        f"debugkit: watcher error ({type(exc).__name__}: {exc}); still watching"
                    )
                self.batches += 1

    @contextlib.contextmanager
    def _observing(self) -> Iterator[None]:
        self._observer = self._start_observer()
        try:
            yield
        finally:
            self._observer.stop()
            self._observer.join(timeout=5)

    def _start_observer(self) -> Any:
        if not self._polling:
            observer = Observer()
            try:
                self._schedule(observer)
                observer.start()
                self.observer_kind = "native"
                return observer
            except OSError as exc:  # e.g. the inotify watch limit
                self.echo(f"debugkit: native file events unavailable ({exc}); polling instead")
                with contextlib.suppress(Exception):
                    observer.stop()
        observer = PollingObserver(timeout=0.25)
        self._schedule(observer)
        observer.start()
        self.observer_kind = "polling"
        return observer

    def _schedule(self, observer: Any) -> None:
        """Point ``observer`` (native or polling) at the configuration's folders."""
        handler = _Collector(self._debouncer)
        for folder, recursive in watch_roots(self.config):
            observer.schedule(handler, os.fspath(folder), recursive=recursive)

    def _retarget(self) -> None:
        """The configuration moved (source_dir, models): watch the new folders."""
        self._observer.unschedule_all()
        self._schedule(self._observer)
        self._fingerprints.record(root for root, _ in watch_roots(self.config))

    # --- one batch of changes -----------------------------------------------------------------

    def handle(self, paths: set[Path]) -> None:
        expanded: set[Path] = set()
        for path in paths:
            expanded |= self._fingerprints.expand(path)
        changed = self._fingerprints.changed(expanded)
        if not changed and self._restart_pending is None:
            return
        plan = self._classifier.plan(changed)
        for note in plan.notes:
            self.echo(note)
        if plan.action == Action.RELOAD and all(map(self._written_during_reload, plan.changed)):
            # score.py itself wrote these while it reloaded (process runtime: the source
            # folder is its working folder); reloading for them would loop forever
            names = changed_names(plan.changed, [self.config.source_dir])
            self.echo(f"debugkit: {names} changed during the reload (written by init()?); ignored")
            return
        if plan.config_error:
            self.echo(f"{plan.config_error} (not applied; the server keeps its settings)")
        if self._restart_pending is not None and plan.action < Action.RESTART:
            plan = self._merge_pending(plan)
        if plan.action == Action.NONE:
            return
        if self.session.production and plan.action == Action.RELOAD:
            plan.action = Action.RESTART
            plan.reasons.append("hot reload is off in --production mode")
        if plan.action >= Action.RESTART:
            self._restart(plan)
        else:
            self._reload(plan)

    def _written_during_reload(self, path: Path) -> bool:
        """A data file last written while the server ran the last reload (so by init())."""
        if path.suffix == ".py":
            return False
        try:
            mtime = path.stat().st_mtime
        except OSError:
            return False
        start, end = self._last_reload
        # the kernel's file clock is coarse (a few ms) next to time.time()
        return start - 0.01 <= mtime <= end + 0.01

    def _merge_pending(self, plan: Plan) -> Plan:
        pending = self._restart_pending
        assert pending is not None
        pending.changed = sorted(set(pending.changed) | set(plan.changed))
        return pending

    def _reload(self, plan: Plan) -> None:
        what = changed_names(plan.changed, [self.config.source_dir, self.config.project_dir])
        for path in list(self._broken):
            if path not in plan.python_files:
                plan.python_files.append(path)
        problems = [p for p in map(check_syntax, plan.python_files) if p is not None]
        self._broken = {p.path: p for p in problems}
        self._record_unsent([p.lines()[0] for p in problems])
        if problems:
            for problem in problems:
                for line in problem.lines(shown(problem.path)):
                    self.echo(line)
            kept = serving(self.generation)
            self.echo(not_reloaded_line(kept))
            return
        before = {path: fingerprint(path) for path in plan.changed}
        started, started_wall = time.monotonic(), time.time()
        self.reloads += 1
        try:
            # init() may sit at a breakpoint for as long as the user debugs it
            result = ServerClient(self.session.url).reload(
                timeout=RELOAD_TIMEOUT_S, init="auto" if self.config.keep_init else "always"
            )
        except UserError as exc:
            self.echo(f"debugkit: reload of {what} failed: {exc.message}")
            return
        except ValueError:
            self.echo(f"debugkit: reload of {what} failed: the server did not answer with JSON")
            return
        millis = (time.monotonic() - started) * 1000
        self._last_reload = (started_wall, time.time())
        changed = result.get("source_changed") or any(
            fingerprint(p) != h for p, h in before.items()
        )
        if not result.get("ok") and changed:
            # saved again while the server read it (half-written file): the new save's own
            # events are already on their way, and its reload is the one that counts
            self.echo(f"debugkit: {what} changed again during the reload; reloading again")
            return
        self.echo(reload_line(result, what, millis, self.generation, self.config.source_dir))
        if result.get("generation") is not None:
            self.generation = int(result["generation"])
        if result.get("ok") and self.config.replay_on_save:
            timeout = self.config.deployment.request_timeout_s + 30
            replayed = replay_last_failed(self.session, timeout)
            if replayed:
                self.echo(replayed)

    def _record_unsent(self, lines: list[str]) -> None:
        """What was saved but never sent (syntax errors), for 'debugkit status'."""
        if lines or self.session.unsent:
            from debugkit import session as sessions

            sessions.update(self.session, unsent=lines)

    def _restart(self, plan: Plan) -> None:
        from debugkit.launcher import describe, prepare, restart, running_session, stop

        config = plan.config or self.config
        what = changed_names(plan.changed, [config.source_dir, config.project_dir])
        trigger = f"{'; '.join(plan.reasons)} ({what})"
        started = time.monotonic()
        if plan.action == Action.REBUILD:
            # build first, outside the lock, while the old server serves: a failed build
            # changes nothing, and 'down' meanwhile is seen
            self.echo(f"debugkit: rebuilding: {trigger}; {serving(self.generation)} meanwhile")
            try:
                prepare(self.session, config, trigger)
            except Exception as exc:  # the build failed: the user fixes and saves again
                self._restart_pending = None
                # "restart " ends the cycle VS Code's background matcher began at "rebuilding"
                self.echo(
                    f"debugkit: rebuild failed: {describe(exc)}\n"
                    f"debugkit: restart skipped; {serving(self.generation)}; fix it and save "
                    "to rebuild"
                )
                return
            if self._stop.is_set():
                return
        self.echo(f"debugkit: restarting: {trigger}")
        with self.lock:
            if self._stop.is_set():  # 'debugkit down' came while building
                return
            try:
                session = restart(self.session, config, trigger)
            except Exception as exc:  # engine errors, init timeouts
                self._restart_pending = plan
                reason = (
                    exc.message if isinstance(exc, UserError) else f"{type(exc).__name__}: {exc}"
                )
                # a new server that came up but not in time serves on and a save retries;
                # without one, the session is over (its monitor ends the watcher)
                after = "the next save retries" if running_session(config) else "nothing serves"
                self.echo(f"debugkit: restart failed: {reason}; {after}")
                return
            if self._stop.is_set():  # 'debugkit down' came while restarting: leave nothing behind
                stop(session)
                return
            retarget = (config.source_dir, config.models) != (
                self.config.source_dir,
                self.config.models,
            )
            self.session, self.config = session, config
            self._classifier = Classifier(config, session.config_loader())
            self._restart_pending = None
            self._broken.clear()
        if retarget:
            self._retarget()
        status = self._status()
        self.generation = status.get("generation")
        seconds = time.monotonic() - started
        if status.get("state") == "init_failed":
            tail = f"restart in {seconds:.1f} s: init() failed; fix and save to reload"
            self.echo(error_line(status.get("last_error"), config.source_dir, tail))
            return
        generation = f" generation {self.generation}" if self.generation is not None else ""
        self.echo(
            f"debugkit: restart {OK}{generation} in {seconds:.1f} s, serving at {session.url}"
        )

    def _current_generation(self) -> int | None:
        return self._status().get("generation")

    def _status(self) -> dict[str, Any]:
        """The server's status; empty when it cannot tell (production mode, not answering)."""
        if self.session.production:
            return {}
        try:
            status = ServerClient(self.session.url, timeout=5).status()
        except (UserError, ValueError):
            return {}
        if status.get("generation") is not None:
            status["generation"] = int(status["generation"])
        return status
