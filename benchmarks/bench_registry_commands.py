"""Whole ``list``, ``verify`` and ``lint`` commands over 1,000 prompts x 20 versions (issue 14: 0.35 / 1.5 / 2.0 s).

Generates the registry of ``registry_fixture.py`` in a temporary folder, runs each command once to warm
the page cache and promptctl's index cache (as any second use of a registry would find them), then in
rounds, each round running ``python -c pass`` and the three commands in a shuffled order, so the machine's
load falls on all alike. Prints the median wall time of each beside its target, and the baseline's.

    python benchmarks/bench_registry_commands.py [--rounds 5]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_commands import installed_env, interleaved, print_rows  # noqa: E402
from registry_fixture import generate  # noqa: E402

BASELINE = "python -c pass"
TARGETS = {"list": 0.35, "verify": 1.5, "lint": 2.0}


def measure(rounds: int = 5, prompts: int = 1000, versions: int = 20) -> list[tuple[str, float, str, bool]]:
    """Rows ``(figure, measured seconds, target, met)``: the baseline first, then list, verify and lint."""
    with tempfile.TemporaryDirectory(prefix="promptctl-bench-reg-") as tmp:
        folder = Path(tmp)
        generate(folder, prompts, versions)
        env = installed_env({k: v for k, v in os.environ.items() if not k.startswith("PROMPTCTL_")})
        env["PROMPTCTL_CACHE_DIR"] = str(folder / "user-cache")
        env["PROMPTCTL_DATABASE_URL"] = f"sqlite:///{folder / 'runs.db'}"
        argvs = {BASELINE: [sys.executable, "-c", "pass"]}
        argvs |= {name: [sys.executable, "-m", "promptctl", name] for name in TARGETS}
        times = interleaved(argvs, rounds, folder, env)
    base = statistics.median(times[BASELINE])
    rows = [(f"{BASELINE} (baseline, same rounds), s", base, "-", True)]
    for name, target in TARGETS.items():
        median = statistics.median(times[name])
        rows.append((f"promptctl {name}, {prompts:,} x {versions} registry, s", median, f"<= {target}",
                     median <= target))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    print(f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print_rows(measure(args.rounds))


if __name__ == "__main__":
    main()
