"""Configuration files written to hurt: paths out of the project, values out of range,
alias bombs, and a large conda file beside the project."""

from __future__ import annotations

import json
import subprocess
import sys
import tracemalloc
from pathlib import Path

import pytest

from debugkit import config as config_module
from debugkit import configvalues
from debugkit.config import load_config
from debugkit.environment import read_environment
from debugkit.errors import ConfigError
from debugkit.yamlfile import shown

SCORE = "def init():\n    pass\n\ndef run(data):\n    return data\n"

# 342 bytes; 9**9 (387 million) strings once the aliases are walked
BOMB = 'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n' + "".join(
    f"{name}: &{name} [{','.join([f'*{previous}'] * 9)}]\n"
    for previous, name in zip("abcdefgh", "bcdefghi")
)


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "score.py").write_text(SCORE)
    (tmp_path / "model.pkl").write_text("x")
    return tmp_path


def _v2(project: Path, **fields: object) -> Path:
    data = {
        "name": "blue",
        "code_configuration": {"code": ".", "scoring_script": "score.py"},
        "model": {"path": "model.pkl", "name": "m"},
    }
    for key, value in fields.items():
        data[key] = value
    (project / "deployment.yml").write_text(json.dumps(data))  # JSON is YAML
    return project


@pytest.mark.parametrize("name", ["../../../../outside", "a/b", "/abs", ".hidden", ".."])
def test_v2_model_names_are_never_paths(project: Path, name: str) -> None:
    _v2(project, model={"path": "model.pkl", "name": name})
    with pytest.raises(ConfigError, match=r"key 'model.name': .* is not a valid model name"):
        load_config(project)


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("request_timeout_s", ".inf"),
        ("request_timeout_s", "1.0e+300"),
        ("request_timeout_s", ".nan"),
        ("memory_gb", ".nan"),
        ("memory_gb", "1.0e-6"),
        ("cpu_cores", "1.0e-12"),
        ("cpu_cores", "-.inf"),
    ],
)
def test_debugkit_yaml_ranges_name_the_key(project: Path, key: str, value: str) -> None:
    (project / "debugkit.yaml").write_text(f"deployment:\n  {key}: {value}\n")
    with pytest.raises(ConfigError, match=rf"key 'deployment.{key}': expected [\d.]+ to [\d.]+"):
        load_config(project)


def test_v1_and_v2_ranges_name_the_key(project: Path) -> None:
    _v2(project, request_settings={"request_timeout_ms": 1e300})
    with pytest.raises(ConfigError, match=r"key 'request_settings\.request_timeout_ms'"):
        load_config(project)
    (project / "deployment.yml").unlink()
    (project / "inferenceconfig.json").write_text('{"entryScript": "score.py"}')
    for key, value in (("memoryInGB", "NaN"), ("cpu", "1e-9")):
        (project / "deploymentconfig.json").write_text(
            f'{{"containerResourceRequirements": {{"{key}": {value}}}}}'
        )
        with pytest.raises(ConfigError, match=f"key 'containerResourceRequirements.{key}'"):
            load_config(project)
    (project / "deploymentconfig.json").write_text('{"scoringTimeoutMs": Infinity}')
    with pytest.raises(ConfigError, match="key 'scoringTimeoutMs'"):
        load_config(project)


def test_an_alias_bomb_is_refused_in_bounded_memory(project: Path) -> None:
    (project / "debugkit.yaml").write_text(BOMB + "deployment: {port: *i}\n")
    tracemalloc.start()
    try:
        with pytest.raises(ConfigError, match="expands to more than"):
            load_config(project)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 20 * 1024 * 1024
    (project / "debugkit.yaml").unlink()
    (project / "environment.yml").write_text(BOMB)
    with pytest.raises(ConfigError, match="expands to more than"):
        read_environment(project / "environment.yml")


def test_status_survives_an_alias_bomb_with_one_line(project: Path) -> None:
    (project / "debugkit.yaml").write_text(BOMB + "deployment: {port: *i}\n")
    result = subprocess.run(
        [sys.executable, "-m", "debugkit", "status", str(project)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2, result.stderr
    assert "expands to more than" in result.stderr
    assert "Traceback" not in result.stderr and len(result.stderr) < 1000


def test_values_in_messages_are_cut_short() -> None:
    import yaml

    big = yaml.safe_load(BOMB)  # cheap to build: the lists are shared, not copied
    assert len(shown(big)) < 400
    assert len(shown("x" * 10_000)) < 100


def test_a_large_conda_file_is_not_parsed_to_look_for_a_v2_deployment(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    lines = "".join(f"  - package-{n}=1.0\n" for n in range(400_000))
    (project / "conda.yml").write_text("name: big\ndependencies:\n" + lines)  # ~10 MB
    (project / "other.yml").write_text("name: not a deployment\n")
    parsed: list[int] = []
    real = config_module.safe_load_yaml
    for module in (config_module, configvalues):  # the v2 search, then the file's reader
        monkeypatch.setattr(
            module, "safe_load_yaml", lambda text: parsed.append(len(text)) or real(text)
        )
    assert load_config(project).config_file is None
    assert parsed == []
    _v2(project)
    assert load_config(project).config_file == project / "deployment.yml"
    assert len(parsed) == 2 and max(parsed) < 1000  # found, then read: only the deployment
