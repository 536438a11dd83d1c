"""Hot reload end to end: real files, a real watchdog observer, a real server over HTTP."""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest

from debugkit.config import load_config
from tests.reload.conftest import Live, make_project, score_source, wait_for, watched_server

OK = "\u2713"


def test_save_reloads_and_prints_one_line(live: Live) -> None:
    assert live.answer() == (1, {"tag": "v1", "helper": 1})
    live.score_py.write_text(score_source("v2"))
    wait_for("the new code", lambda: live.answer() == (2, {"tag": "v2", "helper": 1}))
    line = live.line_with("reload")
    assert line.startswith(f"debugkit: reload {OK} generation 2 in ")
    assert line.endswith(" ms (score.py; init() ran: init() changed)")


def test_identical_save_does_not_reload(live: Live) -> None:
    live.score_py.write_text(live.score_py.read_text())
    wait_for("the watcher to handle the save", lambda: live.watcher.batches >= 1)
    assert live.watcher.reloads == 0
    assert live.server.status()["reloads"] == 0
    assert live.lines == []


def test_syntax_error_is_reported_on_the_host_and_never_sent(live: Live) -> None:
    broken = score_source("v2").replace("def run(raw):", "def run(raw)")
    live.score_py.write_text(broken)
    live.line_with("not reloaded")  # the last of the report's lines
    number = broken.splitlines().index("def run(raw)") + 1
    assert live.lines == [
        f"{live.score_py}:{number}:13: error: SyntaxError: expected ':'",
        "    def run(raw)",
        "                ^",
        "debugkit: not reloaded until the syntax error is fixed; generation 1 keeps serving",
    ]
    assert live.server.status()["reloads"] == 0  # no reload was attempted
    assert live.answer() == (1, {"tag": "v1", "helper": 1})

    live.score_py.write_text(score_source("v3"))
    wait_for("the fixed code", lambda: live.answer() == (2, {"tag": "v3", "helper": 1}))


def test_failing_init_keeps_the_old_generation(live: Live) -> None:
    source = score_source("v2", init_extra="    raise ValueError('boom')\n")
    live.score_py.write_text(source)
    line = live.line_with("error: ValueError: boom")
    number = source.splitlines().index("    raise ValueError('boom')") + 1
    assert line.startswith(f"{live.score_py}:{number}: error: ValueError: boom [reload \u2717 in ")
    assert line.endswith("(score.py); generation 1 keeps serving]")
    assert live.answer() == (1, {"tag": "v1", "helper": 1})
    assert live.server.status()["generation"] == 1


def test_helper_module_change_takes_effect(live: Live) -> None:
    (live.root / "helper.py").write_text("VALUE = 2\n")
    wait_for("the new helper", lambda: live.answer() == (2, {"tag": "v1", "helper": 2}))
    assert "(helper.py; init() kept, " in live.line_with(f"reload {OK}")  # run() uses it


def _atomic_rename(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.tmp{os.getpid()}")
    tmp.write_text(text)
    os.replace(tmp, path)


def _vim_backup(path: Path, text: str) -> None:
    probe = path.with_name("4913")
    probe.write_text("")
    probe.unlink()
    backup = path.with_name(path.name + "~")
    os.rename(path, backup)
    path.write_text(text)
    backup.unlink()


def _jetbrains_safe_write(path: Path, text: str) -> None:
    tmp = path.with_name(path.name + "___jb_tmp___")
    old = path.with_name(path.name + "___jb_old___")
    tmp.write_text(text)
    os.rename(path, old)
    os.rename(tmp, path)
    old.unlink()


def _truncate_then_write(path: Path, text: str) -> None:
    with open(path, "r+") as f:
        f.truncate(0)
        f.flush()
        os.fsync(f.fileno())
        f.write(text)


@pytest.mark.parametrize(
    "save", [_atomic_rename, _vim_backup, _jetbrains_safe_write, _truncate_then_write]
)
def test_editor_save_patterns_trigger_exactly_one_reload(live: Live, save) -> None:
    save(live.score_py, score_source("v2"))
    wait_for("the new code", lambda: live.answer() == (2, {"tag": "v2", "helper": 1}))
    # A later, separate change is a barrier: every event of the save came before its own,
    # so a second reload from the save would show up as generation 4 here.
    (live.root / "helper.py").write_text("VALUE = 2\n")
    wait_for("the barrier change", lambda: live.answer()[1]["helper"] == 2)
    assert live.answer()[0] == 3
    assert live.server.status()["reloads"] == 2
    assert live.watcher.reloads == 2


def test_files_init_writes_into_the_source_folder_do_not_cause_a_reload_loop(live: Live) -> None:
    stamp = live.root / "stamp.json"
    writes = score_source(
        "v2", init_extra=f"    open({str(stamp)!r}, 'w').write(repr(__import__('time').time()))\n"
    )
    live.score_py.write_text(writes)
    wait_for("the new code", lambda: live.answer() == (2, {"tag": "v2", "helper": 1}))
    assert live.line_with("changed during the reload") == (
        "debugkit: stamp.json changed during the reload (written by init()?); ignored"
    )
    (live.root / "helper.py").write_text("VALUE = 2\n")  # barrier, as above
    wait_for("the barrier change", lambda: live.answer()[1]["helper"] == 2)
    assert live.server.status()["reloads"] == 2


def test_a_save_during_a_failing_reload_is_reloaded_not_reported(live: Live) -> None:
    # v2's init() stands in for an editor saving v3 while the server reads v2
    saves_v3 = f"    open({str(live.score_py)!r}, 'w').write({score_source('v3')!r})\n"
    live.score_py.write_text(
        score_source("v2", init_extra=saves_v3 + "    raise RuntimeError('half')\n")
    )
    wait_for("v3", lambda: live.answer() == (2, {"tag": "v3", "helper": 1}))
    live.line_with(f"reload {OK}")  # printed once the reload request returns
    assert live.lines[0] == "debugkit: score.py changed again during the reload; reloading again"
    assert live.lines[1].startswith(f"debugkit: reload {OK} generation 2 ")
    assert not any("RuntimeError" in line for line in live.lines)


def test_in_flight_request_finishes_on_the_generation_it_started_on(live: Live) -> None:
    started, release = live.root / "started", live.root / "release"
    slow = score_source("v1").replace(
        "def run(raw):\n",
        "def run(raw):\n"
        "    import os, time\n"
        f"    if 'slow' in raw:\n"
        f"        open({str(started)!r}, 'w').close()\n"
        f"        while not os.path.exists({str(release)!r}):\n"
        "            time.sleep(0.01)\n",
    )
    live.score_py.write_text(slow)
    wait_for("the slow code", lambda: live.answer()[0] == 2)
    result: dict = {}

    def slow_request() -> None:
        response = live.server.score({"data": "slow"}, timeout=60)
        result["generation"] = response.header("x-debugkit-generation")
        result["body"] = response.json()

    client = threading.Thread(target=slow_request)
    client.start()
    try:
        wait_for("the slow request to be running", started.exists)
        live.score_py.write_text(score_source("v3"))
        wait_for(
            "the reload during the request",
            lambda: live.answer() == (3, {"tag": "v3", "helper": 1}),
        )
    finally:
        release.touch()
        client.join(60)
    assert result == {"generation": "2", "body": {"tag": "v1", "helper": 1}}


MODEL_SCORE = """\
import os


def init():
    global weights
    with open(os.path.join(os.environ["AZUREML_MODEL_DIR"], "weights.txt")) as f:
        weights = f.read().strip()


def run(raw):
    return {"weights": weights}
"""


def test_model_file_change_reruns_init(tmp_path: Path) -> None:
    root = tmp_path / "proj"
    (root / "model").mkdir(parents=True)
    (root / "model" / "weights.txt").write_text("w1\n")
    (root / "score.py").write_text(MODEL_SCORE)
    config = load_config(root)
    assert [m.name for m in config.models] == ["weights"]
    with watched_server(root, model_dir=root / "model") as live:
        server = live.server
        assert server.score({"data": 1}).json() == {"weights": "w1"}
        (root / "model" / "weights.txt").write_text("w2\n")
        wait_for("new weights", lambda: server.score({"data": 1}).json() == {"weights": "w2"})
        line = live.line_with(f"reload {OK}")  # printed once the reload request returns
        assert line.startswith(f"debugkit: reload {OK} generation 2 ")
        assert line.endswith("(model/weights.txt; init() ran: a model or data file changed)")


def test_polling_fallback_reloads_on_save(tmp_path: Path) -> None:
    root = make_project(tmp_path / "proj")
    with watched_server(root, watch={"polling": True}) as live:
        assert live.watcher.observer_kind == "polling"
        live.score_py.write_text(score_source("v2"))
        wait_for("the new code", lambda: live.answer() == (2, {"tag": "v2", "helper": 1}))
