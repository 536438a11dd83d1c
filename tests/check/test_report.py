"""Pure logic of `debugkit check`: report formats and exit codes, percentiles, what counts
as leaked exception text, sample naming, swagger examples, VM sizes, model references."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from debugkit.check.cloud import matching_size, smallest_fitting
from debugkit.check.latency import percentile
from debugkit.check.leak import leaked_text
from debugkit.check.report import result_lines, to_json, to_junit, to_markdown, to_text
from debugkit.check.result import CheckReport, Status, failed, passed, skipped, warned
from debugkit.check.samples import Sample, samples_from_folder, swagger_example
from debugkit.config import DeploymentSettings
from debugkit.lint.modelrefs import model_references


def _report(*results, could_not_run=None) -> CheckReport:
    report = CheckReport("/p", "docker", list(results), 2.5, could_not_run)
    return report


def test_exit_code_fail_beats_not_run_beats_pass() -> None:
    ok = passed("lint", "t", "0 errors")
    warn = warned("latency", "t", "p99 40 ms", "faster")
    bad = failed("samples", "t", "1 of 2 failed", "fix it")
    assert _report(ok, warn).exit_code == 0
    assert _report(ok, skipped("build", "t", "not made")).exit_code == 0
    assert _report(ok, could_not_run="no memory").exit_code == 3
    assert _report(ok, bad, could_not_run="no memory").exit_code == 1
    assert _report(ok, bad).summary().startswith("FAIL: 1 passed, 1 failed, 0 warnings")


def test_text_lines_have_mark_figure_details_and_remedy_only_when_not_passed() -> None:
    bad = failed("samples", "t", "1 of 2 failed", "send it with debugkit score", "a.json: 502")
    assert result_lines(bad) == [
        "✗ samples: 1 of 2 failed",
        "    a.json: 502",
        "    remedy: send it with debugkit score",
    ]
    assert result_lines(passed("lint", "t", "0 errors")) == ["✓ lint: 0 errors"]
    assert [s.mark for s in Status] == ["✓", "!", "✗", "-"]
    assert to_text(_report(bad)).splitlines()[-1].startswith("FAIL:")


def test_json_report_counts_and_checks() -> None:
    data = json.loads(to_json(_report(passed("lint", "t", "ok"), skipped("build", "t", "no"))))
    assert data["ok"] is True and data["exit_code"] == 0
    assert data["counts"] == {"pass": 1, "warn": 0, "fail": 0, "skip": 1}
    assert [c["status"] for c in data["checks"]] == ["pass", "skip"]


def test_junit_failure_skipped_and_warning_as_output() -> None:
    xml = to_junit(
        _report(
            failed("start", "t", "init() failed", "fix score.py:8"),
            skipped("samples", "t", "not made"),
            warned("lint", "t", "1 warning", "see lint"),
        )
    )
    suite = ET.fromstring(xml.split("\n", 1)[1]).find("testsuite")
    assert suite is not None
    assert (suite.get("tests"), suite.get("failures"), suite.get("skipped")) == ("3", "1", "1")
    failure = suite.find("testcase[@name='start']/failure")
    assert failure is not None and failure.get("message") == "init() failed"
    assert "remedy: fix score.py:8" in (failure.text or "")
    assert suite.find("testcase[@name='samples']/skipped") is not None
    out = suite.find("testcase[@name='lint']/system-out")
    assert out is not None and "! lint: 1 warning" in (out.text or "")


def test_markdown_table_escapes_pipes() -> None:
    text = to_markdown(_report(failed("leak", "t", "answered 200 with 'a|b'", "log it")))
    assert text.startswith("### debugkit check failed: `/p`")
    assert "| ✗ | leak | answered 200 with 'a\\|b' | log it |" in text


def test_percentile_is_nearest_rank() -> None:
    values = [float(v) for v in range(1, 101)]
    assert percentile(values, 0.50) == 50.0
    assert percentile(values, 0.99) == 99.0
    assert percentile([0.2], 0.99) == 0.2


@pytest.mark.parametrize(
    ("body", "leak"),
    [
        (
            '{"error": "Expecting \',\' delimiter: line 1 column 20 (char 19)"}',
            "Expecting ',' delimiter",
        ),
        ('{"error": "KeyError: \'data\'"}', "KeyError"),
        ("json.decoder.JSONDecodeError('Expecting value')", "JSONDecodeError"),
        ("Traceback (most recent call last):\n  ...", "Traceback (most recent call last)"),
        ('{"where": "/var/azureml-app/score.py"}', "/var/azureml-app/score.py"),
    ],
)
def test_exception_text_is_found(body: str, leak: str) -> None:
    assert leaked_text(body, b'{"data": [[1, 2], [3') == leak


@pytest.mark.parametrize(
    "body",
    [
        '{"message": "An unexpected error occurred in scoring script. Check the logs for more info."}',
        "expected a JSON object with a list of names",
        '{"error": "invalid input"}',
        '{"code": "ValidationError", "message": "expected a list of rows"}',  # its own code
    ],
)
def test_generic_answers_are_not_leaks(body: str) -> None:
    assert leaked_text(body, b'{"data": [[1, 2], [3') is None


def test_samples_folder_naming_sets_the_expected_status(tmp_path: Path) -> None:
    folder = tmp_path / "samples"
    folder.mkdir()
    (folder / "ok.json").write_text("{}")
    (folder / "empty.400.json").write_text("[]")
    (folder / "v1.2.json").write_text("{}")  # a dot that is not a status
    (folder / "notes.txt").write_text("ignored")
    found = {s.label: s for s in samples_from_folder(tmp_path)}
    assert set(found) == {"samples/ok.json", "samples/empty.400.json", "samples/v1.2.json"}
    assert found["samples/empty.400.json"].expect == 400
    assert found["samples/empty.400.json"].accepts(400)
    assert not found["samples/empty.400.json"].accepts(200)
    assert found["samples/ok.json"].accepts(201) and not found["samples/ok.json"].accepts(502)
    assert found["samples/v1.2.json"].expect is None
    assert samples_from_folder(tmp_path / "elsewhere") == []
    assert Sample("x", b"", 404).wanted == "404"


def test_swagger_example_from_version_2_and_3() -> None:
    v2 = {"definitions": {"ServiceInput": {"example": {"data": [1.0]}}}}
    v3 = {"components": {"schemas": {"ServiceInput": {"example": {"data": [2.0]}}}}}
    assert swagger_example(v2) == b'{"data": [1.0]}'
    assert swagger_example(v3) == b'{"data": [2.0]}'
    assert swagger_example({"definitions": {"ServiceInput": {"example": {}}}}) is None
    assert swagger_example("not a spec") is None


def test_vm_sizes_for_managed_limits() -> None:
    assert matching_size(DeploymentSettings(cpu_cores=4, memory_gb=14)) == "Standard_DS3_v2"
    assert matching_size(DeploymentSettings(cpu_cores=1, memory_gb=1)) is None
    _name, size = smallest_fitting(DeploymentSettings(cpu_cores=1, memory_gb=5))  # type: ignore[misc]
    assert size.memory_gb >= 5 and size.cpu_cores >= 1
    assert smallest_fitting(DeploymentSettings(cpu_cores=1, memory_gb=100_000)) is None


def test_model_references_find_names_and_model_dir_paths() -> None:
    source = """
import os
from pathlib import Path
from azureml.core.model import Model
MODEL_DIR = os.getenv("AZUREML_MODEL_DIR")

def init():
    a = Model.get_model_path("price-model", version=2)
    b = os.path.join(os.environ["AZUREML_MODEL_DIR"], "model.pkl")
    c = Path(MODEL_DIR) / "tokenizer.json"
    d = os.path.join(MODEL_DIR, "sub", "weights.bin")
    e = os.path.join(MODEL_DIR, some_name)  # not known before run time
    f = Model.get_model_path(name_from_config)
"""
    refs = model_references(source)
    assert [r.label for r in refs] == [
        'get_model_path("price-model", version=2)',
        "AZUREML_MODEL_DIR/model.pkl",
        "AZUREML_MODEL_DIR/tokenizer.json",
        "AZUREML_MODEL_DIR/sub/weights.bin",
    ]
    assert [r.line for r in refs] == [8, 9, 10, 11]
    assert model_references("def broken(:\n") == []


def _cloud(root: Path, files: dict[str, str]) -> tuple[str, str, str]:
    from debugkit.check import cloud
    from debugkit.check.context import CheckContext
    from debugkit.config import load_config
    from debugkit.runtime.process import ProcessRuntime

    (root / "score.py").write_text("def init():\n    pass\n\ndef run(data):\n    return data\n")
    for name, text in files.items():
        (root / name).write_text(text)
    result = cloud.check(CheckContext(load_config(root), "process", ProcessRuntime()))
    return result.status.value, result.figure, result.remedy


V2 = "name: blue\ncode_configuration:\n  code: .\n  scoring_script: score.py\n"


def test_cloud_check_against_the_target(tmp_path: Path) -> None:
    for name in ("aks", "v2", "v2-unknown", "managed-yaml"):
        (tmp_path / name).mkdir()
    status, figure, _ = _cloud(tmp_path / "aks", {})
    assert (
        status == "pass" and figure.startswith("target aks") and "timeout 504 after 60 s" in figure
    )

    status, figure, _ = _cloud(
        tmp_path / "v2", {"blue.yml": V2 + "instance_type: Standard_DS2_v2\n"}
    )
    assert status == "pass" and "timeout 408 after 5 s" in figure
    assert figure.endswith("(instance_type Standard_DS2_v2)")

    status, _, remedy = _cloud(
        tmp_path / "v2-unknown", {"blue.yml": V2 + "instance_type: Standard_Z9\n"}
    )
    assert status == "warn" and "Standard_Z9" in remedy

    yaml_managed = "deployment:\n  target: managed\n  memory_gb: 5\n  cpu_cores: 1\n"
    status, figure, remedy = _cloud(tmp_path / "managed-yaml", {"debugkit.yaml": yaml_managed})
    assert status == "warn" and "none is exactly 1 CPU / 5 GB" in figure
    assert remedy.startswith("set instance_type: ")
