"""Many processes creating a new run store at once never fail (issue 12, "no lost writes")."""

from __future__ import annotations

import multiprocessing
from pathlib import Path

from promptctl.store.runs import RunStore


def _open_store(url: str, barrier: multiprocessing.synchronize.Barrier, results: multiprocessing.Queue) -> None:
    barrier.wait(timeout=30)
    try:
        RunStore(url).engine.dispose()
        results.put("ok")
    except BaseException as exc:  # noqa: BLE001 - reported to the parent
        results.put(f"{type(exc).__name__}: {exc}")


def test_twenty_processes_open_a_new_sqlite_store_at_once_ten_rounds(tmp_path: Path) -> None:
    ctx = multiprocessing.get_context("fork")
    for round_ in range(10):
        url = f"sqlite:///{tmp_path / f'round{round_}' / 'runs.db'}"
        barrier = ctx.Barrier(20)
        results = ctx.Queue()
        workers = [ctx.Process(target=_open_store, args=(url, barrier, results)) for _ in range(20)]
        for worker in workers:
            worker.start()
        outcomes = [results.get(timeout=60) for _ in workers]
        for worker in workers:
            worker.join(timeout=30)
        assert outcomes == ["ok"] * 20, f"round {round_}: {[o for o in outcomes if o != 'ok']}"
        assert RunStore(url).recent(1) == []  # the schema is complete and readable
