"""How long a foreground `debugkit up` (Docker) leaves its container behind, per way it ends.

    python bench/stop.py [--runs 3] [--json]

For each way an editor or a shell ends `up` (Ctrl-C, VS Code's SIGTERM, a closed
terminal's SIGHUP, `kill -9`, `debugkit down` from another shell), the wall time from the
signal (or the `down` command) until no container of the project exists. Before issue 10
SIGTERM, SIGHUP and kill -9 left the container serving until someone removed it by hand
(`docker rm -f`); that is the alternative in the table.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))

import docker  # noqa: E402

from bench.common import BASE_IMAGE, foreground_up, free_port, make_project  # noqa: E402
from debugkit.runtime.image import LABEL_PROJECT  # noqa: E402

SCORE = "def init():\n    pass\n\n\ndef run(raw):\n    return raw\n"
WAYS = ("SIGINT (Ctrl-C)", "SIGTERM (VS Code)", "SIGHUP (terminal closed)", "SIGKILL", "down")
BEFORE = {
    "SIGINT (Ctrl-C)": "removed",
    "SIGTERM (VS Code)": "left serving",
    "SIGHUP (terminal closed)": "left serving",
    "SIGKILL": "left serving",
    "down": "removed; up kept watching",
}


def seconds_until_gone(client: docker.DockerClient, key: str, started: float) -> float:
    label = {"label": f"{LABEL_PROJECT}={key}"}
    while client.api.containers(all=True, filters=label):  # no inspect: they vanish
        time.sleep(0.02)
    return time.monotonic() - started


def one_run(client: docker.DockerClient, root: Path, key: str, way: str) -> float:
    proc, _ = foreground_up(root, "--no-watch")
    started = time.monotonic()
    if way == "down":
        subprocess.run(
            [sys.executable, "-m", "debugkit", "down", str(root)], capture_output=True, check=True
        )
    else:
        os.kill(proc.pid, getattr(signal, way.split()[0]))
    gone = seconds_until_gone(client, key, started)
    proc.wait(timeout=60)
    if proc.stdout is not None:
        proc.stdout.close()
    return gone


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    client = docker.from_env()
    rows = []
    with tempfile.TemporaryDirectory(prefix="debugkit-bench-stop-") as tmp:
        root = Path(tmp) / "project"
        config = make_project(root, free_port(), SCORE, f"  debug_port: {free_port()}\n")
        key = config.project_key
        try:
            for way in WAYS:
                times = [one_run(client, root, key, way) for _ in range(args.runs)]
                rows.append(
                    {
                        "way": way,
                        "median_s": round(statistics.median(times), 2),
                        "max_s": round(max(times), 2),
                        "before": BEFORE[way],
                    }
                )
        finally:
            subprocess.run(
                [sys.executable, "-m", "debugkit", "down", "--images", str(root)],
                capture_output=True,
            )
    if args.json:
        print(json.dumps(rows, indent=2))
        return
    print(f"container gone after ... ({args.runs} runs each, base image {BASE_IMAGE})")
    print(f"{'how up ends':<26} {'median':>8} {'max':>8}   before issue 10")
    for row in rows:
        print(f"{row['way']:<26} {row['median_s']:>7.2f}s {row['max_s']:>7.2f}s   {row['before']}")


if __name__ == "__main__":
    main()
