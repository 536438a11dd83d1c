"""Front-end profiles: the status codes and headers a client of the deployed service sees.

A deployed scoring container sits behind a front end, and the two Azure ML targets answer
differently (/work/shared/docs/azureml-facts.md, "Front-end status codes", read from the
Azure ML troubleshooting docs and the v1 AKS deployment reference):

=========================  ===========================  =====================================
situation                  ``aks`` (v1 AKS / ACI)       ``managed`` (v2 managed online endpoint)
=========================  ===========================  =====================================
run() raised               502                          424 + ms-azureml-model-error-* headers
container answered non-2xx passed through               424 + ms-azureml-model-error-* headers
run() over the timeout     504 (default 60 s)           408 (default 5 s)
more than the container    queued up to                 admitted up to 2 x max_concurrent in
takes                      max_request_wait_time        flight, beyond that 429
                           (500 ms), then 503
=========================  ===========================  =====================================

This module is container-side (standard library only); the host reads the names and
defaults from here so that each fact has one home.
"""

from __future__ import annotations

from dataclasses import dataclass
from http import HTTPStatus
from typing import Optional

from debugkit.server.settingnames import SettingNames

AKS = "aks"
MANAGED = "managed"

MODEL_ERROR_STATUS_HEADER = "ms-azureml-model-error-statuscode"
MODEL_ERROR_REASON_HEADER = "ms-azureml-model-error-reason"


@dataclass(frozen=True)
class Profile:
    name: str
    description: str
    run_failed_status: int  # run() raised
    timeout_status: int  # run() outlived the request timeout
    over_capacity_status: int  # more requests than the container takes
    default_request_timeout_s: float
    # aks: how long a request over the concurrency limit waits for a slot before 503
    default_max_wait_s: float
    # managed: requests in flight (running + waiting) allowed per max_concurrent slot
    pending_factor: int
    # managed: every non-2xx answer of the container becomes 424 with the model-error headers
    wraps_model_errors: bool

    def model_error_headers(self, container_status: int) -> dict[str, str]:
        """The managed front end's headers naming what the container answered."""
        try:
            reason = HTTPStatus(container_status).phrase
        except ValueError:
            reason = "Unknown"
        return {
            MODEL_ERROR_STATUS_HEADER: str(container_status),
            MODEL_ERROR_REASON_HEADER: reason,
        }

    def over_capacity_message(
        self, max_concurrent: int, names: Optional[SettingNames] = None
    ) -> str:
        """The refusal's body; ``names``: the project's own keys (``--settings-format``),
        else the Azure ML setting names of this front end."""
        if self.pending_factor:
            key = (
                names.where(names.max_concurrent)
                if names
                else "max_concurrent_requests_per_instance"
            )
            return (
                f"Too many pending requests: more than {self.pending_factor} x "
                f"{key} ({max_concurrent}) in flight; retry later."
            )
        key = names.where(names.max_concurrent) if names else "max_concurrent_requests"
        wait = "max_request_wait_time"
        if names is not None and names.max_wait is not None:
            wait = names.where(names.max_wait)
        return (
            f"Too many concurrent requests: the limit is {max_concurrent} "
            f"({key}) and no slot freed within {wait}; retry later."
        )


PROFILES: dict[str, Profile] = {
    AKS: Profile(
        name=AKS,
        description="Azure ML v1 AKS/ACI web service",
        run_failed_status=502,
        timeout_status=504,
        over_capacity_status=503,
        default_request_timeout_s=60.0,  # scoring_timeout_ms, default 60,000
        default_max_wait_s=0.5,  # max_request_wait_time, default 500 ms
        pending_factor=0,
        wraps_model_errors=False,
    ),
    MANAGED: Profile(
        name=MANAGED,
        description="Azure ML v2 managed online endpoint",
        run_failed_status=424,
        timeout_status=408,
        over_capacity_status=429,
        default_request_timeout_s=5.0,  # request_settings.request_timeout_ms, default 5,000
        default_max_wait_s=0.0,  # not used: waiting is bounded by the request timeout
        pending_factor=2,
        wraps_model_errors=True,
    ),
}
DEFAULT_PROFILE = AKS
PROFILE_NAMES = tuple(PROFILES)


def get_profile(name: str) -> Profile:
    return PROFILES[name]
