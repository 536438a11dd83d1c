"""Soak: continuous requests from a second process while score.py is saved 50 times.

    python bench/soak.py [--saves 50] [--clients 2] [--runtime auto|docker|process] [--max-seconds 300]
        [--model-mb 50]   # init() builds a model of this size: memory after the last reload
                          # must stay within 1.5x of memory after the first

Every version N of score.py carries N in three places: a module constant, the state its
init() builds, and a literal in run(). A response is from a *complete* generation when all
three agree and match the version the watcher loaded as that ``x-debugkit-generation``.
Passes with 0 failed requests and 0 torn or mismatched responses; exit 1 otherwise.
Bounded: stops saving after --max-seconds and says so.
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from collections import Counter
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))

SCORE = """\
import time

VERSION = {n}


def init():
    global STATE, MODEL
    time.sleep(0.05)  # a non-trivial init() widens any window a torn swap could show through
    STATE = {{"init_version": {n}}}
    MODEL = b"{n}" * ({model_mb} * 1024 * 1024 // len(b"{n}"))  # touched pages: real memory


def run(raw):
    return {{"module": VERSION, "init": STATE["init_version"], "run": {n}}}
"""


# --- the second process: requests until told to stop -----------------------------------------------


def client_main(url: str, out: Path, stop_file: Path, threads: int) -> int:
    results: list[list] = []
    lock = threading.Lock()

    def loop() -> None:
        body = b'{"data": 1}'
        mine: list[list] = []
        while not stop_file.exists():
            request = urllib.request.Request(
                url + "/score", data=body, headers={"Content-Type": "application/json"}
            )
            try:
                with urllib.request.urlopen(request, timeout=30) as response:
                    mine.append(
                        [
                            response.status,
                            response.headers.get("x-debugkit-generation"),
                            response.read().decode(),
                        ]
                    )
            except urllib.error.HTTPError as err:
                mine.append(
                    [err.code, err.headers.get("x-debugkit-generation"), err.read().decode()]
                )
            except (urllib.error.URLError, OSError) as err:
                mine.append([0, None, f"{type(err).__name__}: {err}"])
        with lock:
            results.append(mine)

    workers = [threading.Thread(target=loop) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    out.write_text(json.dumps(results))
    return 0


def wait_for_version(url: str, version: int, timeout: float = 60.0) -> None:
    """Until the server answers with ``version`` (the last burst save has been reloaded)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        request = urllib.request.Request(
            url + "/score", data=b"{}", headers={"Content-Type": "application/json"}
        )
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                if json.loads(response.read()).get("run") == version:
                    return
        except (urllib.error.URLError, OSError, ValueError):
            pass
        time.sleep(0.02)
    raise RuntimeError(f"the server never answered with version {version}")


def server_memory_mb(runtime: str, session: object) -> float:
    """What the deployment's memory limit counts: the container's memory (without page
    cache), or the server process' resident set."""
    if runtime == "docker":
        from debugkit.runtime.docker import engine

        stats = engine().containers.get(session.container_id).stats(stream=False)  # type: ignore[attr-defined]
        memory = stats["memory_stats"]
        cache = memory.get("stats", {}).get("inactive_file", 0)
        return (memory["usage"] - cache) / 2**20
    with open(f"/proc/{session.server_pid}/status") as f:  # type: ignore[attr-defined]
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS for the server process")


# --- the driver --------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--saves", type=int, default=50)
    parser.add_argument(
        "--clients", type=int, default=2, help="request threads in the second process"
    )
    parser.add_argument("--runtime", choices=("auto", "docker", "process"), default="auto")
    parser.add_argument("--max-seconds", type=float, default=300)
    parser.add_argument(
        "--model-mb", type=int, default=0, help="MB of model init() builds on every reload"
    )
    parser.add_argument(
        "--burst-ms",
        type=int,
        default=0,
        help="save every N ms without waiting for the reload (0: wait for each reload)",
    )
    parser.add_argument(
        "--client", nargs=4, metavar=("URL", "OUT", "STOP_FILE", "THREADS"), help=argparse.SUPPRESS
    )
    args = parser.parse_args(argv)
    if args.client:
        url, out, stop_file, threads = args.client
        return client_main(url, Path(out), Path(stop_file), int(threads))

    from bench.common import free_port, make_project, pick_runtime
    from debugkit import launcher
    from debugkit.runtime import UpOptions
    from debugkit.watch.loop import Watcher

    runtime = pick_runtime(args.runtime)
    work = Path(tempfile.mkdtemp(prefix="debugkit-soak-"))
    root = work / "proj"
    source = SCORE.replace("{model_mb}", str(args.model_mb))
    config = make_project(root, free_port(), source.format(n=0), "  max_concurrent_requests: 0\n")
    print(f"soak: starting the server ({runtime} runtime)", file=sys.stderr)
    started = launcher.start(config, runtime, UpOptions(debug=False), timeout=900)
    session = started.session
    lines: list[str] = []
    watcher = Watcher(config, session, lines.append)
    stop = threading.Event()
    thread = threading.Thread(target=watcher.run, args=(stop,), daemon=True)
    thread.start()
    watcher.ready.wait(30)

    version_of = {int(started.status.get("generation") or 1): 0}
    stop_file, out = work / "stop", work / "responses.json"
    client = subprocess.Popen(
        [
            sys.executable,
            __file__,
            "--client",
            session.url,
            str(out),
            str(stop_file),
            str(args.clients),
        ]
    )
    saved = 0
    began = time.monotonic()
    failed_reloads: list[str] = []
    memory_mb: list[float] = []  # after each reload
    try:
        time.sleep(0.5)  # requests are flowing before the first save
        for n in range(1, args.saves + 1):
            if time.monotonic() - began > args.max_seconds:
                print(f"soak: time bound of {args.max_seconds:.0f} s reached", file=sys.stderr)
                break
            count = len(lines)
            (root / "score.py").write_text(source.format(n=n))
            saved = n
            if args.burst_ms:
                time.sleep(args.burst_ms / 1000)  # the next save comes whether or not it reloaded
                continue
            deadline = time.monotonic() + 60
            while len(lines) == count:  # the watcher prints exactly one line per reload
                if time.monotonic() > deadline:
                    raise RuntimeError(f"no reload for save {n}; watcher said {lines[-3:]}")
                time.sleep(0.005)
            line = lines[count]
            if args.model_mb:
                memory_mb.append(server_memory_mb(runtime, session))
            found = re.search(r"generation (\d+)", line)
            if "\u2713" not in line or not found:
                failed_reloads.append(line)
                continue
            version_of[int(found.group(1))] = n
        if args.burst_ms:
            wait_for_version(session.url, saved)
            failed_reloads = [x for x in lines if "\u2717" in x or " error: " in x]
        time.sleep(0.5)  # requests on the last generation too
    finally:
        stop_file.touch()
        client.wait(60)
        stop.set()
        thread.join(10)
        launcher.stop(session)
        if runtime == "docker":
            from debugkit.runtime.docker import DockerRuntime

            DockerRuntime().remove_project_images(config.project_key)
    elapsed = time.monotonic() - began

    per_thread = json.loads(out.read_text())
    shutil.rmtree(work, ignore_errors=True)
    responses = [r for thread_results in per_thread for r in thread_results]
    statuses = Counter(r[0] for r in responses)
    failed = [r for r in responses if r[0] != 200]
    torn, unknown, backwards = [], [], 0
    versions_by_gen: dict[int, set[int]] = {}
    for thread_results in per_thread:
        last = 0
        for status, generation, body in thread_results:
            if status != 200:
                continue
            gen = int(generation)
            backwards += gen < last
            last = gen
            data = json.loads(body)
            versions = {data["module"], data["init"], data["run"]}
            if len(versions) != 1:  # parts of two versions in one answer
                torn.append((gen, data))
                continue
            versions_by_gen.setdefault(gen, set()).update(versions)
            if not args.burst_ms:
                if gen not in version_of:
                    unknown.append((gen, data))
                elif versions != {version_of[gen]}:
                    torn.append((gen, version_of[gen], data))
    # one generation, one version; and a later generation never serves an older version
    mixed = {g: v for g, v in versions_by_gen.items() if len(v) != 1}
    order = [min(versions_by_gen[g]) for g in sorted(versions_by_gen)]
    older = sum(b < a for a, b in zip(order, order[1:]))
    reloads = len(version_of) - 1 if not args.burst_ms else sum("\u2713" in x for x in lines)

    # a burst save can land while the server reads score.py; the watcher sees the file
    # changed under that reload and says "reloading again" instead of reporting an error
    raced = [x for x in lines if "changed again during the reload" in x]
    ok = not (failed or torn or unknown or backwards or failed_reloads or mixed or older)
    memory_rows: list[tuple[str, object]] = []
    if memory_mb:
        growth = memory_mb[-1] / memory_mb[0]
        ok = ok and growth <= 1.5
        memory_rows = [
            ("model built by init()", f"{args.model_mb} MB"),
            ("server memory after the first reload", f"{memory_mb[0]:.0f} MB"),
            ("server memory after the last reload", f"{memory_mb[-1]:.0f} MB"),
            ("highest after any reload", f"{max(memory_mb):.0f} MB"),
            ("last / first (bound 1.5)", f"{growth:.2f}"),
        ]
    rows = [
        ("runtime", runtime),
        ("saves of score.py", saved),
        (
            "save pattern",
            f"every {args.burst_ms} ms" if args.burst_ms else "each after the last reload",
        ),
        ("reloads", f"{reloads} ({len(versions_by_gen)} generations seen by clients)"),
        ("failed reloads", len(failed_reloads)),
        ("reloads that raced a save (retried)", len(raced)),
        ("requests", len(responses)),
        ("requests/s", f"{len(responses) / elapsed:.0f}"),
        ("failed requests (non-200 or no answer)", len(failed)),
        ("torn / mismatched bodies", len(torn)),
        ("unknown generation header", len(unknown)),
        ("generation went backwards on a client thread", backwards),
        ("generations answering with more than one version", len(mixed)),
        ("newer generation serving an older version", older),
        ("status codes", dict(statuses)),
        *memory_rows,
        ("duration", f"{elapsed:.1f} s"),
        ("result", "PASS" if ok else "FAIL"),
    ]
    print(
        f"debugkit soak: {args.clients} client threads in a second process, score.py saved {saved} times\n"
    )
    print("| measure | value |\n|---|---|")
    for name, value in rows:
        print(f"| {name} | {value} |")
    for sample in (failed[:3], torn[:3], unknown[:3], failed_reloads[:3]):
        for item in sample:
            print(f"  example: {item}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
