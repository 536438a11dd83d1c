"""debugkit.environment: conda YAML and requirements.txt -> pip requirements, python version, warnings."""

from __future__ import annotations

from pathlib import Path

import pytest

from debugkit.environment import read_environment
from debugkit.errors import ConfigError
from tests.helpers import CONDA


def test_conda_yaml_gives_pip_packages_python_version_and_a_warning(tmp_path: Path) -> None:
    (tmp_path / "myenv.yml").write_text(CONDA)
    spec = read_environment(tmp_path / "myenv.yml")
    assert spec.pip_requirements == ("numpy==1.26.*", "torch>=2.1", "scikit-learn==1.3.2", "joblib")
    assert spec.python_version == "3.10"
    translated, skipped = spec.warnings
    assert translated.startswith("myenv.yml: conda packages installed with pip as numpy==1.26.*")
    assert "libgomp=13, conda-forge::cudatoolkit cannot be installed with pip" in skipped
    assert skipped.startswith("myenv.yml: ")


def test_requirements_txt_skips_comments(tmp_path: Path) -> None:
    (tmp_path / "requirements.txt").write_text("# pinned\nnumpy==1.26.4  # math\n\nrequests\n")
    spec = read_environment(tmp_path / "requirements.txt")
    assert spec.pip_requirements == ("numpy==1.26.4", "requests")
    assert spec.python_version is None and spec.warnings == ()


def test_content_hash_follows_what_is_installed(tmp_path: Path) -> None:
    a, b = tmp_path / "a.txt", tmp_path / "b.txt"
    a.write_text("numpy\n# a comment\n")
    b.write_text("numpy\n")
    assert read_environment(a).content_hash == read_environment(b).content_hash
    b.write_text("numpy==2.0\n")
    assert read_environment(a).content_hash != read_environment(b).content_hash


@pytest.mark.parametrize(
    ("text", "key", "expected"),
    [
        ("dependencies: [python=3.10\n", None, "not valid YAML at line"),
        ("dependencies: numpy\n", "dependencies", "expected a list"),
        ("dependencies:\n  - pip: numpy\n", "dependencies[0].pip", "list of pip requirement"),
        ("dependencies:\n  - python=three\n", "dependencies[0]", "is not a version"),
        ("dependencies:\n  - {conda: x}\n", "dependencies[0].conda", "only a 'pip:' list"),
    ],
)
def test_bad_conda_files_name_file_and_key(
    tmp_path: Path, text: str, key: str | None, expected: str
) -> None:
    (tmp_path / "env.yml").write_text(text)
    with pytest.raises(ConfigError) as failed:
        read_environment(tmp_path / "env.yml")
    assert failed.value.key == key
    assert str(tmp_path / "env.yml") in str(failed.value)
    assert expected in str(failed.value)
