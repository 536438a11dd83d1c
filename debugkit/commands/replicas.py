"""``debugkit replicas``: how many replicas avoid 503s, by the guide's formula."""

from __future__ import annotations

import math

import click


def replicas_needed(
    rps: float, request_seconds: float, max_concurrent: int = 1, target_utilization: float = 0.7
) -> int:
    """ceil(target_rps x request_seconds / target_utilization / max_requests_per_container)."""
    concurrent = rps * request_seconds
    # round first so that float noise (e.g. 0.1 * 30) does not add a replica
    return max(1, math.ceil(round(concurrent / target_utilization / max_concurrent, 9)))


@click.command("replicas")
@click.option(
    "--rps",
    type=click.FloatRange(min=0, min_open=True),
    required=True,
    help="Target requests per second.",
)
@click.option(
    "--request-seconds",
    type=click.FloatRange(min=0, min_open=True),
    required=True,
    help="Time one request takes to score.",
)
@click.option(
    "--max-concurrent",
    type=click.IntRange(min=1),
    default=1,
    show_default=True,
    help="max_concurrent_requests_per_container.",
)
@click.option(
    "--target-utilization",
    type=click.FloatRange(0, 1, min_open=True),
    default=0.7,
    show_default=True,
    help="autoscale_target_utilization as a fraction (70 % = 0.7).",
)
def replicas(
    rps: float, request_seconds: float, max_concurrent: int, target_utilization: float
) -> None:
    """Replicas needed to serve RPS without 503s (autoscaler formula from the Azure ML guide)."""
    n = replicas_needed(rps, request_seconds, max_concurrent, target_utilization)
    click.echo(
        f"{n} replicas: {rps:g} req/s x {request_seconds:g} s = {rps * request_seconds:g} concurrent requests, "
        f"/ {target_utilization:.0%} target utilization / {max_concurrent} per container"
    )


COMMANDS = [replicas]
