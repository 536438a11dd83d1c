"""Scoring server throughput, latency and startup: debugkit vs azmlinfsrv.

    python bench/serve.py [--requests 2000] [--seconds 10] [--threads 1,4]

Both servers serve the same trivial echo score.py on 127.0.0.1 and are driven by the
same small threaded loopback client (one new connection per request, bounded by count
and time), in alternating rounds on this machine. azmlinfsrv
(azureml-inference-server-http 1.5.1) is installed by this script into its own venv
under debugkit's cache dir on first use. Prints one table.
"""

from __future__ import annotations

import argparse
import http.client
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))

from bench.common import free_port  # noqa: E402
from debugkit.paths import cache_dir  # noqa: E402

AZMLINFSRV_VERSION = "1.5.1"
ECHO_SCORE = """\
def init():
    pass


def run(data):
    return data
"""
BODY = b'{"data": [[1.0, 2.0, 3.0, 4.0]]}'


def azmlinfsrv_venv() -> Path:
    venv = cache_dir() / "bench" / f"azmlinfsrv-{AZMLINFSRV_VERSION}"
    binary = venv / "bin" / "azmlinfsrv"
    if binary.exists():
        return venv
    print(f"installing azureml-inference-server-http=={AZMLINFSRV_VERSION} into {venv} ...")
    if venv.exists():
        shutil.rmtree(venv)
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    subprocess.run(
        [
            str(venv / "bin" / "python"),
            "-m",
            "pip",
            "install",
            "-q",
            f"azureml-inference-server-http=={AZMLINFSRV_VERSION}",
            "inference-schema",  # for tests/server/test_azmlinfsrv_parity.py
        ],
        check=True,
    )
    return venv


@dataclass
class Started:
    process: subprocess.Popen
    port: int
    startup_s: float


def wait_first_200(
    process: subprocess.Popen, port: int, started: float, timeout: float = 60
) -> float:
    deadline = started + timeout
    while time.perf_counter() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited with {process.returncode}")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=1)
            conn.request("GET", "/")
            if conn.getresponse().status == 200:
                conn.close()
                return time.perf_counter() - started
            conn.close()
        except OSError:
            pass
        time.sleep(0.005)
    raise RuntimeError("server did not answer 200 in time")


def start(kind: str, workdir: Path, log: Path, max_concurrent: int) -> Started:
    port = free_port()
    env = dict(os.environ)
    env.pop("AML_APP_ROOT", None)
    env.pop("AZUREML_MODEL_DIR", None)
    if kind == "debugkit":
        env["PYTHONPATH"] = str(REPO_ROOT)
        args = [
            sys.executable,
            "-m",
            "debugkit.server",
            "--entry-script",
            str(workdir / "score.py"),
            "--port",
            str(port),
            "--max-concurrent",
            str(max_concurrent),
        ]
    else:
        venv = azmlinfsrv_venv()
        args = [
            str(venv / "bin" / "azmlinfsrv"),
            "--entry_script",
            "score.py",
            "--port",
            str(port),
            "--worker_count",
            "1",
        ]
    out = log.open("ab")
    started = time.perf_counter()
    process = subprocess.Popen(args, cwd=workdir, env=env, stdout=out, stderr=subprocess.STDOUT)
    startup = wait_first_200(process, port, started)
    return Started(process, port, startup)


def stop(server: Started) -> None:
    server.process.terminate()
    try:
        server.process.wait(10)
    except subprocess.TimeoutExpired:
        server.process.kill()
        server.process.wait(10)


@dataclass
class LoadResult:
    count: int
    errors: int
    seconds: float
    latencies_ms: list[float]

    @property
    def rps(self) -> float:
        return self.count / self.seconds if self.seconds else 0.0

    def percentile(self, p: float) -> float:
        if not self.latencies_ms:
            return float("nan")
        ordered = sorted(self.latencies_ms)
        return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def drive(port: int, threads: int, total: int, max_seconds: float) -> LoadResult:
    """POST /score from `threads` client threads until `total` requests or `max_seconds`."""
    lock = threading.Lock()
    issued = 0
    latencies: list[float] = []
    errors = 0
    deadline = time.perf_counter() + max_seconds

    def client() -> None:
        nonlocal issued, errors
        headers = {"Content-Type": "application/json"}
        while True:
            with lock:
                if issued >= total or time.perf_counter() > deadline:
                    return
                issued += 1
            began = time.perf_counter()
            try:
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
                conn.request("POST", "/score", BODY, headers)
                response = conn.getresponse()
                response.read()
                conn.close()
                ok = response.status == 200
            except OSError:
                ok = False
            elapsed = (time.perf_counter() - began) * 1000
            with lock:
                if ok:
                    latencies.append(elapsed)
                else:
                    errors += 1

    began = time.perf_counter()
    workers = [threading.Thread(target=client) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    return LoadResult(len(latencies), errors, time.perf_counter() - began, latencies)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=2000, help="per server and thread count")
    parser.add_argument("--seconds", type=float, default=15.0, help="time cap per measurement")
    parser.add_argument("--threads", default="1,4", help="client thread counts, comma separated")
    parser.add_argument("--warmup", type=int, default=50)
    parser.add_argument("--rounds", type=int, default=10, help="alternating rounds per server")
    args = parser.parse_args(argv)
    thread_counts = [int(t) for t in args.threads.split(",")]

    azmlinfsrv_venv()
    workdir = Path(tempfile.mkdtemp(prefix="debugkit-bench-serve-"))
    (workdir / "score.py").write_text(ECHO_SCORE)
    log = workdir / "servers.log"
    rows = []
    startups: dict[str, float] = {}
    kinds = ("debugkit", "azmlinfsrv")
    try:
        for threads in thread_counts:
            # debugkit's default limit is 1 concurrent run(); azmlinfsrv's single sync worker
            # queues instead. With several client threads debugkit runs unlimited (no 503s).
            servers = {
                kind: start(kind, workdir, log, max_concurrent=0 if threads > 1 else 1)
                for kind in kinds
            }
            for kind, server in servers.items():
                startups.setdefault(kind, server.startup_s)
            try:
                for kind in kinds:
                    drive(servers[kind].port, threads, args.warmup, args.seconds)
                # Alternate short rounds so drifting machine load hits both servers alike.
                totals = {kind: LoadResult(0, 0, 0.0, []) for kind in kinds}
                for _ in range(args.rounds):
                    for kind in kinds:
                        part = drive(
                            servers[kind].port,
                            threads,
                            args.requests // args.rounds,
                            args.seconds / args.rounds,
                        )
                        total = totals[kind]
                        total.count += part.count
                        total.errors += part.errors
                        total.seconds += part.seconds
                        total.latencies_ms += part.latencies_ms
            finally:
                for server in servers.values():
                    stop(server)
            rows += [(kind, threads, totals[kind]) for kind in kinds]
    finally:
        shutil.rmtree(workdir, ignore_errors=True)

    print()
    print("POST /score on an echo score.py, loopback, one new connection per request")
    header = f"{'server':<12} {'threads':>7} {'requests':>8} {'errors':>6} {'req/s':>8} {'p50 ms':>7} {'p99 ms':>7}"
    print(header)
    print("-" * len(header))
    for kind, threads, result in rows:
        print(
            f"{kind:<12} {threads:>7} {result.count:>8} {result.errors:>6} {result.rps:>8.0f} "
            f"{result.percentile(50):>7.2f} {result.percentile(99):>7.2f}"
        )
    print()
    for threads in thread_counts:
        ours = next(r for k, t, r in rows if k == "debugkit" and t == threads)
        theirs = next(r for k, t, r in rows if k == "azmlinfsrv" and t == threads)
        ratio = ours.rps / theirs.rps if theirs.rps else float("nan")
        print(f"throughput ratio debugkit/azmlinfsrv at {threads} thread(s): {ratio:.2f}x")
    print()
    print(f"{'server':<12} {'startup to first 200 (s)':>26}")
    for kind, seconds in startups.items():
        print(f"{kind:<12} {seconds:>26.3f}")
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"(python {sys.version.split()[0]}, {os.cpu_count()} cores, load average {load:.2f})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
