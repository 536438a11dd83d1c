"""What people read from a real container run: the log is the server's, not debugkit's polling."""

from __future__ import annotations

import pytest

from tests.docker.conftest import debugkit

pytestmark = pytest.mark.docker


def test_the_log_has_no_lines_for_debugkits_own_polling(make_project) -> None:
    root = make_project("basic")
    debugkit("up", "--detach", "--no-watch", "--runtime", "docker", str(root))
    for _ in range(3):
        debugkit("status", str(root))
    debugkit("score", str(root), "--data", "{}")
    log = debugkit("logs", str(root)).stdout
    assert "/debugkit/status" not in log
    assert "POST /score 200" in log  # requests people make are still logged
