"""debugkit.runtime.image: what decides an image's content (no engine needed)."""

from __future__ import annotations

from pathlib import Path

from debugkit.runtime import pipconfig
from debugkit.runtime.image import install_steps, plan_image
from tests.helpers import CONDA, project_config


def test_default_base_image_follows_the_conda_python(tmp_path: Path) -> None:
    plan = plan_image(project_config(tmp_path, CONDA), pip=pipconfig.PipSettings())
    assert plan.base == "python:3.10-slim"
    custom = project_config(tmp_path, CONDA, base_image="my/base:1")
    assert plan_image(custom, pip=pipconfig.PipSettings()).base == "my/base:1"


def test_existing_image_gets_only_the_server(tmp_path: Path) -> None:
    config = project_config(tmp_path, CONDA, image="azureml/their-image:7")
    plan = plan_image(config, pip=pipconfig.PipSettings())
    assert plan.base == "azureml/their-image:7"
    text = "\n".join(install_steps(plan))
    assert "--target /opt/debugkit/lib" in text
    assert "requirements.txt" not in text  # the user's environment is left as the image has it
