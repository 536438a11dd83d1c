"""Check 2: the image builds from the environment file (Docker runtime only)."""

from __future__ import annotations

import time

from debugkit.check.context import CheckContext
from debugkit.check.result import CheckResult, failed, passed, skipped
from debugkit.errors import UserError

NAME, TITLE = "build", "image build from the environment file"


def check(ctx: CheckContext) -> CheckResult:
    if ctx.runtime_name != "docker":
        return skipped(
            NAME,
            TITLE,
            "not made with the process runtime (it installs the environment into a cached "
            "virtualenv instead)",
            "run where a Docker engine answers to check the image build",
        )
    from debugkit.runtime.docker import DockerRuntime
    from debugkit.runtime.image import ensure_image, plan_image

    assert isinstance(ctx.runtime, DockerRuntime)
    client = ctx.runtime.client
    repository = plan_image(ctx.config).repository
    before = {tag for image in client.images.list(name=repository) for tag in image.tags}
    env = ctx.config.environment.name if ctx.config.environment else "no environment file"
    ctx.progress(f"building the image ({env})")
    started = time.monotonic()
    try:
        with ctx.paused():
            tag = ensure_image(client, ctx.config, ctx.runtime.console)
    except UserError as exc:
        first, *rest = str(exc).splitlines()
        return failed(NAME, TITLE, first, f"fix {env}, then run the check again", *rest)
    seconds = time.monotonic() - started
    how = "cached" if tag in before else f"built in {seconds:.1f} s"
    return passed(NAME, TITLE, f"{tag} ({how}; {env})")
