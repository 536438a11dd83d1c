"""Deployment settings read from Azure ML files: the front-end target, v1 timeouts and
concurrency, v2 instance_type and request_settings (debugkit/config.py, instance_types.py)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from debugkit.config import apply_overrides, load_config
from debugkit.errors import ConfigError
from debugkit.instance_types import lookup
from debugkit.runtime.base import ServerPlacement, UpOptions, server_command

SCORE = "def init():\n    pass\n\ndef run(data):\n    return data\n"


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "score.py").write_text(SCORE)
    return tmp_path


def v2(project: Path, extra: str = "") -> Path:
    (project / "blue.yml").write_text(
        "name: blue\ncode_configuration:\n  code: .\n  scoring_script: score.py\n" + extra
    )
    return project


def command_of(project: Path) -> list[str]:
    where = ServerPlacement("python", "score.py", ".", "127.0.0.1", 1, "127.0.0.1", None)
    return server_command(load_config(project), UpOptions(), where)


def test_v2_deployment_answers_as_managed_with_its_defaults(project: Path) -> None:
    deployment = load_config(v2(project)).deployment
    assert deployment.target == "managed"
    assert deployment.request_timeout_s == 5.0  # request_timeout_ms default 5,000
    assert deployment.max_concurrent_requests == 1


def test_v2_instance_type_sets_cpu_and_memory(project: Path) -> None:
    config = load_config(v2(project, "instance_type: Standard_DS3_v2\n"))
    assert (config.deployment.cpu_cores, config.deployment.memory_gb) == (4, 14)
    assert config.warnings == ()
    gpu = load_config(v2(project, "instance_type: standard_nc6s_v3\n")).deployment
    assert (gpu.cpu_cores, gpu.memory_gb, gpu.gpu) == (6, 112, True)


def test_v2_unknown_instance_type_warns_with_the_limits_used(project: Path) -> None:
    config = load_config(v2(project, "instance_type: Standard_Z99_v9\n"))
    assert (config.deployment.cpu_cores, config.deployment.memory_gb) == (1, 1)
    (warning,) = config.warnings
    assert "Standard_Z99_v9" in warning and "1 CPU / 1 GB" in warning


def test_v2_request_settings(project: Path) -> None:
    config = load_config(
        v2(
            project,
            "request_settings:\n  request_timeout_ms: 90000\n"
            "  max_concurrent_requests_per_instance: 3\n",
        )
    )
    assert config.deployment.request_timeout_s == 90.0
    assert config.deployment.max_concurrent_requests == 3


def test_v1_scoring_timeout_concurrency_and_queue_wait(project: Path) -> None:
    (project / "inferenceconfig.json").write_text(json.dumps({"entryScript": "score.py"}))
    (project / "deploymentconfig.json").write_text(
        json.dumps(
            {
                "computeType": "AKS",
                "scoringTimeoutMs": 12000,
                "maxConcurrentRequestsPerContainer": 2,
                "maxQueueWaitMs": 1500,
            }
        )
    )
    deployment = load_config(project).deployment
    assert deployment.target == "aks"
    assert deployment.request_timeout_s == 12.0
    assert deployment.max_concurrent_requests == 2
    assert deployment.max_request_wait_s == 1.5
    command = command_of(project)
    assert command[command.index("--request-timeout") + 1] == "12.0"
    assert command[command.index("--max-concurrent") + 1] == "2"
    assert command[command.index("--max-wait") + 1] == "1.5"
    assert command[command.index("--target") + 1] == "aks"
    # the server's 503 names v1's keys (maxConcurrentRequestsPerContainer, maxQueueWaitMs)
    assert command[command.index("--settings-format") + 1] == "v1"


def test_debugkit_yaml_target_and_the_up_flag(project: Path) -> None:
    (project / "debugkit.yaml").write_text("deployment:\n  target: managed\n")
    config = load_config(project)
    assert config.deployment.target == "managed"
    assert config.deployment.request_timeout_s == 5.0
    assert apply_overrides(config, {"target": "aks"}).deployment.target == "aks"


def test_debugkit_yaml_unknown_target_is_a_config_error(project: Path) -> None:
    (project / "debugkit.yaml").write_text("deployment:\n  target: aci\n")
    with pytest.raises(ConfigError) as raised:
        load_config(project)
    assert "deployment.target" in str(raised.value) and "aks, managed" in str(raised.value)


def test_instance_table_holds_the_facts_file_sizes() -> None:
    facts = {
        "Standard_DS3_v2": (4, 14),
        "Standard_DS2_v2": (2, 7),
        "Standard_F2s_v2": (2, 4),
        "Standard_E4s_v3": (4, 32),
    }
    for name, (cpu, memory) in facts.items():
        size = lookup(name)
        assert size is not None and (size.cpu_cores, size.memory_gb) == (cpu, memory)


def test_debugkit_yaml_instance_type_with_explicit_keys_winning(project: Path) -> None:
    (project / "debugkit.yaml").write_text(
        "deployment:\n  instance_type: Standard_F4s_v2\n  memory_gb: 2\n"
    )
    deployment = load_config(project).deployment
    assert (deployment.cpu_cores, deployment.memory_gb) == (4, 2)
    assert deployment.instance_type == "Standard_F4s_v2"
    (project / "debugkit.yaml").write_text("deployment:\n  instance_type: Standard_Q1\n")
    (warning,) = load_config(project).warnings
    assert "deployment.instance_type Standard_Q1 is not in debugkit's table" in warning
