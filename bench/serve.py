"""Scoring server throughput, latency and startup: debugkit vs azmlinfsrv, default settings.

    python bench/serve.py [--seconds 8] [--rounds 3] [--connections 8] [--no-wrk]

Both servers serve the same echo score.py on 127.0.0.1, each with its DEFAULT settings
(debugkit: one process, max_concurrent_requests 1 with the AKS front end's queue, debugger
hooks ready; azmlinfsrv 1.5.1: one gunicorn sync worker), and then in production mode with
two worker processes each (debugkit --production with WORKER_COUNT=2, azmlinfsrv
--worker_count 2). Two load generators drive them, in alternating rounds so that drifting
machine load hits both alike:

* wrk (keep-alive connections; installed from Debian by scripts/install-bench-tools.sh when
  missing), 8 connections;
* a Python client, 8 threads, a new connection per request.

A row counts every answer that is not 2xx, and socket errors, as failures: a server that
refuses concurrent clients (503) cannot claim throughput. azmlinfsrv is installed by this
script into its own venv under debugkit's cache folder on first use. Prints one table.
"""

from __future__ import annotations

import argparse
import http.client
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))

from bench.common import free_port, percentile, stop_process  # noqa: E402
from debugkit.paths import cache_dir  # noqa: E402

AZMLINFSRV_VERSION = "1.5.1"
ECHO_SCORE = """\
def init():
    pass


def run(data):
    return data
"""
BODY = '{"data": [[1.0, 2.0, 3.0, 4.0]]}'
WRK_SCRIPT = f"""\
wrk.method = "POST"
wrk.body = '{BODY}'
wrk.headers["Content-Type"] = "application/json"
"""
SERVERS = ("debugkit", "azmlinfsrv")


def azmlinfsrv_venv() -> Path:
    venv = cache_dir() / "bench" / f"azmlinfsrv-{AZMLINFSRV_VERSION}"
    if (venv / "bin" / "azmlinfsrv").exists():
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


def ensure_wrk() -> str | None:
    """The wrk binary, installing it from Debian when missing; None if that fails."""
    if shutil.which("wrk") is None:
        script = REPO_ROOT / "scripts" / "install-bench-tools.sh"
        if subprocess.run([str(script)], check=False).returncode != 0:
            print("wrk is not available: measuring with the Python client only")
    return shutil.which("wrk")


@dataclass
class Started:
    process: subprocess.Popen
    port: int
    startup_s: float


def wait_first_200(process: subprocess.Popen, port: int, started: float) -> float:
    deadline = started + 60
    while time.perf_counter() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited with {process.returncode}")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=1)
            conn.request("GET", "/")
            status = conn.getresponse().status
            conn.close()
            if status == 200:
                return time.perf_counter() - started
        except OSError:
            pass
        time.sleep(0.005)
    raise RuntimeError("server did not answer 200 in time")


def start(kind: str, workdir: Path, log: Path, workers: int) -> Started:
    """``workers`` 1: each server's defaults; 2: production mode with two worker processes."""
    port = free_port()
    env = dict(os.environ)
    for name in ("AML_APP_ROOT", "AZUREML_MODEL_DIR", "WORKER_COUNT"):
        env.pop(name, None)
    if kind == "debugkit":
        env["PYTHONPATH"] = str(REPO_ROOT)
        args = [sys.executable, "-m", "debugkit.server", "--entry-script", "score.py"]
        args += ["--port", str(port)]
        if workers > 1:
            args.append("--production")
            env["WORKER_COUNT"] = str(workers)
    else:
        args = [str(azmlinfsrv_venv() / "bin" / "azmlinfsrv"), "--entry_script", "score.py"]
        args += ["--port", str(port), "--worker_count", str(workers)]
    out = log.open("ab")
    began = time.perf_counter()
    process = subprocess.Popen(args, cwd=workdir, env=env, stdout=out, stderr=subprocess.STDOUT)
    startup = wait_first_200(process, port, began)
    if workers > 1:
        time.sleep(2)  # the further workers run their own init() before they take connections
    return Started(process, port, startup)


def stop(server: Started) -> None:
    stop_process(server.process)


@dataclass
class Totals:
    requests: int = 0
    failures: int = 0
    seconds: float = 0.0
    p50s: list[float] = field(default_factory=list)  # per round, ms
    p99s: list[float] = field(default_factory=list)

    def add(self, requests: int, failures: int, seconds: float, p50: float, p99: float) -> None:
        self.requests += requests
        self.failures += failures
        self.seconds += seconds
        self.p50s.append(p50)
        self.p99s.append(p99)

    @property
    def rps(self) -> float:
        """Successful (2xx) answers per second."""
        return (self.requests - self.failures) / self.seconds if self.seconds else 0.0


_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0}


def _ms(text: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s)", text).groups()  # type: ignore[union-attr]
    return float(number) * _UNITS[unit]


def run_wrk(wrk: str, port: int, connections: int, seconds: float, script: Path) -> tuple:
    """(requests, failures, seconds, p50 ms, p99 ms) of one wrk run."""
    output = subprocess.run(
        [
            wrk,
            f"-t{min(2, connections)}",
            f"-c{connections}",
            f"-d{seconds:g}s",
            "--latency",
            "-s",
            str(script),
            f"http://127.0.0.1:{port}/score",
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    found = re.search(r"(\d+) requests in ([\d.]+)(m|s|ms)\b", output)
    assert found is not None, output
    requests, amount, unit = found.groups()
    took = float(amount) * {"m": 60.0, "s": 1.0, "ms": 0.001}[unit]
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    errors = re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output
    )
    failures = int(non_2xx.group(1)) if non_2xx else 0
    if errors:
        failures += sum(int(n) for n in errors.groups())
    p50 = _ms(re.search(r"^\s+50%\s+(\S+)", output, re.M).group(1))  # type: ignore[union-attr]
    p99 = _ms(re.search(r"^\s+99%\s+(\S+)", output, re.M).group(1))  # type: ignore[union-attr]
    return int(requests), failures, took, p50, p99


def run_python(port: int, threads: int, seconds: float) -> tuple:
    """(requests, failures, seconds, p50 ms, p99 ms): `threads` clients, a new connection each."""
    lock = threading.Lock()
    latencies: list[float] = []
    failures = 0
    deadline = time.perf_counter() + seconds

    def client() -> None:
        nonlocal failures
        headers = {"Content-Type": "application/json"}
        while time.perf_counter() < deadline:
            began = time.perf_counter()
            try:
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
                conn.request("POST", "/score", BODY, headers)
                response = conn.getresponse()
                response.read()
                conn.close()
                ok = 200 <= response.status < 300
            except OSError:
                ok = False
            with lock:
                latencies.append((time.perf_counter() - began) * 1000)
                failures += not ok

    began = time.perf_counter()
    workers = [threading.Thread(target=client) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    took = time.perf_counter() - began
    if not latencies:
        return 0, 0, took, float("nan"), float("nan")
    return len(latencies), failures, took, percentile(latencies, 0.5), percentile(latencies, 0.99)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=8.0, help="per round and server")
    parser.add_argument("--rounds", type=int, default=3, help="alternating rounds per server")
    parser.add_argument("--connections", type=int, default=8, help="wrk connections / threads")
    parser.add_argument("--no-wrk", action="store_true", help="Python client only")
    args = parser.parse_args(argv)

    azmlinfsrv_venv()
    wrk = None if args.no_wrk else ensure_wrk()
    workdir = Path(tempfile.mkdtemp(prefix="debugkit-bench-serve-"))
    (workdir / "score.py").write_text(ECHO_SCORE)
    script = workdir / "post.lua"
    script.write_text(WRK_SCRIPT)
    log = workdir / "servers.log"
    drivers = (["wrk"] if wrk else []) + ["python"]
    setups = {1: "defaults", 2: "production, 2 workers"}
    results: dict[tuple[str, str, str], Totals] = {}
    startups: dict[str, float] = {}
    try:
        for workers, setup in setups.items():
            servers = {kind: start(kind, workdir, log, workers) for kind in SERVERS}
            if workers == 1:
                startups = {kind: s.startup_s for kind, s in servers.items()}
            try:
                for driver in drivers:
                    for _ in range(args.rounds):
                        for kind in SERVERS:
                            port = servers[kind].port
                            if driver == "wrk":
                                assert wrk is not None
                                sample = run_wrk(wrk, port, args.connections, args.seconds, script)
                            else:
                                sample = run_python(port, args.connections, args.seconds)
                            results.setdefault((setup, driver, kind), Totals()).add(*sample)
            finally:
                for server in servers.values():
                    stop(server)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)

    print()
    print(
        f"POST /score on an echo score.py, loopback, {args.connections} connections, "
        f"{args.rounds} x {args.seconds:g} s per row"
    )
    header = (
        f"{'setup':<22} {'driver':<7} {'server':<11} {'requests':>9} {'non-2xx':>8} "
        f"{'2xx/s':>8} {'p50 ms':>7} {'p99 ms':>7}"
    )
    print(header)
    print("-" * len(header))
    for (setup, driver, kind), totals in results.items():
        p50 = sorted(totals.p50s)[len(totals.p50s) // 2]
        p99 = sorted(totals.p99s)[len(totals.p99s) // 2]
        print(
            f"{setup:<22} {driver:<7} {kind:<11} {totals.requests:>9} {totals.failures:>8} "
            f"{totals.rps:>8.0f} {p50:>7.2f} {p99:>7.2f}"
        )
    print()
    for setup in setups.values():
        for driver in drivers:
            ours, theirs = (
                results[(setup, driver, "debugkit")],
                results[(setup, driver, "azmlinfsrv")],
            )
            ratio = ours.rps / theirs.rps if theirs.rps else float("nan")
            print(f"2xx/s ratio debugkit/azmlinfsrv, {setup}, {driver}: {ratio:.2f}x")
    print()
    for kind, seconds in startups.items():
        print(f"startup to first 200, {kind}: {seconds:.3f} s")
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"(python {sys.version.split()[0]}, {os.cpu_count()} cores, load average {load:.2f})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
