"""Benchmark: a large ``promptctl ab`` (issue 17): direct calls at concurrency 64, and the batch path (``--batch``).

Two versions of support-agent x N cases (default 10,000: 20,000 calls) against a loopback OpenAI-compatible
server (``promptctl.testing.LoopbackLLMServer``, in this process, so its CPU and memory are not counted):

- **direct**: ``ab --concurrency 64`` with 50 ms server latency. The ideal wall time is calls x latency /
  concurrency (15.6 s with the defaults); targets: promptctl's whole process (start to exit, imports
  included) at most 1.2 x ideal, peak RSS at most 250 MiB.
- **batch**: ``ab --batch``: one upload and one batch of 20,000 requests, in progress for two polls
  (``PROMPTCTL_BATCH_POLL_S``, default here 0.5 s), then answered. Targets: peak RSS at most 250 MiB; time
  spent outside waiting for the server under 10 s. The waiting is measured at the server: from the batch's
  create request to the request that downloads its output file (the server answers all 20,000 requests when
  the batch ends, inside that wait); the rest of the process's wall time is promptctl's own work (start-up,
  planning, estimating, writing the JSONL, streaming and recording the results, the statistics).

Peak RSS is ``wait4``'s ``ru_maxrss`` of the promptctl process (run without ``--json``: at 10,000 cases that
would also print every case's rendered request, a dump of hundreds of MiB; the verdict is read from the store).
The machine is shared: the figures are noisy, and the load average is printed before and after.

Usage::

    python benchmarks/bench_batch.py [--cases 10000] [--latency 0.05] [--concurrency 64] [--only direct|batch]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sqlite3
import sys
import tempfile
from pathlib import Path

from bench_ab import reply, timed_process, write_dataset

from promptctl.testing import LoopbackLLMServer

ROOT = Path(__file__).resolve().parents[1]
TARGET_RATIO = 1.2
TARGET_RSS_MIB = 250
TARGET_OUTSIDE_S = 10.0


def run_ab(folder: Path, dataset: Path, server: LoopbackLLMServer, *args: str, poll_s: float = 0.5) -> dict:
    """``promptctl ab support-agent@1 support-agent@2`` in a new process: wall s, peak RSS MiB, stderr summary."""
    env = {**os.environ, **server.env(), "PROMPTCTL_DATABASE_URL": f"sqlite:///{folder / 'runs.db'}",
           "PROMPTCTL_PROJECT": str(ROOT), "PROMPTCTL_BATCH_POLL_S": str(poll_s)}
    before = len(server.requests)
    out, wall, rss = timed_process([sys.executable, "-m", "promptctl", "ab", "support-agent@1", "support-agent@2",
                                    "--dataset", str(dataset), "--provider", "openai", "--no-cache", *args],
                                   cwd=ROOT, env=env)
    if out.returncode != 0:
        raise SystemExit(f"promptctl ab {' '.join(args)} failed ({out.returncode}):\n{out.stderr[-2000:]}")
    summary = next((line for line in out.stderr.splitlines() if re.match(r"\d+/\d+ done", line)), "")
    # the result as stored (not --json, which also prints every case's request: a dump, not the run, at 10,000 cases)
    with sqlite3.connect(folder / "runs.db") as conn:
        stored = conn.execute("SELECT result FROM ab_runs ORDER BY created_at DESC LIMIT 1").fetchone()[0]
    result = json.loads(stored)
    return {"wall": wall, "rss_mib": rss, "summary": summary, "requests": server.requests[before:],
            "verdict": result["comparisons"][0]["sentence"], "cost": result["cost_usd"]["models"]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=10_000)
    parser.add_argument("--latency", type=float, default=0.05, help="server latency per direct request (s)")
    parser.add_argument("--concurrency", type=int, default=64)
    parser.add_argument("--poll", type=float, default=0.5, help="first batch poll interval (s)")
    parser.add_argument("--only", choices=("direct", "batch"))
    args = parser.parse_args()
    calls = 2 * args.cases
    print(f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    with tempfile.TemporaryDirectory(prefix="promptctl-bench-batch-") as tmp, \
            LoopbackLLMServer(reply, latency_s=args.latency, max_lifetime_s=3600, max_requests=10**7,
                              batch_polls=2) as server:
        folder = Path(tmp)
        dataset = write_dataset(folder, args.cases)
        if args.only in (None, "direct"):
            ideal = calls * args.latency / args.concurrency
            d = run_ab(folder, dataset, server, "--concurrency", str(args.concurrency))
            print(f"\ndirect: 2 versions x {args.cases} cases = {calls} calls, concurrency {args.concurrency}, "
                  f"latency {args.latency * 1000:.0f} ms; ideal {ideal:.2f} s")
            print(f"  whole process {d['wall']:.2f} s = {d['wall'] / ideal:.2f} x ideal (target <= {TARGET_RATIO}), "
                  f"peak RSS {d['rss_mib']:.0f} MiB (target <= {TARGET_RSS_MIB}); server saw "
                  f"{sum(r.path.endswith('/chat/completions') for r in d['requests'])} calls, at most "
                  f"{server.max_concurrent} at once")
            print(f"  {d['summary']}\n  {d['verdict']}; ${d['cost']:.4f} at list price")
        if args.only in (None, "batch"):
            b = run_ab(folder, dataset, server, "--batch", poll_s=args.poll)
            sent = b["requests"]
            create = next(r.received_at for r in sent if r.method == "POST" and r.path.endswith("/batches"))
            download = next(r.received_at for r in sent if r.path.endswith("/content"))
            waiting = download - create
            outside = b["wall"] - waiting
            batches = sum(1 for r in sent if r.method == "POST" and r.path.endswith("/batches"))
            print(f"\nbatch: {calls} calls in {batches} batch(es); {len(sent)} HTTP requests in all")
            print(f"  whole process {b['wall']:.2f} s, of which waiting for the server {waiting:.2f} s (create to "
                  f"download) and promptctl's own work {outside:.2f} s (target < {TARGET_OUTSIDE_S:g}); peak RSS "
                  f"{b['rss_mib']:.0f} MiB (target <= {TARGET_RSS_MIB})")
            print(f"  {b['summary']}\n  {b['verdict']}; ${b['cost']:.4f} at the batch price")
    print(f"\nload average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
