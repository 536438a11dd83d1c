"""Pure-logic units of the server: model path resolution steps, error descriptions."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from debugkit.server import modelpath
from debugkit.server.errorinfo import describe_exception


def layout(root: Path, entries: dict[str, list[str]]) -> str:
    models = root / "azureml-models"
    for folder, files in entries.items():
        (models / folder).mkdir(parents=True, exist_ok=True)
        for name in files:
            (models / folder / name).write_text("x")
    return str(models)


def test_resolve_records_every_candidate(tmp_path):
    root = layout(tmp_path, {"m/1": ["a"], "m/3": ["c"]})
    result = modelpath.resolve("m", None, models_root=root, cwd=str(tmp_path))
    assert result.resolved == os.path.join(root, "m", "3", "c")
    assert [c.outcome for c in result.searched] == ["found"]


def test_resolve_missing_version_falls_back_to_cwd_then_fails(tmp_path):
    root = layout(tmp_path, {"m/1": ["a"]})
    result = modelpath.resolve("m", 2, models_root=root, cwd=str(tmp_path))
    assert result.resolved is None
    assert [c.outcome for c in result.searched] == ["missing", "missing"]
    assert result.error_type == modelpath.WEBSERVICE_EXCEPTION


def test_empty_model_folder_is_versions_is_empty(tmp_path):
    root = layout(tmp_path, {"m": []})
    result = modelpath.resolve("m", None, models_root=root, cwd=str(tmp_path))
    assert (result.error_type, result.error_message) == (
        modelpath.WEBSERVICE_EXCEPTION,
        "versions is empty",
    )


@pytest.mark.parametrize("name", ["ok-name", "model_1", "a.b"])
def test_safe_names_pass(name):
    modelpath.check_safe_name(name)


@pytest.mark.parametrize("name", ["..", "../x", "a/b", "a\\b", "/abs", "", "c:thing"])
def test_unsafe_names_are_rejected(name):
    with pytest.raises(modelpath.UnsafeName):
        modelpath.check_safe_name(name)


def test_diagnose_suggests_and_lists(tmp_path):
    root = layout(tmp_path, {"price-model/1": ["p.json"]})
    answer = modelpath.diagnose("price-modle", None, root, str(tmp_path))
    assert answer["suggestion"] == "price-model"
    assert answer["available"] == [
        {"name": "price-model", "versions": [{"version": "1", "files": ["p.json"]}]}
    ]


def test_syntax_error_description_has_file_line_and_column(tmp_path):
    source = tmp_path / "score.py"
    source.write_text("def run(x)\n    return x\n")
    try:
        compile(source.read_text(), str(source), "exec")
    except SyntaxError as exc:
        info = describe_exception(exc, str(tmp_path))
    assert (info.type, info.file, info.line) == ("SyntaxError", "score.py", 1)
    assert info.column is not None
    assert info.location_line().startswith(f"score.py:1:{info.column}: error: SyntaxError: ")


def test_exception_description_points_at_the_deepest_user_frame(tmp_path):
    helper = tmp_path / "helper.py"
    helper.write_text("def boom():\n    raise KeyError('k')\n")
    namespace: dict = {}
    exec(compile(helper.read_text(), str(helper), "exec"), namespace)
    try:
        namespace["boom"]()
    except KeyError as exc:
        info = describe_exception(exc, str(tmp_path))
    assert (info.file, info.line, info.type) == ("helper.py", 2, "KeyError")
    assert info.location_line() == "helper.py:2: error: KeyError: 'k'"
