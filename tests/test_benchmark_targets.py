"""benchmarks/run_all.py prints every target of issue 14 beside its figure (the benchmarks themselves are not run
here: timing belongs in benchmarks/, not in the suite)."""

from __future__ import annotations

import sys
from pathlib import Path

BENCHMARKS = Path(__file__).resolve().parents[1] / "benchmarks"
sys.path.insert(0, str(BENCHMARKS))

import bench_ab  # noqa: E402
import bench_commands  # noqa: E402
import bench_consistency  # noqa: E402
import bench_registry_commands  # noqa: E402
import run_all  # noqa: E402


def test_the_benchmarks_hold_the_issues_targets() -> None:
    assert {label: target for label, (_, target) in bench_commands.COMMANDS.items()} == {
        "--help": 4.0, "render": 8.0, "run --dry-run": 8.0, "cost": 8.0, "list": 8.0, "show": 8.0, "log -n 5": 8.0}
    assert bench_registry_commands.TARGETS == {"list": 0.35, "verify": 1.5, "lint": 2.0}
    assert (bench_ab.TARGET_RATIO, bench_ab.TARGET_RSS_MIB, bench_ab.TARGET_RERUN_S) == (1.15, 120, 1.0)
    assert bench_consistency.TARGET_RATIO == 1.2


def test_the_table_prints_each_figure_beside_its_target_and_verdict() -> None:
    rows = [("python -c pass (baseline), median s", 0.03, "-", True),
            ("promptctl list, x baseline (0.2 s)", 6.5, "<= 8x", True),
            ("ab rerun of the finished comparison, s (0 calls)", 1.4, "<= 1.0", False)]
    printed = run_all.table(rows, (0.5, 0.4, 0.3), 12.0)
    lines = printed.splitlines()
    assert lines[1].split() == ["figure", "measured", "target", "met"]
    assert lines[3].split()[-4:] == ["6.500", "<=", "8x", "yes"]
    assert lines[4].split()[-4:] == ["1.400", "<=", "1.0", "NO"]
    assert "2 of 3 met in 12 s; load average before 0.50 0.40 0.30" in printed
