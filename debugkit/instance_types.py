"""Azure VM sizes -> the CPU and memory a v2 deployment's container gets (``instance_type``).

In the cloud a managed deployment's ``instance_type`` fixes the container's CPU and
memory, so a local run that claims fidelity uses the same numbers.

Where the numbers come from: Standard_DS2_v2, Standard_DS3_v2, Standard_F2s_v2 and
Standard_E4s_v3 are in /work/shared/docs/azureml-facts.md ("Instance types"). The other
rows are Azure's published sizes of the same series (DSv2: 3.5 GiB per vCPU, Fsv2: 2 GiB
per vCPU, Esv3: 8 GiB per vCPU; NCv3: 6 vCPU, 112 GiB and one V100 per step), which are
the SKUs Azure ML lists for managed online endpoints. The platform reserves part of each
VM for itself; like the facts file, this table uses the VM's full size, so a local limit
is never tighter than the cloud's.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class InstanceType:
    cpu_cores: float
    memory_gb: float  # GiB
    gpu: bool = False


def _series(names_cores: dict[str, int], gib_per_core: float) -> dict[str, InstanceType]:
    return {name: InstanceType(cores, cores * gib_per_core) for name, cores in names_cores.items()}


INSTANCE_TYPES: dict[str, InstanceType] = {
    **_series(
        {
            "Standard_DS1_v2": 1,
            "Standard_DS2_v2": 2,
            "Standard_DS3_v2": 4,
            "Standard_DS4_v2": 8,
            "Standard_DS5_v2": 16,
        },
        3.5,
    ),
    **_series(
        {
            "Standard_F2s_v2": 2,
            "Standard_F4s_v2": 4,
            "Standard_F8s_v2": 8,
            "Standard_F16s_v2": 16,
            "Standard_F32s_v2": 32,
            "Standard_F48s_v2": 48,
            "Standard_F64s_v2": 64,
            "Standard_F72s_v2": 72,
        },
        2,
    ),
    **_series(
        {
            "Standard_E2s_v3": 2,
            "Standard_E4s_v3": 4,
            "Standard_E8s_v3": 8,
            "Standard_E16s_v3": 16,
            "Standard_E32s_v3": 32,
        },
        8,
    ),
    "Standard_NC6s_v3": InstanceType(6, 112, gpu=True),
    "Standard_NC12s_v3": InstanceType(12, 224, gpu=True),
    "Standard_NC24s_v3": InstanceType(24, 448, gpu=True),
}


def lookup(name: str) -> InstanceType | None:
    """The size named ``name`` (Azure compares instance types without regard to case)."""
    wanted = name.strip().lower()
    return next((size for key, size in INSTANCE_TYPES.items() if key.lower() == wanted), None)
