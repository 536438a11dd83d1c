"""Check 6: p50/p99 latency of the samples over a short bounded run at the deployment's
``max_concurrent_requests``, against ``request_timeout_s`` (fail over it, warn over half)."""

from __future__ import annotations

import itertools
import math
import threading
import time

from debugkit.check import samples as sample_check
from debugkit.check.context import CheckContext
from debugkit.check.result import CheckResult, failed, passed, skipped, warned
from debugkit.check.start import MEMORY_FAIL, MEMORY_WARN
from debugkit.server.profiles import PROFILES

NAME, TITLE = "latency", "latency at the deployment's concurrency"
# A short run: enough requests for a p99 to mean something on a fast run(), bounded in time
# so a slow one costs a few seconds (every request of a run() over the timeout takes the
# whole timeout).
MAX_REQUESTS = 60
MAX_SECONDS = 5.0
UNLIMITED_CLIENTS = 4  # clients for max_concurrent_requests: 0 (unlimited)
MAX_CLIENTS = 32  # a bound on this machine's threads; deployments rarely allow more per container


def percentile(values: list[float], share: float) -> float:
    """Nearest-rank percentile (no interpolation: a figure that was really measured)."""
    ordered = sorted(values)
    rank = max(1, math.ceil(share * len(ordered)))
    return ordered[rank - 1]


def check(ctx: CheckContext) -> CheckResult:
    if not ctx.serving():
        return skipped(NAME, TITLE, f"not made: {ctx.why_not_serving()}")
    chosen = ctx.timed_samples
    if not chosen:
        return skipped(NAME, TITLE, "not made: no sample answered 2xx to time")
    deployment = ctx.config.deployment
    clients = min(deployment.max_concurrent_requests or UNLIMITED_CLIENTS, MAX_CLIENTS)
    timeout = deployment.request_timeout_s
    cycle = itertools.cycle(chosen)
    lock = threading.Lock()
    seconds: list[float] = []
    statuses: list[int] = []
    deadline = time.monotonic() + MAX_SECONDS

    def client() -> None:
        while True:
            with lock:
                if len(statuses) >= MAX_REQUESTS or time.monotonic() >= deadline:
                    return
                sample = next(cycle)
                statuses.append(0)  # reserve the slot
                slot = len(statuses) - 1
            answer, took = sample_check.send(ctx, sample)
            with lock:
                statuses[slot] = answer.status if answer is not None else 0
                seconds.append(took)
                ctx.progress(f"timing requests at concurrency {clients}: {len(seconds)} done")

    threads = [threading.Thread(target=client, daemon=True) for _ in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    p50, p99 = percentile(seconds, 0.50), percentile(seconds, 0.99)
    figure = (
        f"p50 {_ms(p50)}, p99 {_ms(p99)} over {len(seconds)} requests at concurrency {clients}, "
        f"timeout {timeout:g} s"
    )
    profile = PROFILES[deployment.target]
    timed_out = statuses.count(profile.timeout_status)
    rejected = statuses.count(profile.over_capacity_status)
    died = sum(1 for s in statuses if s == 0)
    peak_figure, memory_problem = _memory_under_load(ctx)
    figure += peak_figure
    if timed_out or p99 > timeout:
        return failed(
            NAME,
            TITLE,
            figure + (f"; {timed_out} timed out" if timed_out else ""),
            "make run() faster than request_timeout_s, or raise the timeout "
            "(request_timeout_ms / scoring_timeout_ms in the deployment)",
        )
    if rejected or died:
        return failed(
            NAME,
            TITLE,
            figure + f"; {rejected} rejected as over capacity, {died} unanswered",
            f"the service does not take {clients} concurrent requests; lower "
            "max_concurrent_requests or make run() thread-safe and faster",
        )
    if memory_problem == "fail":
        return failed(NAME, TITLE, figure, "raise deployment.memory_gb or use less memory in run()")
    if p99 > timeout / 2:
        return warned(
            NAME,
            TITLE,
            figure + "; p99 is over half the timeout",
            "make run() faster or raise the timeout",
        )
    if memory_problem == "warn":
        return warned(NAME, TITLE, figure, "memory is close to the limit under load")
    return passed(NAME, TITLE, figure)


def _memory_under_load(ctx: CheckContext) -> tuple[str, str | None]:
    assert ctx.server is not None
    peak, _ = ctx.server.peak_memory_bytes()
    if peak is None:
        return "", None
    limit = ctx.config.deployment.memory_gb * 1024**3
    share = peak / limit
    level = "fail" if share > MEMORY_FAIL else "warn" if share > MEMORY_WARN else None
    return f"; peak memory {peak / 1024**2:.0f} MB ({share:.0%})", level


def _ms(value: float) -> str:
    return f"{value * 1000:.0f} ms" if value < 1 else f"{value:.1f} s"
