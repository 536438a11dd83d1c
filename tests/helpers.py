"""Helpers shared by tests that start the real scoring server as a subprocess.

    server = start_server("examples/sklearn-model/score.py", request_timeout=2)
    server.get("/"), server.post("/score", {"data": [[1, 2]]}), server.status()
    server.stop()

Flags are the server's command-line options with underscores (``max_concurrent=0``,
``production=True``); ``env`` adds environment variables.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Optional, Union

from debugkit.client import Response
from debugkit.config import ProjectConfig
from debugkit.ports import free_port
from debugkit.server.guard import CLIENT_HEADER
from debugkit.session import Session

REPO_ROOT = Path(__file__).resolve().parent.parent
# the offline image scripts/docker-engine.sh builds: container tests need no registry
BASE_IMAGE = os.environ.get("DEBUGKIT_TEST_BASE_IMAGE", "debugkit-test-base:bookworm")
EXAMPLES = REPO_ROOT / "examples"


# score.py sources more than one area's tests run (the server itself, and the CLI around it)
RETURNS_NDARRAY = """
import numpy as np

def init():
    pass

def run(data):
    scores = np.array([0.25, 0.75])
    return scores
"""
RETURNS_NDARRAY_LINE = RETURNS_NDARRAY.splitlines().index("    return scores") + 1
GREEDY_INIT = """
def init():
    global ballast
    ballast = b"\\x01" * (600 * 1024 * 1024)  # written, so resident

def run(data):
    return len(ballast)
"""

# a score.py whose run() hands the exception back as a 200 (DK101 at SWALLOWS_ERROR_LINE), and
# the same file re-raising instead: the LSP and editor suites both lint this pair
SWALLOWS_ERROR = """import json


def init():
    pass


def run(raw_data):
    try:
        return json.loads(raw_data)["data"]
    except Exception as e:
        return {'error': str(e)}
"""
SWALLOWS_ERROR_RETURN = "        return {'error': str(e)}\n"
SWALLOWS_ERROR_LINE = SWALLOWS_ERROR.splitlines().index(SWALLOWS_ERROR_RETURN.rstrip("\n")) + 1
RERAISES = SWALLOWS_ERROR.replace(SWALLOWS_ERROR_RETURN, "        raise\n")


def debugkit(*args: str, timeout: float = 300, **run: Any) -> subprocess.CompletedProcess[str]:
    """``python -m debugkit ARGS`` as a user runs it, its output captured; ``run`` goes to
    subprocess.run (``cwd``, ``env``; stdin is empty unless ``input`` is given)."""
    if "input" not in run:
        run.setdefault("stdin", subprocess.DEVNULL)
    return subprocess.run(
        [sys.executable, "-m", "debugkit", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        **run,
    )


# The answer type of the product's own HTTP client; the requests here are made independently.
HttpResult = Response


def http(
    method: str,
    url: str,
    body: Union[bytes, str, dict, list, None] = None,
    headers: Optional[dict[str, str]] = None,
    timeout: float = 30.0,
) -> HttpResult:
    headers = dict(headers or {})
    if "/debugkit/" in url:  # as debugkit's own client does (server/guard.py)
        headers.setdefault(CLIENT_HEADER, "1")
    data: Optional[bytes]
    if isinstance(body, (dict, list)):
        data = json.dumps(body).encode()
        headers.setdefault("Content-Type", "application/json")
    elif isinstance(body, str):
        data = body.encode()
        headers.setdefault("Content-Type", "application/json")
    else:
        data = body
    req = urllib.request.Request(url, data=data, method=method, headers=headers)
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            return HttpResult(resp.status, dict(resp.headers), resp.read())
    except urllib.error.HTTPError as err:
        return HttpResult(err.code, dict(err.headers), err.read())


@dataclass
class RunningServer:
    process: subprocess.Popen
    url: str
    port: int
    log_path: Path
    args: list[str] = field(default_factory=list)

    def get(self, path: str, **kwargs: Any) -> HttpResult:
        return http("GET", self.url + path, **kwargs)

    def post(self, path: str, body: Any = None, **kwargs: Any) -> HttpResult:
        return http("POST", self.url + path, body, **kwargs)

    def request(self, method: str, path: str, body: Any = None, **kwargs: Any) -> HttpResult:
        return http(method, self.url + path, body, **kwargs)

    def score(self, body: Any, **kwargs: Any) -> HttpResult:
        return self.post("/score", body, **kwargs)

    def status(self) -> dict[str, Any]:
        return self.get("/debugkit/status").json()

    def reload(self) -> dict[str, Any]:
        return self.post("/debugkit/reload", b"", timeout=120).json()

    @property
    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def wait_for_log(self, text: str, timeout: float = 15.0) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            log = self.log
            if text in log:
                return log
            time.sleep(0.05)
        raise AssertionError(f"{text!r} not in the server log within {timeout} s:\n{self.log}")

    def wait_until(
        self, states: tuple[str, ...] = ("ready", "init_failed"), timeout: float = 30.0
    ) -> dict:
        deadline = time.monotonic() + timeout
        last: Any = None
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError(f"server exited with {self.process.returncode}:\n{self.log}")
            try:
                last = self.status()
                if last.get("state") in states:
                    return last
            except (OSError, ValueError):
                pass
            time.sleep(0.05)
        raise AssertionError(
            f"server not in {states} within {timeout} s (last {last}):\n{self.log}"
        )

    def wait_healthy(self, timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError(f"server exited with {self.process.returncode}:\n{self.log}")
            try:
                if self.get("/", timeout=2).status == 200:
                    return
            except OSError:
                pass
            time.sleep(0.05)
        raise AssertionError(f"server not healthy within {timeout} s:\n{self.log}")

    def stop(self, timeout: float = 10.0) -> int:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout)
        return self.process.returncode

    def __enter__(self) -> RunningServer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def server_python() -> str:
    """The interpreter that runs the server: DEBUGKIT_SERVER_PYTHON (e.g. a Python 3.9 venv
    with flask and cheroot, to check the container-side floor) or this one."""
    return os.environ.get("DEBUGKIT_SERVER_PYTHON") or sys.executable


def server_command(entry_script: Union[str, Path], port: int, **flags: Any) -> list[str]:
    args = [
        server_python(),
        "-m",
        "debugkit.server",
        "--entry-script",
        str(entry_script),
        "--port",
        str(port),
    ]
    for key, value in flags.items():
        if value is None or value is False:
            continue
        option = "--" + key.replace("_", "-")
        args += [option] if value is True else [option, str(value)]
    return args


def start_server(
    entry_script: Union[str, Path],
    *,
    env: Optional[dict[str, str]] = None,
    wait: Optional[str] = "state",
    cwd: Union[str, Path, None] = None,
    **flags: Any,
) -> RunningServer:
    """Start ``python -m debugkit.server`` on a free port.

    wait: "state" (until ready or init_failed, via /debugkit/status), "health" (GET / 200,
    for --production), or None (return at once).
    """
    port = free_port()
    args = server_command(entry_script, port, **flags)
    # kept after stop() for the test to read; the test run's state folder (tests/conftest.py)
    # is removed when the run ends
    log_file = tempfile.NamedTemporaryFile(  # noqa: SIM115 (the server writes to it until stop())
        prefix="debugkit-server-",
        suffix=".log",
        delete=False,
        dir=os.environ.get("DEBUGKIT_STATE_DIR"),
    )
    child_env = dict(os.environ)
    child_env.pop("AML_APP_ROOT", None)
    child_env.pop("AZUREML_MODEL_DIR", None)
    child_env["PYTHONPATH"] = str(REPO_ROOT) + os.pathsep + child_env.get("PYTHONPATH", "")
    child_env["PYTHONUNBUFFERED"] = "1"
    child_env.update(env or {})
    process = subprocess.Popen(
        args, stdout=log_file, stderr=subprocess.STDOUT, env=child_env, cwd=str(cwd or REPO_ROOT)
    )
    server = RunningServer(process, f"http://127.0.0.1:{port}", port, Path(log_file.name), args)
    try:
        if wait == "state":
            server.wait_until()
        elif wait == "health":
            server.wait_healthy()
    except BaseException:
        server.stop()
        raise
    return server


def layout_models(project_dir: Union[str, Path], app_root: Union[str, Path]) -> Optional[str]:
    """Lay the project's models out under app_root as the process runtime does (copies, not
    links: the test owns them) and return AZUREML_MODEL_DIR (None without models)."""
    from debugkit.applayout import layout_models as runtime_layout
    from debugkit.config import load_config

    config = load_config(project_dir)
    model_dir = runtime_layout(config.models, Path(app_root), how="copy")
    return str(model_dir) if config.models else None


def start_example(name: str, app_root: Union[str, Path], **flags: Any) -> RunningServer:
    """Start the server on examples/NAME with its models laid out under app_root and its
    debugkit.yaml request timeout, as the runtimes do."""
    from debugkit.config import load_config

    project = EXAMPLES / name
    config = load_config(project)
    model_dir = layout_models(project, app_root)
    flags.setdefault("request_timeout", config.deployment.request_timeout_s)
    flags.setdefault("max_concurrent", config.deployment.max_concurrent_requests)
    env = dict(flags.pop("env", None) or {})
    env["AML_APP_ROOT"] = str(app_root)
    if model_dir:
        flags.setdefault("model_dir", model_dir)
    return start_server(
        config.source_dir / config.entry_script,
        source_dir=str(config.source_dir),
        env=env,
        **flags,
    )


# --- a project config for unit tests of host modules -------------------------------------

CONDA = """\
name: scoring
channels: [conda-forge]
dependencies:
  - python=3.10.4
  - pip
  - numpy=1.26
  - pytorch::pytorch>=2.1
  - libgomp=13
  - conda-forge::cudatoolkit
  - pip:
    - scikit-learn==1.3.2
    - joblib
"""


def project_config(
    tmp_path: Path, env_text: Optional[str] = None, **fields: object
) -> ProjectConfig:
    """A project in tmp_path: score.py, myenv.yml with env_text (if given), config ``fields``."""
    (tmp_path / "score.py").write_text("def init(): pass\ndef run(d): return d\n")
    environment = None
    if env_text is not None:
        environment = tmp_path / "myenv.yml"
        environment.write_text(env_text)
    return ProjectConfig(
        project_dir=tmp_path,
        source_dir=tmp_path,
        entry_script="score.py",
        environment=environment,
        **fields,  # type: ignore[arg-type]
    )


def process_session(
    project_dir: Path, server: RunningServer, save: bool = False, **fields: Any
) -> Session:
    """The session record ``debugkit up --runtime process`` would write for ``server``
    (``save``: written to the state folder, so that commands from any shell find it)."""
    from debugkit import session as sessions
    from debugkit.config import load_config

    session = Session(
        project_key=load_config(project_dir).project_key,
        project_dir=str(project_dir),
        runtime="process",
        host="127.0.0.1",
        port=server.port,
        debug_port=None,
        server_pid=server.process.pid,
        **fields,
    )
    if save:
        sessions.save(session)
    return session
