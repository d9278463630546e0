"""Every speed and memory target of promptctl in one table: figure, measured, target, met (issue 14).

Runs, in one process and one sitting (so every figure shares the machine's load of the moment):

- everyday commands on the example project, each as a ratio to ``python -c pass`` measured in the same
  interleaved rounds (``bench_commands.py``);
- ``list`` / ``verify`` / ``lint`` over the 1,000 prompts x 20 versions registry (``bench_registry_commands.py``);
- ``ab`` 2 x 200 at concurrency 16 against a 200 ms loopback server, whole process and peak RSS, its cached
  rerun, and promptfoo on the same comparison (``bench_ab.py``; promptfoo is installed with npm on first use);
- self-consistency, 10 concurrent samples, against one call (``bench_consistency.py``).

The load average before and after is printed: on a busy machine the ratios to the baseline hold up better
than absolute seconds, and a target missed under load is not a verdict on an idle machine.

    python benchmarks/run_all.py [--rounds 15] [--skip-promptfoo] [--only commands,registry,ab,consistency]
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import bench_ab  # noqa: E402
import bench_commands  # noqa: E402
import bench_consistency  # noqa: E402
import bench_registry_commands  # noqa: E402

Row = tuple[str, float, str, bool]


def ab_rows(promptfoo: bool) -> list[Row]:
    m = bench_ab.measure(promptfoo=promptfoo)
    ideal, first, rerun = m["ideal"], m["promptctl"], m["rerun"]
    rows: list[Row] = [
        (f"ab 2 x 200, c=16, 200 ms: whole process / ideal ({first['wall']:.2f} s / {ideal:.2f} s)",
         first["wall"] / ideal, f"<= {bench_ab.TARGET_RATIO}x", first["wall"] <= bench_ab.TARGET_RATIO * ideal),
        ("ab 2 x 200: peak RSS, MiB", first["rss_mib"], f"<= {bench_ab.TARGET_RSS_MIB}",
         first["rss_mib"] <= bench_ab.TARGET_RSS_MIB),
        (f"ab rerun of the finished comparison, s ({rerun['requests']} calls)", rerun["wall"],
         f"<= {bench_ab.TARGET_RERUN_S}", rerun["wall"] <= bench_ab.TARGET_RERUN_S and rerun["requests"] == 0),
    ]
    if m["promptfoo"]:
        pf = m["promptfoo"]
        rows.append((f"  promptfoo eval, same run: whole process / ideal ({pf['wall']:.2f} s)", pf["wall"] / ideal,
                     "(peer)", True))
        rows.append(("  promptfoo eval: peak RSS, MiB", pf["rss_mib"], "(peer)", True))
    elif m["promptfoo_note"]:
        print(m["promptfoo_note"], file=sys.stderr)
    return rows


def consistency_rows() -> list[Row]:
    with contextlib.redirect_stdout(io.StringIO()):
        ratio = bench_consistency.concurrency()
    return [("self-consistency, 10 concurrent samples / one call", ratio, f"<= {bench_consistency.TARGET_RATIO}x",
             ratio <= bench_consistency.TARGET_RATIO)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=15, help="interleaved rounds for the everyday commands")
    parser.add_argument("--registry-rounds", type=int, default=5)
    parser.add_argument("--skip-promptfoo", action="store_true")
    parser.add_argument("--only", default="commands,registry,ab,consistency")
    args = parser.parse_args()
    parts = set(args.only.split(","))
    load_before = os.getloadavg()
    start = time.perf_counter()
    rows: list[Row] = []
    if "commands" in parts:
        rows += bench_commands.measure(args.rounds)
    if "registry" in parts:
        rows += bench_registry_commands.measure(args.registry_rounds)
    if "ab" in parts:
        rows += ab_rows(not args.skip_promptfoo)
    if "consistency" in parts:
        rows += consistency_rows()
    print(table(rows, load_before, time.perf_counter() - start))


def table(rows: list[Row], load_before: tuple[float, float, float], seconds: float) -> str:
    """The printed table: figure, measured, target, met; then how many were met, and the load averages."""
    width = max(len(r[0]) for r in rows)
    lines = [f"\n{'figure':<{width}}  {'measured':>9}  {'target':>8}  met"]
    lines += [f"{figure:<{width}}  {measured:>9.3f}  {target:>8}  {'yes' if met else 'NO'}"
              for figure, measured, target, met in rows]
    missed = [r[0] for r in rows if not r[3]]
    lines.append(f"\n{len(rows) - len(missed)} of {len(rows)} met in {seconds:.0f} s; load average before "
                 f"{' '.join(f'{x:.2f}' for x in load_before)}, after {' '.join(f'{x:.2f}' for x in os.getloadavg())}"
                 f" on {os.cpu_count()} CPUs")
    return "\n".join(lines)


if __name__ == "__main__":
    main()
