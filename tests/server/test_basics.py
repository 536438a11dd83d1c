"""The core contract over HTTP: health, score, unknown routes, methods, headers."""

from __future__ import annotations

from tests.server.conftest import ECHO_SCORE


def test_health_and_echo_score(write_project, serve):
    server = serve(write_project(ECHO_SCORE))
    health = server.get("/")
    assert health.status == 200
    assert health.text == "Healthy"
    result = server.score({"a": 1})
    assert result.status == 200
    assert result.json() == {"echo": {"a": 1}}
    assert result.header("x-debugkit-generation") == "1"
    assert result.header("x-ms-request-id")
    assert result.header("x-request-id")
    assert float(result.header("x-ms-run-fn-exec-ms")) >= 0


def test_request_id_is_echoed(write_project, serve):
    server = serve(write_project(ECHO_SCORE))
    result = server.score({"a": 1}, headers={"x-request-id": "abc-123"})
    assert result.header("x-request-id") == "abc-123"


def test_put_score_is_405_and_unknown_route_is_404_json(write_project, serve):
    server = serve(write_project(ECHO_SCORE))
    put = server.request("PUT", "/score", {"a": 1})
    assert put.status == 405
    assert "message" in put.json()
    missing = server.get("/no-such-route")
    assert missing.status == 404
    assert "message" in missing.json()


def test_status_reports_ready_generation_one(write_project, serve):
    server = serve(write_project(ECHO_SCORE))
    status = server.status()
    assert status["state"] == "ready"
    assert status["generation"] == 1
    assert status["last_error"] is None
    assert status["debugger"] == {"port": None, "attached": False}
    assert status["entry_script"].endswith("score.py")


def test_overlong_request_id_is_431(write_project, serve):
    server = serve(write_project(ECHO_SCORE))
    result = server.score({"a": 1}, headers={"x-request-id": "r" * 101})
    assert result.status == 431
    assert "x-request-id" in result.json()["message"]


def test_client_request_id_is_echoed(write_project, serve):
    server = serve(write_project(ECHO_SCORE))
    result = server.score({"a": 1}, headers={"x-ms-client-request-id": "client-1"})
    assert result.header("x-ms-client-request-id") == "client-1"
    assert result.header("x-ms-request-id") == "client-1"
