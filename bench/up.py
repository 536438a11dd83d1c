"""`debugkit up --detach` -> first 200 from /score, with a cached image and with a cold build.

    python bench/up.py [--runs 5] [--base-image IMG] [--init-seconds 0] [--json]

One small project (a model file, one pip package, init() that optionally sleeps). Each
figure is wall time from starting ``debugkit up --detach --runtime docker`` until the
first ``POST /score`` answers 200, measured as a user would see it (a new CLI process).

* cold: the project's images are removed and the build runs without the layer cache
  (``DEBUGKIT_BUILD_NO_CACHE=1``), so every step runs: server packages, the user's
  packages from the index, debugkit's source;
* cached: the image for the project's inputs exists, so ``up`` only starts a container.

Goal (issue 3): cached <= 3 s + init() time. The base image defaults to
``$DEBUGKIT_TEST_BASE_IMAGE`` (the offline test image) since no registry may be reachable.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))

import docker  # noqa: E402

from bench.common import free_port  # noqa: E402
from debugkit.config import load_config  # noqa: E402
from debugkit.runtime.image import LABEL_PROJECT  # noqa: E402

SCORE = """\
import os
import time

import six


def init():
    global model
    time.sleep({init_seconds})
    with open(os.path.join(os.environ["AZUREML_MODEL_DIR"], "model.txt")) as f:
        model = f.read()


def run(raw_data):
    return {{"model": model, "six": six.__version__}}
"""


def make_project(root: Path, base_image: str, init_seconds: float) -> Path:
    (root / "model").mkdir(parents=True)
    (root / "model" / "model.txt").write_text("weights")
    (root / "score.py").write_text(SCORE.format(init_seconds=init_seconds))
    (root / "requirements.txt").write_text("six==1.16.0\n")
    (root / "debugkit.yaml").write_text(
        f"base_image: {base_image}\nenvironment: requirements.txt\n"
        f"deployment:\n  port: {free_port()}\n  debug_port: {free_port()}\n"
    )
    return root


def debugkit(*args: str, env: dict[str, str] | None = None) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "debugkit", *args],
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
        stdin=subprocess.DEVNULL,
    )
    if result.returncode != 0:
        raise SystemExit(f"debugkit {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")


def first_200(url: str, limit_s: float = 600) -> None:
    deadline = time.monotonic() + limit_s
    while time.monotonic() < deadline:
        try:
            request = urllib.request.Request(url, data=b"{}", method="POST")
            with urllib.request.urlopen(request, timeout=5) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, OSError):
            pass
        time.sleep(0.02)
    raise SystemExit(f"no 200 from {url} within {limit_s} s")


def up_to_first_200(root: Path, env: dict[str, str] | None = None) -> float:
    config = load_config(root)
    started = time.perf_counter()
    debugkit("up", "--detach", "--runtime", "docker", str(root), env=env)
    first_200(f"http://127.0.0.1:{config.deployment.port}/score")
    elapsed = time.perf_counter() - started
    debugkit("down", str(root))
    return elapsed


def remove_images(client: docker.DockerClient, project_key: str) -> None:
    for image in client.images.list(filters={"label": f"{LABEL_PROJECT}={project_key}"}):
        client.images.remove(image.id, force=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="cached runs (default 5)")
    parser.add_argument(
        "--base-image",
        default=os.environ.get("DEBUGKIT_TEST_BASE_IMAGE", "debugkit-test-base:bookworm"),
    )
    parser.add_argument("--init-seconds", type=float, default=0.0, help="sleep in init()")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()

    client = docker.from_env()
    tmp = Path(tempfile.mkdtemp(prefix="debugkit-bench-up-"))
    try:
        root = make_project(tmp / "bench-up", args.base_image, args.init_seconds)
        key = load_config(root).project_key
        remove_images(client, key)
        cold = up_to_first_200(root, env={"DEBUGKIT_BUILD_NO_CACHE": "1"})
        cached = [up_to_first_200(root) for _ in range(args.runs)]
        remove_images(client, key)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)

    rows = [
        ("cold build (no layer cache)", [cold]),
        ("cached image", cached),
    ]
    goal = 3.0 + args.init_seconds
    if args.json:
        print(json.dumps({name: times for name, times in rows} | {"goal_cached_s": goal}))
        return
    print(
        f"debugkit up --detach -> first 200 (base {args.base_image}, init() {args.init_seconds:g} s)"
    )
    print(f"{'case':<30} {'runs':>4} {'median s':>9} {'min s':>7} {'max s':>7}")
    for name, times in rows:
        print(
            f"{name:<30} {len(times):>4} {statistics.median(times):>9.2f} "
            f"{min(times):>7.2f} {max(times):>7.2f}"
        )
    verdict = "meets" if statistics.median(cached) <= goal else "misses"
    print(f"goal for cached: <= {goal:g} s (3 s + init()): {verdict} it")


if __name__ == "__main__":
    main()
