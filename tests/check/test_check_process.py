"""`debugkit check` without Docker: the process runtime makes the checks it can and says
which it could not; exit codes for usage errors and an engine that does not answer."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from tests.check.conftest import PROJECTS, run_check
from tests.helpers import debugkit

NO_ENGINE = {**os.environ, "DOCKER_HOST": "unix:///nonexistent/docker.sock"}


def test_process_runtime_says_which_checks_it_could_not_make(tmp_path: Path) -> None:
    root = tmp_path / "passing"
    shutil.copytree(PROJECTS / "passing", root)
    run = run_check(root, "--runtime", "process")
    assert run.exit_code == 0, run.stdout + run.stderr
    assert run.report["runtime"] == "process"
    statuses = run.statuses
    assert statuses.pop("build") == "skip"
    assert "process runtime" in run.check("build")["figure"]
    assert statuses.pop("start") == "warn"  # memory measured (peak RSS), limits approximated
    assert "peak RSS" in run.check("start")["figure"]
    assert set(statuses.values()) == {"pass"}


def test_without_an_engine_the_check_falls_back_to_the_process_runtime(tmp_path: Path) -> None:
    root = tmp_path / "passing"
    shutil.copytree(PROJECTS / "passing", root)
    result = debugkit("check", str(root), env=NO_ENGINE)
    assert result.returncode == 0, result.stdout + result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "debugkit: no Docker engine answers; checking with the process runtime"
    assert any(line.startswith("- build: not made") for line in lines)
    assert lines[-1].startswith("PASS: 6 passed, 0 failed, 1 warnings, 1 not made")


def test_exit_codes_for_usage_and_an_engine_that_does_not_answer(tmp_path: Path) -> None:
    missing = debugkit("check", str(tmp_path / "nowhere"))
    assert missing.returncode == 2
    assert "is not a folder" in missing.stderr and "Traceback" not in missing.stderr

    root = tmp_path / "passing"
    shutil.copytree(PROJECTS / "passing", root)
    (root / "debugkit.yaml").write_text("deployment:\n  memory_gb: lots\n")
    bad_config = debugkit("check", str(root))
    assert bad_config.returncode == 2
    assert "deployment.memory_gb" in bad_config.stderr

    (root / "debugkit.yaml").unlink()
    no_engine = debugkit("check", str(root), "--runtime", "docker", env=NO_ENGINE)
    assert no_engine.returncode == 3
    assert "no Docker engine answers" in no_engine.stderr

    no_folder = debugkit("check", str(root), "--junit", str(tmp_path / "no" / "such" / "r.xml"))
    assert no_folder.returncode == 2
    assert "folder does not exist" in no_folder.stderr


def test_init_slower_than_the_startup_probe_fails_start(tmp_path: Path) -> None:
    root = tmp_path / "slow-init"
    root.mkdir()
    (root / "score.py").write_text(
        "import time\n\ndef init():\n    time.sleep(30)\n\ndef run(data):\n    return data\n"
    )
    run = run_check(root, "--runtime", "process", "--startup-timeout", "1")
    assert run.only_failure("start")["figure"] == (
        "init() did not finish within 1 s, the deployment's start-up probe time"
    )
    assert {run.statuses[name] for name in ("samples", "latency", "leak")} == {"skip"}


def test_a_lint_error_stands_when_its_run_time_check_cannot_be_made(tmp_path: Path) -> None:
    """init() fails, so the leak check cannot send a request: DK101 fails it instead."""
    root = tmp_path / "broken-and-leaky"
    root.mkdir()
    (root / "score.py").write_text(
        "import json\nimport os\n\n"
        "def init():\n    os.environ['NOT_SET']\n\n"
        "def run(raw):\n    try:\n        return json.loads(raw)\n"
        "    except Exception as e:\n        return {'error': str(e)}\n"
    )
    run = run_check(root, "--runtime", "process")
    assert run.failed() == ["start", "leak"], run.stdout
    leak = run.check("leak")
    assert "could not be checked at run time (init() did not succeed)" in leak["figure"]
    assert "DK101" in leak["details"][0]


def test_target_managed_checks_the_managed_front_ends_answers(tmp_path: Path) -> None:
    root = tmp_path / "sample-502"
    shutil.copytree(PROJECTS / "sample-502", root)
    run = run_check(root, "--runtime", "process", "--target", "managed")
    assert run.failed() == ["samples"], run.stdout
    # the managed endpoint answers a failing run() with 424 "Model Error"
    assert run.check("samples")["details"][0].startswith(
        "samples/missing-value.json: 424 (expected 2xx)"
    )
    assert run.check("cloud")["figure"].startswith("target managed")


def test_a_misspelt_file_below_azureml_model_dir_fails_models(tmp_path: Path) -> None:
    root = tmp_path / "path-typo"
    shutil.copytree(PROJECTS / "model-typo", root)
    (root / "score.py").write_text(
        "import os\n\ndef init():\n"
        "    open(os.path.join(os.environ['AZUREML_MODEL_DIR'], 'greting.txt')).close()\n\n"
        "def run(raw):\n    return raw\n"
    )
    run = run_check(root, "--runtime", "process")
    assert run.failed() == ["models"], run.stdout
    models = run.check("models")
    assert "AZUREML_MODEL_DIR/greting.txt at score.py:4" in models["figure"]
    assert "(there: greeting.txt)" in models["figure"]
    assert models["remedy"] == "use 'greeting.txt' at score.py:4"
    assert run.statuses["start"] == "skip"  # its crash is the same cause
