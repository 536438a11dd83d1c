"""Check 8: the configuration matches what the cloud target will enforce.

The target (``aks`` or ``managed``, debugkit/server/profiles.py) decides what clients see;
on a managed endpoint the container gets a whole VM size (``instance_type``,
debugkit/instance_types.py), so limits that match no size were not what the cloud gives.
"""

from __future__ import annotations

from debugkit.check.context import CheckContext
from debugkit.check.result import CheckResult, failed, passed, warned
from debugkit.config import DeploymentSettings
from debugkit.instance_types import INSTANCE_TYPES, InstanceType
from debugkit.server.profiles import MANAGED, PROFILES

NAME, TITLE = "cloud", "configuration vs what the cloud target enforces"


def matching_size(d: DeploymentSettings) -> str | None:
    """The VM size whose CPU, memory and GPU are exactly the deployment's limits."""
    for name, size in INSTANCE_TYPES.items():
        if (size.cpu_cores, size.memory_gb, size.gpu) == (d.cpu_cores, d.memory_gb, d.gpu):
            return name
    return None


def smallest_fitting(d: DeploymentSettings) -> tuple[str, InstanceType] | None:
    fits = [
        (name, size)
        for name, size in INSTANCE_TYPES.items()
        if size.cpu_cores >= d.cpu_cores
        and size.memory_gb >= d.memory_gb
        and (size.gpu or not d.gpu)
    ]
    return min(fits, key=lambda item: (item[1].memory_gb, item[1].cpu_cores), default=None)


def check(ctx: CheckContext) -> CheckResult:
    d = ctx.config.deployment
    profile = PROFILES[d.target]
    limits = f"{d.cpu_cores:g} CPU / {d.memory_gb:g} GB" + (" / GPU" if d.gpu else "")
    figure = (
        f"target {d.target} ({profile.description}): run() failure {profile.run_failed_status}, "
        f"timeout {profile.timeout_status} after {d.request_timeout_s:g} s, over capacity "
        f"{profile.over_capacity_status}; limits {limits}"
    )
    if ctx.config.warnings:
        return warned(NAME, TITLE, figure, "; ".join(ctx.config.warnings))
    if d.target != MANAGED:
        return passed(NAME, TITLE, figure)
    size = matching_size(d)
    if size is not None:
        return passed(NAME, TITLE, f"{figure} (instance_type {size})")
    fitting = smallest_fitting(d)
    if fitting is None:
        return failed(
            NAME,
            TITLE,
            f"{figure}: no Azure VM size in debugkit's table gives {limits}",
            "lower deployment.cpu_cores / memory_gb, or set instance_type to a size your "
            "subscription offers and check again",
        )
    name, fit = fitting
    return warned(
        NAME,
        TITLE,
        f"{figure}: a managed deployment gets a whole VM size, and none is exactly {limits}",
        f"set instance_type: {name} ({fit.cpu_cores:g} CPU / {fit.memory_gb:g} GB, the smallest "
        "that fits) in the deployment YAML, so the check runs with the cloud's limits",
    )
