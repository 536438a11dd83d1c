"""Re-attach always works, whatever the previous client did (issue: a client that sends
`disconnect` and closes at once made debugpy's adapter exit; an attach without pathMappings
after one with them found no files)."""

from __future__ import annotations

import socket
from pathlib import Path

from tests.dap.conftest import Project, line_of
from tests.dap.dapclient import DapClient
from tests.dap.test_attach_process import same_file, score_async


def _break_line(project: Project) -> tuple[Path, int]:
    """The local score.py and the line of its BP-RUN marker (the breakpoint every test sets)."""
    local_score = project.local / "score.py"
    return local_score, line_of(local_score, "BP-RUN")


def _hits(server, dap: DapClient, path, line: int) -> None:
    pending = score_async(server, [1, 2, 3])
    thread_id, frame = dap.wait_breakpoint()
    assert same_file(frame["source"]["path"], path), frame["source"]
    assert frame["line"] == line
    dap.continue_(thread_id)
    assert pending.result(timeout=60).status == 200


def test_disconnect_without_waiting_keeps_the_debug_port(
    project: Project, debug_server, dap_connect
) -> None:
    server, port = debug_server()
    local_score, line = _break_line(project)
    for _ in range(3):
        rude = DapClient.connect("127.0.0.1", port)
        rude.attach({"pathMappings": project.mappings()}, breakpoints={str(local_score): [line]})
        rude.send_request("disconnect", {"restart": False, "terminateDebuggee": False})
        rude.sock.shutdown(socket.SHUT_RDWR)
        rude.close()
    dap = dap_connect(port)
    dap.attach({"pathMappings": project.mappings()}, breakpoints={str(local_score): [line]})
    _hits(server, dap, local_score, line)


def test_attach_without_mappings_after_one_with_them(
    project: Project, debug_server, dap_connect
) -> None:
    server, port = debug_server()
    local_score, line = _break_line(project)
    first = dap_connect(port)
    first.attach({"pathMappings": project.mappings()}, breakpoints={str(local_score): [line]})
    first.disconnect()
    first.close()
    remote_score = project.remote / "score.py"
    for mappings in (None, []):
        dap = dap_connect(port)
        configuration = {} if mappings is None else {"pathMappings": mappings}
        dap.attach(configuration, breakpoints={str(remote_score): [line]})
        _hits(server, dap, remote_score, line)
        dap.disconnect()
        dap.close()
