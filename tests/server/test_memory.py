"""The server's memory watchdog (--memory-limit-mb): an OOM kill without a container."""

from __future__ import annotations

from tests.helpers import GREEDY_INIT, start_server


def test_server_over_its_memory_limit_exits_137_with_the_oom_line(write_project):
    server = start_server(write_project(GREEDY_INIT), memory_limit_mb=256, wait=None)
    try:
        assert server.process.wait(60) == 137
        assert "debugkit: OOMKilled: the server used" in server.log
        assert "over its memory limit of 256 MB" in server.log
    finally:
        server.stop()


def test_server_under_its_memory_limit_serves(write_project, serve):
    server = serve(write_project(GREEDY_INIT), memory_limit_mb=2048)
    assert server.score({}).json() == 600 * 1024 * 1024
