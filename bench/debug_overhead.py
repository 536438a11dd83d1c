"""Request latency with the debugger attached (no breakpoints) vs no debugger.

    python bench/debug_overhead.py [--requests 400] [--loop 20000] [--python PATH]

Three servers run the same score.py as local processes (`python -m debugkit.server`):
no debugpy, debugpy listening with nobody attached, and debugpy with a DAP client attached
as VS Code attaches (initialize, attach, configurationDone, no breakpoints). Two workloads:
`echo` (run() returns its input) and `loop` (run() does N iterations of Python arithmetic,
where a tracing debugger costs the most). Requests go round-robin to the three servers in
small blocks over keep-alive connections, so background load on this machine hits all three
alike. Goal: attached overhead <= 20 % on the median. Prints one table.

--python runs the servers with another interpreter (it needs flask, cheroot and debugpy):
debugpy traces with sys.settrace up to Python 3.11, which slows every bytecode of a traced
thread, and with sys.monitoring (PEP 669) from 3.12, which does not.
"""

from __future__ import annotations

import argparse
import http.client
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))

from bench.common import Debugger, ServerProcess, free_port  # noqa: E402

SCORE = """\
import json


def init():
    pass


def run(raw_data):
    request = json.loads(raw_data)
    total = 0
    for i in range(request.get("loop", 0)):
        total += i % 7
    return {"echo": request.get("data"), "total": total}
"""
GOAL_PCT = 20.0


class Client:
    def __init__(self, server: ServerProcess) -> None:
        self.conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=60)

    def score(self, body: bytes) -> float:
        started = time.perf_counter()
        self.conn.request("POST", "/score", body, {"Content-Type": "application/json"})
        response = self.conn.getresponse()
        data = response.read()
        elapsed = time.perf_counter() - started
        if response.status != 200:
            raise SystemExit(f"/score answered {response.status}: {data[:300]!r}")
        return elapsed


def measure(
    clients: dict[str, Client], body: bytes, requests: int, block: int = 10
) -> dict[str, list[float]]:
    for client in clients.values():  # warm-up: imports, first-request paths
        for _ in range(20):
            client.score(body)
    times: dict[str, list[float]] = {name: [] for name in clients}
    while min(len(t) for t in times.values()) < requests:
        for name, client in clients.items():
            times[name] += [client.score(body) for _ in range(block)]
    return times


def start(python: str, entry: Path, **flags: object) -> ServerProcess:
    log = entry.parent / f"server-{len(list(entry.parent.glob('server-*.log')))}.log"
    return ServerProcess(
        python, entry, log, request_timeout=0, **flags
    )  # log: in the bench's folder


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--requests", type=int, default=400, help="requests per server and workload"
    )
    parser.add_argument("--loop", type=int, default=20000, help="iterations in the loop workload")
    parser.add_argument(
        "--python", default=sys.executable, help="interpreter that runs the servers"
    )
    args = parser.parse_args()

    folder = Path(tempfile.mkdtemp(prefix="debugkit-bench-debug-"))
    (folder / "score.py").write_text(SCORE)
    servers: dict[str, ServerProcess] = {}
    dap: Debugger | None = None
    try:
        entry = folder / "score.py"
        servers["no debugger"] = start(args.python, entry)
        servers["debugpy listening"] = start(args.python, entry, debug_port=free_port())
        attached_port = free_port()
        servers["debugger attached"] = start(args.python, entry, debug_port=attached_port)
        dap = Debugger("127.0.0.1", attached_port)
        if not servers["debugger attached"].status()["debugger"]["attached"]:
            raise SystemExit("the DAP client is not reported as attached")

        clients = {name: Client(server) for name, server in servers.items()}
        workloads = {
            "echo": b'{"data": [[1.0, 2.0, 3.0, 4.0]]}',
            f"loop {args.loop}": b'{"data": 1, "loop": %d}' % args.loop,
        }
        rows = []
        for workload, body in workloads.items():
            times = measure(clients, body, args.requests)
            base = statistics.median(times["no debugger"])
            for name, samples in times.items():
                median = statistics.median(samples)
                p95 = sorted(samples)[int(len(samples) * 0.95) - 1]
                rows.append(
                    (
                        workload,
                        name,
                        len(samples),
                        median * 1000,
                        p95 * 1000,
                        (median / base - 1) * 100,
                    )
                )
    finally:
        if dap is not None:
            dap.close()
        for server in servers.values():
            server.stop()
        shutil.rmtree(folder, ignore_errors=True)

    version = subprocess.run(
        [
            args.python,
            "-c",
            "import sys, debugpy; print(sys.version.split()[0], debugpy.__version__)",
        ],
        capture_output=True,
        text=True,
    ).stdout.split()
    print(
        "debugger overhead on request latency "
        f"(local process server, Python {version[0]}, debugpy {version[1]})"
    )
    print(
        f"{'workload':<12} {'server':<19} {'n':>5} {'median ms':>10} {'p95 ms':>8} {'overhead':>9}"
    )
    for workload, name, n, median, p95, overhead in rows:
        print(f"{workload:<12} {name:<19} {n:>5} {median:>10.2f} {p95:>8.2f} {overhead:>+8.1f}%")
    worst = max(r[5] for r in rows if r[1] == "debugger attached")
    verdict = "meets" if worst <= GOAL_PCT else "misses"
    print(
        f"attached, worst workload: {worst:+.1f}% on the median ({verdict} the goal of <= {GOAL_PCT:.0f}%)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
