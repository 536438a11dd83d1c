"""Front-end profiles and the admission queue: answer as the user's deployment answers.

aks (v1 AKS/ACI): run() failure 502, timeout 504, over capacity: wait up to
max_request_wait_time, then 503. managed (v2 managed online endpoint): 424 with
ms-azureml-model-error-* headers, 408, and 429 beyond 2 x max_concurrent in flight.
"""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Any

from tests.helpers import RunningServer
from tests.server.conftest import SLEEPS_3S

# run() blocks until a file named after the request appears beside score.py: the test
# decides when each run() ends, so nothing depends on timing.
GATED = """
import json, os, time

def init():
    pass

def run(data):
    gate = json.loads(data).get("gate")
    if gate:
        deadline = time.monotonic() + 30
        while not os.path.exists(gate) and time.monotonic() < deadline:
            time.sleep(0.01)
    return {"ok": True}
"""

RAISES = """
def init():
    pass

def run(data):
    return 1 / 0
"""

RAW = """
from azureml.contrib.services.aml_request import rawhttp
from azureml.contrib.services.aml_response import AMLResponse

def init():
    pass

@rawhttp
def run(request):
    if request.method == "OPTIONS":
        return AMLResponse("preflight from run()", 200, {"X-From": "run"})
    return AMLResponse("bad input from run()", 400)
"""


def _in_background(server: RunningServer, body: dict[str, Any], results: dict[str, Any], key: str):
    thread = threading.Thread(target=lambda: results.__setitem__(key, server.score(body)))
    thread.start()
    return thread


def _wait_status(server: RunningServer, key: str, value: int) -> None:
    for _ in range(1000):
        if server.status()[key] >= value:
            return
        time.sleep(0.01)
    raise AssertionError(f"{key} never reached {value}: {server.status()}")


def _hold_the_slot(
    server: RunningServer, tmp_path: Path, results: dict[str, Any]
) -> tuple[Path, threading.Thread]:
    """A first request that holds the one slot (results["first"]) until the gate file exists."""
    gate = tmp_path / "open"
    first = _in_background(server, {"gate": str(gate)}, results, "first")
    _wait_status(server, "busy_workers", 1)
    return gate, first


def test_aks_second_client_waits_for_the_slot_instead_of_503(write_project, serve, tmp_path):
    server = serve(write_project(GATED), max_concurrent=1, max_wait=30)
    results: dict[str, Any] = {}
    gate, first = _hold_the_slot(server, tmp_path, results)
    second = _in_background(server, {}, results, "second")
    _wait_status(server, "waiting", 1)  # queued, not refused
    gate.touch()
    first.join(30)
    second.join(30)
    assert results["first"].status == 200
    assert results["second"].status == 200
    assert server.status()["waiting"] == 0


def test_aks_default_wait_serves_two_clients_with_a_short_run(write_project, serve):
    server = serve(write_project(GATED), max_concurrent=1)  # default max_request_wait_time
    statuses: list[int] = []

    def client() -> None:
        for _ in range(20):
            statuses.append(server.score({}).status)

    threads = [threading.Thread(target=client) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert statuses == [200] * 40


def test_aks_over_the_wait_is_503_with_retry_after(write_project, serve, tmp_path):
    server = serve(write_project(GATED), max_concurrent=1, max_wait=0.2)
    results: dict[str, Any] = {}
    gate, first = _hold_the_slot(server, tmp_path, results)
    refused = server.score({})
    gate.touch()
    first.join(30)
    assert refused.status == 503
    assert refused.header("Retry-After") == "1"
    assert "max_request_wait_time" in refused.json()["message"]
    assert results["first"].status == 200
    assert server.status()["target"] == "aks"


def test_managed_admits_twice_the_limit_then_429(write_project, serve, tmp_path):
    server = serve(write_project(GATED), max_concurrent=1, target="managed", request_timeout=30)
    results: dict[str, Any] = {}
    gate, first = _hold_the_slot(server, tmp_path, results)
    second = _in_background(server, {}, results, "second")
    _wait_status(server, "waiting", 1)
    refused = server.score({})  # a third in flight: more than 2 x 1
    gate.touch()
    first.join(30)
    second.join(30)
    assert refused.status == 429
    assert "Too many pending requests" in refused.json()["message"]
    assert [results["first"].status, results["second"].status] == [200, 200]


def test_managed_run_failure_is_424_with_model_error_headers_and_details(write_project, serve):
    server = serve(write_project(RAISES), target="managed")
    result = server.score({})
    assert result.status == 424
    assert result.header("ms-azureml-model-error-statuscode") == "500"
    assert result.header("ms-azureml-model-error-reason") == "Internal Server Error"
    assert result.json()["error"]["type"] == "ZeroDivisionError"  # debug mode keeps details
    assert server.status()["target"] == "managed"


def test_managed_production_failure_is_424_without_details(write_project, serve):
    server = serve(write_project(RAISES), target="managed", production=True, wait="health")
    result = server.score({})
    assert result.status == 424
    assert result.header("ms-azureml-model-error-statuscode") == "500"
    assert "error" not in result.json()


def test_aks_run_failure_is_502_without_model_error_headers(write_project, serve):
    server = serve(write_project(RAISES), target="aks")
    result = server.score({})
    assert result.status == 502
    assert result.header("ms-azureml-model-error-statuscode") is None


def test_managed_timeout_is_408_and_aks_504(write_project, serve):
    script = write_project(SLEEPS_3S)
    managed = serve(script, target="managed", request_timeout=0.5)
    aks = serve(script, target="aks", request_timeout=0.5)
    timed_out = managed.score({})
    assert timed_out.status == 408
    assert timed_out.json()["stack"]  # debug mode names where run() was stuck
    assert aks.score({}).status == 504
    # the log line names the status the client got, not the other profile's
    assert "exceeded the request timeout of 0.5 s; answering 408." in managed.log
    assert "answering 504" not in managed.log
    assert "exceeded the request timeout of 0.5 s; answering 504." in aks.log


def test_managed_default_timeout_is_five_seconds(write_project, serve):
    server = serve(write_project(GATED), target="managed")
    assert server.status()["limits"]["request_timeout_s"] == 5.0


def test_managed_wraps_a_non_2xx_answer_of_run_and_aks_passes_it_through(write_project, serve):
    script = write_project(RAW)
    managed = serve(script, target="managed")
    aks = serve(script)
    wrapped = managed.score({})
    assert wrapped.status == 424
    assert wrapped.header("ms-azureml-model-error-statuscode") == "400"
    assert wrapped.header("ms-azureml-model-error-reason") == "Bad Request"
    assert wrapped.text == "bad input from run()"
    passed = aks.score({})
    assert passed.status == 400
    assert passed.text == "bad input from run()"


def test_options_reaches_a_rawhttp_run(write_project, serve):
    server = serve(write_project(RAW))
    result = server.request("OPTIONS", "/score")
    assert result.status == 200
    assert result.text == "preflight from run()"
    assert result.header("X-From") == "run"


def test_swagger_names_the_active_profile_in_a_header(write_project, serve):
    server = serve(write_project(RAISES), target="managed")
    swagger = server.get("/swagger.json")
    assert swagger.status == 200
    assert swagger.header("x-debugkit-target") == "managed"


STUCK = """
import threading

def init():
    pass

def run(data):
    threading.Event().wait(30)  # blocked in C: the injected timeout cannot free the slot
"""


def test_managed_request_waiting_past_the_timeout_is_408(write_project, serve):
    server = serve(write_project(STUCK), target="managed", request_timeout=0.5)
    results: dict[str, Any] = {}
    first = _in_background(server, {}, results, "first")
    _wait_status(server, "busy_workers", 1)
    waited = server.score({})
    first.join(30)
    assert waited.status == 408
    assert "waiting for a free slot" in waited.json()["message"]
    assert results["first"].status == 408


def test_aks_max_wait_zero_refuses_at_once(write_project, serve, tmp_path):
    server = serve(write_project(GATED), max_concurrent=1, max_wait=0)
    results: dict[str, Any] = {}
    gate, first = _hold_the_slot(server, tmp_path, results)
    refused = server.score({})  # with an unbounded wait this would block until the gate opens
    gate.touch()
    first.join(30)
    assert refused.status == 503
    assert results["first"].status == 200
