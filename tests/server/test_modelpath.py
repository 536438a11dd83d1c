"""GET /debugkit/model-path and the azureml.core.model stand-in, against real layouts."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from tests.helpers import REPO_ROOT

SHIMS = REPO_ROOT / "debugkit" / "server" / "shims"

SCORE = """
def init():
    pass

def run(data):
    return 1
"""


def make_models(root: Path, layout: dict[str, list[str]]) -> Path:
    """layout: {"name/version": [entries]}; returns the azureml-models folder."""
    models = root / "azureml-models"
    for folder, entries in layout.items():
        target = models / folder
        target.mkdir(parents=True, exist_ok=True)
        for entry in entries:
            (target / entry).write_text("x")
    return models


def get_model_path(app_root: Path, cwd: Path, name: str, version=None) -> dict:
    """Call the stand-in in a fresh interpreter, as a score.py would."""
    code = textwrap.dedent(
        f"""
        import json, logging, sys
        logging.basicConfig(level=logging.DEBUG, stream=sys.stderr)
        from azureml.core.model import Model
        try:
            print(json.dumps({{"path": Model.get_model_path({name!r}, version={version!r})}}))
        except BaseException as exc:
            message = getattr(exc, "message", None) or str(exc)
            print(json.dumps({{"type": type(exc).__name__, "message": message, "str": str(exc)}}))
        """
    )
    env = dict(os.environ, AML_APP_ROOT=str(app_root))
    env["PYTHONPATH"] = os.pathsep.join([str(REPO_ROOT), str(SHIMS)])
    proc = subprocess.run(
        [sys.executable, "-c", code], cwd=cwd, env=env, capture_output=True, text=True, timeout=60
    )
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    result["log"] = proc.stderr
    return result


# -- the stand-in: azureml-core's rules and messages ------------------------------


def test_shim_returns_the_single_entry_of_the_latest_version(tmp_path):
    make_models(tmp_path, {"m/1": ["old.pkl"], "m/10": ["model.pkl"], "m/2": ["mid.pkl"]})
    result = get_model_path(tmp_path, tmp_path, "m")
    assert result["path"] == str(tmp_path / "azureml-models" / "m" / "10" / "model.pkl")
    assert "azureml-models/m/10/model.pkl -> found" in result["log"]


def test_shim_explicit_version(tmp_path):
    make_models(tmp_path, {"m/1": ["old.pkl"], "m/2": ["new.pkl"]})
    assert get_model_path(tmp_path, tmp_path, "m", 1)["path"].endswith("m/1/old.pkl")


def test_shim_one_entry_rule_message(tmp_path):
    make_models(tmp_path, {"m/1": ["a.pkl", "b.pkl"]})
    result = get_model_path(tmp_path, tmp_path, "m")
    assert result["type"] == "WebserviceException"
    folder = tmp_path / "azureml-models" / "m" / "1"
    assert result["message"].startswith(f"Dir {folder} can contain only 1 file or folder. Found [")
    assert "'a.pkl'" in result["message"] and "'b.pkl'" in result["message"]
    assert result["str"].startswith("WebserviceException:\n\tMessage: Dir ")


def test_shim_not_found_message(tmp_path):
    make_models(tmp_path, {"m/1": ["a.pkl"]})
    result = get_model_path(tmp_path, tmp_path, "other")
    assert result["type"] == "ModelNotFoundException"
    assert result["message"] == (
        f"Model other not found in cache at {tmp_path / 'azureml-models'} or in current working "
        f"directory {tmp_path}. For more info, set logging level to DEBUG."
    )


def test_shim_not_found_with_version_is_webservice_exception(tmp_path):
    make_models(tmp_path, {"m/1": ["a.pkl"]})
    result = get_model_path(tmp_path, tmp_path, "m", 3)
    assert result["type"] == "WebserviceException"
    assert result["message"].startswith("Model m not found in cache at")


def test_shim_non_int_version_argument(tmp_path):
    result = get_model_path(tmp_path, tmp_path, "m", "1")
    assert result == {
        **result,
        "type": "WebserviceException",
        "message": "version should be an int",
    }


def test_shim_non_numeric_version_folder_is_a_bare_value_error(tmp_path):
    make_models(tmp_path, {"m/latest": ["a.pkl"]})
    result = get_model_path(tmp_path, tmp_path, "m")
    assert result["type"] == "ValueError"
    assert result["message"] == "invalid literal for int() with base 10: 'latest'"


def test_shim_falls_back_to_the_working_directory(tmp_path):
    (tmp_path / "code").mkdir()
    (tmp_path / "code" / "local-model").write_text("x")
    result = get_model_path(tmp_path, tmp_path / "code", "local-model")
    assert result["path"] == "local-model"


def test_real_azureml_core_is_not_shadowed(write_project, serve):
    score = write_project(
        """
        import azureml.core.model as model_module

        def init():
            pass

        def run(data):
            return {"file": model_module.__file__}
        """
    )
    source = score.parent
    fake = source / "azureml" / "core"
    fake.mkdir(parents=True, exist_ok=True)
    (fake / "__init__.py").write_text("")
    (fake / "model.py").write_text("REAL = True\n")
    server = serve(score)
    assert server.score({}).json()["file"] == str(fake / "model.py")


# -- GET /debugkit/model-path --------------------------------------------------------


@pytest.fixture
def models_server(write_project, serve, tmp_path_factory):
    app_root = tmp_path_factory.mktemp("approot")
    make_models(
        app_root,
        {
            "price-model/1": ["prices.json"],
            "two-files/1": ["a.pkl", "b.pkl"],
            "weird/latest": ["a.pkl"],
        },
    )
    score = write_project(SCORE)
    return serve(
        score,
        env={"AML_APP_ROOT": str(app_root)},
        model_dir=str(app_root / "azureml-models" / "price-model" / "1"),
    ), app_root


def test_model_path_resolves(models_server):
    server, app_root = models_server
    answer = server.get("/debugkit/model-path?name=price-model").json()
    assert answer["resolved"] == str(
        app_root / "azureml-models" / "price-model" / "1" / "prices.json"
    )
    assert answer["exists"] is True
    assert answer["searched"][-1]["why"] == "found"
    assert {
        "name": "price-model",
        "versions": [{"version": "1", "files": ["prices.json"]}],
    } in answer["available"]


def test_model_path_suggests_the_closest_name(models_server):
    server, _ = models_server
    answer = server.get("/debugkit/model-path?name=price-modle").json()
    assert answer["resolved"] is None
    assert answer["exists"] is False
    assert answer["suggestion"] == "price-model"
    assert [c["why"] for c in answer["searched"]] == ["missing", "missing"]
    assert "did you mean 'price-model'" in answer["diagnosis"]
    assert "single-model layout" in answer["diagnosis"]


def test_model_path_explains_the_one_entry_rule(models_server):
    server, _ = models_server
    answer = server.get("/debugkit/model-path?name=two-files").json()
    assert answer["resolved"] is None
    assert answer["searched"][0]["why"].startswith("one-entry rule violated")
    assert "one-entry rule" in answer["diagnosis"]
    assert answer["error"]["type"] == "WebserviceException"


def test_model_path_explains_a_non_numeric_version(models_server):
    server, _ = models_server
    answer = server.get("/debugkit/model-path?name=weird").json()
    assert answer["error"]["type"] == "ValueError"
    assert "non-numeric version folder" in answer["searched"][0]["why"]
    assert "not a number" in answer["diagnosis"]


def test_model_path_missing_version(models_server):
    server, _ = models_server
    answer = server.get("/debugkit/model-path?name=price-model&version=4").json()
    assert answer["resolved"] is None
    assert "versions present: ['1']" in answer["diagnosis"]
    assert server.get("/debugkit/model-path?name=price-model&version=x").status == 400


@pytest.mark.parametrize("name", ["../etc", "a/b", "..", "/etc/passwd", "a\\b", "", "x/../../y"])
def test_model_path_rejects_paths(models_server, name):
    server, _ = models_server
    from urllib.parse import quote

    assert server.get(f"/debugkit/model-path?name={quote(name)}").status == 400


def test_model_path_names_aml_app_root_pointing_at_the_code(write_project, serve, tmp_path_factory):
    elsewhere = tmp_path_factory.mktemp("mounted")
    make_models(elsewhere, {"m/1": ["a.pkl"]})
    score = write_project(SCORE)
    # AML_APP_ROOT defaults to the code folder, which has no azureml-models.
    server = serve(score, model_dir=str(elsewhere / "azureml-models" / "m" / "1"))
    answer = server.get("/debugkit/model-path?name=m").json()
    assert answer["resolved"] is None
    assert "AML_APP_ROOT" in answer["diagnosis"]
    assert "code folder" in answer["diagnosis"]


def test_model_path_explains_the_multi_model_layout(write_project, serve, tmp_path_factory):
    app_root = tmp_path_factory.mktemp("multi")
    make_models(app_root, {"a/1": ["a.pkl"], "b/1": ["b.pkl"]})
    server = serve(
        write_project(SCORE),
        env={"AML_APP_ROOT": str(app_root)},
        model_dir=str(app_root / "azureml-models"),
    )
    answer = server.get("/debugkit/model-path?name=a").json()
    assert answer["resolved"].endswith("azureml-models/a/1/a.pkl")
    assert "several models are deployed" in answer["diagnosis"]


def test_model_path_of_a_folder_model_names_the_real_relative_path(
    write_project, serve, tmp_path_factory
):
    app_root = tmp_path_factory.mktemp("folder")
    make_models(
        app_root, {"credit/2/credit/model": ["sklearn_model.pkl"], "credit/2/credit": ["MLmodel"]}
    )
    version_dir = app_root / "azureml-models" / "credit" / "2"
    server = serve(
        write_project(SCORE), env={"AML_APP_ROOT": str(app_root)}, model_dir=str(version_dir)
    )
    answer = server.get("/debugkit/model-path?name=credit").json()
    assert answer["resolved"] == str(version_dir / "credit")
    assert answer["files"] == ["MLmodel", "model/sklearn_model.pkl"]
    diagnosis = answer["diagnosis"]
    assert "its files: MLmodel, model/sklearn_model.pkl" in diagnosis
    assert (
        "Load model/sklearn_model.pkl as "
        "os.path.join(os.environ['AZUREML_MODEL_DIR'], 'credit/model/sklearn_model.pkl')"
    ) in diagnosis
    # not the single-file advice: the files are below the folder
    assert "os.path.join(AZUREML_MODEL_DIR, 'credit', '<file>')" in diagnosis
    assert "os.path.join(AZUREML_MODEL_DIR, '<file>')" not in diagnosis
