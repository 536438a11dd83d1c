"""Unit tests of the watcher's pure logic: ignore list, debounce, dedupe, classification, syntax."""

from __future__ import annotations

import threading
from pathlib import Path, PurePath

import pytest

from debugkit.config import load_config
from debugkit.watch.classify import Action, Classifier, config_difference
from debugkit.watch.debounce import Debouncer
from debugkit.watch.filters import is_ignored
from debugkit.watch.fingerprint import Fingerprints
from debugkit.watch.loop import watch_roots
from debugkit.watch.report import reload_line
from debugkit.watch.syntax import check_syntax


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


@pytest.mark.parametrize(
    "path",
    [
        "proj/__pycache__/score.cpython-311.pyc",
        "proj/.git/index",
        "proj/4913",
        "proj/score.py~",
        "proj/.score.py.swp",
        "proj/.score.py.swx",
        "proj/.#score.py",
        "proj/#score.py#",
        "proj/score.py___jb_tmp___",
        "proj/score.py___jb_old___",
        "proj/sub/.git",
        "proj/server.log",
        "proj/env/lib/python3.11/site-packages/numpy/__init__.py",
    ],
)
def test_editor_and_cache_files_are_ignored(path: str) -> None:
    assert is_ignored(PurePath(path))


@pytest.mark.parametrize(
    "path", ["proj/score.py", "proj/utils/helpers.py", "proj/model/model.pkl", "proj/myenv.yml"]
)
def test_real_files_are_not_ignored(path: str) -> None:
    assert not is_ignored(PurePath(path))


def test_burst_becomes_one_batch_after_quiet_period() -> None:
    clock = FakeClock()
    debouncer = Debouncer(quiet=0.1, max_wait=1.0, clock=clock)
    debouncer.add([Path("a.py")])
    clock.now += 0.05
    debouncer.add([Path("b.py")])
    clock.now += 0.09  # 0.09 since the last event: not quiet yet
    assert debouncer.take() == set()
    clock.now += 0.02
    assert debouncer.take() == {Path("a.py"), Path("b.py")}
    assert debouncer.due_in() is None


def test_continuous_writes_flush_at_max_wait() -> None:
    clock = FakeClock()
    debouncer = Debouncer(quiet=0.1, max_wait=0.5, clock=clock)
    for _ in range(10):
        debouncer.add([Path("big.bin")])
        clock.now += 0.06
    assert debouncer.take() == {Path("big.bin")}


def test_settled_save_fires_after_the_short_quiet_period() -> None:
    clock = FakeClock()
    debouncer = Debouncer(quiet=0.1, quiet_settled=0.02, max_wait=1.0, clock=clock)
    debouncer.add([Path("score.py")])  # modified: the write may go on
    clock.now += 0.03
    assert debouncer.take() == set()
    debouncer.add([Path("score.py")], settled=True)  # closed after writing
    clock.now += 0.019
    assert debouncer.take() == set()
    clock.now += 0.002
    assert debouncer.take() == {Path("score.py")}


def test_an_unsettled_event_after_a_settled_one_waits_the_full_period() -> None:
    clock = FakeClock()
    debouncer = Debouncer(quiet=0.1, quiet_settled=0.02, max_wait=1.0, clock=clock)
    debouncer.add([Path("score.py")], settled=True)
    debouncer.add([Path("helper.py")])  # another file still being written
    clock.now += 0.05
    assert debouncer.take() == set()
    clock.now += 0.06
    assert debouncer.take() == {Path("score.py"), Path("helper.py")}


def test_wait_returns_empty_when_stopped() -> None:
    debouncer = Debouncer()
    stop = threading.Event()
    stop.set()
    assert debouncer.wait(stop) == set()


def test_identical_save_is_not_a_change(tmp_path: Path) -> None:
    score = tmp_path / "score.py"
    score.write_text("x = 1\n")
    prints = Fingerprints()
    prints.record([tmp_path])
    score.write_text("x = 1\n")
    assert prints.changed([score]) == []
    score.write_text("x = 2\n")
    assert prints.changed([score]) == [score]
    assert prints.changed([score]) == []


def test_vanished_temp_file_is_not_a_change_but_deletion_is(tmp_path: Path) -> None:
    score = tmp_path / "score.py"
    score.write_text("x = 1\n")
    prints = Fingerprints()
    prints.record([tmp_path])
    assert prints.changed([tmp_path / "tmp123.py"]) == []
    assert not prints.vanished(score)
    score.unlink()
    assert prints.vanished(score)
    assert prints.changed([score]) == [score]
    assert not prints.vanished(score)


def test_moved_folder_expands_to_its_files(tmp_path: Path) -> None:
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "a.py").write_text("a = 1\n")
    prints = Fingerprints()
    prints.record([tmp_path])
    (tmp_path / "pkg").rename(tmp_path / "pkg2")
    gone = prints.expand(tmp_path / "pkg")
    came = prints.expand(tmp_path / "pkg2")
    assert prints.changed(gone | came) == [tmp_path / "pkg" / "a.py", tmp_path / "pkg2" / "a.py"]


def _project(tmp_path: Path, yaml: str = "") -> Path:
    (tmp_path / "score.py").write_text("def init():\n    pass\n\ndef run(data):\n    return data\n")
    (tmp_path / "utils.py").write_text("X = 1\n")
    (tmp_path / "myenv.yml").write_text("dependencies:\n  - pip:\n    - numpy\n")
    (tmp_path / "model").mkdir()
    (tmp_path / "model" / "model.pkl").write_bytes(b"weights")
    (tmp_path / "debugkit.yaml").write_text(yaml or "deployment:\n  memory_gb: 1\n")
    return tmp_path


def test_classification(tmp_path: Path) -> None:
    root = _project(tmp_path)
    classifier = Classifier(load_config(root))
    assert classifier.plan([root / "score.py"]).action == Action.RELOAD
    assert classifier.plan([root / "score.py"]).python_files == [root / "score.py"]
    assert classifier.plan([root / "data.json"]).action == Action.RELOAD
    model = classifier.plan([root / "model" / "model.pkl"])
    assert (model.action, model.python_files) == (Action.RELOAD, [])
    env = classifier.plan([root / "score.py", root / "myenv.yml"])
    assert env.action == Action.REBUILD
    assert "myenv.yml" in env.reasons[0]
    assert classifier.plan([root.parent / "elsewhere.py"]).action == Action.NONE


def test_config_changes(tmp_path: Path) -> None:
    root = _project(tmp_path)
    classifier = Classifier(load_config(root))
    config_file = root / "debugkit.yaml"
    config_file.write_text("deployment:\n  memory_gb: 1\n")  # same settings
    assert classifier.plan([config_file]).action == Action.NONE
    config_file.write_text("deployment:\n  memory_gb: 2\n")
    plan = classifier.plan([config_file])
    assert plan.action == Action.RESTART
    assert plan.reasons == ["deployment.memory_gb changed from 1.0 to 2.0"]
    assert plan.config is not None and plan.config.deployment.memory_gb == 2
    config_file.write_text("base_image: python:3.10-slim\ndeployment:\n  memory_gb: 2\n")
    assert classifier.plan([config_file]).action == Action.REBUILD
    config_file.write_text("deployment:\n  memory_gb: lots\n")
    broken = classifier.plan([config_file])
    assert broken.action == Action.NONE
    assert broken.config_error and "memory_gb" in broken.config_error


def test_config_difference_environment(tmp_path: Path) -> None:
    root = _project(tmp_path)
    old = load_config(root)
    (root / "requirements.txt").write_text("numpy\n")
    (root / "debugkit.yaml").write_text(
        "environment: requirements.txt\ndeployment:\n  memory_gb: 1\n"
    )
    action, reasons = config_difference(old, load_config(root))
    assert action == Action.REBUILD
    assert reasons == ["environment changed from myenv.yml to requirements.txt"]


def test_watch_roots_do_not_overlap(tmp_path: Path) -> None:
    root = _project(tmp_path)
    assert watch_roots(load_config(root)) == [(root, True)]


def test_syntax_error_location_and_caret(tmp_path: Path) -> None:
    score = tmp_path / "score.py"
    score.write_text("def init():\n    pass\n\ndef run(data)\n    return data\n")
    problem = check_syntax(score)
    assert problem is not None
    assert problem.lines("score.py") == [
        "score.py:4:14: error: SyntaxError: expected ':'",
        "    def run(data)",
        "                 ^",
    ]
    score.write_text("def run(data):\n    return data\n")
    assert check_syntax(score) is None


def test_reload_line_maps_container_paths(tmp_path: Path) -> None:
    ok = reload_line({"ok": True, "generation": 3}, "score.py", 41.6, 2, tmp_path)
    assert ok == "debugkit: reload \u2713 generation 3 in 42 ms (score.py)"
    failed = reload_line(
        {
            "ok": False,
            "generation": 2,
            "error": {
                "type": "ValueError",
                "message": "boom",
                "file": "/var/azureml-app/score.py",
                "line": 7,
            },
        },
        "score.py",
        12,
        2,
        tmp_path,
    )
    assert failed.endswith(
        ":7: error: ValueError: boom "
        "[reload \u2717 in 12 ms (score.py); generation 2 keeps serving]"
    )
    assert failed.startswith(str(tmp_path / "score.py")) or failed.startswith("score.py")
