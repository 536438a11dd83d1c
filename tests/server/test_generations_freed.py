"""Long sessions: old generations (module, init()'s model) are freed after a reload, so
memory stays within a small bound of one generation's whatever the number of reloads."""

from __future__ import annotations

import sys
import threading
import weakref
from pathlib import Path

from debugkit.server.service import ScoringService

SCORE = """
import sys
sys.path.insert(0, "{folder}")  # what many score.py files do, on every import

class Model:
    pass

def init():
    global model
    model = Model()

def run(data):
    return 1
"""

FAILS = SCORE.replace(
    "    model = Model()", "    model = Model()\n    raise RuntimeError('half built')"
)


def _reload_in_thread(service: ScoringService, mode: str = "always") -> None:
    """Reloads run on a request thread in the server; a fresh thread here too."""
    thread = threading.Thread(target=service.reload, args=(mode,))
    thread.start()
    thread.join()


def test_old_generations_are_collected_after_reloads(tmp_path: Path) -> None:
    score = tmp_path / "score.py"
    score.write_text(SCORE.format(folder=tmp_path))
    service = ScoringService(str(score), str(tmp_path))
    path_before = list(sys.path)
    try:
        service.start()
        models = [weakref.ref(service.current.module.model)]
        for round_number in range(8):
            if round_number % 3 == 2:  # a failed reload's frames hold a half-built model
                score.write_text(FAILS.format(folder=tmp_path))
                _reload_in_thread(service)
                score.write_text(SCORE.format(folder=tmp_path))
            _reload_in_thread(service)
            models.append(weakref.ref(service.current.module.model))
        alive = [ref for ref in models[:-1] if ref() is not None]
        assert alive == [], f"{len(alive)} old generations' models are still alive"
        # sys.path.insert(0, folder) in score.py adds the folder once, not once per reload
        assert sys.path.count(str(tmp_path)) == 1
    finally:
        for name in ("entry_module",):
            sys.modules.pop(name, None)
        sys.path[:] = path_before
