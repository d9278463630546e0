"""The run store keeps what strategies produce, and older stores gain the columns when opened."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from promptctl.store.runs import RunStore, record_dict

NEW_RUN_COLUMNS = {"answer", "reasoning", "parsed", "votes", "confidence", "samples_drawn", "steps", "details"}


def test_old_store_gains_the_strategy_columns(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE runs (id VARCHAR(32) PRIMARY KEY, created_at VARCHAR(32) NOT NULL)")
        conn.execute("CREATE TABLE calls (id INTEGER PRIMARY KEY, run_id VARCHAR(32) NOT NULL)")
    RunStore(f"sqlite:///{path}").close()
    with sqlite3.connect(path) as conn:
        assert NEW_RUN_COLUMNS <= {r[1] for r in conn.execute("PRAGMA table_info(runs)")}
        assert {"tag", "step"} <= {r[1] for r in conn.execute("PRAGMA table_info(calls)")}


def test_record_has_the_strategy_keys_null_for_a_direct_run(tmp_path: Path) -> None:
    store = RunStore(f"sqlite:///{tmp_path / 'runs.db'}")
    run_id = store.start_run(ref="p@1", prompt_name="p", prompt_version=1, prompt_sha256="0" * 64, draft=True,
                             provider="fake", model="m", strategy="direct", variables={}, parameters={}, request={})
    record = record_dict(store.get(run_id))
    assert {k: record[k] for k in NEW_RUN_COLUMNS} == dict.fromkeys(NEW_RUN_COLUMNS)
    store.finish_run(run_id, votes={"a": 2}, parsed={"x": [1]}, steps=[{"id": "s"}], confidence=1.0, status="ok")
    record = record_dict(store.get(run_id))
    assert record["votes"] == {"a": 2} and record["parsed"] == {"x": [1]} and record["steps"] == [{"id": "s"}]
    store.close()
