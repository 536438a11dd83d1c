"""The process runtime's preflight and its one sentence on the limits it cannot enforce."""

from __future__ import annotations

from debugkit.config import DeploymentSettings
from debugkit.runtime.resources import (
    PROCESS_MACHINE,
    fit_to_machine,
    machine_info,
    scheduling_problems,
    unenforced_limits,
)


def test_machine_info_has_the_engine_shape() -> None:
    info = machine_info()
    assert info["MemTotal"] > 0 and info["NCPU"] >= 1 and info[PROCESS_MACHINE]


def test_a_gpu_on_a_machine_without_one_names_the_driver_not_the_engine() -> None:
    info = {"MemTotal": 64 * 1024**3, "NCPU": 8, "Runtimes": {}, PROCESS_MACHINE: True}
    (problem,) = scheduling_problems(DeploymentSettings(gpu=True), info)
    assert "no NVIDIA driver (nvidia-smi)" in problem


def test_unenforced_limits_name_cpu_and_gpu_and_the_memory_watchdog() -> None:
    line = unenforced_limits(DeploymentSettings(cpu_cores=4, memory_gb=0.5, gpu=True), True)
    assert "memory_gb 0.5 is enforced by a watchdog" in line
    assert "cannot enforce cpu_cores 4" in line and "gpu" in line
    without = unenforced_limits(DeploymentSettings(), False)
    assert "memory_gb 1" in without.split("cannot enforce", 1)[1]


def test_instance_type_limits_are_fitted_to_a_smaller_machine_not_refused() -> None:
    small = {"MemTotal": 8 * 1024**3, "NCPU": 2, "Runtimes": {}}
    ds3 = DeploymentSettings(cpu_cores=4, memory_gb=14, instance_type="Standard_DS3_v2")
    fitted, notes = fit_to_machine(ds3, small)
    assert (fitted.cpu_cores, fitted.memory_gb) == (2, 7.2)
    assert scheduling_problems(fitted, small) == []
    assert "Standard_DS3_v2 has 4 CPUs, this machine 2" in notes[0]
    assert "14 GB memory, this machine 8 GB: the limit is 7.2 GB" in notes[1]
    gpu, (note,) = fit_to_machine(
        DeploymentSettings(cpu_cores=1, memory_gb=1, gpu=True, instance_type="Standard_NC6s_v3"),
        small,
    )
    assert not gpu.gpu and "runs without one" in note


def test_explicit_requests_are_not_fitted() -> None:
    small = {"MemTotal": 8 * 1024**3, "NCPU": 2, "Runtimes": {}}
    explicit = DeploymentSettings(cpu_cores=4)
    assert fit_to_machine(explicit, small) == (explicit, [])
    assert scheduling_problems(explicit, small)
