"""Check 5: realistic requests answer as expected.

The requests are the project's ``samples/*.json`` files, each a ``/score`` request body that
must answer 2xx. A sample meant to answer otherwise says so in its name:
``samples/NAME.STATUS.json`` (e.g. ``empty-list.400.json``) must answer exactly STATUS.
Without a ``samples/`` folder, the inference-schema input example of ``/swagger.json`` is
sent. A sample that times out is reported here and failed by the latency check, which owns
the timeout.
"""

from __future__ import annotations

import json
import re
import time
from dataclasses import dataclass
from pathlib import Path

from debugkit.applayout import host_path
from debugkit.check.context import CheckContext
from debugkit.check.result import CheckResult, failed, passed, skipped, warned
from debugkit.client import Response
from debugkit.consolelines import problem_line, read_problems, shown
from debugkit.diagnose import diagnose
from debugkit.errors import UnavailableError
from debugkit.server.profiles import PROFILES

NAME, TITLE = "samples", "sample requests answer as expected"
SAMPLES_DIR = "samples"
_EXPECTED = re.compile(r"^(?P<stem>.+)\.(?P<status>[1-5]\d\d)$")


@dataclass(frozen=True)
class Sample:
    label: str  # how the user finds it: "samples/two-rows.json", "swagger example"
    body: bytes
    expect: int | None = None  # None: any 2xx

    @property
    def wanted(self) -> str:
        return "2xx" if self.expect is None else str(self.expect)

    def accepts(self, status: int) -> bool:
        return 200 <= status < 300 if self.expect is None else status == self.expect


def samples_from_folder(project_dir: Path) -> list[Sample]:
    """``samples/*.json`` sorted by name; ``NAME.STATUS.json`` expects STATUS."""
    folder = project_dir / SAMPLES_DIR
    found = []
    for path in sorted(folder.glob("*.json")) if folder.is_dir() else []:
        match = _EXPECTED.match(path.stem)
        expect = int(match.group("status")) if match else None
        found.append(Sample(f"{SAMPLES_DIR}/{path.name}", path.read_bytes(), expect))
    return found


def swagger_example(spec: object) -> bytes | None:
    """The input example inference-schema puts in /swagger.json (version 2 or 3), if any."""
    if not isinstance(spec, dict):
        return None
    schemas = spec.get("definitions") or (spec.get("components") or {}).get("schemas") or {}
    example = (schemas.get("ServiceInput") or {}).get("example")
    if not example:  # {} is the placeholder of an undecorated run()
        return None
    return json.dumps(example).encode()


def collect(ctx: CheckContext) -> list[Sample]:
    found = samples_from_folder(ctx.config.project_dir)
    if found or ctx.server is None:
        return found
    try:
        answer = ctx.server.client.request("GET", "/swagger.json", timeout=10)
        body = swagger_example(answer.json()) if answer.status == 200 else None
    except (UnavailableError, ValueError):
        body = None
    return [Sample("swagger example", body)] if body else []


def send(ctx: CheckContext, sample: Sample) -> tuple[Response | None, float]:
    """The answer (None if the server did not answer at all) and the seconds it took."""
    assert ctx.server is not None
    started = time.perf_counter()
    try:
        answer = ctx.server.client.score(sample.body)
    except UnavailableError:
        answer = None
    return answer, time.perf_counter() - started


def check(ctx: CheckContext) -> CheckResult:
    if not ctx.serving():
        return skipped(NAME, TITLE, f"not made: {ctx.why_not_serving()}")
    samples = collect(ctx)
    if not samples:
        return skipped(
            NAME,
            TITLE,
            "not made: no samples/*.json and no inference-schema example in /swagger.json",
            "add request bodies as samples/NAME.json (NAME.400.json expects a 400)",
        )
    timeout_status = PROFILES[ctx.config.deployment.target].timeout_status
    failures: list[str] = []
    failing: list[Sample] = []
    timeouts: list[str] = []
    answered: list[Sample] = []  # expecting 2xx and answered 2xx or timed out: what latency times
    for index, sample in enumerate(samples, 1):
        ctx.progress(f"sending {sample.label} ({index}/{len(samples)})")
        answer, seconds = send(ctx, sample)
        if answer is None:
            failing.append(sample)
            died = _exit_reason_once_gone(ctx)
            failures.append(
                f"{sample.label}: no answer after {seconds:.1f} s"
                + (f": the server died ({died})" if died else "")
            )
            break
        if sample.accepts(answer.status):
            if sample.expect is None:
                answered.append(sample)
            continue
        if answer.status == timeout_status and sample.expect is None:
            answered.append(sample)
            timeouts.append(
                f"{sample.label}: {answer.status} after {seconds:.1f} s (timed out; see latency)"
            )
            continue
        failing.append(sample)
        failures.append(
            f"{sample.label}: {answer.status} (expected {sample.wanted}) {answer.text.strip()[:200]}"
        )
    ctx.timed_samples = answered
    count = f"{len(samples)} sample{'s' if len(samples) != 1 else ''}"
    if failures:
        return failed(
            NAME,
            TITLE,
            f"{len(failures)} of {count} failed",
            _remedy(ctx, failing[0]),
            *failures,
            *_problem_lines(ctx)[-3:],
            *timeouts,
        )
    if timeouts:
        return warned(
            NAME, TITLE, f"{len(timeouts)} of {count} timed out", "see latency", *timeouts
        )
    names = ", ".join(s.label for s in samples)
    return passed(NAME, TITLE, f"{count} answered as expected ({names})")


def _exit_reason_once_gone(ctx: CheckContext, wait_s: float = 5.0) -> str | None:
    """Why the server stopped, if it did: the engine marks a killed container a moment
    after its connections drop."""
    assert ctx.server is not None
    deadline = time.monotonic() + wait_s
    while ctx.server.is_running() and time.monotonic() < deadline:
        time.sleep(0.1)
    return None if ctx.server.is_running() else ctx.server.exit_reason()


def _remedy(ctx: CheckContext, sample: Sample) -> str:
    """The diagnosis's remedy when the request killed the server (e.g. out of memory), else
    how to see the request's error with its details (debug mode)."""
    if ctx.server is not None and not ctx.server.is_running():
        reason = ctx.server.exit_reason()
        findings = diagnose(ctx.server.log_text(), reason, ctx.config)
        if findings:
            return f"{findings[0].title}: {findings[0].remedy}"
    project = shown(ctx.config.project_dir)
    if sample.label.startswith(f"{SAMPLES_DIR}/"):
        body = f"--file {shown(ctx.config.project_dir / sample.label)}"
    else:
        body = f"--data '{sample.body.decode(errors='replace')}'"
    return f"see the error in debug mode: 'debugkit up {project}', then 'debugkit score {project} {body}'"


def _problem_lines(ctx: CheckContext) -> list[str]:
    """The server's ``FILE:LINE: error:`` lines for failed requests, naming the user's files."""
    assert ctx.server is not None
    source_dir = ctx.config.source_dir
    return [
        problem_line(shown(host_path(p.file, source_dir)), p.line, p.message, p.column)
        for p in read_problems(ctx.server.log_text())
        if p.severity == "error"
    ]
