"""Check 3: the server starts in production mode under the deployment's memory and CPU limits,
``init()`` succeeds within the start-up probe time, and its peak memory stays under the limit."""

from __future__ import annotations

import time

from debugkit.check.context import CheckContext
from debugkit.check.result import CheckResult, failed, passed, skipped, warned
from debugkit.diagnose import diagnose
from debugkit.errors import UnavailableError

NAME, TITLE = "start", "init() in production mode under the deployment's limits"

# How long Azure ML lets a container start before its liveness probe restarts it, with the
# AKS defaults of azureml-core's AksWebservice.deploy_configuration: initial_delay_seconds 310,
# then failure_threshold 3 x period_seconds 10.
STARTUP_PROBE_S = 310 + 3 * 10
MEMORY_FAIL, MEMORY_WARN = 0.90, 0.70  # of the memory limit


def wait_for_init(ctx: CheckContext, limit_s: float) -> None:
    """Wait until init() succeeded, failed, the server died, or ``limit_s`` passed; record which
    in ``ctx.init_outcome`` (ready | init_failed | exited | too_slow) and ``ctx.init_seconds``."""
    assert ctx.server is not None
    server, client = ctx.server, ctx.server.client
    started = time.monotonic()
    outcome = "too_slow"
    while time.monotonic() - started < limit_s:
        if not server.is_running():
            outcome = "exited"
            break
        try:
            answer = client.request("GET", "/", timeout=2)
        except UnavailableError:
            answer = None
        if answer is not None and answer.status == 200:
            outcome = "ready"
            break
        if answer is not None and "init() failed" in answer.text:
            outcome = "init_failed"
            break
        ctx.progress(f"waiting for init() ({time.monotonic() - started:.0f} s)")
        time.sleep(0.1)
    ctx.init_outcome = outcome
    ctx.init_seconds = time.monotonic() - started


def check(ctx: CheckContext, limit_s: float) -> CheckResult:
    """The verdict on the start, once ``wait_for_init`` ran (and ``models``, which owns a
    model that is not found)."""
    assert ctx.server is not None
    outcome, seconds = ctx.init_outcome, ctx.init_seconds
    memory_gb = ctx.config.deployment.memory_gb
    if outcome == "ready":
        figure = f"ready in {seconds:.1f} s (limit {limit_s:.0f} s)"
        return _judge_memory(ctx, figure, memory_gb)
    log_text = ctx.server.log_text()
    reason = ctx.server.exit_reason()
    findings = diagnose(log_text, reason, ctx.config)
    if findings and findings[0].title == "model not found" and ctx.status_of("models") == "fail":
        return skipped(NAME, TITLE, "init() fails because a model is not found (see models)")
    if outcome == "too_slow":
        return failed(
            NAME,
            TITLE,
            f"init() did not finish within {limit_s:.0f} s, the deployment's start-up probe time",
            "make init() faster (load less, or lazily), or raise the probe's initial delay "
            "in the deployment configuration",
        )
    what = "init() failed" if outcome == "init_failed" else "the server exited"
    if findings:
        first = findings[0]
        same = first.title in what or what in first.title
        said = first.detail if same else f"{first.title}: {first.detail}"
        return failed(NAME, TITLE, f"{what}: {said}", first.remedy)
    if reason and outcome == "exited":
        what += f" ({reason})"
    last = [line for line in log_text.splitlines() if line.strip()][-5:]
    return failed(NAME, TITLE, what, "see the server log below", *last)


def _judge_memory(ctx: CheckContext, figure: str, memory_gb: float) -> CheckResult:
    assert ctx.server is not None
    peak, how = ctx.server.peak_memory_bytes()
    if peak is None:
        return warned(NAME, TITLE, f"{figure}; peak memory {how}", "")
    share = peak / (memory_gb * 1024**3)
    figure += (
        f"; peak memory {peak / 1024**2:.0f} MB of {memory_gb * 1024:.0f} MB ({share:.0%}, {how})"
    )
    enforced = ctx.runtime_name == "docker"
    if share > MEMORY_FAIL:
        return failed(NAME, TITLE, figure, _memory_remedy(memory_gb))
    if share > MEMORY_WARN:
        return warned(NAME, TITLE, figure, _memory_remedy(memory_gb))
    if not enforced:
        return warned(
            NAME,
            TITLE,
            figure + "; the process runtime approximates the limits",
            "check with Docker for the deployment's exact limits",
        )
    return passed(NAME, TITLE, figure)


def _memory_remedy(memory_gb: float) -> str:
    return (
        f"raise deployment.memory_gb above {memory_gb:g} (memoryInGB, or a larger instance_type) "
        "or load less in init()"
    )
