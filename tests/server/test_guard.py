"""The debug routes against pages in the user's browser: DNS rebinding and cross-site POSTs.

Requests are written with http.client so that the Host and Content-Type headers are
exactly what a browser would send.
"""

from __future__ import annotations

import http.client
import json

import pytest

from debugkit.client import ServerClient
from debugkit.server.guard import is_loopback_host
from tests.server.conftest import ECHO_SCORE


def _raw(port: int, method: str, path: str, headers: dict[str, str], body: bytes = b""):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        connection.putrequest(method, path, skip_host=True, skip_accept_encoding=True)
        for key, value in headers.items():
            connection.putheader(key, value)
        connection.putheader("Content-Length", str(len(body)))
        connection.endheaders(body)
        answer = connection.getresponse()
        return answer.status, dict(answer.getheaders()), answer.read()
    finally:
        connection.close()


@pytest.mark.parametrize(
    ("host", "allowed"),
    [
        ("localhost", True),
        ("LOCALHOST:8890", True),
        ("127.0.0.1:5001", True),
        ("[::1]:8890", True),
        ("0.0.0.0:8890", True),
        ("evil.example", False),
        ("evil.example:8890", False),
        ("127.0.0.1.evil.example", False),
        ("localhost:8890@evil.example", False),
        ("", False),
        (None, False),
    ],
)
def test_loopback_host_names(host, allowed) -> None:
    assert is_loopback_host(host) is allowed


def test_a_rebinding_page_reads_no_debug_route(write_project, serve) -> None:
    server = serve(write_project(ECHO_SCORE))
    evil = {"Host": f"rebind.evil.example:{server.port}"}
    for path in ("/debugkit/status", "/debugkit/model-path?name=x", "/debugkit/requests"):
        status, _, body = _raw(server.port, "GET", path, evil)
        assert status == 403, (path, body)
        assert "localhost" in json.loads(body)["message"]
    for host in ("localhost", f"127.0.0.1:{server.port}", f"[::1]:{server.port}"):
        status, _, body = _raw(server.port, "GET", "/debugkit/status", {"Host": host})
        assert status == 200 and json.loads(body)["state"] == "ready"
    # the scoring routes answer any name, as a deployment does
    status, _, body = _raw(
        server.port, "POST", "/score", evil | {"Content-Type": "application/json"}, b'{"a": 1}'
    )
    assert status == 200 and json.loads(body) == {"echo": {"a": 1}}


def test_a_cross_site_form_post_cannot_reload(write_project, serve) -> None:
    server = serve(write_project(ECHO_SCORE), env={"AML_CORS_ORIGINS": "*"})
    local = {"Host": f"127.0.0.1:{server.port}"}
    for content_type in ("text/plain", "application/x-www-form-urlencoded", "multipart/form-data"):
        status, _, body = _raw(
            server.port, "POST", "/debugkit/reload", local | {"Content-Type": content_type}, b"x"
        )
        assert status == 403, body
        assert "X-Debugkit-Client" in json.loads(body)["message"]
    assert server.status()["reloads"] == 0
    # no preflight is granted for the debug routes, even with CORS open for scoring
    status, headers, _ = _raw(
        server.port,
        "OPTIONS",
        "/debugkit/reload",
        local
        | {
            "Origin": "http://evil.example",
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "x-debugkit-client",
        },
    )
    assert not any(key.lower().startswith("access-control-") for key in headers), headers
    # what debugkit's own client and a JSON POST send is accepted
    status, _, _ = _raw(
        server.port, "POST", "/debugkit/reload", local | {"Content-Type": "application/json"}
    )
    assert status == 200
    assert ServerClient(server.url).reload()["ok"] is True
    assert server.status()["reloads"] == 2
