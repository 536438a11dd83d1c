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


def test_docker_kill_is_not_memory_when_the_oom_flag_is_false(tmp_path: Path) -> None:
    config = project_config(tmp_path)
    (found,) = diagnose("", "exit code 137 (OOMKilled=false)", config)
    assert found.title == "killed" and "not for memory" in found.detail
    assert "docker kill" in found.detail
    assert _titles("", config, "OOMKilled") == ["memory exhausted"]
    assert diagnose("", "exit code 0", config) == []


# -- version-skewed pickles ------------------------------------------------------------------

# what joblib.load of a GradientBoostingClassifier pickled with scikit-learn 1.1.3 logs
# under scikit-learn 1.9.1 (tests/server/test_diagnosed_runs.py makes it for real)
SKEWED_LOG = """\
/usr/lib/python3.11/site-packages/sklearn/base.py:525: InconsistentVersionWarning: \
Trying to unpickle estimator DecisionTreeRegressor from version 1.1.3 when using version \
1.9.1. This might lead to breaking code or invalid results. Use at your own risk.
  warnings.warn(
/var/azureml-app/score.py:7: error: ModuleNotFoundError: No module named \
'sklearn.ensemble._gb_losses'
2026 ERROR debugkit.server: init() failed (init):
Traceback (most recent call last):
  File "/var/azureml-app/score.py", line 7, in init
    model = joblib.load(os.path.join(os.environ["AZUREML_MODEL_DIR"], "model.pkl"))
  File "/usr/lib/python3.11/site-packages/joblib/numpy_pickle.py", line 755, in load
    obj = _unpickle(
  File "/usr/lib/python3.11/pickle.py", line 1580, in find_class
    __import__(module, level=0)
ModuleNotFoundError: No module named 'sklearn.ensemble._gb_losses'
"""


def test_a_module_missing_while_unpickling_is_a_version_skewed_pickle(tmp_path: Path) -> None:
    config = project_config(tmp_path, CONDA)
    (found,) = diagnose(SKEWED_LOG, None, config)
    assert found.title == "model pickled with another scikit-learn version"
    assert "sklearn.ensemble._gb_losses" in found.detail
    assert "pickled with scikit-learn 1.1.3" in found.detail
    assert "this environment has 1.9.1" in found.detail
    assert "does not install" not in found.detail
    assert found.remedy.startswith(f"pin scikit-learn==1.1.3 under 'pip:' in {tmp_path}")
    assert "save it again" in found.remedy


def test_the_pickled_version_is_read_from_the_model_file(tmp_path: Path) -> None:
    model = tmp_path / "model.pkl"
    # protocol-4 bytes of an estimator's state: the key, a memo byte, a short string
    model.write_bytes(b"\x80\x04...\x8c\x10_sklearn_version\x94\x8c\x051.1.3\x94ub.")
    config = project_config(tmp_path, models=(ModelSpec("gb", 1, model),))
    log = SKEWED_LOG.split("2026 ERROR", 1)[1]  # no InconsistentVersionWarning
    (found,) = diagnose(log, None, config)
    assert "pickled with scikit-learn 1.1.3 (read from model.pkl)" in found.detail
    assert "scikit-learn==1.1.3" in found.remedy


def test_a_package_that_is_not_installed_is_still_a_missing_package(tmp_path: Path) -> None:
    log = SKEWED_LOG.replace("sklearn.ensemble._gb_losses", "sklearn")
    log = log[log.index("/var/azureml-app/score.py:7") :]  # no warning without scikit-learn
    (found,) = diagnose(log, None, project_config(tmp_path, CONDA))
    assert found.title == "missing package" and "scikit-learn" in found.remedy


def test_inconsistent_version_warning_alone(tmp_path: Path) -> None:
    log = SKEWED_LOG.split("/var/azureml-app/score.py:7")[0]
    (found,) = diagnose(log, None, project_config(tmp_path))
    assert found.title == "model pickled with another scikit-learn version"
    assert "1.1.3" in found.detail and "scikit-learn==1.1.3" in found.remedy


# -- model not found ---------------------------------------------------------------------------


def test_request_data_taken_for_a_path_is_not_a_missing_model(tmp_path: Path) -> None:
    # pandas >= 3 reads a JSON string given to read_json as a path
    log = (
        "/var/azureml-app/score.py:9: error: FileNotFoundError: File "
        '{"data": [{"model": "A4", "year": 2019}]} does not exist\n'
        "FileNotFoundError: [Errno 2] No such file or directory: "
        '\'{"data": [{"model": "A4", "year": 2019}]}\'\n'
        "FileNotFoundError: [Errno 2] No such file or directory: 'data/model_inputs.csv'\n"
    )
    assert "model not found" not in _titles(log, project_config(tmp_path))


def test_a_missing_model_file_is_found(tmp_path: Path) -> None:
    log = (
        "FileNotFoundError: [Errno 2] No such file or directory: "
        "'/var/azureml-app/azureml-models/clf/1/model.pkl'\n"
    )
    assert _titles(log, project_config(tmp_path)) == ["model not found"]
    bare = "FileNotFoundError: [Errno 2] No such file or directory: 'outputs/model.onnx'\n"
    assert _titles(bare, project_config(tmp_path)) == ["model not found"]


def _folder_model(tmp_path: Path) -> ModelSpec:
    folder = tmp_path / "credit"
    (folder / "model").mkdir(parents=True)
    (folder / "model" / "sklearn_model.pkl").write_bytes(b"x")
    (folder / "MLmodel").write_text("flavors: {}\n")
    return ModelSpec("credit", 2, folder)


def test_a_folder_model_names_the_relative_path_that_exists(tmp_path: Path) -> None:
    model = _folder_model(tmp_path)
    config = project_config(tmp_path, models=(model,))
    log = (
        "FileNotFoundError: [Errno 2] No such file or directory: "
        "'/var/azureml-app/azureml-models/credit/2/sklearn_model.pkl'\n"
    )
    (found,) = diagnose(log, None, config)
    assert "sklearn_model.pkl is at AZUREML_MODEL_DIR/credit/model/sklearn_model.pkl" in (
        found.detail
    )
    assert "os.path.join(os.environ['AZUREML_MODEL_DIR'], 'credit/model/sklearn_model.pkl')" in (
        found.remedy
    )
    # with two models AZUREML_MODEL_DIR is the root: the name and version come first
    other = ModelSpec("other", 1, tmp_path / "score.py")
    (two,) = diagnose(log, None, project_config(tmp_path, models=(model, other)))
    assert "AZUREML_MODEL_DIR/credit/2/credit/model/sklearn_model.pkl" in two.detail


def test_a_folder_model_without_the_file_lists_its_files(tmp_path: Path) -> None:
    config = project_config(tmp_path, models=(_folder_model(tmp_path),))
    log = (
        "FileNotFoundError: [Errno 2] No such file or directory: "
        "'/var/azureml-app/azureml-models/credit/2/outputs/model.pkl'\n"
    )
    (found,) = diagnose(log, None, config)
    assert (
        "files of folder model credit (below AZUREML_MODEL_DIR): credit/MLmodel, "
        "credit/model/sklearn_model.pkl"
    ) in found.detail


def test_the_remedy_names_the_projects_own_file_and_key(tmp_path: Path) -> None:
    log = (
        "ModelNotFoundException: Model clf not found in cache at /var/azureml-app/azureml-models\n"
    )
    yaml_project = project_config(tmp_path, config_file=tmp_path / "debugkit.yaml")
    assert "models: in debugkit.yaml" in diagnose(log, None, yaml_project)[0].remedy
    v2 = project_config(tmp_path, config_file=tmp_path / "blue-deployment.yml")
    assert (
        "model: (path, name, version) in blue-deployment.yml" in diagnose(log, None, v2)[0].remedy
    )
    v1 = project_config(tmp_path, config_file=tmp_path / "inferenceconfig.json")
    (found,) = diagnose(log, None, v1)
    assert "model/ (or models/) folder next to inferenceconfig.json" in found.remedy
    assert "debugkit.yaml" not in found.remedy.split(", or a models:")[0]


# -- 502, 503, 504 ----------------------------------------------------------------------------


def test_run_raised_names_the_answer_and_the_line(tmp_path: Path) -> None:
    log = (
        "2026 INFO debugkit.server: debugkit: ready (generation 1)\n"
        "score.py:6: error: ZeroDivisionError: division by zero\n"
        "2026 ERROR debugkit.server: run() raised (request 1a):\nTraceback ...\n"
        "2026 INFO debugkit.server: POST /score 502 3.2ms\n"
    )
    (found,) = diagnose(log, None, project_config(tmp_path))
    assert found.title == "run() raised"
    assert found.detail == (
        f"1 request(s) answered 502; last: {tmp_path / 'score.py'}:6: "
        "ZeroDivisionError: division by zero"
    )
    assert "replay --last-failed" in found.remedy


def test_503_before_init_finished(tmp_path: Path) -> None:
    log = (
        "2026 WARNING debugkit.server: debugkit: 503 for request 9: init() has not finished\n"
        "2026 INFO debugkit.server: POST /score 503 0.4ms\n"
    ) * 2
    (found,) = diagnose(log, None, project_config(tmp_path))
    assert found.title == "scored before the server was ready" and "2 request(s)" in found.detail
    # a 503 that run() answered itself is not one
    assert (
        diagnose(
            "2026 INFO debugkit.server: POST /score 503 1.0ms\n", None, project_config(tmp_path)
        )
        == []
    )


def test_managed_refusals_name_the_v2_key(tmp_path: Path) -> None:
    log = (
        "2026 WARNING debugkit.server: debugkit: 429 for request 7: Too many pending requests: "
        "more than 2 x max_concurrent_requests_per_instance (1) in flight; retry later.\n"
        "2026 INFO debugkit.server: POST /score 429 0.3ms\n"
    )
    config = project_config(tmp_path, config_file=tmp_path / "deploy.yml")
    config = config.with_deployment(target="managed")
    (found,) = diagnose(log, None, config)
    assert found.title == "too many requests at once"
    assert "request_settings.max_concurrent_requests_per_instance in deploy.yml" in found.remedy
