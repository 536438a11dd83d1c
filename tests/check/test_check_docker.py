"""`debugkit check` on real containers: each project fails exactly one check, one passes all.

The projects are in tests/check/projects/; the server runs in production mode under each
project's limits, as the deployment would.
"""

from __future__ import annotations

import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from debugkit.check.server import CHECK_KEY_SUFFIX, MemorySampler
from debugkit.config import load_config
from debugkit.runtime.image import LABEL_PROJECT
from tests.check.conftest import run_check
from tests.helpers import BASE_IMAGE

pytestmark = pytest.mark.docker

DOCKER = ("--runtime", "docker", "--base-image", BASE_IMAGE)


def test_a_project_that_passes_every_check(project, docker_client) -> None:
    run = run_check(project("passing"), *DOCKER)
    assert run.exit_code == 0, run.stdout + run.stderr
    assert run.statuses == {
        "lint": "pass",
        "build": "pass",
        "start": "pass",
        "models": "pass",
        "samples": "pass",
        "latency": "pass",
        "leak": "pass",
        "cloud": "pass",
    }
    assert "cgroup peak" in run.check("start")["figure"]
    assert 'get_model_path("greeter")' in run.check("models")["figure"]
    assert "AZUREML_MODEL_DIR/greeting.txt" in run.check("models")["figure"]
    # the sample named NAME.400.json had to answer 400, and did
    assert "samples/no-names.400.json" in run.check("samples")["figure"]
    assert "p99" in run.check("latency")["figure"]

    suite = ET.parse(run.junit).getroot().find("testsuite")
    assert suite is not None and suite.get("tests") == "8" and suite.get("failures") == "0"
    markdown = run.markdown.read_text()
    assert markdown.startswith("### debugkit check passed")
    assert "| ✓ | latency |" in markdown

    # the check keeps its image as a build cache; `down --images` removes it with up's
    root = Path(run.junit).parent / "passing"
    label = {"label": f"{LABEL_PROJECT}={load_config(root).project_key}{CHECK_KEY_SUFFIX}"}
    assert docker_client.images.list(filters=label)
    down = subprocess.run(
        [sys.executable, "-m", "debugkit", "down", "--images", str(root)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert down.returncode == 0, down.stderr
    assert not docker_client.images.list(filters=label)


def test_init_out_of_memory_fails_start(project) -> None:
    run = run_check(project("oom-init"), *DOCKER)
    start = run.only_failure("start")
    assert "memory exhausted" in start["figure"] and "0.5 GB" in start["figure"]
    assert "memory_gb" in start["remedy"]
    for later in ("samples", "latency", "leak"):
        assert run.statuses[later] == "skip"
    suite = ET.parse(run.junit).getroot().find("testsuite")
    assert suite is not None and suite.get("failures") == "1"
    failure = suite.find("testcase[@name='start']/failure")
    assert failure is not None and "memory exhausted" in (failure.get("message") or "")


def test_model_name_typo_fails_models_only(project) -> None:
    run = run_check(project("model-typo"), *DOCKER)
    models = run.only_failure("models")
    assert 'get_model_path("greeterr")' in models["figure"]
    assert models["remedy"] == "use the registered name 'greeter' at score.py:10"
    # the same cause is not counted again: init()'s crash and lint's DK108 point at models
    assert run.statuses["start"] == "skip" and "see models" in run.check("start")["figure"]
    assert run.statuses["lint"] == "pass"
    assert any("DK108" in line for line in run.check("lint")["details"])


def test_a_sample_that_gets_502_fails_samples_and_is_named(project) -> None:
    run = run_check(project("sample-502"), *DOCKER)
    samples = run.only_failure("samples")
    assert samples["figure"] == "1 of 2 samples failed"
    assert samples["details"][0].startswith("samples/missing-value.json: 502 (expected 2xx)")
    # production mode: the traceback is in the server's log, where the check finds its line
    assert any("score.py:12: error: TypeError" in line for line in samples["details"])
    assert "--file" in samples["remedy"] and "missing-value.json" in samples["remedy"]
    assert run.statuses["latency"] == "pass"  # timed on the sample that works


def test_a_request_that_runs_out_of_memory_fails_samples_with_the_memory_remedy(project) -> None:
    run = run_check(project("oom-run"), *DOCKER)
    assert run.failed() == ["samples"], run.stdout + run.stderr
    samples = run.check("samples")
    assert samples["details"][0].endswith("the server died (OOMKilled)")
    assert samples["remedy"].startswith("memory exhausted: raise deployment.memory_gb")
    assert run.check("latency")["figure"] == "not made: the server stopped (OOMKilled)"


def test_run_slower_than_the_timeout_fails_latency(project) -> None:
    run = run_check(project("slow-run"), *DOCKER)
    latency = run.only_failure("latency")
    assert "timeout 1 s" in latency["figure"] and "timed out" in latency["figure"]
    assert "request_timeout" in latency["remedy"]
    # the sample's 504 is reported where it was sent, and failed once, by latency
    assert run.statuses["samples"] == "warn"
    assert "samples/one.json: 504" in run.check("samples")["details"][0]


def test_exception_text_returned_in_production_fails_leak(project) -> None:
    run = run_check(project("leak"), *DOCKER)
    leak = run.only_failure("leak")
    assert "exception text" in leak["figure"] and "Expecting" in leak["figure"]
    assert "DK101" in leak["remedy"]
    assert any("DK101" in line for line in run.check("lint")["details"])


def test_a_killed_check_leaves_no_container(project, docker_client) -> None:
    """A CI job cancelled with SIGKILL: the reaper removes the check's container."""
    root = project("slow-run")  # its latency run keeps the server up for seconds
    label = {"label": f"{LABEL_PROJECT}={load_config(root).project_key}{CHECK_KEY_SUFFIX}"}
    check = subprocess.Popen(
        [sys.executable, "-m", "debugkit", "check", str(root), *DOCKER],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 120
        while not docker_client.containers.list(filters=label):
            assert check.poll() is None and time.monotonic() < deadline, "no container started"
            time.sleep(0.2)
    finally:
        check.kill()
        check.wait()
    deadline = time.monotonic() + 60
    while docker_client.containers.list(all=True, filters=label):
        assert time.monotonic() < deadline, "the killed check's container is still there"
        time.sleep(0.2)


def test_memory_sampling_where_the_kernel_keeps_no_cgroup_peak(docker_client) -> None:
    """The fallback for cgroup v2 before Linux 5.19: the engine's usage, sampled."""
    container = docker_client.containers.run(
        BASE_IMAGE,
        ["python3", "-c", "import time; b = bytearray(80 * 1024 * 1024); time.sleep(30)"],
        detach=True,
        mem_limit="256m",
    )
    sampler = MemorySampler(container)
    sampler.start()
    try:
        deadline = time.monotonic() + 20
        while sampler.peak < 80 * 1024 * 1024:
            assert time.monotonic() < deadline, f"sampled peak {sampler.peak} after 20 s"
            time.sleep(0.2)
    finally:
        sampler.stop.set()
        container.remove(force=True)
