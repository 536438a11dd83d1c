"""The scoring service's state: the current generation, atomic swaps on reload, and the
last error. Routes ask it for a generation; it never touches HTTP."""

from __future__ import annotations

import gc
import logging
import os
import sys
import threading
import time
import weakref
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from types import ModuleType
from typing import Any, Callable, Optional

from debugkit.server import keepinit
from debugkit.server.errorinfo import ErrorInfo, is_inside
from debugkit.server.loader import ENTRY_MODULE_NAME, Generation, LoadError, load_generation
from debugkit.server.reloadwait import RELOAD_WAIT_S, BoundedLoads
from debugkit.server.sourceloader import compiled_sources, source_hash

logger = logging.getLogger("debugkit.server")
problems = logging.getLogger("debugkit.problems")

STARTING = "starting"
READY = "ready"
INIT_FAILED = "init_failed"


@dataclass
class ReloadResult:
    ok: bool
    generation: int
    duration_ms: float
    error: Optional[ErrorInfo]
    # {"ran": bool, "reason": why it ran, "ms": its duration, "saved_ms": its last duration
    # when it was kept}; None when the load failed before init()'s turn
    init: Optional[dict[str, Any]] = None
    # threads started by init() of generations other than the serving one, still running
    init_threads_left: int = 0
    # the script on disk is not what was loaded (read while an editor was writing it):
    # the error may be an artefact of a half-written file, the next save's reload counts
    source_changed: bool = False

    def to_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "generation": self.generation,
            "duration_ms": round(self.duration_ms, 1),
            "error": self.error.to_dict() if self.error else None,
            "init": self.init,
            "init_threads_left": self.init_threads_left,
            "source_changed": self.source_changed,
        }


def _is_user_module(module: ModuleType, source_dir: str) -> bool:
    file = getattr(module, "__file__", None)
    if not file or not is_inside(file, source_dir):
        return False
    parts = os.path.realpath(file).split(os.sep)
    # A virtualenv inside the project folder is not the user's code.
    return "site-packages" not in parts and "dist-packages" not in parts


def _changed_since_loaded(path: str) -> bool:
    """Whether ``path`` on disk differs from the source last compiled from it."""
    loaded = compiled_sources.get(path)
    try:
        with open(path, "rb") as file:
            return loaded is not None and source_hash(file.read()) != loaded
    except OSError:
        return True


class ScoringService:
    """Holds the current generation and swaps it only when a load fully succeeds."""

    def __init__(
        self,
        entry_script: str,
        source_dir: str,
        keep_init: bool = True,
        reload_wait_s: float = RELOAD_WAIT_S,
    ) -> None:
        self.entry_script = entry_script
        self.source_dir = source_dir
        self.keep_init = keep_init  # False in production mode and with --no-keep-init
        self.baseline: Optional[keepinit.Baseline] = None  # what the last init() that ran saw
        self.state = STARTING
        self.current: Optional[Generation] = None
        self.last_error: Optional[ErrorInfo] = None
        self.last_reload: Optional[ReloadResult] = None
        self.reload_count = 0
        self._next_number = 1
        self._reload_lock = threading.Lock()
        self._count_lock = threading.Lock()
        self._loads = BoundedLoads(source_dir, reload_wait_s)
        # (generation number or 0 for a failed load, thread) for threads a load started
        self._load_threads: list[tuple[int, weakref.ref[threading.Thread]]] = []
        self._init_owner = 0  # the generation whose init() state is serving (kept across reloads)

    # -- loading ---------------------------------------------------------------

    def _record_failure(self, error: LoadError, what: str) -> None:
        self.last_error = error.info
        problems.error(error.info.location_line())
        logger.error("%s failed (%s):\n%s", what, error.phase, error.info.traceback.rstrip())

    def start(self) -> None:
        """First load (import + init). Never raises: failures become init_failed."""
        with self._reload_lock, self._recording_threads() as owner:
            started = time.perf_counter()
            owner.append(self._next_number)
            try:
                generation = load_generation(self._next_number, self.entry_script, self.source_dir)
            except LoadError as err:
                self._record_failure(err, "init()" if err.phase == "init" else "loading the script")
                self.state = INIT_FAILED
                logger.error("debugkit: init() failed; serving 503 until a reload succeeds")
                return
            self._record_baseline(generation)  # before READY: the files may change next
            self._init_owner = generation.number
            self._install(generation)
            logger.info(
                "debugkit: ready (generation %d, startup %.0f ms, init() %.0f ms)",
                generation.number,
                (time.perf_counter() - started) * 1000,
                generation.init_ms,
            )

    def _install(self, generation: Generation) -> None:
        self.current = generation
        self._next_number = generation.number + 1
        self.state = READY
        self.last_error = None

    def _record_baseline(self, generation: Generation) -> None:
        if not self.keep_init:
            return
        self.baseline = keepinit.record(
            self.entry_script,
            self.source_dir,
            keepinit.loaded_user_modules(
                lambda m: _is_user_module(m, self.source_dir), ENTRY_MODULE_NAME
            ),
            generation.init_ms,
        )

    def _decide(self, mode: str) -> keepinit.Decision:
        if not self.keep_init:
            return keepinit.Decision(False, "keeping init() is off")
        if self.current is None:
            return keepinit.Decision(False, "init() has not run successfully yet")
        return keepinit.decide(self.baseline, self.entry_script, self.source_dir, mode)

    def _keeper(self, decision: keepinit.Decision) -> Optional[Callable[[ModuleType], bool]]:
        """What the loader calls with the fresh module: carry init()'s state over, or not."""
        old = self.current
        if not decision.keep or old is None:
            return None

        def keep_state(module: ModuleType) -> bool:
            # the file may have been saved again between the analysis and the import
            if compiled_sources.get(self.entry_script) != decision.entry_hash:
                decision.keep, decision.reason = False, "the script changed while it loaded"
                return False
            keepinit.carry_over(old.module, module, decision.carry)
            return True

        return keep_state

    def _forget_user_modules(self, keep: frozenset[str] = frozenset()) -> dict[str, ModuleType]:
        dropped: dict[str, ModuleType] = {}
        for name, module in list(sys.modules.items()):
            if name.startswith("debugkit") or module is None or name in keep:
                continue
            if _is_user_module(module, self.source_dir):
                dropped[name] = module
                del sys.modules[name]
        return dropped

    def reload(
        self, mode: str = keepinit.AUTO, before_load: Callable[[], None] = lambda: None
    ) -> ReloadResult:
        """Fresh import, then init() unless its state can be kept (``mode`` ``auto``; ``always``
        runs it); swap only on success. Reloads run one at a time, each waited for at most
        ``reload_wait_s`` (server/reloadwait.py). ``before_load`` runs on the load's thread."""
        started = time.perf_counter()
        stuck = self._loads.stuck_stack()
        if stuck is not None:
            return self._stuck_result(stuck, started, earlier=True)

        def load() -> ReloadResult:
            before_load()
            with self._recording_threads() as owner:
                result = self._reload(mode)
                owner.append(result.generation if result.ok else 0)
            if result.ok and (result.init or {}).get("ran", True):
                self._init_owner = result.generation
            return result

        waited = self._loads.run(load)
        if not waited.finished:
            return self._stuck_result(waited.stack, started, earlier=False)
        result: ReloadResult = waited.value
        result.init_threads_left = self.init_threads_left()
        if result.init_threads_left:
            logger.warning(
                "debugkit: init() left %d threads running from earlier generations (they "
                "cannot be stopped from outside; see 'Threads started by init()' in the docs)",
                result.init_threads_left,
            )
        # The old module and its model form reference cycles (module dict -> functions ->
        # __globals__) that only the cyclic GC frees, and it runs on allocation counts that
        # a few large arrays never reach: 50 MB models piled up to an OOM kill at reload 66.
        # Collected here, once _reload's frame (which holds the old modules) is gone.
        gc.collect()
        return result

    @contextmanager
    def _recording_threads(self) -> Iterator[list[int]]:
        """Threads started while the block runs are recorded under the number it appends."""
        before = set(threading.enumerate())
        owner: list[int] = []
        yield owner
        self._load_threads += [
            (owner[0] if owner else 0, weakref.ref(thread))
            for thread in threading.enumerate()
            if thread not in before and thread is not threading.current_thread()
        ]

    def init_threads_left(self) -> int:
        """Threads that loads of earlier generations started and that still run (those of
        the generation whose init() state is serving do not count)."""
        self._load_threads = [(n, ref) for n, ref in self._load_threads if ref() is not None]
        return sum(
            1
            for number, ref in self._load_threads
            if number != self._init_owner and (thread := ref()) is not None and thread.is_alive()
        )

    def _stuck_result(self, stack: list[str], started: float, earlier: bool) -> ReloadResult:
        where = stack[-1] if stack else "code outside the source folder"
        if earlier:
            message = (
                f"an earlier reload is still running its init(), at {where}, so this one did "
                "not start; fix what blocks there (the last good generation keeps serving) "
                "and restart the server if it never returns"
            )
        else:
            message = (
                f"init() did not finish within {self._loads.wait_s:g} s: it is at {where}. "
                "The last good generation keeps serving; the load was stopped if it is in "
                "Python code (a call blocked in C runs until it returns)"
            )
        file, line = None, None
        if stack:
            file, number, _ = stack[-1].split(":", 2)
            line = int(number) if number.isdigit() else None
        info = ErrorInfo("ReloadTimedOut", message, "\n".join(stack), file, line)
        problems.error(info.location_line())
        result = ReloadResult(
            ok=False,
            generation=self.generation_number,
            duration_ms=(time.perf_counter() - started) * 1000,
            error=info,
        )
        self.last_reload = result
        return result

    def _reload(self, mode: str) -> ReloadResult:
        with self._reload_lock:
            started = time.perf_counter()
            self.reload_count += 1
            decision = self._decide(mode)
            dropped = self._forget_user_modules(keep=decision.keep_modules)
            try:
                generation = load_generation(
                    self._next_number, self.entry_script, self.source_dir, self._keeper(decision)
                )
            except LoadError as err:
                # Put the last good generation's helper modules back (the failed load's go).
                self._forget_user_modules(keep=decision.keep_modules)
                sys.modules.update(dropped)
                self._record_failure(err, "reload")
                result = ReloadResult(
                    ok=False,
                    generation=self.current.number if self.current else 0,
                    duration_ms=(time.perf_counter() - started) * 1000,
                    error=err.info,
                    source_changed=_changed_since_loaded(self.entry_script),
                )
                logger.info(
                    "debugkit: reload failed in %.0f ms, still serving generation %d: %s",
                    result.duration_ms,
                    result.generation,
                    err.info.location_line(),
                )
            else:
                if generation.init_ran:
                    self._record_baseline(generation)  # before the swap, as in start()
                    init: dict[str, Any] = {
                        "ran": True,
                        "reason": decision.reason,
                        "ms": round(generation.init_ms, 1),
                    }
                    how = f"init() ran in {generation.init_ms:.0f} ms: {decision.reason}"
                else:
                    saved = self.baseline.init_ms if self.baseline else 0.0
                    init = {"ran": False, "reason": "", "ms": 0.0, "saved_ms": round(saved, 1)}
                    how = f"init() kept, {saved:.0f} ms saved"
                self._install(generation)
                result = ReloadResult(
                    ok=True,
                    generation=generation.number,
                    duration_ms=(time.perf_counter() - started) * 1000,
                    error=None,
                    init=init,
                )
                logger.info(
                    "debugkit: reloaded, generation %d in %.0f ms (%s)",
                    generation.number,
                    result.duration_ms,
                    how,
                )
            self.last_reload = result
            return result

    # -- serving ---------------------------------------------------------------

    @contextmanager
    def use_generation(self) -> Iterator[Generation]:
        """The generation a request runs on, from start to finish, even if a reload swaps it."""
        generation = self.current
        if generation is None:
            raise RuntimeError("no generation loaded")
        with self._count_lock:
            generation.in_flight += 1
        try:
            yield generation
        finally:
            with self._count_lock:
                generation.in_flight -= 1

    @property
    def generation_number(self) -> int:
        return self.current.number if self.current else 0
