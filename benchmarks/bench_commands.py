"""Everyday commands' whole-process wall time beside ``python -c pass`` (issue 14: each at most 8x, ``--help`` 4x).

The example project (this repository's ``prompts/`` and ``fixtures/``) is copied into a temporary folder with
a run store holding a few recorded runs (fake provider, no network), then every command and the baseline run
in rounds: each round runs every command once, in a shuffled order, so that the machine's load falls on all
of them alike. Printed: the median wall time of each, its ratio to the baseline's median, the target, met.

    python benchmarks/bench_commands.py [--rounds 15]
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Mapping
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = "fixtures/support-agent/sample.yaml"
PROMPTCTL = [sys.executable, "-m", "promptctl"]
BASELINE = "python -c pass"
COMMANDS: dict[str, tuple[list[str], float]] = {
    # label: (argv after promptctl, target ratio to the baseline)
    "--help": (["--help"], 4.0),
    "render": (["render", "support-agent", "--vars", SAMPLE], 8.0),
    "run --dry-run": (["run", "support-agent", "--vars", SAMPLE, "--dry-run"], 8.0),
    "cost": (["cost", "support-agent", "--vars", SAMPLE], 8.0),
    "list": (["list"], 8.0),
    "show": (["show", "support-agent@production"], 8.0),
    "log -n 5": (["log", "-n", "5"], 8.0),
}


def installed_env(env: Mapping[str, str]) -> dict[str, str]:
    """``env`` for running promptctl as a pip-installed copy runs: from its modules' bytecode.

    pip compiles a package's modules when it installs it; a checkout run with ``PYTHONDONTWRITEBYTECODE=1``
    (some sandboxes set it) would instead compile every promptctl module on every start, about 0.1 s per
    command that no user pays. So the package is compiled once here (``__pycache__`` is git-ignored, and Python
    checks each file's bytecode against its source) and the variable is left out of the returned environment.
    """
    env = {k: v for k, v in env.items() if k != "PYTHONDONTWRITEBYTECODE"}
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(ROOT / "promptctl")], env=env, check=True,
                   stdout=subprocess.DEVNULL)
    return env


def make_project(folder: Path) -> dict[str, str]:
    """Copy the example project into ``folder``, record three fake runs; return the environment to run in."""
    for name in ("prompts", "fixtures"):
        shutil.copytree(ROOT / name, folder / name)
    env = installed_env({k: v for k, v in os.environ.items() if not k.startswith("PROMPTCTL_")})
    env["PROMPTCTL_DATABASE_URL"] = f"sqlite:///{folder / 'runs.db'}"
    for _ in range(3):
        subprocess.run([*PROMPTCTL, "run", "support-agent", "--vars", SAMPLE, "--provider", "fake"], cwd=folder,
                       env={**env, "PROMPTCTL_FAKE_REPLIES": '["Hi Priya, we are on it."]'}, check=True,
                       capture_output=True)
    return env


def once(argv: list[str], folder: Path, env: dict[str, str]) -> float:
    start = time.perf_counter()
    out = subprocess.run(argv, cwd=folder, env=env, capture_output=True, check=False)
    elapsed = time.perf_counter() - start
    if out.returncode != 0:
        raise SystemExit(f"{' '.join(argv)} failed ({out.returncode}): {out.stderr.decode()[-500:]}")
    return elapsed


def interleaved(argvs: dict[str, list[str]], rounds: int, folder: Path, env: dict[str, str]) -> dict[str, list[float]]:
    """Wall seconds of every command per round: one warm-up each, then ``rounds`` rounds in shuffled order."""
    for argv in argvs.values():  # warm the page cache, the bytecode and promptctl's user caches
        once(argv, folder, env)
    times: dict[str, list[float]] = {k: [] for k in argvs}
    order = list(argvs)
    for _ in range(rounds):
        random.shuffle(order)
        for label in order:
            times[label].append(once(argvs[label], folder, env))
    return times


def print_rows(rows: list[tuple[str, float, str, bool]]) -> None:
    """Print rows (figure, measured, target, met) between the load averages."""
    for figure, measured, target, met in rows:
        print(f"{figure:<58} {measured:>8.3f} {target:>8}  {'met' if met else 'NOT MET'}")
    print(f"load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


def measure(rounds: int) -> list[tuple[str, float, str, bool]]:
    """Rows (figure, measured, target, met) for the baseline-relative figures; medians of ``rounds`` rounds."""
    with tempfile.TemporaryDirectory(prefix="promptctl-bench-cmd-") as tmp:
        folder = Path(tmp)
        env = make_project(folder)
        argvs = {BASELINE: [sys.executable, "-c", "pass"]} | {k: [*PROMPTCTL, *v[0]] for k, v in COMMANDS.items()}
        times = interleaved(argvs, rounds, folder, env)
    base = statistics.median(times[BASELINE])
    rows = [(f"{BASELINE} (baseline), median s", base, "-", True)]
    for label, (_, target) in COMMANDS.items():
        ratio = statistics.median(times[label]) / base
        rows.append((f"promptctl {label}, x baseline ({statistics.median(times[label]):.3f} s)", ratio,
                     f"<= {target:g}x", ratio <= target))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=15)
    args = parser.parse_args()
    print(f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print_rows(measure(args.rounds))


if __name__ == "__main__":
    main()
