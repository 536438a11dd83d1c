"""Run the checks in order against one project and collect the report.

lint and build need no server; then the server starts (production mode, the deployment's
limits) and start, models, samples, latency and leak talk to it; cloud compares the
configuration with what the target enforces. One cause fails one check: a check whose
subject an earlier failure already explains is reported as not made, naming that check.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

from debugkit import launcher
from debugkit.check import build, cloud, latency, leak, lint, models, samples, start
from debugkit.check.context import CheckContext
from debugkit.check.progress import Progress
from debugkit.check.result import CheckReport, CheckResult, Status, skipped
from debugkit.check.server import check_config, start_server
from debugkit.config import load_config
from debugkit.errors import UnavailableError, UserError
from debugkit.runtime import get_runtime

MODULES = (lint, build, start, models, samples, latency, leak, cloud)
ORDER = tuple(m.NAME for m in MODULES)
TITLES = {m.NAME: m.TITLE for m in MODULES}
SERVER_CHECKS = ORDER[2:-1]  # start .. leak: they need the server


def not_made(name: str, why: str) -> CheckResult:
    return skipped(name, TITLES[name], f"not made: {why}")


@dataclass(frozen=True)
class CheckOptions:
    runtime: str | None = None  # None: docker if an engine answers, else process
    base_image: str | None = None
    target: str | None = None  # aks | managed; None: the configuration's
    startup_timeout_s: float = start.STARTUP_PROBE_S


def run(
    project_dir: Path, options: CheckOptions, echo: Callable[[str], None] | None
) -> CheckReport:
    """Raises ConfigError (exit 2) for a configuration that cannot be read, UnavailableError
    (exit 3) when the chosen runtime cannot be used at all."""
    config = load_config(project_dir)
    runtime_name = launcher.choose_runtime(options.runtime)
    report = CheckReport(str(config.project_dir), runtime_name)
    began = time.monotonic()
    with Progress(echo) as progress:
        if runtime_name == "process" and options.runtime is None:
            note = "debugkit: no Docker engine answers; checking with the process runtime"
            (echo or _stderr)(note)  # JSON keeps stdout for the report
        ctx = CheckContext(
            check_config(config, options.base_image, options.target),
            runtime_name,
            get_runtime(runtime_name),
            progress.step,
            progress.paused,
        )
        _Run(ctx, options, report, progress).all()
    report.seconds = time.monotonic() - began
    return report


@dataclass
class _Run:
    ctx: CheckContext
    options: CheckOptions
    report: CheckReport
    progress: Progress

    def all(self) -> None:
        ctx = self.ctx
        self.emit(self.record(lint.NAME, lambda: lint.check(ctx)))
        if self.emit(self.record(build.NAME, lambda: build.check(ctx))).status is Status.FAIL:
            for name in SERVER_CHECKS:
                self.emit(ctx.not_made(name, TITLES[name], "the image did not build"))
        else:
            self.with_server()
        self.emit(self.record(cloud.NAME, lambda: cloud.check(ctx)))

    def with_server(self) -> None:
        ctx, limit = self.ctx, self.options.startup_timeout_s
        self.progress.begin(start.NAME)
        ctx.progress("starting the server in production mode")
        try:
            ctx.server = start_server(ctx.runtime, ctx.config)
        except UnavailableError:
            raise
        except (
            UserError
        ) as exc:  # e.g. more memory than this machine has: not the deployment's fault
            self.report.could_not_run = str(exc)
            self.emit(not_made(start.NAME, str(exc)))
            for name in SERVER_CHECKS[1:]:
                self.emit(ctx.not_made(name, TITLES[name], "the server did not start"))
            return
        try:
            t0 = time.monotonic()
            ctx.server.sample_memory_if_needed()
            start.wait_for_init(ctx, limit)
            waited = time.monotonic() - t0
            # models first: a model that is not found fails models, not start as well
            model_result = self.record(models.NAME, lambda: models.check(ctx))
            start_result = self.record(start.NAME, lambda: start.check(ctx, limit))
            self.emit(replace(start_result, seconds=waited))
            self.emit(model_result)
            for module in (samples, latency, leak):
                self.emit(self.record(module.NAME, lambda m=module: m.check(ctx)))  # type: ignore[misc]
        finally:
            ctx.progress("stopping the server")
            ctx.server.stop()

    def record(self, name: str, make: Callable[[], CheckResult]) -> CheckResult:
        """Run one check; a user-facing error inside it (e.g. an unreadable environment file)
        means the check could not be made, not that debugkit crashed."""
        self.progress.begin(name)
        t0 = time.monotonic()
        try:
            result = make()
        except UnavailableError:
            raise
        except UserError as exc:
            result = not_made(name, str(exc))
        result = replace(result, seconds=time.monotonic() - t0)
        self.ctx.results[name] = result
        return result

    def emit(self, result: CheckResult) -> CheckResult:
        self.report.results.append(result)
        self.progress.done(result)
        return result


def _stderr(line: str) -> None:
    print(line, file=sys.stderr, flush=True)
