"""Attach to the real server's debugpy over DAP, as VS Code does, with the editor's files in
another folder than the server's (pathMappings do the translation)."""

from __future__ import annotations

import json
import time
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

from tests.dap.conftest import SCORE, Project, line_of
from tests.helpers import HttpResult, RunningServer


def score_async(server: RunningServer, values: list[int]) -> Future[HttpResult]:
    pool = ThreadPoolExecutor(max_workers=1)
    future = pool.submit(server.score, {"values": values}, timeout=120)
    pool.shutdown(wait=False)
    return future


def same_file(a: str, b: Path) -> bool:
    return Path(a).resolve() == b.resolve()


def test_breakpoint_in_local_score_py_hits_reads_a_local_and_survives_a_reload(
    project: Project, debug_server, dap_connect
) -> None:
    server, port = debug_server()
    dap = dap_connect(port)
    local_score = project.local / "score.py"
    line = line_of(local_score, "BP-RUN")
    dap.attach({"pathMappings": project.mappings()}, breakpoints={str(local_score): [line]})

    pending = score_async(server, [1, 2, 3])
    thread, frame = dap.wait_breakpoint()
    assert same_file(frame["source"]["path"], local_score), frame["source"]
    assert frame["line"] == line
    assert dap.locals(frame["id"])["total"] == "12"
    assert not pending.done()
    dap.continue_(thread)
    result = pending.result(timeout=60)
    assert result.status == 200, result.text
    assert result.json()["doubled"] == 24

    # Save a change (same lines, new SCALE) and reload, as the watcher does on save.
    project.save("score.py", SCORE.replace("SCALE = 2", "SCALE = 3"))
    reloaded = server.reload()
    assert reloaded["ok"], reloaded
    assert reloaded["init"]["ran"] is False  # init() does not read SCALE: its state is kept
    pending = score_async(server, [1, 2, 3])
    thread, frame = dap.wait_breakpoint()
    assert same_file(frame["source"]["path"], local_score) and frame["line"] == line
    assert dap.locals(frame["id"])["total"] == "18"
    dap.continue_(thread)
    result = pending.result(timeout=60)
    assert result.status == 200 and result.json()["doubled"] == 36


def test_breakpoint_in_a_helper_module_hits_after_a_reload_too(
    project: Project, debug_server, dap_connect
) -> None:
    server, port = debug_server()
    dap = dap_connect(port)
    helper = project.local / "helper.py"
    line = line_of(helper, "BP-HELPER")
    dap.attach({"pathMappings": project.mappings()}, breakpoints={str(helper): [line]})
    for expected_x in ("12", "12"):
        pending = score_async(server, [1, 2, 3])
        thread, frame = dap.wait_breakpoint()
        assert same_file(frame["source"]["path"], helper) and frame["line"] == line
        assert dap.locals(frame["id"])["x"] == expected_x
        dap.continue_(thread)
        assert pending.result(timeout=60).status == 200
        assert server.reload()["ok"]


def test_a_paused_debugger_does_not_produce_a_504(
    project: Project, debug_server, dap_connect
) -> None:
    server, port = debug_server(request_timeout=1)
    dap = dap_connect(port)
    local_score = project.local / "score.py"
    dap.attach(
        {"pathMappings": project.mappings()},
        breakpoints={str(local_score): [line_of(local_score, "BP-RUN")]},
    )
    pending = score_async(server, [5])
    thread, _ = dap.wait_breakpoint()
    time.sleep(3)  # held at the breakpoint three times longer than the request timeout
    assert not pending.done(), pending.result().text
    dap.continue_(thread)
    result = pending.result(timeout=60)
    assert result.status == 200, result.text


def test_just_my_code_steps_over_library_code(project: Project, debug_server, dap_connect) -> None:
    server, port = debug_server()
    dap = dap_connect(port)
    local_score = project.local / "score.py"
    line = line_of(local_score, "BP-STEP")  # text = json.dumps(values): library code
    dap.attach({"pathMappings": project.mappings()}, breakpoints={str(local_score): [line]})
    pending = score_async(server, [1])
    thread, _ = dap.wait_breakpoint()
    stepped = dap.step_in(thread)
    frame = dap.top_frame(stepped["threadId"])
    assert same_file(frame["source"]["path"], local_score), frame["source"]
    assert frame["line"] == line + 1
    dap.continue_(stepped["threadId"])
    assert pending.result(timeout=60).status == 200


def test_wait_for_debugger_holds_init_so_its_breakpoints_hit(
    project: Project, debug_server, dap_connect
) -> None:
    server, port = debug_server(wait=None, wait_for_debugger=True)
    dap = dap_connect(port)
    local_score = project.local / "score.py"
    line = line_of(local_score, "BP-INIT")
    dap.attach({"pathMappings": project.mappings()}, breakpoints={str(local_score): [line]})
    thread, frame = dap.wait_breakpoint()
    assert same_file(frame["source"]["path"], local_score) and frame["line"] == line
    # (No HTTP status check here: a breakpoint pauses every thread, the HTTP ones too.)
    dap.continue_(thread)
    assert server.wait_until(("ready",))["debugger"]["attached"] is True
    assert json.loads(server.score({"values": [1]}).text)["total"] == 2


def test_breakpoint_in_init_hits_on_a_reload(project: Project, debug_server, dap_connect) -> None:
    """init() of a reload runs on a request thread of the server: it must be traced too."""
    server, port = debug_server()
    dap = dap_connect(port)
    local_score = project.local / "score.py"
    line = line_of(local_score, "BP-INIT")
    dap.attach({"pathMappings": project.mappings()}, breakpoints={str(local_score): [line]})
    server.score({"values": [1]})  # a request first: request threads are left untraced
    pool = ThreadPoolExecutor(max_workers=1)
    # nothing changed, so a plain reload would keep init()'s state: ask for init()
    pending = pool.submit(lambda: server.post("/debugkit/reload?init=always", timeout=120).json())
    pool.shutdown(wait=False)
    thread, frame = dap.wait_breakpoint()
    assert same_file(frame["source"]["path"], local_score) and frame["line"] == line
    dap.continue_(thread)
    assert pending.result(timeout=60)["ok"]
