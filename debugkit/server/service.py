"""The scoring service's state: the current generation, atomic swaps on reload, and the
last error. Routes ask it for a generation; it never touches HTTP."""

from __future__ import annotations

import logging
import os
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from types import ModuleType
from typing import Any, Optional

from debugkit.server.errorinfo import ErrorInfo, is_inside
from debugkit.server.loader import Generation, LoadError, load_generation

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

    def to_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "generation": self.generation,
            "duration_ms": round(self.duration_ms, 1),
            "error": self.error.to_dict() if self.error else None,
        }


def _is_user_module(module: ModuleType, source_dir: str) -> bool:
    file = getattr(module, "__file__", None)
    if not file or not is_inside(file, source_dir):
        return False
    parts = os.path.realpath(file).split(os.sep)
    # A virtualenv inside the project folder is not the user's code.
    return "site-packages" not in parts and "dist-packages" not in parts


class ScoringService:
    """Holds the current generation and swaps it only when a load fully succeeds."""

    def __init__(self, entry_script: str, source_dir: str) -> None:
        self.entry_script = entry_script
        self.source_dir = source_dir
        self.state = STARTING
        self.current: Optional[Generation] = None
        self.last_error: Optional[ErrorInfo] = None
        self.last_reload: Optional[ReloadResult] = None
        self.reload_count = 0
        self._next_number = 1
        self._reload_lock = threading.Lock()
        self._count_lock = threading.Lock()
        self.ready_event = threading.Event()  # set once the first load finished (either way)

    # -- loading ---------------------------------------------------------------

    def _record_failure(self, error: LoadError, what: str) -> None:
        self.last_error = error.info
        problems.error(error.info.location_line())
        logger.error("%s failed (%s):\n%s", what, error.phase, error.info.traceback.rstrip())

    def start(self) -> None:
        """First load (import + init). Never raises: failures become init_failed."""
        with self._reload_lock:
            started = time.perf_counter()
            try:
                generation = load_generation(self._next_number, self.entry_script, self.source_dir)
            except LoadError as err:
                self._record_failure(err, "init()" if err.phase == "init" else "loading the script")
                self.state = INIT_FAILED
                logger.error("debugkit: init() failed; serving 503 until a reload succeeds")
            else:
                self._install(generation)
                logger.info(
                    "debugkit: ready (generation %d, startup %.0f ms, init() %.0f ms)",
                    generation.number,
                    (time.perf_counter() - started) * 1000,
                    generation.init_ms,
                )
            finally:
                self.ready_event.set()

    def _install(self, generation: Generation) -> None:
        self.current = generation
        self._next_number = generation.number + 1
        self.state = READY
        self.last_error = None

    def _forget_user_modules(self) -> dict[str, ModuleType]:
        dropped: dict[str, ModuleType] = {}
        for name, module in list(sys.modules.items()):
            if name.startswith("debugkit") or module is None:
                continue
            if _is_user_module(module, self.source_dir):
                dropped[name] = module
                del sys.modules[name]
        return dropped

    def reload(self) -> ReloadResult:
        """Fresh import + init(); swap only on success. Reloads run one at a time."""
        with self._reload_lock:
            started = time.perf_counter()
            self.reload_count += 1
            dropped = self._forget_user_modules()
            try:
                generation = load_generation(self._next_number, self.entry_script, self.source_dir)
            except LoadError as err:
                # Put the last good generation's helper modules back.
                for name in list(sys.modules):
                    module = sys.modules.get(name)
                    if (
                        module is not None
                        and not name.startswith("debugkit")
                        and _is_user_module(module, self.source_dir)
                    ):
                        del sys.modules[name]
                sys.modules.update(dropped)
                self._record_failure(err, "reload")
                result = ReloadResult(
                    ok=False,
                    generation=self.current.number if self.current else 0,
                    duration_ms=(time.perf_counter() - started) * 1000,
                    error=err.info,
                )
                logger.info(
                    "debugkit: reload failed in %.0f ms, still serving generation %d: %s",
                    result.duration_ms,
                    result.generation,
                    err.info.location_line(),
                )
            else:
                self._install(generation)
                result = ReloadResult(
                    ok=True,
                    generation=generation.number,
                    duration_ms=(time.perf_counter() - started) * 1000,
                    error=None,
                )
                logger.info(
                    "debugkit: reloaded, generation %d in %.0f ms",
                    generation.number,
                    result.duration_ms,
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
