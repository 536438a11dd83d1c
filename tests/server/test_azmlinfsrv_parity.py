"""Same requests to azmlinfsrv 1.5.1 and to debugkit: same status codes, bodies and swagger.

Needs the azmlinfsrv venv that `python bench/serve.py` creates (with inference-schema
added); skipped where it has not been created.
"""

from __future__ import annotations

import os
import subprocess
import time
from pathlib import Path

import platformdirs
import pytest

from tests.helpers import EXAMPLES, RunningServer, free_port, http, start_server


def azmlinfsrv_venv() -> Path:
    explicit = os.environ.get("DEBUGKIT_AZMLINFSRV_VENV")
    if explicit:
        return Path(explicit)
    return Path(platformdirs.user_cache_dir("debugkit")) / "bench" / "azmlinfsrv-1.5.1"


VENV = azmlinfsrv_venv()
pytestmark = pytest.mark.skipif(
    not (VENV / "bin" / "azmlinfsrv").exists(),
    reason=f"no azmlinfsrv venv at {VENV} (run python bench/serve.py to create it)",
)


@pytest.fixture(scope="module")
def azmlinfsrv_url():
    subprocess.run(
        [str(VENV / "bin" / "python"), "-m", "pip", "install", "-q", "inference-schema"],
        check=True,
        capture_output=True,
    )
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k not in ("AML_APP_ROOT", "AZUREML_MODEL_DIR")}
    process = subprocess.Popen(
        [str(VENV / "bin" / "azmlinfsrv"), "--entry_script", "score.py", "--port", str(port)],
        cwd=EXAMPLES / "inference-schema",
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
    yield url
    process.terminate()
    process.wait(10)


@pytest.fixture(scope="module")
def debugkit_server():
    server: RunningServer = start_server(EXAMPLES / "inference-schema" / "score.py")
    yield server
    server.stop()


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
    if theirs.header("Content-Type") == "application/json":
        assert ours.json() == theirs.json()
    else:
        assert ours.text == theirs.text
