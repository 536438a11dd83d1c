"""debugkit.lint.project: a linted file's project is found the way load_config finds it."""

from __future__ import annotations

from pathlib import Path

from debugkit.lint.project import find_project_dir

DEPLOYMENT = """\
$schema: https://azuremlschemas.azureedge.net/latest/managedOnlineDeployment.schema.json
name: blue
code_configuration:
  code: src
  scoring_script: score.py
"""


def test_a_v2_deployment_yaml_marks_the_project_folder(tmp_path: Path) -> None:
    (tmp_path / "deployment.yml").write_text(DEPLOYMENT)
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "score.py").write_text("def init(): pass\n")
    assert find_project_dir(tmp_path / "src" / "score.py") == tmp_path


def test_a_yaml_that_only_mentions_code_configuration_does_not(tmp_path: Path) -> None:
    # a conda file with a comment: load_config would not read it as a deployment either
    (tmp_path / "myenv.yml").write_text("# see code_configuration in the docs\ndependencies: []\n")
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "score.py").write_text("def init(): pass\n")
    assert find_project_dir(tmp_path / "src" / "score.py") == tmp_path / "src"
