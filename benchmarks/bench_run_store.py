"""``promptctl log --summary`` over 100,000 recorded calls, on SQLite and on PostgreSQL (issue 17: under 0.5 s).

A run store is filled with 50,000 runs of 2 calls each (100,000 calls): 10 prompts x 3 versions, 4 models,
30 days, 5% errors, 2% unpriced (inserted in bulk, 5,000 runs per transaction). Then
``promptctl log --summary`` (totals by version and by day, every origin) runs as a user runs it, a new
process each time, and the in-process query (:func:`promptctl.store.summary.summarise_many`) is timed too.
PostgreSQL is a throwaway server from Debian's ``postgresql`` package
(:class:`promptctl.testing.postgres.TemporaryPostgres`). Printed: the median of ``--rounds`` runs beside the
target. The machine is shared: figures vary with its load.

    python benchmarks/bench_run_store.py [--rounds 5] [--calls 100000] [--no-postgres]
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
TARGET_S = 0.5
PROMPTCTL = [sys.executable, "-m", "promptctl"]


def fill(url: str, calls: int, *, seed: int = 7) -> tuple[int, float]:
    """Record ``calls`` calls (two per run) in the store at ``url``; returns (runs, seconds taken)."""
    from promptctl.store.runs import RunStore
    from promptctl.store.runs import calls as calls_table
    from promptctl.store.runs import runs as runs_table

    rng = random.Random(seed)
    store = RunStore(url)
    start = time.perf_counter()
    n_runs = calls // 2
    models = ["gpt-4.1-mini", "gpt-4.1", "claude-haiku-4-5", "claude-sonnet-4-5"]
    tokens = {"cached_input_tokens": 0, "cache_write_tokens": 0, "reasoning_tokens": 0}
    for first in range(0, n_runs, 5000):
        run_rows, call_rows = [], []
        for n in range(first, min(first + 5000, n_runs)):
            prompt, version, model = f"prompt-{n % 10}", 1 + (n // 10) % 3, models[n % 4]
            failed = rng.random() < 0.05
            created = f"2026-11-{1 + n % 30:02d}T{n % 24:02d}:00:00.{n:06d}Z"
            provider = "openai" if model.startswith("gpt") else "anthropic"
            request = {"model": model, "messages": [{"role": "user", "content": f"case {n}"}]}
            run_id = f"{n:032x}"
            run_rows.append({
                "id": run_id, "created_at": created, "ref": f"{prompt}@{version}", "prompt_name": prompt,
                "prompt_version": version, "prompt_sha256": f"{version:064x}", "draft": False, "provider": provider,
                "model": model, "strategy": "direct", "variables": {"case": n}, "parameters": {}, "request": request,
                "output": None if failed else f"answer {n}", "input_tokens": 240, "output_tokens": 60, **tokens,
                "latency_s": 0.8, "cost_usd": None if n % 50 == 0 else 0.0002, "status": "error" if failed else "ok",
                "error": "boom" if failed else None, "origin": "ab"})
            for seq in (1, 2):
                call_rows.append({
                    "run_id": run_id, "seq": seq, "created_at": created, "provider": provider, "model": model,
                    "fingerprint": f"{n:062x}{seq:02x}", "request": request,
                    "output": None if failed else f"answer {n}", "input_tokens": 120, "output_tokens": 30, **tokens,
                    "latency_s": 0.4, "cached": False, "cost_usd": None if n % 50 == 0 else 0.0001,
                    "error": "boom" if failed else None})
        with store.engine.begin() as conn:
            conn.execute(runs_table.insert(), run_rows)
            conn.execute(calls_table.insert(), call_rows)
    took = time.perf_counter() - start
    store.close()
    return n_runs, took


def measure(url: str, folder: Path, rounds: int) -> dict[str, Any]:
    """Median wall time of ``promptctl log --summary`` (a new process) and of the in-process summary."""
    from promptctl.store.runs import RunStore
    from promptctl.store.summary import summarise_many

    env = {k: v for k, v in os.environ.items() if not k.startswith("PROMPTCTL_")}
    env["PROMPTCTL_DATABASE_URL"] = url
    subprocess.run([*PROMPTCTL, "init"], cwd=folder, env=env, check=True, capture_output=True)
    command: list[float] = []
    command_cpu: list[float] = []
    for _ in range(rounds):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        done = subprocess.run([*PROMPTCTL, "log", "--summary"], cwd=folder, env=env, capture_output=True, check=False)
        command.append(time.perf_counter() - start)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        command_cpu.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
        if done.returncode != 0:
            raise SystemExit(f"log --summary failed: {done.stderr.decode()[-500:]}")
    store = RunStore(url)
    query: list[float] = []
    query_cpu: list[float] = []
    for _ in range(rounds):
        start, cpu = time.perf_counter(), time.process_time()
        rows = summarise_many(store, ["version", "day"])
        query.append(time.perf_counter() - start)
        query_cpu.append(time.process_time() - cpu)
    total_calls = sum(r["calls"] for r in rows["version"])
    store.close()
    baseline = []
    for _ in range(rounds):
        start = time.perf_counter()
        subprocess.run([sys.executable, "-c", "pass"], check=True)
        baseline.append(time.perf_counter() - start)
    return {"command": statistics.median(command), "query": statistics.median(query), "calls": total_calls,
            "python": statistics.median(baseline), "command_cpu": statistics.median(command_cpu),
            "query_cpu": statistics.median(query_cpu)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--calls", type=int, default=100_000)
    parser.add_argument("--no-postgres", action="store_true", help="SQLite only")
    args = parser.parse_args()
    results: list[tuple[str, dict[str, Any], float]] = []
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        url = f"sqlite:///{folder / 'runs.db'}"
        runs, took = fill(url, args.calls)
        results.append(("SQLite", measure(url, folder, args.rounds), took))
        if not args.no_postgres:
            from promptctl.testing.postgres import TemporaryPostgres

            with TemporaryPostgres() as pg:
                url = pg.create_database("bench")
                _, took = fill(url, args.calls)
                results.append(("PostgreSQL", measure(url, folder, args.rounds), took))
    print(f"log --summary over {args.calls:,} calls ({runs:,} runs), median of {args.rounds}; "
          f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    print("wall: elapsed seconds (inflated by the machine's load); cpu: seconds of CPU the process used (user +"
          " system; PostgreSQL's own server work is not in it)")
    print(f"{'store':<11} {'calls seen':>10} {'fill s':>7} {'command wall':>12} {'command cpu':>11} {'query wall':>10} "
          f"{'query cpu':>9} {'python -c pass':>14} {'target':>7}  met (command wall)")
    for name, m, fill_s in results:
        print(f"{name:<11} {m['calls']:>10,} {fill_s:>7.1f} {m['command']:>12.3f} {m['command_cpu']:>11.3f} "
              f"{m['query']:>10.3f} {m['query_cpu']:>9.3f} {m['python']:>14.3f} {'< ' + str(TARGET_S):>7}  "
              f"{'yes' if m['command'] < TARGET_S else 'no'}")


if __name__ == "__main__":
    main()
