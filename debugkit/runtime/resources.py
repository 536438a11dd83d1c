"""Requested resources vs what this machine's engine can give: Azure ML's
"container cannot be scheduled", reproduced before anything starts."""

from __future__ import annotations

import os
import shutil
from collections.abc import Mapping
from dataclasses import replace
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
            "cannot be scheduled: requests a GPU, this machine has no NVIDIA driver (nvidia-smi); "
            "set deployment.gpu: false or use a machine with one"
            if info.get(PROCESS_MACHINE)
            else "cannot be scheduled: requests a GPU, this engine has no NVIDIA runtime; "
            "set deployment.gpu: false or install the NVIDIA Container Toolkit"
        )
    return problems


def fit_to_machine(
    deployment: DeploymentSettings, info: Mapping[str, Any]
) -> tuple[DeploymentSettings, list[str]]:
    """Limits that came from an ``instance_type`` fitted to this machine, with a note each.

    In the cloud the container gets the whole VM size, so a Standard_DS3_v2 (4 CPU, 14 GB)
    is schedulable there by definition; refusing it on a 2-CPU laptop would block the local
    run for no cloud reason. Explicit ``cpu_cores`` / ``memory_gb`` / ``gpu`` are still
    checked as requests ("cannot be scheduled").
    """
    if not deployment.instance_type:
        return deployment, []
    changes: dict[str, Any] = {}
    notes = []
    size = deployment.instance_type
    cpus = int(info.get("NCPU") or 0)
    if cpus and deployment.cpu_cores > cpus:
        changes["cpu_cores"] = float(cpus)
        notes.append(
            f"instance_type {size} has {_num(deployment.cpu_cores)} CPUs, this machine {cpus}: "
            f"the server gets {cpus}, so CPU-bound run()s are slower than in the cloud"
        )
    total = float(info.get("MemTotal") or 0) / GIB
    if total and deployment.memory_gb > total * 0.9:
        fitted = round(total * 0.9, 1)  # leave the machine room for itself
        changes["memory_gb"] = fitted
        notes.append(
            f"instance_type {size} has {_num(deployment.memory_gb)} GB memory, this machine "
            f"{_num(total)} GB: the limit is {_num(fitted)} GB, so a model that fits the VM "
            "may run out of memory here"
        )
    if deployment.gpu and "nvidia" not in (info.get("Runtimes") or {}):
        changes["gpu"] = False
        notes.append(
            f"instance_type {size} has a GPU, this machine none: the server runs without one "
            "(code that needs CUDA fails here, not in the cloud)"
        )
    return (replace(deployment, **changes) if changes else deployment), notes


PROCESS_MACHINE = "debugkit.process"  # marks machine_info(): no engine in between


def machine_info() -> dict[str, Any]:
    """This machine in the shape of ``docker info``, for the process runtime's preflight."""
    try:
        memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (AttributeError, ValueError, OSError):
        memory = 0
    return {
        "MemTotal": memory,
        "NCPU": os.cpu_count() or 0,
        "Runtimes": {"nvidia": {}} if shutil.which("nvidia-smi") else {},
        PROCESS_MACHINE: True,
    }


def unenforced_limits(deployment: DeploymentSettings, memory_watched: bool) -> str:
    """The sentence the process runtime says once at start: which limits it cannot enforce."""
    cpus = os.cpu_count() or 0
    missing = [f"cpu_cores {_num(deployment.cpu_cores)} (the server may use all {cpus} CPUs)"]
    if deployment.gpu:
        missing.append("gpu (the server sees this machine's GPUs)")
    if not memory_watched:
        missing.append(f"memory_gb {_num(deployment.memory_gb)}")
    memory = (
        f"memory_gb {_num(deployment.memory_gb)} is enforced by a watchdog on the server's "
        "memory (an OOM kill, as in a container); "
        if memory_watched
        else ""
    )
    return (
        f"debugkit: the process runtime {memory}it cannot enforce {', '.join(missing)}; "
        "use --runtime docker for those limits"
    )


def _num(value: float) -> str:
    return f"{value:.0f}" if abs(value - round(value)) < 0.05 else f"{value:.1f}"
