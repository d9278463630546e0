"""Remembered statistics (promptctl.evaluation.stats_memo) equal computed ones; percentile equals numpy's."""

from __future__ import annotations

import random
import sqlite3
from pathlib import Path

import numpy as np
import pytest

from promptctl.evaluation import stats, stats_memo


@pytest.fixture
def memo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("PROMPTCTL_CACHE_DIR", str(tmp_path))
    stats_memo.reset()
    yield tmp_path / "stats.sqlite3"
    stats_memo.reset()


PASSES_A = [1.0] * 60 + [0.0] * 40
PASSES_B = [1.0] * 50 + [0.0] * 10 + [1.0] * 30 + [0.0] * 10
SCORES_A = [round(0.1 * (i % 11), 1) for i in range(40)]
SCORES_B = [min(1.0, s + 0.05 * (i % 3)) for i, s in enumerate(SCORES_A)]


@pytest.mark.parametrize(("a", "b", "binary"), [(PASSES_A, PASSES_B, True), (SCORES_A, SCORES_B, False)])
def test_remembered_results_equal_computed_ones_in_memory_and_from_the_file(memo: Path, a, b, binary: bool) -> None:
    summary = stats.summarise(a, binary=binary)
    comparison = stats.compare(a, b, binary=binary, labels=("A", "B"), mde=0.05)
    assert stats_memo.summarise(a, binary=binary) == summary  # computed and stored
    assert stats_memo.compare(a, b, binary=binary, labels=("A", "B"), mde=0.05) == comparison
    assert stats_memo.summarise(a, binary=binary) == summary  # from memory
    stats_memo.reset()  # a new process: the file remains
    assert stats_memo.summarise(a, binary=binary) == summary
    assert stats_memo.compare(a, b, binary=binary, labels=("A", "B"), mde=0.05).to_dict() == comparison.to_dict()
    assert sqlite3.connect(memo).execute("SELECT count(*) FROM results").fetchone()[0] == 2


def test_other_arguments_are_other_entries(memo: Path) -> None:
    first = stats_memo.compare(PASSES_A, PASSES_B, binary=True, alpha=0.05)
    other = stats_memo.compare(PASSES_A, PASSES_B, binary=True, alpha=0.01)
    assert first.alpha == 0.05 and other.alpha == 0.01
    assert stats_memo.compare(PASSES_B, PASSES_A, binary=True).difference == -first.difference  # type: ignore[operator]


def test_a_read_back_entry_is_what_a_computation_gives_even_if_the_file_was_damaged(memo: Path) -> None:
    expected = stats.summarise(PASSES_A, binary=True)
    stats_memo.summarise(PASSES_A, binary=True)
    stats_memo.reset()
    sqlite3.connect(memo, isolation_level=None).execute("UPDATE results SET value = 'not json'")
    assert stats_memo.summarise(PASSES_A, binary=True) == expected


def test_an_unusable_cache_folder_only_turns_remembering_off(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    monkeypatch.setenv("PROMPTCTL_CACHE_DIR", str(blocker))
    stats_memo.reset()
    try:
        assert stats_memo.summarise(SCORES_A, binary=False) == stats.summarise(SCORES_A, binary=False)
    finally:
        stats_memo.reset()


def test_percentile_is_numpys_linear_percentile_to_the_bit() -> None:
    rng = random.Random(14)
    for _ in range(2000):
        values = [rng.choice([rng.random() * 5, rng.randint(0, 3) * 0.1, rng.expovariate(3)])
                  for _ in range(rng.randint(1, 40))]
        for q in (0, 5, 50, 95, 100, rng.random() * 100):
            assert stats.percentile(values, q) == float(np.percentile(np.asarray(values, dtype=float), q))
    assert stats.percentile([], 50) is None
