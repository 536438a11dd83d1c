"""Attach to the real server's debugpy over DAP, as VS Code does, with the editor's files in
another folder than the server's (pathMappings do the translation)."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from tests.dap.conftest import SCORE, Project, line_of
from tests.dap.dapclient import DapClient
from tests.helpers import HttpResult, RunningServer


def score_async(server: RunningServer, values: list[int]) -> Future[HttpResult]:
    pool = ThreadPoolExecutor(max_workers=1)
    future = pool.submit(server.score, {"values": values}, timeout=120)
    pool.shutdown(wait=False)
    return future


@pytest.fixture
def attached(
    project: Project, debug_server, dap_connect
) -> Callable[..., tuple[RunningServer, DapClient, Path, int]]:
    """attached(FILE, MARKER, **server_flags) -> (server, dap, path, line): a debug server,
    and a DAP client attached as VS Code does with a breakpoint on MARKER's line of FILE."""

    def attach(
        file: str, marker: str, **server_flags: Any
    ) -> tuple[RunningServer, DapClient, Path, int]:
        server, port = debug_server(**server_flags)
        dap = dap_connect(port)
        path = project.local / file
        line = line_of(path, marker)
        dap.attach({"pathMappings": project.mappings()}, breakpoints={str(path): [line]})
        return server, dap, path, line

    return attach


def same_file(a: str, b: Path) -> bool:
    return Path(a).resolve() == b.resolve()


def test_breakpoint_in_local_score_py_hits_reads_a_local_and_survives_a_reload(
    project: Project, attached
) -> None:
    server, dap, local_score, line = attached("score.py", "BP-RUN")

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


def test_breakpoint_in_a_helper_module_hits_after_a_reload_too(attached) -> None:
    server, dap, helper, line = attached("helper.py", "BP-HELPER")
    for expected_x in ("12", "12"):
        pending = score_async(server, [1, 2, 3])
        thread, frame = dap.wait_breakpoint()
        assert same_file(frame["source"]["path"], helper) and frame["line"] == line
        assert dap.locals(frame["id"])["x"] == expected_x
        dap.continue_(thread)
        assert pending.result(timeout=60).status == 200
        assert server.reload()["ok"]


def test_a_paused_debugger_does_not_produce_a_504(attached) -> None:
    server, dap, _, _ = attached("score.py", "BP-RUN", request_timeout=1)
    pending = score_async(server, [5])
    thread, _ = dap.wait_breakpoint()
    time.sleep(3)  # held at the breakpoint three times longer than the request timeout
    assert not pending.done(), pending.result().text
    dap.continue_(thread)
    result = pending.result(timeout=60)
    assert result.status == 200, result.text


def test_just_my_code_steps_over_library_code(attached) -> None:
    # BP-STEP: text = json.dumps(values), library code
    server, dap, local_score, line = attached("score.py", "BP-STEP")
    pending = score_async(server, [1])
    thread, _ = dap.wait_breakpoint()
    stepped = dap.step_in(thread)
    frame = dap.top_frame(stepped["threadId"])
    assert same_file(frame["source"]["path"], local_score), frame["source"]
    assert frame["line"] == line + 1
    dap.continue_(stepped["threadId"])
    assert pending.result(timeout=60).status == 200


def test_wait_for_debugger_holds_init_so_its_breakpoints_hit(attached) -> None:
    server, dap, local_score, line = attached(
        "score.py", "BP-INIT", wait=None, wait_for_debugger=True
    )
    thread, frame = dap.wait_breakpoint()
    assert same_file(frame["source"]["path"], local_score) and frame["line"] == line
    # (No HTTP status check here: a breakpoint pauses every thread, the HTTP ones too.)
    dap.continue_(thread)
    assert server.wait_until(("ready",))["debugger"]["attached"] is True
    assert json.loads(server.score({"values": [1]}).text)["total"] == 2


def test_breakpoint_in_init_hits_on_a_reload(attached) -> None:
    """init() of a reload runs on a request thread of the server: it must be traced too."""
    server, dap, local_score, line = attached("score.py", "BP-INIT")
    server.score({"values": [1]})  # a request first: request threads are left untraced
    pool = ThreadPoolExecutor(max_workers=1)
    # nothing changed, so a plain reload would keep init()'s state: ask for init()
    pending = pool.submit(lambda: server.post("/debugkit/reload?init=always", timeout=120).json())
    pool.shutdown(wait=False)
    thread, frame = dap.wait_breakpoint()
    assert same_file(frame["source"]["path"], local_score) and frame["line"] == line
    dap.continue_(thread)
    assert pending.result(timeout=60)["ok"]
