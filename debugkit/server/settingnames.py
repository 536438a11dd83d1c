"""What each project format calls the settings debugkit's answers and diagnoses name.

A project's settings come from debugkit.yaml, an Azure ML v2 deployment YAML or v1's
deploymentconfig.json (debugkit/config.py); a message that tells the user to raise a
limit must name the key in the file they really have. The server is told the format
with ``--settings-format`` (it imports nothing from the host side); the host's
diagnoses read the same table, so each name has one home.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

DEBUGKIT = "debugkit"
V2 = "v2"
V1 = "v1"
FORMATS = (DEBUGKIT, V2, V1)


@dataclass(frozen=True)
class SettingNames:
    """Keys, as the user writes them, and the file they are written in."""

    file: str  # the host names the real file instead where it knows it
    max_concurrent: str  # requests one container runs at once
    max_wait: Optional[str]  # aks: how long a request over the limit waits (v2 has none)
    request_timeout: str
    memory: str
    models: str  # where the models are listed

    def where(self, key: str, file: Optional[str] = None) -> str:
        """``KEY in FILE``."""
        return f"{key} in {file or self.file}"


NAMES = {
    DEBUGKIT: SettingNames(
        file="debugkit.yaml",
        max_concurrent="deployment.max_concurrent_requests",
        max_wait="deployment.max_request_wait_s",
        request_timeout="deployment.request_timeout_s",
        memory="deployment.memory_gb",
        models="models:",
    ),
    V2: SettingNames(
        file="the deployment YAML",
        max_concurrent="request_settings.max_concurrent_requests_per_instance",
        max_wait=None,
        request_timeout="request_settings.request_timeout_ms",
        memory="instance_type (a larger VM size)",
        models="model: (path, name, version)",
    ),
    V1: SettingNames(
        file="deploymentconfig.json",
        max_concurrent="maxConcurrentRequestsPerContainer",
        max_wait="maxQueueWaitMs",
        request_timeout="scoringTimeoutMs",
        memory="containerResourceRequirements.memoryInGB",
        # v1's JSON files list no models (Model.deploy is given them): debugkit mounts model/
        models="",
    ),
}


def names_for(settings_format: Optional[str]) -> SettingNames:
    """The names of ``settings_format`` (debugkit's own for None or an unknown format)."""
    return NAMES.get(settings_format or DEBUGKIT, NAMES[DEBUGKIT])
