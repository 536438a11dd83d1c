"""Settings azmlinfsrv users already have, honoured by ``debugkit serve`` (a drop-in):
its command-line spellings, environment variables, config.json, logging.json, print()."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from tests.helpers import REPO_ROOT, RunningServer, free_port, http, start_server
from tests.server.conftest import SLEEPS_3S

ENV_SCORE = """
import os

def init():
    pass

def run(data):
    names = ("AZUREML_MODEL_DIR", "AML_APP_INSIGHTS_ENABLED", "AML_APP_INSIGHTS_KEY")
    return {name: os.environ.get(name) for name in names} | {"pid": os.getpid()}
"""

PRINTS = """
def init():
    print("loading the model")

def run(data):
    print("scoring", data)
    return 1
"""


def serve_like_azmlinfsrv(
    cwd: Path, *args: str, env: dict[str, str] | None = None, wait: str = "state"
) -> RunningServer:
    """`debugkit serve` started the way scripts start azmlinfsrv (underscore flags)."""
    port = free_port()
    log = tempfile.NamedTemporaryFile(  # noqa: SIM115 (the server writes to it until stop())
        prefix="debugkit-server-",
        suffix=".log",
        delete=False,
        dir=os.environ.get("DEBUGKIT_STATE_DIR"),
    )
    child_env = {
        k: v for k, v in os.environ.items() if k not in ("AML_APP_ROOT", "AZUREML_MODEL_DIR")
    }
    child_env["PYTHONPATH"] = str(REPO_ROOT)
    child_env.update(env or {})
    command = [sys.executable, "-m", "debugkit", "serve", *args, "--port", str(port)]
    process = subprocess.Popen(
        command, stdout=log, stderr=subprocess.STDOUT, env=child_env, cwd=cwd
    )
    server = RunningServer(process, f"http://127.0.0.1:{port}", port, Path(log.name), command)
    try:
        server.wait_until() if wait == "state" else server.wait_healthy()
    except BaseException:
        server.stop()
        raise
    return server


def test_azmlinfsrv_spellings_and_model_dir_kept_as_given(write_project, tmp_path):
    write_project(ENV_SCORE, **{"my__dir__model.pkl": "x"})
    with serve_like_azmlinfsrv(
        tmp_path, "--entry_script", "score.py", "--model_dir", "./my/dir"
    ) as server:
        assert server.score({}).json()["AZUREML_MODEL_DIR"] == "./my/dir"


def test_entry_script_from_azureml_entry_script(write_project, tmp_path):
    write_project(ENV_SCORE)
    env = {"AZUREML_ENTRY_SCRIPT": "score.py"}
    with serve_like_azmlinfsrv(tmp_path, env=env) as server:
        assert server.score({}).status == 200


def test_scoring_timeout_ms_sets_the_timeout_and_the_flag_wins(write_project, serve):
    score = write_project(SLEEPS_3S)
    server = serve(score, env={"SCORING_TIMEOUT_MS": "500"})
    assert server.status()["limits"]["request_timeout_s"] == 0.5
    assert server.score({}).status == 504
    flagged = serve(score, env={"SCORING_TIMEOUT_MS": "500"}, request_timeout=7)
    assert flagged.status()["limits"]["request_timeout_s"] == 7


def test_bad_scoring_timeout_is_a_one_line_usage_error(write_project):
    score = write_project(SLEEPS_3S)
    env = {**os.environ, "SCORING_TIMEOUT_MS": "soon", "PYTHONPATH": str(REPO_ROOT)}
    result = subprocess.run(
        [sys.executable, "-m", "debugkit", "serve", "--entry-script", str(score)],
        env=env, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "debugkit serve: error: SCORING_TIMEOUT_MS='soon' is not a whole number >= 1; fix or unset it"
    ]


def test_config_json_in_the_app_root_fills_what_the_environment_leaves_unset(write_project, serve):
    score = write_project(SLEEPS_3S, **{"config.json": json.dumps({"SCORING_TIMEOUT_MS": 1500})})
    assert serve(score).status()["limits"]["request_timeout_s"] == 1.5
    from_env = serve(score, env={"SCORING_TIMEOUT_MS": "2500"})
    assert from_env.status()["limits"]["request_timeout_s"] == 2.5


def test_azureml_config_file_names_the_file(write_project, serve, tmp_path):
    score = write_project(SLEEPS_3S)
    settings = tmp_path / "elsewhere.json"
    settings.write_text(json.dumps({"SCORING_TIMEOUT_MS": 4000}))
    server = serve(score, env={"AZUREML_CONFIG_FILE": str(settings)})
    assert server.status()["limits"]["request_timeout_s"] == 4.0


def test_cors_origins_on_score_and_the_preflight(write_project, serve):
    server = serve(
        write_project(ENV_SCORE), env={"AML_CORS_ORIGINS": "https://a.example, https://b.example"}
    )
    preflight = server.request(
        "OPTIONS",
        "/score",
        headers={
            "Origin": "https://b.example",
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type",
        },
    )
    assert preflight.status == 200
    assert preflight.header("Access-Control-Allow-Origin") == "https://b.example"
    assert preflight.header("Access-Control-Allow-Headers") == "content-type"
    assert "POST" in (preflight.header("Access-Control-Allow-Methods") or "")
    scored = server.score(
        {}, headers={"Origin": "https://a.example", "Content-Type": "application/json"}
    )
    assert scored.header("Access-Control-Allow-Origin") == "https://a.example"
    other = server.score(
        {}, headers={"Origin": "https://evil.example", "Content-Type": "application/json"}
    )
    assert other.header("Access-Control-Allow-Origin") is None


def test_cors_from_the_azmlinfsrv_flag(write_project, tmp_path):
    write_project(ENV_SCORE)
    with serve_like_azmlinfsrv(
        tmp_path, "--entry_script", "score.py", "--access_control_allow_origins", "*"
    ) as server:
        answer = server.score(
            {}, headers={"Origin": "https://x.example", "Content-Type": "application/json"}
        )
        assert answer.header("Access-Control-Allow-Origin") == "*"


def test_server_version_header_trace_id_and_request_ids(write_project, serve):
    script = write_project(ENV_SCORE)
    server = serve(script)
    answer = server.score({}, headers={"TraceId": "trace-42", "x-request-id": "rid-1",
                                       "Content-Type": "application/json"})  # fmt: skip
    assert answer.header("x-ms-server-version").startswith("debugkit/")
    assert answer.header("TraceId") == "trace-42"
    assert answer.header("x-request-id") == "rid-1"
    assert answer.header("x-ms-request-id") == "rid-1"
    quiet = serve(script, env={"SERVER_VERSION_LOG_RESPONSE_ENABLED": "false"})
    assert quiet.score({}).header("x-ms-server-version") is None


def test_app_insights_settings_reach_the_script_and_nothing_is_sent(write_project, tmp_path):
    write_project(ENV_SCORE)
    with serve_like_azmlinfsrv(
        tmp_path, "--entry_script", "score.py", "--appinsights_instrumentation_key", "k-123"
    ) as server:
        answer: dict[str, Any] = server.score({}).json()
        assert answer["AML_APP_INSIGHTS_ENABLED"] == "true"
        assert answer["AML_APP_INSIGHTS_KEY"] == "k-123"
        assert "debugkit sends no telemetry" in server.log


def test_separate_health_port(write_project, serve):
    health_port = free_port()
    server = serve(
        write_project(ENV_SCORE),
        health_port=health_port,
        env={"SEPERATE_HEALTH_ENDPOINT": "true"},
    )
    assert http("GET", f"http://127.0.0.1:{health_port}/").text == "Healthy"
    assert server.get("/").status == 200


def test_worker_count_in_debug_mode_keeps_one_process_and_says_so(write_project, serve):
    server = serve(write_project(ENV_SCORE), env={"WORKER_COUNT": "2"})
    assert "one debugger sees every request" in server.log
    assert len({server.score({}).json()["pid"] for _ in range(20)}) == 1


def test_worker_count_in_production_runs_that_many_processes(write_project):
    server = start_server(write_project(ENV_SCORE), production=True, worker_count=2, wait="health")
    try:
        pids: set[int] = set()
        deadline = time.monotonic() + 60  # the second worker answers once its init() ran
        while len(pids) < 2 and time.monotonic() < deadline:
            answer = server.score({})
            assert answer.status == 200  # never "starting" from a worker still in init()
            pids.add(answer.json()["pid"])
        assert len(pids) == 2  # SO_REUSEPORT spreads new connections over both workers
        assert server.process.pid in pids
    finally:
        server.stop()
    assert server.process.returncode == 0


def test_logging_json_in_the_app_root_and_print_as_log_lines(write_project, serve):
    logging_json = {
        "version": 1,
        "formatters": {"marked": {"format": "MARKED %(asctime)s %(name)s %(message)s"}},
        "handlers": {"out": {"class": "logging.StreamHandler", "formatter": "marked"}},
        "root": {"handlers": ["out"], "level": "INFO"},
    }
    score = write_project(PRINTS, **{"logging.json": json.dumps(logging_json)})
    server = serve(score)
    server.score({"a": 1})
    log = server.wait_for_log('scoring {"a": 1}')
    assert "MARKED " in log and "azmlinfsrv.print loading the model" in log


def test_print_becomes_a_timestamped_log_line(write_project, serve):
    server = serve(write_project(PRINTS))
    server.score({"a": 1})
    line = next(line for line in server.wait_for_log("scoring").splitlines() if "scoring" in line)
    assert line.split(" ", 1)[0].count("-") == 2  # starts with the date
    assert "azmlinfsrv.print: scoring" in line


def test_service_path_prefix_reaches_the_swagger_paths(write_project, serve):
    server = serve(write_project(ENV_SCORE), env={"SERVICE_PATH_PREFIX": "/api/v1/"})
    paths = server.get("/swagger.json").json()["paths"]
    assert "/api/v1/score" in paths


def test_worker_timeout_is_refused_in_one_sentence(write_project, serve):
    server = serve(write_project(ENV_SCORE), env={"WORKER_TIMEOUT": "300"})
    assert "WORKER_TIMEOUT is not used" in server.log
