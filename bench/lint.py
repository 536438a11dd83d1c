"""Lint speed on a generated 5,000-line scoring module.

    python bench/lint.py [--lines 5000] [--runs 30] [--opens 10]

Measures, in-process, `lint_source` after a one-function edit (what the editor
does on each change: unchanged top-level chunks come from the parse cache) and
cold (cache cleared: a full parse); and, through a real LSP client talking to
`python -m lsp` over stdio, the time from `didOpen` of a never-seen module to its
first `publishDiagnostics` (cold in the server). Goals: lint p50 <= 50 ms,
first diagnostics <= 300 ms. The machine's load shows in every number: run it
on an idle machine for figures to compare.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

from lsprotocol import types
from pygls.lsp.client import LanguageClient

from debugkit.lint import lint_source
from debugkit.lint.parsing import clear_cache

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import percentile

LINT_GOAL_MS = 50.0
FIRST_DIAGNOSTICS_GOAL_MS = 300.0
SETTLE_S = 1.5  # between opens, so each one is measured on an idle server

HEADER = '''"""Generated scoring module for the lint benchmark."""
import json
import logging
import os

import joblib
import numpy as np
import requests

logger = logging.getLogger(__name__)
MODEL_DIR = os.getenv("AZUREML_MODEL_DIR", "")


def init():
    global model
    model = joblib.load(os.path.join(MODEL_DIR, "model.pkl"))


def run(raw_data):
    try:
        rows = json.loads(raw_data)["data"]
        features = np.array([transform_0(row) for row in rows])
        return {"predictions": model.predict(features).tolist()}
    except Exception as e:
        logger.exception("scoring failed")
        return {"error": str(e)}

'''

HELPER = '''

def transform_{i}(row, scale={i}):
    """Feature transform number {i}."""
    values = [float(v) * scale for v in row]
    totals = {{"sum": sum(values), "max": max(values, default=0), "n": len(values)}}
    if totals["n"] > {i} % 7:
        try:
            values.append(json.loads(json.dumps(totals))["sum"] / (totals["n"] or 1))
        except (ValueError, ZeroDivisionError) as err:
            logger.warning("transform_{i} fallback: %s", err)
            values.append(0.0)
    lookup = requests.get("http://features.internal/{i}", timeout=2) if scale < 0 else None
    return values if lookup is None else values + [lookup.status_code]
'''


def generate(lines: int, variant: int = 0) -> str:
    """A module of about ``lines`` lines; each ``variant`` differs in every helper (no cache hits)."""
    parts = [HEADER]
    i = 0
    while sum(p.count("\n") for p in parts) < lines:
        parts.append(HELPER.format(i=i).replace("% 7", f"% {7 + variant}"))
        i += 1
    return "".join(parts)


def edited(source: str, n: int) -> str:
    """``source`` with one helper's body changed, line count unchanged (a keystroke's worth)."""
    helper = n % max(source.count("def transform_"), 1)
    marker = f"def transform_{helper}(row, scale={helper}):"
    return source.replace(marker, marker.replace("):", f"):  # edit {n}"), 1)


def timed(fn) -> tuple[float, float]:
    """(wall ms, this thread's CPU ms): CPU time shows the cost without the machine's load."""
    start, cpu = time.perf_counter(), time.thread_time()
    fn()
    return (time.perf_counter() - start) * 1000, (time.thread_time() - cpu) * 1000


def bench_lint_cold(source: str, path: Path, runs: int) -> list[tuple[float, float]]:
    def cold() -> None:
        clear_cache()
        lint_source(source, path)

    cold()  # warm-up: imports the rule modules
    return [timed(cold) for _ in range(runs)]


def bench_lint_first_pass(source: str, path: Path, runs: int) -> list[tuple[float, float]]:
    def cold_first_pass() -> None:
        clear_cache()
        lint_source(source, path, skip_quiet_chunks=True)

    return [timed(cold_first_pass) for _ in range(runs)]


def bench_lint_after_edit(source: str, path: Path, runs: int) -> list[tuple[float, float]]:
    clear_cache()
    lint_source(source, path)  # the editor linted the file once when it was opened
    return [timed(lambda n=n: lint_source(edited(source, n), path)) for n in range(runs)]


async def bench_first_diagnostics(lines: int, folder: Path, opens: int) -> list[float]:
    client = LanguageClient("debugkit-bench", "1")
    arrived: dict[str, asyncio.Future[float]] = {}

    @client.feature(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
    def on_diagnostics(params: types.PublishDiagnosticsParams) -> None:
        future = arrived.get(params.uri)
        if future is not None and not future.done():
            future.set_result(time.perf_counter())

    await client.start_io(sys.executable, "-m", "lsp")
    await client.initialize_async(
        types.InitializeParams(capabilities=types.ClientCapabilities(), root_uri=folder.as_uri())
    )
    client.initialized(types.InitializedParams())
    times = []
    try:
        for n in range(opens + 1):  # the first open is a warm-up
            source = generate(lines, variant=n)  # new text each time: nothing cached in the server
            path = folder / f"score_{n}.py"
            path.write_text(source)
            uri = path.as_uri()
            arrived[uri] = asyncio.get_running_loop().create_future()
            start = time.perf_counter()
            client.text_document_did_open(
                types.DidOpenTextDocumentParams(
                    text_document=types.TextDocumentItem(
                        uri=uri, language_id="python", version=1, text=source
                    )
                )
            )
            end = await asyncio.wait_for(arrived[uri], 30)
            if n:
                times.append((end - start) * 1000)
            await asyncio.sleep(SETTLE_S)  # let the server finish checking the rest of this file
    finally:
        await client.shutdown_async(None)
        client.exit(None)
        await client.stop()
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=5000)
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--opens", type=int, default=10)
    args = parser.parse_args()
    source = generate(args.lines)
    with tempfile.TemporaryDirectory(prefix="debugkit-bench-") as tmp:
        folder = Path(tmp)
        cold_times = bench_lint_cold(source, folder / "score.py", args.runs)
        edit_times = bench_lint_after_edit(source, folder / "score.py", args.runs)
        first_pass_times = bench_lint_first_pass(source, folder / "score.py", args.runs)
        open_times = asyncio.run(bench_first_diagnostics(args.lines, folder, args.opens))
    findings = len(lint_source(source).findings)

    def p50(samples: list[tuple[float, float]], column: int) -> float:
        return statistics.median(sample[column] for sample in samples)

    rows: list[tuple[str, float, float | None, float | None]] = [
        ("lint after an edit p50", p50(edit_times, 0), p50(edit_times, 1), LINT_GOAL_MS),
        ("lint after an edit p95", percentile([t for t, _ in edit_times], 0.95), None, None),
        ("lint cold (no cache) p50", p50(cold_times, 0), p50(cold_times, 1), LINT_GOAL_MS),
        ("lint cold, first pass p50", p50(first_pass_times, 0), p50(first_pass_times, 1), None),
        (
            "didOpen -> diagnostics p50",
            statistics.median(open_times),
            None,
            FIRST_DIAGNOSTICS_GOAL_MS,
        ),
        ("didOpen -> diagnostics max", max(open_times), None, None),
    ]
    print(
        f"module: {source.count(chr(10))} lines, {findings} finding(s); {args.runs} lint runs, {args.opens} opens"
    )
    print(f"load average: {' '.join(f'{x:.2f}' for x in os.getloadavg())} on {os.cpu_count()} CPUs")
    print(f"{'measure':<30} {'wall ms':>8} {'cpu ms':>8} {'goal':>8}  ok")
    for name, wall, cpu, goal in rows:
        cpu_text = f"{cpu:.1f}" if cpu is not None else ""
        goal_text = f"<= {goal:g}" if goal else ""
        ok = "" if goal is None else ("yes" if wall <= goal else "NO")
        print(f"{name:<30} {wall:>8.1f} {cpu_text:>8} {goal_text:>8}  {ok}")


if __name__ == "__main__":
    main()
