"""debugkit.runtime.resources: the "cannot be scheduled" preflight."""

from __future__ import annotations

from debugkit.config import DeploymentSettings
from debugkit.runtime.resources import scheduling_problems


def test_scheduling_problems_use_the_guides_wording() -> None:
    info = {"MemTotal": 8 * 1024**3, "NCPU": 2, "Runtimes": {"runc": {}}}
    problems = scheduling_problems(DeploymentSettings(memory_gb=16, cpu_cores=4, gpu=True), info)
    assert problems[0].startswith(
        "cannot be scheduled: requests 16 GB memory, this machine has 8 GB"
    )
    assert problems[1].startswith("cannot be scheduled: requests 4 CPU cores, this machine has 2")
    assert "no NVIDIA runtime" in problems[2]
    assert scheduling_problems(DeploymentSettings(), info) == []
    with_gpu = {**info, "Runtimes": {"nvidia": {}}}
    assert scheduling_problems(DeploymentSettings(gpu=True), with_gpu) == []
