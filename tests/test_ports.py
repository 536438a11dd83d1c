"""debugkit.ports: up and doctor judge a port alike, as the server will bind it."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from debugkit.commands.doctor import check_port
from debugkit.config import DeploymentSettings
from debugkit.ports import bind_problem, free_port
from tests.helpers import project_config


def _time_wait_port() -> int:
    """A port whose only trace is a connection in TIME_WAIT (the side that closed first),
    left by a listener that set SO_REUSEADDR as the server's (cheroot's) does."""
    with socket.socket() as listener:
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        port = listener.getsockname()[1]
        client = socket.create_connection(("127.0.0.1", port))
        accepted, _ = listener.accept()
        accepted.close()  # the server side closes first, as after a served request
        client.close()
    return port


def test_a_listening_port_is_taken_and_a_free_one_is_not() -> None:
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        assert bind_problem("127.0.0.1", listener.getsockname()[1]) is not None
    assert bind_problem("127.0.0.1", free_port()) is None


def test_doctor_calls_a_port_in_time_wait_free_as_up_does(tmp_path: Path) -> None:
    port = _time_wait_port()
    with socket.socket() as plain, pytest.raises(OSError):
        plain.bind(("127.0.0.1", port))  # without SO_REUSEADDR the old probe said "in use"
    config = project_config(tmp_path, deployment=DeploymentSettings(port=port))
    check = check_port(config, port, "scoring port", "--port")
    assert check.ok, check
    assert bind_problem("127.0.0.1", port) is None
