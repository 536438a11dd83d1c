"""The bundled examples pass or fail `debugkit check` as their scenarios say (examples/README.md).

Run with the process runtime: the verdicts do not depend on the container, and the
examples' environments are cached virtualenvs shared with the other process-runtime tests.
The container path is covered by test_check_docker.py.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.check.conftest import run_check
from tests.helpers import EXAMPLES

SCENARIOS = {
    "sklearn-model": None,
    "get-model-path": None,
    "inference-schema": None,
    "init-crash": "start",
    "misspelt-model": "models",
    "slow-run": "latency",
}


@pytest.mark.parametrize(("example", "fails"), SCENARIOS.items())
def test_example_passes_or_fails_as_its_scenario_says(
    example: str, fails: str | None, tmp_path: Path
) -> None:
    root = tmp_path / example
    shutil.copytree(EXAMPLES / example, root)
    run = run_check(root, "--runtime", "process")
    assert run.failed() == ([fails] if fails else []), run.stdout + run.stderr
    assert run.exit_code == (1 if fails else 0)
    if fails is None:  # every check that needs a container-free server was made and passed
        assert run.statuses["samples"] == "pass" and run.statuses["latency"] == "pass"


def test_every_example_is_listed() -> None:
    assert set(SCENARIOS) == {p.name for p in EXAMPLES.iterdir() if p.is_dir()}
