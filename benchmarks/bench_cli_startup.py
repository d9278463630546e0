"""How long `promptctl --help` takes, beside `python -c pass` (issue: under 0.2 s here).

Runs each command N times (default 20) after one warm-up and prints min / median
wall time in seconds, and which provider SDKs the CLI imported (must be none).

    python benchmarks/bench_cli_startup.py [N]
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import time

N = int(sys.argv[1]) if len(sys.argv) > 1 else 20
TARGET_S = 0.2


def timed(cmd: list[str]) -> list[float]:
    subprocess.run(cmd, capture_output=True, check=False)  # warm the page cache
    times = []
    for _ in range(N):
        start = time.perf_counter()
        subprocess.run(cmd, capture_output=True, check=False)
        times.append(time.perf_counter() - start)
    return times


def main() -> None:
    rows = {
        "python -c pass": [sys.executable, "-c", "pass"],
        "promptctl --help": [sys.executable, "-m", "promptctl", "--help"],
        "promptctl render --help": [sys.executable, "-m", "promptctl", "render", "--help"],
    }
    print(f"{'command':<26} {'min s':>8} {'median s':>9}   (n={N})")
    results = {}
    for label, cmd in rows.items():
        t = timed(cmd)
        results[label] = statistics.median(t)
        print(f"{label:<26} {min(t):8.3f} {statistics.median(t):9.3f}")
    probe = (
        "import sys, runpy; sys.argv=['promptctl','--help']\n"
        "try:\n    runpy.run_module('promptctl', run_name='__main__')\nexcept SystemExit:\n    pass\n"
        "print('SDKS', sorted(m for m in ('openai','anthropic','ibm_watsonx_ai','instructor','tiktoken',"
        "'sqlalchemy','jinja2','pydantic') if m in sys.modules), file=sys.stderr)"
    )
    loaded = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True).stderr.strip()
    print(f"modules loaded by --help: {loaded.split('SDKS', 1)[-1].strip()}")
    help_s = results["promptctl --help"]
    verdict = "OK" if help_s < TARGET_S else "OVER TARGET"
    print(f"promptctl --help median {help_s:.3f} s vs target {TARGET_S} s: {verdict}")


if __name__ == "__main__":
    main()
