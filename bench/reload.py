"""Save -> first response from the new code: debugkit hot reload vs container restart vs image rebuild.

    python bench/reload.py [--saves 20] [--runtime auto|docker|process] [--skip-rebuild]
                           [--part all|trivial|slow-init] [--init-seconds 3] [--slow-saves 5] [--json]

Part 1 ("trivial"), all three in one run, against one trivial project (init() sets a tag,
run() returns it):

* hot reload: the debugkit watcher (debounce included) sees the save and the server reloads
  in place;
* restart: ``docker restart`` of the same container, then wait until it answers with the new
  code (with the process runtime: stop + start the server process, and it says so);
* rebuild: ``docker build`` of an image with the code copied in (FROM the debugkit image, so
  dependencies are cached: the best case for a rebuild), a new container in place of the
  old one, wait until it answers. Docker only.

Part 2 ("slow-init"): init() takes ``--init-seconds`` (a sleep standing in for importing
scikit-learn and unpickling a model), and each save changes run() only:

* init() kept: the hot reload sees that nothing init() reads changed and keeps its state;
* init() re-run: the same hot reload told to run init() (``keep_init: false``);
* restart: ``docker restart`` (process runtime: stop + start), which runs init() again.

Each figure is wall time from just before the file is written until the first ``POST /score``
whose body carries the new code's tag.
"""

from __future__ import annotations

import argparse
import json
import math
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))

from bench.common import free_port, make_project, pick_runtime  # noqa: E402
from debugkit import launcher  # noqa: E402
from debugkit.config import ProjectConfig  # noqa: E402
from debugkit.runtime import UpOptions  # noqa: E402
from debugkit.session import Session  # noqa: E402
from debugkit.watch.loop import Watcher  # noqa: E402

SCORE = """\
def init():
    global TAG
    TAG = {tag!r}


def run(raw):
    return {{"tag": TAG}}
"""


SLOW_SCORE = """\
import time

SECONDS = {seconds}


def init():
    global MODEL
    time.sleep(SECONDS)  # a slow model load
    MODEL = "loaded"


def run(raw):
    return {{"tag": {tag!r}, "model": MODEL}}
"""


@dataclass
class Series:
    name: str
    millis: list[float] = field(default_factory=list)
    note: str = ""

    def p(self, q: float) -> float:
        ordered = sorted(self.millis)
        return ordered[max(0, math.ceil(q * len(ordered)) - 1)]

    def row(self) -> dict[str, float | int | str]:
        return {
            "name": self.name,
            "n": len(self.millis),
            "p50_ms": round(statistics.median(self.millis), 1),
            "p95_ms": round(self.p(0.95), 1),
            "min_ms": round(min(self.millis), 1),
            "max_ms": round(max(self.millis), 1),
            "note": self.note,
        }


def first_response_with(url: str, tag: str, timeout: float = 300.0, pause: float = 0.002) -> float:
    """Poll POST /score until it answers with ``tag``; return the perf_counter() of that answer."""
    deadline = time.monotonic() + timeout
    body = b'{"data": 1}'
    while time.monotonic() < deadline:
        request = urllib.request.Request(
            url + "/score", data=body, headers={"Content-Type": "application/json"}
        )
        try:
            with urllib.request.urlopen(request, timeout=5) as response:
                if json.loads(response.read()).get("tag") == tag:
                    return time.perf_counter()
        except (urllib.error.URLError, ConnectionError, TimeoutError, ValueError, OSError):
            pass
        time.sleep(pause)
    raise RuntimeError(f"no answer with tag {tag!r} from {url} within {timeout:.0f} s")


def measure(
    series: Series,
    saves: int,
    score_py: Path,
    url: Callable[[], str],
    after_save: Callable[[], None],
    source: Callable[[str], str] = lambda tag: SCORE.format(tag=tag),
) -> None:
    prefix = series.name.split()[0]
    for i in range(saves):
        tag = f"{prefix}-{i}-{time.time_ns()}"
        started = time.perf_counter()
        score_py.write_text(source(tag))
        after_save()
        series.millis.append((first_response_with(url(), tag) - started) * 1000)
        print(f"  {series.name}: save {i + 1}/{saves}: {series.millis[-1]:.0f} ms", file=sys.stderr)


# --- the three ways ------------------------------------------------------------------------------


def bench_hot_reload(
    config: ProjectConfig,
    session: Session,
    saves: int,
    series: Series | None = None,
    source: Callable[[str], str] = lambda tag: SCORE.format(tag=tag),
) -> Series:
    series = series or Series(
        "debugkit hot reload", note="watcher debounce (25 ms once settled) included"
    )
    stop = threading.Event()
    watcher = Watcher(config, session, echo=lambda line: print("  " + line, file=sys.stderr))
    thread = threading.Thread(target=watcher.run, args=(stop,), daemon=True)
    thread.start()
    watcher.ready.wait(30)
    try:
        measure(series, saves, config.entry_path, lambda: session.url, lambda: None, source)
    finally:
        stop.set()
        thread.join(10)
    return series


def bench_slow_init(
    config: ProjectConfig,
    holder: list[Session],
    runtime: str,
    seconds: float,
    saves: int,
    slow_saves: int,
) -> list[Series]:
    """Part 2: a run()-only save with a slow init(), three ways."""

    def source(tag: str) -> str:
        return SLOW_SCORE.format(seconds=seconds, tag=tag)

    kept = bench_hot_reload(
        config,
        holder[0],
        saves,
        Series("init() kept", note=f"hot reload, init() ({seconds:g} s) not run"),
        source,
    )
    rerun = bench_hot_reload(
        replace(config, keep_init=False),
        holder[0],
        slow_saves,
        Series("init() re-run", note="hot reload with keep_init: false"),
        source,
    )
    restart = Series(
        "container restart" if runtime == "docker" else "process restart",
        note="docker restart: new process, init() again"
        if runtime == "docker"
        else "server process stop + start, init() again",
    )
    if runtime == "docker":
        container = holder[0].container_id or holder[0].container_name
        after: Callable[[], None] = lambda: subprocess.run(  # noqa: E731
            ["docker", "restart", container], check=True, capture_output=True
        )
    else:

        def after() -> None:
            holder[0] = launcher.restart(holder[0], config)

    measure(restart, slow_saves, config.entry_path, lambda: holder[0].url, after, source)
    return [kept, rerun, restart]


def bench_docker_restart(config: ProjectConfig, session: Session, saves: int) -> Series:
    series = Series("container restart", note="docker restart + wait for the new code")
    container = session.container_id or session.container_name
    measure(
        series,
        saves,
        config.entry_path,
        lambda: session.url,
        lambda: subprocess.run(["docker", "restart", container], check=True, capture_output=True),
    )
    return series


def bench_process_restart(config: ProjectConfig, holder: list[Session], saves: int) -> Series:
    series = Series("process restart", note="debugkit restart: server process stop + start")

    def restart() -> None:
        holder[0] = launcher.restart(holder[0], config)

    measure(series, saves, config.entry_path, lambda: holder[0].url, restart)
    return series


def bench_image_rebuild(config: ProjectConfig, session: Session, saves: int) -> Series:
    """docker build (code copied in) + replace the container, as a deployment update does."""
    import docker

    client = docker.from_env()
    base = client.containers.get(session.container_id or session.container_name)
    attrs = base.attrs
    image = attrs["Config"]["Image"]
    internal_port = next(iter(attrs["HostConfig"]["PortBindings"]))  # e.g. "8890/tcp"
    work = Path(tempfile.mkdtemp(prefix="debugkit-bench-rebuild-"))
    tag = f"debugkit-bench-rebuild:{config.project_key}"
    (work / "Dockerfile").write_text(f"FROM {image}\nCOPY app/ /var/azureml-app/\n")
    base.stop(timeout=5)
    current: list = []
    built: list[str] = []  # every rebuild's image id: re-tagging leaves the previous one dangling

    def rebuild() -> None:
        shutil.rmtree(work / "app", ignore_errors=True)
        shutil.copytree(config.source_dir, work / "app")
        result = subprocess.run(
            ["docker", "build", "-q", "-t", tag, str(work)],
            check=True,
            capture_output=True,
            text=True,
        )
        built.append(result.stdout.strip())
        if current:
            current.pop().remove(force=True)
        current.append(
            client.containers.run(
                tag,
                command=attrs["Config"]["Cmd"],
                entrypoint=attrs["Config"]["Entrypoint"],
                environment=attrs["Config"]["Env"],
                working_dir=attrs["Config"]["WorkingDir"] or None,
                ports={internal_port: (session.host, session.port)},
                detach=True,
                labels={"debugkit.managed": "bench"},
            )
        )

    series = Series("image rebuild", note="docker build (deps cached) + new container")
    try:
        measure(series, saves, config.entry_path, lambda: session.url, rebuild)
    finally:
        for container in current:
            container.remove(force=True)
        subprocess.run(["docker", "rmi", "-f", tag, *reversed(built)], capture_output=True)
        shutil.rmtree(work, ignore_errors=True)
        client.close()
    return series


# --- report ----------------------------------------------------------------------------------------


def table(rows: list[dict], header: str) -> str:
    lines = [header, ""]
    lines.append(
        f"| {'method':<22} | {'n':>3} | {'p50 ms':>8} | {'p95 ms':>8} | {'min ms':>8} | {'max ms':>8} | note"
    )
    lines.append(f"|{'-' * 24}|{'-' * 5}|{'-' * 10}|{'-' * 10}|{'-' * 10}|{'-' * 10}|------")
    for r in rows:
        lines.append(
            f"| {r['name']:<22} | {r['n']:>3} | {r['p50_ms']:>8.1f} | {r['p95_ms']:>8.1f} "
            f"| {r['min_ms']:>8.1f} | {r['max_ms']:>8.1f} | {r['note']}"
        )
    return "\n".join(lines)


def run_part(
    runtime: str,
    score: str,
    body: Callable[[ProjectConfig, list[Session]], list[Series]],
) -> list[dict]:
    """Start a fresh project's server, run ``body`` against it, clean everything up."""
    root = Path(tempfile.mkdtemp(prefix="debugkit-bench-reload-")) / "proj"
    config = make_project(root, free_port(), score)
    print(f"bench: starting the server ({runtime} runtime) for {root}", file=sys.stderr)
    started = launcher.start(config, runtime, UpOptions(debug=False), timeout=900)
    holder = [started.session]
    try:
        return [s.row() for s in body(config, holder)]
    finally:
        launcher.stop(holder[0])
        shutil.rmtree(root.parent, ignore_errors=True)
        if runtime == "docker":
            from debugkit.runtime.docker import DockerRuntime

            DockerRuntime().remove_project_images(config.project_key)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--saves", type=int, default=20)
    parser.add_argument("--runtime", choices=("auto", "docker", "process"), default="auto")
    parser.add_argument("--skip-rebuild", action="store_true")
    parser.add_argument("--part", choices=("all", "trivial", "slow-init"), default="all")
    parser.add_argument("--init-seconds", type=float, default=3.0, help="part 2's init() time")
    parser.add_argument(
        "--slow-saves", type=int, default=5, help="part 2's saves that run init() (each costs it)"
    )
    parser.add_argument("--json", action="store_true", help="print the rows as JSON too")
    args = parser.parse_args(argv)
    runtime = pick_runtime(args.runtime)
    report: dict = {"runtime": runtime, "saves": args.saves}

    if args.part in ("all", "trivial"):

        def trivial(config: ProjectConfig, holder: list[Session]) -> list[Series]:
            rows = [bench_hot_reload(config, holder[0], args.saves)]
            if runtime == "docker":
                rows.append(bench_docker_restart(config, holder[0], args.saves))
                if not args.skip_rebuild:
                    rows.append(bench_image_rebuild(config, holder[0], args.saves))
            else:
                rows.append(bench_process_restart(config, holder, args.saves))
            return rows

        data = run_part(runtime, SCORE.format(tag="start"), trivial)
        hot = data[0]["p50_ms"]
        print(
            table(
                data,
                f"debugkit reload bench: save -> first response from the new code, "
                f"{args.saves} saves each, {runtime} runtime, trivial init()",
            )
        )
        print()
        for other in data[1:]:
            print(f"hot reload p50 is {other['p50_ms'] / hot:.0f}x faster than {other['name']} p50")
        print(f"goal p50 <= 250 ms: {'met' if hot <= 250 else 'NOT met'} ({hot:.0f} ms)")
        report["trivial"] = data

    if args.part in ("all", "slow-init"):
        if args.part == "all":
            print()
        seconds = args.init_seconds
        data = run_part(
            runtime,
            SLOW_SCORE.format(seconds=seconds, tag="start"),
            lambda config, holder: bench_slow_init(
                config, holder, runtime, seconds, args.saves, args.slow_saves
            ),
        )
        kept, rerun = data[0]["p50_ms"], data[1]["p50_ms"]
        print(
            table(
                data,
                f"debugkit reload bench: a run()-only save -> first response from the new code, "
                f"init() takes {seconds:g} s, {runtime} runtime",
            )
        )
        print()
        for other in data[1:]:
            print(
                f"init() kept p50 is {other['p50_ms'] / kept:.0f}x faster than {other['name']} p50"
            )
        print(f"goal p50 <= 100 ms: {'met' if kept <= 100 else 'NOT met'} ({kept:.0f} ms)")
        ratio = rerun / kept
        print(
            f"goal >= 30x faster than re-running init(): {'met' if ratio >= 30 else 'NOT met'} ({ratio:.0f}x)"
        )
        report["slow_init"] = data
    if args.json:
        print(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
