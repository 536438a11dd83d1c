"""debugkit.diagnose: log signatures -> diagnosis and remedy."""

from __future__ import annotations

from pathlib import Path

from debugkit.config import ModelSpec, ProjectConfig
from debugkit.diagnose import diagnose
from tests.helpers import CONDA, project_config


def _titles(log: str, config: ProjectConfig, reason: str | None = None) -> list[str]:
    return [d.title for d in diagnose(log, reason, config)]


def test_oom_and_repeated_boots_are_memory_exhaustion(tmp_path: Path) -> None:
    config = project_config(tmp_path)
    assert _titles("", config, "OOMKilled") == ["memory exhausted"]
    boots = "[INFO] Booting worker with pid: 7\n" * 4
    (found,) = diagnose(boots, None, config)
    assert "booted 4 times" in found.detail and "memory_gb" in found.remedy
    assert _titles("[INFO] Booting worker with pid: 7\n", config) == []


def test_init_failure_points_at_the_host_file_and_line(tmp_path: Path) -> None:
    config = project_config(tmp_path)
    log = (
        "/var/azureml-app/score.py:12: error: KeyError: 'weights'\n"
        "2026 ERROR debugkit.server: init() failed (init):\nTraceback ...\n"
    )
    (found,) = diagnose(log, None, config)
    assert found.title == "init() failed"
    assert found.detail == f"{tmp_path / 'score.py'}:12: KeyError: 'weights'"
    assert f"{tmp_path / 'score.py'}:12" in found.remedy


def test_missing_module_names_the_pip_package_and_the_file(tmp_path: Path) -> None:
    config = project_config(tmp_path, CONDA)
    log = (
        "/var/azureml-app/score.py:1: error: ModuleNotFoundError: No module named 'cv2'\n"
        "ModuleNotFoundError: No module named 'cv2'\ninit() failed\n"
    )
    (found,) = diagnose(log, None, config)
    assert found.title == "missing package"
    assert "imported at " + str(tmp_path / "score.py") + ":1" in found.detail
    assert found.remedy.startswith(
        f"add opencv-python-headless under 'pip:' in {tmp_path / 'myenv.yml'}"
    )


def test_sklearn_externals_joblib(tmp_path: Path) -> None:
    log = "ModuleNotFoundError: No module named 'sklearn.externals.joblib'\n"
    (found,) = diagnose(log, None, project_config(tmp_path))
    assert "import joblib" in found.remedy


def test_model_not_found_and_port_conflicts(tmp_path: Path) -> None:
    config = project_config(tmp_path, models=(ModelSpec("clf", 1, tmp_path / "clf.pkl"),))
    log = (
        "ModelNotFoundException: Model clf2 not found in cache at /var/azureml-app/azureml-models\n"
    )
    (found,) = diagnose(log, None, config)
    assert "debugkit model-path clf2" in found.remedy and "clf:1 (clf.pkl)" in found.detail
    listen = "debugpy.listen(('0.0.0.0', 5678))\nOSError: [Errno 98] Address already in use\n"
    (port,) = diagnose(listen, None, config)
    assert port.title == "port conflict" and "remove debugpy.listen()" in port.remedy


def test_a_clean_log_has_no_diagnosis(tmp_path: Path) -> None:
    log = "debugkit: starting score.py\ndebugkit: ready (generation 1)\nPOST /score 200\n"
    assert diagnose(log, None, project_config(tmp_path)) == []


def test_sigkill_exit_is_suspected_memory(tmp_path: Path) -> None:
    (found,) = diagnose("", "exit code 137", project_config(tmp_path))
    assert found.title == "memory exhausted" and "exit code 137" in found.detail
    assert diagnose("", "exit code 0", project_config(tmp_path)) == []
