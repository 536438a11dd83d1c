"""What a check found: a status, the figure it measured, and the remedy when it did not pass."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum

from debugkit.errors import EXIT_FAILED, EXIT_OK, EXIT_UNAVAILABLE


class Status(str, Enum):
    PASS = "pass"
    WARN = "warn"  # passes, but close to a limit or not fully checked
    FAIL = "fail"
    SKIP = "skip"  # could not be made (no engine, the server never started, nothing to send)

    @property
    def mark(self) -> str:
        return {"pass": "✓", "warn": "!", "fail": "✗", "skip": "-"}[self.value]


@dataclass(frozen=True)
class CheckResult:
    name: str  # stable id, e.g. "samples" (JSON key, JUnit test name)
    title: str  # what was checked, in words
    status: Status
    figure: str  # what was measured or found, one line
    remedy: str = ""  # what to do; empty when it passed
    details: tuple[str, ...] = ()  # more lines (each failing sample, each finding)
    seconds: float = 0.0  # how long the check took

    def to_dict(self) -> dict[str, object]:
        return {
            "name": self.name,
            "title": self.title,
            "status": self.status.value,
            "figure": self.figure,
            "remedy": self.remedy,
            "details": list(self.details),
            "seconds": round(self.seconds, 3),
        }


def passed(name: str, title: str, figure: str, *details: str) -> CheckResult:
    return CheckResult(name, title, Status.PASS, figure, details=details)


def warned(name: str, title: str, figure: str, remedy: str, *details: str) -> CheckResult:
    return CheckResult(name, title, Status.WARN, figure, remedy, details)


def failed(name: str, title: str, figure: str, remedy: str, *details: str) -> CheckResult:
    return CheckResult(name, title, Status.FAIL, figure, remedy, details)


def skipped(name: str, title: str, why: str, remedy: str = "") -> CheckResult:
    return CheckResult(name, title, Status.SKIP, why, remedy)


@dataclass
class CheckReport:
    """Every check's result for one project, in the order they ran."""

    project_dir: str
    runtime: str  # "docker" or "process"
    results: list[CheckResult] = field(default_factory=list)
    seconds: float = 0.0
    could_not_run: str | None = None  # why the server could not be started here at all

    def count(self, status: Status) -> int:
        return sum(1 for r in self.results if r.status is status)

    @property
    def ok(self) -> bool:
        return self.count(Status.FAIL) == 0

    @property
    def exit_code(self) -> int:
        """1 when a check failed; else 3 when the server could not be started here (the
        checks that need it were not made); else 0 (warnings do not fail the run)."""
        if not self.ok:
            return EXIT_FAILED
        return EXIT_UNAVAILABLE if self.could_not_run else EXIT_OK

    @property
    def skipped(self) -> list[CheckResult]:
        return [r for r in self.results if r.status is Status.SKIP]

    def summary(self) -> str:
        parts = [
            f"{self.count(Status.PASS)} passed",
            f"{self.count(Status.FAIL)} failed",
            f"{self.count(Status.WARN)} warnings",
            f"{self.count(Status.SKIP)} not made",
        ]
        verdict = "FAIL" if not self.ok else "NOT RUN" if self.could_not_run else "PASS"
        return f"{verdict}: {', '.join(parts)} in {self.seconds:.1f} s ({self.runtime} runtime)"
