"""The Azure ML app layout, host side: the one place runtimes, editor and tests take it from."""

from __future__ import annotations

from pathlib import Path

from debugkit.applayout import (
    APP_ROOT,
    CONTAINER_MODELS_ROOT,
    container_model_path,
    host_path,
    layout_models,
    model_dir,
)
from debugkit.config import ModelSpec


def test_model_dir_is_the_version_folder_for_one_model_else_the_root(tmp_path: Path) -> None:
    one = (ModelSpec("m", 2, Path("/x/m.pkl")),)
    assert model_dir(CONTAINER_MODELS_ROOT, one) == "/var/azureml-app/azureml-models/m/2"
    two = (*one, ModelSpec("n", 1, Path("/x/n.pkl")))
    assert model_dir(CONTAINER_MODELS_ROOT, two) == "/var/azureml-app/azureml-models"
    assert model_dir(tmp_path, one) == tmp_path / "m" / "2"


def test_container_model_path() -> None:
    model = ModelSpec("greeter", 3, Path("/home/u/models/model.txt"))
    assert container_model_path(model) == "/var/azureml-app/azureml-models/greeter/3/model.txt"


def test_layout_models_links_or_copies_into_name_version_basename(tmp_path: Path) -> None:
    (tmp_path / "src").mkdir()
    weights = tmp_path / "src" / "weights.txt"
    weights.write_text("1")
    folder = tmp_path / "src" / "tok"
    folder.mkdir()
    (folder / "vocab").write_text("a")
    models = (ModelSpec("w", 1, weights), ModelSpec("t", 4, folder))
    linked = layout_models(models, tmp_path / "app")
    assert linked == tmp_path / "app" / "azureml-models"
    assert (linked / "w" / "1" / "weights.txt").resolve() == weights
    assert (linked / "t" / "4" / "tok" / "vocab").read_text() == "a"
    copied = layout_models(models[:1], tmp_path / "copy", how="copy")
    assert copied == tmp_path / "copy" / "azureml-models" / "w" / "1"
    assert not (copied / "weights.txt").is_symlink()
    assert (copied / "weights.txt").read_text() == "1"


def test_host_path_maps_container_and_relative_paths_to_the_source_folder(tmp_path: Path) -> None:
    assert host_path(f"{APP_ROOT}/sub/score.py", tmp_path) == tmp_path / "sub" / "score.py"
    assert host_path("utils/helpers.py", tmp_path) == tmp_path / "utils" / "helpers.py"
    assert host_path("utils\\helpers.py", tmp_path) == tmp_path / "utils" / "helpers.py"
    assert host_path("/elsewhere/x.py", tmp_path) == Path("/elsewhere/x.py")
    assert host_path("<string>", tmp_path) == Path("<string>")
    assert host_path("/var/azureml-apps/x.py", tmp_path) == Path("/var/azureml-apps/x.py")
