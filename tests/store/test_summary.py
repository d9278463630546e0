"""log --summary adds up in the database: its totals equal a plain sum over the stored rows (issue 17)."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import pytest

from promptctl.store.runs import RunStore, calls, runs
from promptctl.store.summary import summarise, summarise_many

NUMBERS = ("runs", "calls", "errors", "input_tokens", "output_tokens", "cached_input_tokens", "cache_write_tokens",
           "reasoning_tokens", "unpriced")


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> RunStore:
    store = RunStore(f"sqlite:///{tmp_path_factory.mktemp('summary') / 'runs.db'}")
    tokens = {"cached_input_tokens": 0, "cache_write_tokens": 0, "reasoning_tokens": 0}
    with store.engine.begin() as conn:
        for n in range(90):
            status = "error" if n % 7 == 0 else "running" if n % 11 == 0 else "ok"
            conn.execute(runs.insert().values(
                id=f"{n:032x}", created_at=f"2026-11-{1 + n % 4:02d}T{n % 24:02d}:00:00Z", ref="x",
                prompt_name=f"p{n % 3}", prompt_version=1 + n % 2, prompt_sha256="0" * 64, draft=False,
                provider="openai", model="m",
                strategy="direct", variables={}, parameters={}, request={}, status=status, input_tokens=n,
                output_tokens=2 * n, **{**tokens, "cached_input_tokens": n % 5},
                cost_usd=None if n % 5 == 0 else n / 1000))
            for seq in range(1, 1 + n % 4):
                conn.execute(calls.insert().values(run_id=f"{n:032x}", seq=seq, created_at="2026-11-01T00:00:00Z",
                                                   provider="openai", model="m", fingerprint="f", request={},
                                                   input_tokens=1, output_tokens=1, cached=False, **tokens))
    return store


def _plain(store: RunStore, key: Any) -> dict[Any, dict[str, Any]]:
    with store.engine.connect() as conn:
        rows = [dict(r) for r in conn.execute(runs.select()).mappings()]
        counts: dict[str, int] = defaultdict(int)
        for run_id, _ in conn.execute(calls.select().with_only_columns(calls.c.run_id, calls.c.id)):
            counts[run_id] += 1
    out: dict[Any, dict[str, Any]] = {}
    for r in rows:
        g = out.setdefault(key(r), {k: 0 for k in NUMBERS} | {"cost_usd": 0.0})
        g["runs"] += 1
        g["calls"] += counts[r["id"]]
        g["errors"] += r["status"] == "error"
        for k in NUMBERS[3:8]:
            g[k] += r[k]
        g["cost_usd"] += r["cost_usd"] or 0.0
        g["unpriced"] += r["cost_usd"] is None and r["status"] == "ok"
    return out


@pytest.mark.parametrize(("by", "key", "fields"), [
    ("version", lambda r: (r["prompt_name"], r["prompt_version"]), ("prompt", "version")),
    ("day", lambda r: r["created_at"][:10], ("day",)),
    ("run", lambda r: r["id"], ("run_id",)),
])
def test_each_grouping_equals_a_plain_sum_over_the_rows(store: RunStore, by: str, key: Any,
                                                         fields: tuple[str, ...]) -> None:
    expected = _plain(store, key)
    got = summarise(store, by)
    assert len(got) == len(expected)
    for row in got:
        want = expected[tuple(row[f] for f in fields) if len(fields) > 1 else row[fields[0]]]
        assert {k: row[k] for k in NUMBERS} == {k: want[k] for k in NUMBERS}
        assert row["cost_usd"] == pytest.approx(want["cost_usd"])
    if by == "day":
        assert [r["day"] for r in got] == sorted((r["day"] for r in got), reverse=True)


def test_several_groupings_at_once_and_one_prompt(store: RunStore) -> None:
    both = summarise_many(store, ["day", "version"], prompt="p1")
    assert list(both) == ["day", "version"]
    assert {(r["prompt"], r["version"]) for r in both["version"]} == {("p1", 1), ("p1", 2)}
    assert sum(r["runs"] for r in both["day"]) == sum(r["runs"] for r in both["version"]) == 30
