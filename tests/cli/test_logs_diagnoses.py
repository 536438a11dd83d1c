"""'debugkit logs' diagnoses what a real run of a v1 project logged (process runtime)."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest

from tests.helpers import RETURNS_NDARRAY, debugkit, free_port


@pytest.fixture
def v1_project(tmp_path: Path):
    (tmp_path / "score.py").write_text(textwrap.dedent(RETURNS_NDARRAY))
    (tmp_path / "inferenceconfig.json").write_text(json.dumps({"entryScript": "score.py"}))
    (tmp_path / "deploymentconfig.json").write_text(json.dumps({"computeType": "AKS"}))
    yield tmp_path
    debugkit("down", str(tmp_path))


def test_logs_names_the_return_of_a_value_json_cannot_encode(v1_project: Path) -> None:
    up = debugkit(
        "up", str(v1_project), "--runtime", "process", "--detach", "--no-debug", "--no-watch",
        "--port", str(free_port()),
    )  # fmt: skip
    assert up.returncode == 0, up.stderr
    scored = debugkit("score", str(v1_project), "--data", "{}")
    assert "run() returned a numpy.ndarray, which JSON cannot encode" in scored.stdout + (
        scored.stderr
    )
    logs = debugkit("logs", str(v1_project))
    assert "x run() returned a value JSON cannot encode:" in logs.stdout
    assert f"{v1_project / 'score.py'}:9: TypeError: run() returned a numpy.ndarray" in logs.stdout
    assert "x run() raised" not in logs.stdout
