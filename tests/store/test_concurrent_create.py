"""Many processes creating a new run store at once never fail (issue 12, "no lost writes")."""

from __future__ import annotations

import multiprocessing
from pathlib import Path

from promptctl.store.runs import RunStore

PROCESSES, ROUNDS = 20, 10


def _open_stores(urls: list[str], barrier: multiprocessing.synchronize.Barrier, results: multiprocessing.Queue) -> None:
    """Open each new store in turn, all processes starting each round together (the barrier)."""
    for url in urls:
        barrier.wait(timeout=30)
        try:
            RunStore(url).engine.dispose()
            results.put((url, "ok"))
        except BaseException as exc:  # noqa: BLE001 - reported to the parent
            results.put((url, f"{type(exc).__name__}: {exc}"))


def test_twenty_processes_open_a_new_sqlite_store_at_once_ten_rounds(tmp_path: Path) -> None:
    # The same 20 processes take part in every round (forking a pytest process 200 times costs ~20 s and
    # tests nothing more): each round is a new database that all 20 open at the same moment. Without the
    # retry in ensure_schema about a quarter of these opens fail ("table runs already exists").
    ctx = multiprocessing.get_context("fork")
    urls = [f"sqlite:///{tmp_path / f'round{round_}' / 'runs.db'}" for round_ in range(ROUNDS)]
    barrier, results = ctx.Barrier(PROCESSES), ctx.Queue()
    workers = [ctx.Process(target=_open_stores, args=(urls, barrier, results)) for _ in range(PROCESSES)]
    for worker in workers:
        worker.start()
    outcomes = [results.get(timeout=60) for _ in range(PROCESSES * ROUNDS)]
    for worker in workers:
        worker.join(timeout=30)
    failures = [(url, outcome) for url, outcome in outcomes if outcome != "ok"]
    assert not failures, failures[:3]
    assert sorted(url for url, _ in outcomes) == sorted(urls * PROCESSES)
    for url in urls:
        assert RunStore(url).recent(1) == []  # the schema is complete and readable
