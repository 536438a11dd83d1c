"""bench/lint.py still runs end to end (its numbers are read by people, not asserted here)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_bench_prints_its_table() -> None:
    done = subprocess.run(
        [
            sys.executable,
            str(ROOT / "bench" / "lint.py"),
            "--lines",
            "200",
            "--runs",
            "2",
            "--opens",
            "1",
        ],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
    )
    assert done.returncode == 0, done.stderr
    for row in ("lint after an edit p50", "lint cold (no cache) p50", "didOpen -> diagnostics p50"):
        assert row in done.stdout
