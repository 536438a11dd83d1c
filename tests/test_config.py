"""Project configuration: each source, defaults, and errors that name file and key."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from debugkit.config import DEFAULT_BASE_IMAGE, load_config
from debugkit.errors import ConfigError


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


@pytest.fixture
def project(tmp_path: Path) -> Path:
    write(tmp_path / "score.py", "def init():\n    pass\n\ndef run(data):\n    return data\n")
    return tmp_path


def test_defaults_find_score_py_environment_and_models(project: Path) -> None:
    write(project / "requirements.txt", "numpy\n")
    write(project / "model" / "model.pkl", "x")
    config = load_config(project)
    assert config.entry_path == project / "score.py"
    assert config.environment == project / "requirements.txt"
    assert [(m.name, m.version, m.path.name) for m in config.models] == [("model", 1, "model.pkl")]
    assert config.base_image == DEFAULT_BASE_IMAGE
    assert config.deployment.port == 8890
    assert config.deployment.host == "127.0.0.1"
    assert config.config_file is None


def test_debugkit_yaml_all_keys(project: Path) -> None:
    write(project / "model" / "m.pkl", "x")
    write(project / "env.yml", "dependencies:\n- pip:\n  - numpy\n")
    write(
        project / "debugkit.yaml",
        """
entry_script: score.py
environment: env.yml
base_image: python:3.10-slim
models:
  - {name: my-best-model, version: 3, path: model/m.pkl}
deployment:
  port: 9000
  debug_port: 5999
  cpu_cores: 0.5
  memory_gb: 2
  request_timeout_s: 5
  max_concurrent_requests: 4
""",
    )
    config = load_config(project)
    assert config.models[0].name == "my-best-model"
    assert config.models[0].version == 3
    assert config.models[0].path == (project / "model" / "m.pkl").resolve()
    assert config.base_image == "python:3.10-slim"
    d = config.deployment
    assert (
        d.port,
        d.debug_port,
        d.cpu_cores,
        d.memory_gb,
        d.request_timeout_s,
        d.max_concurrent_requests,
    ) == (
        9000,
        5999,
        0.5,
        2.0,
        5.0,
        4,
    )


@pytest.mark.parametrize(
    ("yaml_text", "key", "expected"),
    [
        ("deployment:\n  port: 99999\n", "deployment.port", "port number"),
        ("deployment:\n  memory_gb: lots\n", "deployment.memory_gb", "expected a number"),
        ("deployment:\n  gpu: 1\n", "deployment.gpu", "true or false"),
        ("deployment:\n  prot: 1\n", "deployment.prot", "not a known setting"),
        ("models:\n  - {name: m, path: missing.pkl}\n", "models[0].path", "does not exist"),
        (
            "models:\n  - {name: m, version: x, path: score.py}\n",
            "models[0].version",
            "version number",
        ),
        ("entry_script: nope.py\n", "entry_script", "not found"),
        ("environment: nope.yml\n", "environment", "does not exist"),
    ],
)
def test_config_errors_name_file_and_key(
    project: Path, yaml_text: str, key: str, expected: str
) -> None:
    write(project / "debugkit.yaml", yaml_text)
    with pytest.raises(ConfigError) as err:
        load_config(project)
    message = str(err.value)
    assert "debugkit.yaml" in message
    assert f"'{key}'" in message
    assert expected in message


def test_invalid_yaml_names_the_line(project: Path) -> None:
    write(project / "debugkit.yaml", "deployment:\n  port: [\n")
    with pytest.raises(ConfigError, match=r"debugkit.yaml: is not valid YAML at line \d"):
        load_config(project)


def test_v2_online_deployment_yaml(project: Path) -> None:
    write(project / "src" / "score.py", "def init(): pass\ndef run(d): return d\n")
    write(project / "model" / "sklearn_regression_model.pkl", "x")
    write(project / "conda.yaml", "dependencies:\n- python=3.10\n- pip:\n  - scikit-learn\n")
    write(
        project / "blue-deployment.yml",
        """
name: blue
endpoint_name: my-endpoint
model:
  path: model/sklearn_regression_model.pkl
code_configuration:
  code: src/
  scoring_script: score.py
environment:
  conda_file: conda.yaml
  image: mcr.microsoft.com/azureml/openmpi4.1.0-ubuntu20.04:latest
instance_type: Standard_DS3_v2
request_settings:
  request_timeout_ms: 5000
  max_concurrent_requests_per_instance: 2
""",
    )
    config = load_config(project)
    assert config.config_file == project / "blue-deployment.yml"
    assert config.entry_path == (project / "src" / "score.py").resolve()
    assert config.environment == (project / "conda.yaml").resolve()
    assert config.base_image.startswith("mcr.microsoft.com/azureml/")
    assert config.models[0].name == "sklearn_regression_model"
    assert config.deployment.request_timeout_s == 5.0
    assert config.deployment.max_concurrent_requests == 2


def test_v1_inference_and_deployment_config(project: Path) -> None:
    write(project / "myenv.yml", "dependencies:\n- pip:\n  - azureml-defaults\n")
    write(
        project / "inferenceconfig.json",
        json.dumps({"entryScript": "score.py", "sourceDirectory": ".", "condaFile": "myenv.yml"}),
    )
    write(
        project / "deploymentconfig.json",
        json.dumps(
            {
                "computeType": "local",
                "port": 8891,
                "containerResourceRequirements": {"cpu": 2, "memoryInGB": 4},
            }
        ),
    )
    config = load_config(project)
    assert config.environment == (project / "myenv.yml").resolve()
    assert (config.deployment.port, config.deployment.cpu_cores, config.deployment.memory_gb) == (
        8891,
        2.0,
        4.0,
    )


def test_v1_bad_json_names_the_file(project: Path) -> None:
    write(project / "inferenceconfig.json", "{nope")
    with pytest.raises(ConfigError, match=r"inferenceconfig\.json: is not valid JSON"):
        load_config(project)


def test_missing_score_py_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"entry script .*score\.py not found"):
        load_config(tmp_path)


def test_project_key_is_stable_and_distinct(tmp_path: Path) -> None:
    for name in ("a", "b"):
        write(tmp_path / name / "score.py", "def init(): pass\ndef run(d): return d\n")
    a, b = load_config(tmp_path / "a"), load_config(tmp_path / "b")
    assert a.project_key != b.project_key
    assert a.project_key == load_config(tmp_path / "a").project_key
