"""The process runtime answers as the container does: a memory watchdog that stops the
server as an OOM kill does, the "cannot be scheduled" preflight, one sentence on what it
cannot enforce, and the same azureml-models cache in the source folder."""

from __future__ import annotations

import json
import os
import textwrap
from pathlib import Path

import pytest

from tests.helpers import GREEDY_INIT, debugkit, free_port


@pytest.fixture
def greedy_project(tmp_path: Path):
    (tmp_path / "score.py").write_text(textwrap.dedent(GREEDY_INIT))
    (tmp_path / "debugkit.yaml").write_text("deployment:\n  memory_gb: 0.25\n")
    yield tmp_path
    debugkit("down", str(tmp_path))


def test_up_process_runtime_reports_oom_like_docker(greedy_project: Path):
    result = debugkit(
        "up", str(greedy_project), "--runtime", "process", "--detach", "--no-debug",
        "--no-watch", "--port", str(free_port()),
    )  # fmt: skip
    assert result.returncode != 0
    assert "cannot enforce cpu_cores 1" in result.stderr
    assert "exited before it was ready (OOMKilled)" in result.stderr
    logs = debugkit("logs", str(greedy_project))
    assert "memory exhausted" in logs.stdout
    assert "more than its 0.25 GB memory limit" in logs.stdout


def test_up_process_runtime_refuses_what_this_machine_cannot_schedule(tmp_path: Path):
    (tmp_path / "score.py").write_text("def init():\n    pass\n\ndef run(d):\n    return d\n")
    (tmp_path / "debugkit.yaml").write_text("deployment:\n  memory_gb: 4000\n")
    # a free debug port too: the default 5678 may be taken by anything else on the machine
    ports = ("--port", str(free_port()), "--debug-port", str(free_port()))
    result = debugkit("up", str(tmp_path), "--runtime", "process", *ports)
    assert result.returncode == 2
    assert "cannot be scheduled: requests 4000 GB memory" in result.stderr


CACHED = """
import json, os
from azureml.core.model import Model

def init():
    pass

def run(data):
    return {"path": Model.get_model_path("cached"), "root": os.environ["AML_APP_ROOT"]}
"""


def test_an_azureml_models_cache_in_the_source_folder_is_seen_as_in_docker(tmp_path: Path):
    """Docker mounts the source folder as the app root, so without configured models its
    azureml-models/ is the cache get_model_path reads; the process runtime must agree."""
    (tmp_path / "score.py").write_text(textwrap.dedent(CACHED))
    cached = tmp_path / "azureml-models" / "cached" / "1" / "model.txt"
    cached.parent.mkdir(parents=True)
    cached.write_text("x")
    port = free_port()
    try:
        result = debugkit(
            "up", str(tmp_path), "--runtime", "process", "--detach", "--no-debug",
            "--no-watch", "--port", str(port),
        )  # fmt: skip
        assert result.returncode == 0, result.stderr
        scored = debugkit("score", str(tmp_path), "--data", "{}")
        assert scored.returncode == 0, scored.stdout
        answer = json.loads(scored.stdout.split("\n", 1)[1])
        assert Path(answer["path"]).resolve() == cached.resolve()
    finally:
        debugkit("down", str(tmp_path))


RAISES = "def init():\n    pass\n\ndef run(data):\n    return 1 / 0\n"


def test_v2_deployment_answers_as_managed_and_up_target_overrides(tmp_path: Path):
    (tmp_path / "score.py").write_text(RAISES)
    (tmp_path / "blue.yml").write_text(
        "name: blue\ncode_configuration:\n  code: .\n  scoring_script: score.py\n"
        "instance_type: Standard_DS3_v2\n"  # 4 CPU, 14 GB: fitted to a smaller machine
    )
    try:
        for target, status in ((None, 424), ("aks", 502)):
            extra = ["--target", target] if target else []
            result = debugkit(
                "up", str(tmp_path), "--runtime", "process", "--detach", "--no-debug",
                "--no-watch", "--port", str(free_port()), *extra,
            )  # fmt: skip
            assert result.returncode == 0, result.stderr
            if (os.cpu_count() or 0) < 4:
                assert "instance_type Standard_DS3_v2 has 4 CPUs, this machine" in result.stderr
            expected = target or "managed"
            assert f"answers as {expected}" in result.stdout
            assert f"run() failure {status}" in result.stdout
            assert f"target: {expected}" in debugkit("status", str(tmp_path)).stdout
            scored = debugkit("score", str(tmp_path), "--data", "{}")
            assert scored.stdout.startswith(f"HTTP {status}")
            debugkit("down", str(tmp_path))
    finally:
        debugkit("down", str(tmp_path))
