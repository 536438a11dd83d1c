"""Same requests to azmlinfsrv 1.5.1 and to debugkit: same status codes, bodies and swagger.

Uses the azmlinfsrv venv that `python bench/serve.py` uses, creating it on first use
(pip, about a minute; cached under debugkit's cache folder).
"""

from __future__ import annotations

import os
import subprocess
import time
from pathlib import Path

import pytest

from bench.serve import azmlinfsrv_venv
from tests.helpers import EXAMPLES, RunningServer, free_port, http, start_server


@pytest.fixture(scope="module")
def venv() -> Path:
    return azmlinfsrv_venv()


ECHO = """\
import json


def init():
    pass


def run(data, request_headers):
    if data == "boom":
        raise ValueError("boom")
    return {"data": data, "custom": request_headers.get("X-Custom")}
"""


def launch_azmlinfsrv(venv: Path, project: Path):
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k not in ("AML_APP_ROOT", "AZUREML_MODEL_DIR")}
    process = subprocess.Popen(
        [str(venv / "bin" / "azmlinfsrv"), "--entry_script", "score.py", "--port", str(port)],
        cwd=project,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if http("GET", url + "/", timeout=2).status == 200:
                break
        except OSError:
            time.sleep(0.1)
    return process, url


@pytest.fixture(scope="module")
def azmlinfsrv_url(venv: Path):
    process, url = launch_azmlinfsrv(venv, EXAMPLES / "inference-schema")
    yield url
    process.terminate()
    process.wait(10)


@pytest.fixture(scope="module")
def debugkit_server():
    server: RunningServer = start_server(EXAMPLES / "inference-schema" / "score.py")
    yield server
    server.stop()


@pytest.fixture(scope="module")
def echo_pair(tmp_path_factory, venv: Path):
    project = tmp_path_factory.mktemp("echo")
    (project / "score.py").write_text(ECHO)
    process, url = launch_azmlinfsrv(venv, project)
    server = start_server(project / "score.py")
    yield url, server
    server.stop()
    process.terminate()
    process.wait(10)


CASES = [
    ("POST", "/score", '{"data": [1, 2]}', "application/json"),
    ("POST", "/score", '{"dat": [1, 2]}', "application/json"),
    ("POST", "/score", "{bad", "application/json"),
    ("POST", "/score", "", "application/json"),
    ("POST", "/score", "[1, 2]", "application/json"),
    ("POST", "/score", '{"data": [1]}', "text/plain"),
    ("PUT", "/score", "{}", "application/json"),
    ("GET", "/nope", None, None),
    ("GET", "/swagger.json", None, None),
    ("GET", "/swagger.json?version=3", None, None),
    ("GET", "/swagger.json?version=3.1", None, None),
    ("GET", "/swagger.json?version=9", None, None),
    ("GET", "/", None, None),
]


@pytest.mark.parametrize(("method", "path", "body", "content_type"), CASES)
def test_same_answer_as_azmlinfsrv(
    azmlinfsrv_url, debugkit_server, method, path, body, content_type
):
    headers = {"Content-Type": content_type} if content_type else {}
    data = body.encode() if body is not None else None
    theirs = http(method, azmlinfsrv_url + path, data, headers)
    ours = http(method, debugkit_server.url + path, data, headers)
    assert ours.status == theirs.status
    assert ours.text == theirs.text  # byte for byte, key order included
    assert ours.header("Content-Type") == theirs.header("Content-Type")


ECHO_CASES = [
    ("POST", "/score", b'{"a": 1}', {"Content-Type": "application/json"}),
    ("POST", "/score", b"plain text", {"Content-Type": "text/plain", "X-Custom": "yes"}),
    ("POST", "/score", b"a=1&b=2", {"Content-Type": "application/x-www-form-urlencoded"}),
    ("POST", "/score", b"\xff\xfe", {"Content-Type": "application/json"}),
    ("GET", "/score?a=1&b=x&b=y", None, {}),
    ("OPTIONS", "/score", None, {}),
    ("GET", "/swagger.json", None, {}),
]


@pytest.mark.parametrize(("method", "path", "body", "headers"), ECHO_CASES)
def test_undecorated_run_same_answer_as_azmlinfsrv(echo_pair, method, path, body, headers):
    theirs_url, server = echo_pair
    theirs = http(method, theirs_url + path, body, headers)
    ours = http(method, server.url + path, body, headers)
    assert ours.status == theirs.status
    assert ours.text == theirs.text
    assert ours.header("Content-Type") == theirs.header("Content-Type")


def test_run_exception_differs_only_in_the_status_code(echo_pair):
    """azmlinfsrv answers 500; the deployed front end (and debugkit) answer 502."""
    theirs_url, server = echo_pair
    theirs = http("POST", theirs_url + "/score", b"boom", {"Content-Type": "text/plain"})
    ours = server.score(b"boom", headers={"Content-Type": "text/plain"})
    assert (theirs.status, ours.status) == (500, 502)
    generic = "An unexpected error occurred in scoring script. Check the logs for more info."
    assert theirs.json() == {"message": generic}
    assert ours.json()["error"]["message"] == "boom"  # debug mode adds the details
