"""debugkit.watch.classify: reload, restart or rebuild for a set of changes."""

from __future__ import annotations

from pathlib import Path

from debugkit.config import load_config
from debugkit.watch.classify import Action, Classifier, config_difference
from tests.watch import watch_project


def test_classification(tmp_path: Path) -> None:
    root = watch_project(tmp_path)
    classifier = Classifier(load_config(root))
    assert classifier.plan([root / "score.py"]).action == Action.RELOAD
    assert classifier.plan([root / "score.py"]).python_files == [root / "score.py"]
    assert classifier.plan([root / "data.json"]).action == Action.RELOAD
    model = classifier.plan([root / "model" / "model.pkl"])
    assert (model.action, model.python_files) == (Action.RELOAD, [])
    (root / "myenv.yml").write_text("dependencies:\n  - pip:\n    - numpy\n    - pandas\n")
    env = classifier.plan([root / "score.py", root / "myenv.yml"])
    assert env.action == Action.REBUILD
    assert "myenv.yml" in env.reasons[0]
    assert classifier.plan([root.parent / "elsewhere.py"]).action == Action.NONE


def test_an_environment_change_that_installs_the_same_rebuilds_nothing(tmp_path: Path) -> None:
    root = watch_project(tmp_path)
    classifier = Classifier(load_config(root))
    env = root / "myenv.yml"
    env.write_text("name: renamed\nchannels: [conda-forge]\n" + env.read_text() + "# note\n")
    plan = classifier.plan([env])
    assert plan.action == Action.NONE
    assert plan.notes == [
        "debugkit: myenv.yml changed but installs the same packages; nothing to rebuild"
    ]
    env.write_text("dependencies:\n  - pip:\n    - numpy\n    - [")  # half-typed
    broken = classifier.plan([env])
    assert broken.action == Action.NONE and "myenv.yml" in (broken.config_error or "")


def test_config_changes(tmp_path: Path) -> None:
    root = watch_project(tmp_path)
    classifier = Classifier(load_config(root))
    config_file = root / "debugkit.yaml"
    config_file.write_text("deployment:\n  memory_gb: 1\n")  # same settings
    assert classifier.plan([config_file]).action == Action.NONE
    config_file.write_text("deployment:\n  memory_gb: 2\n")
    plan = classifier.plan([config_file])
    assert plan.action == Action.RESTART
    assert plan.reasons == ["deployment.memory_gb changed from 1.0 to 2.0"]
    assert plan.config is not None and plan.config.deployment.memory_gb == 2
    config_file.write_text("base_image: python:3.10-slim\ndeployment:\n  memory_gb: 2\n")
    assert classifier.plan([config_file]).action == Action.REBUILD
    config_file.write_text("deployment:\n  memory_gb: lots\n")
    broken = classifier.plan([config_file])
    assert broken.action == Action.NONE
    assert broken.config_error and "memory_gb" in broken.config_error


def test_config_difference_environment(tmp_path: Path) -> None:
    root = watch_project(tmp_path)
    old = load_config(root)
    (root / "requirements.txt").write_text("numpy\n")
    (root / "debugkit.yaml").write_text(
        "environment: requirements.txt\ndeployment:\n  memory_gb: 1\n"
    )
    action, reasons = config_difference(old, load_config(root))
    assert action == Action.REBUILD
    assert reasons == ["environment changed from myenv.yml to requirements.txt"]
