"""The container's environment: Azure ML's variables, plus the azmlinfsrv settings set where
'up' runs, as the process runtime (which inherits the environment) sees them."""

from __future__ import annotations

from pathlib import Path

import pytest

from debugkit.config import load_config
from debugkit.runtime.docker import _environment


def test_azmlinfsrv_settings_pass_through_and_host_paths_do_not(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "score.py").write_text("def init():\n    pass\n\ndef run(d):\n    return d\n")
    monkeypatch.setenv("AML_CORS_ORIGINS", "https://a.example")
    monkeypatch.setenv("WORKER_COUNT", "2")
    monkeypatch.setenv("AZUREML_CONFIG_FILE", str(tmp_path / "config.json"))
    monkeypatch.setenv("SCORING_TIMEOUT_MS", "100")
    env = _environment(load_config(tmp_path))
    assert env["AML_CORS_ORIGINS"] == "https://a.example"
    assert env["WORKER_COUNT"] == "2"
    assert "AZUREML_CONFIG_FILE" not in env  # a host path
    assert "SCORING_TIMEOUT_MS" not in env  # the deployment's timeout decides
    assert env["AML_APP_ROOT"] == "/var/azureml-app"
