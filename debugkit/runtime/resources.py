"""Requested resources vs what this machine's engine can give: Azure ML's
"container cannot be scheduled", reproduced before anything starts."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from debugkit.config import DeploymentSettings

GIB = 1024**3


def scheduling_problems(deployment: DeploymentSettings, info: Mapping[str, Any]) -> list[str]:
    """One sentence per request the engine (``docker info``) cannot satisfy."""
    problems = []
    total = float(info.get("MemTotal") or 0) / GIB
    if total and deployment.memory_gb > total:
        problems.append(
            f"cannot be scheduled: requests {_num(deployment.memory_gb)} GB memory, this machine "
            f"has {_num(total)} GB; lower deployment.memory_gb (memoryInGB in deploymentconfig.json) "
            "or use a machine with more memory"
        )
    cpus = int(info.get("NCPU") or 0)
    if cpus and deployment.cpu_cores > cpus:
        problems.append(
            f"cannot be scheduled: requests {_num(deployment.cpu_cores)} CPU cores, this machine "
            f"has {cpus}; lower deployment.cpu_cores (cpu in deploymentconfig.json)"
        )
    if deployment.gpu and "nvidia" not in (info.get("Runtimes") or {}):
        problems.append(
            "cannot be scheduled: requests a GPU, this engine has no NVIDIA runtime; "
            "set deployment.gpu: false or install the NVIDIA Container Toolkit"
        )
    return problems


def _num(value: float) -> str:
    return f"{value:.0f}" if abs(value - round(value)) < 0.05 else f"{value:.1f}"
