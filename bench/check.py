"""`debugkit check` on the bundled sklearn example: wall time with a cached image, and where
it goes, check by check.

    python bench/check.py [--runs 5] [--base-image IMG] [--project examples/sklearn-model]

Each run is a new CLI process (``debugkit check DIR --format json``), timed from start to
exit, as a person or a CI job sees it. The first run builds the project's check image if it
is missing and is reported apart (cold); the next ``--runs`` reuse it (cached). Goal (issue
15): cached under 20 s. The base image defaults to ``$DEBUGKIT_TEST_BASE_IMAGE`` (the
offline test image) since no registry may be reachable. The check's images are removed at
the end.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))

import docker  # noqa: E402

from debugkit.check.runner import ORDER  # noqa: E402
from debugkit.check.server import CHECK_KEY_SUFFIX  # noqa: E402
from debugkit.config import load_config  # noqa: E402
from debugkit.runtime.image import LABEL_PROJECT  # noqa: E402

# What users have instead: deploying and waiting for the failure (the figure; a cloud
# deployment cannot be measured from this machine).
DEPLOY_TO_FAIL_S = (10 * 60, 20 * 60)


def check_once(project: Path, base_image: str) -> tuple[float, dict]:
    started = time.perf_counter()
    result = subprocess.run(
        [sys.executable, "-m", "debugkit", "check", str(project), "--format", "json"],
        capture_output=True,
        text=True,
        env={**os.environ, "DEBUGKIT_BASE_IMAGE": base_image},
        stdin=subprocess.DEVNULL,
    )
    took = time.perf_counter() - started
    if result.returncode != 0:
        raise SystemExit(
            f"debugkit check exited {result.returncode}:\n{result.stdout}{result.stderr}"
        )
    return took, json.loads(result.stdout)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument(
        "--base-image",
        default=os.environ.get("DEBUGKIT_TEST_BASE_IMAGE", "debugkit-test-base:bookworm"),
    )
    parser.add_argument("--project", type=Path, default=REPO_ROOT / "examples" / "sklearn-model")
    args = parser.parse_args()
    key = load_config(args.project).project_key + CHECK_KEY_SUFFIX
    client = docker.from_env()
    try:
        cold, _ = check_once(args.project, args.base_image)
        runs = [check_once(args.project, args.base_image) for _ in range(args.runs)]
    finally:
        for image in client.images.list(filters={"label": f"{LABEL_PROJECT}={key}"}):
            client.images.remove(image.id, force=True)
    walls = [wall for wall, _ in runs]
    cached = statistics.median(walls)
    print(
        f"debugkit check {args.project.relative_to(REPO_ROOT)} (docker runtime, {args.runs} runs)\n"
    )
    print("| what | seconds |")
    print("|---|---|")
    print(f"| first run (builds the check image if missing) | {cold:.1f} |")
    print(f"| cached image, median (min-max) | {cached:.1f} ({min(walls):.1f}-{max(walls):.1f}) |")
    for name in ORDER:
        seconds = [
            next(c["seconds"] for c in report["checks"] if c["name"] == name) for _, report in runs
        ]
        print(f"| … {name} | {statistics.median(seconds):.2f} |")
    low, high = DEPLOY_TO_FAIL_S
    print(
        f"\nthe alternative: deploy and wait for the failure, {low // 60} to {high // 60} min "
        f"(issue 15's figure, not measured here): {low / cached:.0f}x to {high / cached:.0f}x longer "
        "than a cached check"
    )


if __name__ == "__main__":
    main()
