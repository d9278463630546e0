"""The run store on a real PostgreSQL server (issue 17): many processes at once, migrations, the CLI on it."""

from __future__ import annotations

import json
import multiprocessing
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from promptctl.store import migrate
from promptctl.store.runs import RunStore, append_calls, calls, ensure_run, insert_run, runs
from tests.conftest import run_cli
from tests.store.test_migrations import schema_diff

pytestmark = pytest.mark.postgres

PROCESSES = 10
RUNS_EACH = 5  # per process: RUNS_EACH runs call by call, RUNS_EACH A/B-style cases in one transaction each
JUDGE = "d" * 32  # one judge run every process appends to (an A/B comparison's judge)


def _run_fields(i: int) -> dict[str, Any]:
    return {"ref": "q@1", "prompt_name": "q", "prompt_version": 1, "prompt_sha256": "0" * 64, "provider": "fake",
            "model": "m", "variables": {"i": i}, "parameters": {}, "request": {"messages": [{"content": str(i)}]}}


def _call(i: int, k: int) -> dict[str, Any]:
    return {"provider": "fake", "model": "m", "fingerprint": f"{i:032x}{k:032x}", "request": {"k": k},
            "output": f"out {i}.{k}", "input_tokens": 3, "output_tokens": 1, "cached": False}


def _writer(url: str, worker: int, barrier: Any, results: Any) -> None:
    try:
        barrier.wait(timeout=60)
        store = RunStore(url)  # all ten open a new database at once: one of them migrates it
        written: list[str] = []
        for n in range(RUNS_EACH):
            i = worker * 1000 + n
            run_id = store.start_run(**_run_fields(i))
            for k in range(3):
                store.add_call(run_id, **_call(i, k))
            store.finish_run(run_id, status="ok", output="done", cost_usd=0.001)
            written.append(run_id)
        for n in range(RUNS_EACH):
            i = worker * 1000 + 500 + n
            with store.engine.begin() as conn:  # an A/B case: run, calls and the judge's calls together
                written.append(insert_run(conn, run={**_run_fields(i), "status": "ok", "origin": "ab"}, usage=None,
                                          call_rows=[_call(i, 0), _call(i, 1)]))
                ensure_run(conn, JUDGE, **_run_fields(-1), status="ok", origin="ab", strategy="judge")
                append_calls(conn, JUDGE, [_call(i, 9)])
        store.close()
        results.put(written)
    except BaseException as exc:  # noqa: BLE001 - reported to the parent
        results.put(f"{type(exc).__name__}: {exc}")


def test_ten_processes_writing_runs_at_once_lose_no_row(postgres_url: str) -> None:
    ctx = multiprocessing.get_context("fork")
    barrier, results = ctx.Barrier(PROCESSES), ctx.Queue()
    workers = [ctx.Process(target=_writer, args=(postgres_url, w, barrier, results)) for w in range(PROCESSES)]
    for worker in workers:
        worker.start()
    outcomes = [results.get(timeout=120) for _ in workers]
    for worker in workers:
        worker.join(timeout=30)
    failures = [o for o in outcomes if isinstance(o, str)]
    assert failures == []
    written = {run_id for ids in outcomes for run_id in ids}
    assert len(written) == PROCESSES * RUNS_EACH * 2

    store = RunStore(postgres_url)
    with store.engine.connect() as conn:
        stored = {r for (r,) in conn.execute(sa.select(runs.c.id))}
        per_run = dict(conn.execute(sa.select(calls.c.run_id, sa.func.count()).group_by(calls.c.run_id)).all())
        judge_seqs = sorted(s for (s,) in conn.execute(sa.select(calls.c.seq).where(calls.c.run_id == JUDGE)))
        versions = conn.execute(sa.text("SELECT count(*) FROM alembic_version")).scalar_one()
    assert stored == written | {JUDGE}
    assert sum(per_run.values()) == PROCESSES * RUNS_EACH * (3 + 2 + 1)
    assert all(per_run[r] in (2, 3) for r in written)
    assert judge_seqs == list(range(1, PROCESSES * RUNS_EACH + 1))  # numbered one after another, none twice
    assert versions == 1 and migrate.current(store.engine) == migrate.HEAD
    store.close()


def test_a_postgres_store_of_the_release_before_migrations_is_adopted_intact(postgres_url: str) -> None:
    from alembic import command

    engine = sa.create_engine(postgres_url)
    with engine.begin() as conn:  # 0.1.0's tables (the baseline's frozen definitions), without alembic_version
        config = migrate._config()
        config.attributes["connection"] = conn
        command.upgrade(config, "0001")
        conn.execute(sa.text("DROP TABLE alembic_version"))
    with engine.begin() as conn:
        conn.execute(runs.insert().values(id="a" * 32, created_at="2026-12-01T10:00:00Z", **_run_fields(1),
                                          draft=False, strategy="direct", status="ok", origin="run",
                                          input_tokens=1, output_tokens=1, cached_input_tokens=0,
                                          cache_write_tokens=0, reasoning_tokens=0))
        conn.execute(sa.text("INSERT INTO calls (run_id, seq, created_at, provider, model, fingerprint, request, "
                             "output, input_tokens, output_tokens, cached_input_tokens, cache_write_tokens, "
                             "reasoning_tokens, cached) VALUES (:r, 1, '2026-12-01T10:00:00Z', 'fake', 'm', 'f', "
                             "'{}', 'out 1.0', 3, 1, 0, 0, 0, false)"), {"r": "a" * 32})
    engine.dispose()
    store = RunStore(postgres_url)
    assert migrate.current(store.engine) == migrate.HEAD and schema_diff(store.engine) == []
    assert store.get("a" * 32)["variables"] == {"i": 1} and store.calls_of("a" * 32)[0]["output"] == "out 1.0"
    store.close()


def test_every_command_works_with_a_postgres_database_url(postgres_url: str, tmp_path: Path) -> None:
    env = {"PROMPTCTL_DATABASE_URL": postgres_url.replace("postgresql+psycopg://", "postgresql://")}
    assert run_cli("init", cwd=tmp_path).returncode == 0
    for question in ("What is a prompt?", "And a version?"):
        done = run_cli("run", "hello@1", "-", "--provider", "fake", cwd=tmp_path, env=env, stdin=question)
        assert done.returncode == 0, done.stderr
    listed = json.loads(run_cli("log", "--json", cwd=tmp_path, env=env).stdout)
    assert [r["prompt"]["name"] for r in listed] == ["hello", "hello"] and listed[0]["usage"]["input_tokens"] > 0
    summary = json.loads(run_cli("log", "--summary", "--json", cwd=tmp_path, env=env).stdout)
    assert summary["total"]["runs"] == 2 and summary["total"]["calls"] == 2
    shown = run_cli("log", "show", listed[0]["run_id"][:12], cwd=tmp_path, env=env)
    assert shown.returncode == 0 and "=== calls (1)" in shown.stdout
    assert "up to date" in run_cli("db", "current", cwd=tmp_path, env=env).stdout
    libpq = {"PROMPTCTL_DATABASE_URL": postgres_url.replace("postgresql+psycopg://", "postgres://")}
    assert len(json.loads(run_cli("log", "--json", cwd=tmp_path, env=libpq).stdout)) == 2
    compared = run_cli("ab", "hello@1", "hello@1::strategy=cot", "--dataset", "fixtures/datasets/hello.yaml",
                       "--provider", "fake", "--json", cwd=tmp_path, env=env)
    assert compared.returncode == 0, compared.stderr
    [past] = json.loads(run_cli("runs", "--json", cwd=tmp_path, env=env).stdout)
    assert past["kind"] == "ab" and past["id"] == json.loads(compared.stdout)["ab_run_id"]
    summary = json.loads(run_cli("log", "--summary", "--json", cwd=tmp_path, env=env).stdout)
    assert summary["total"]["runs"] > 2 and summary["total"]["calls"] == summary["total"]["runs"]



def test_what_sqlite_keeps_postgres_keeps_too(postgres_url: str) -> None:
    """NUL characters, NaN in JSON and long names: SQLite takes them, so PostgreSQL must not lose the run.

    PostgreSQL's text cannot hold NUL (stored as U+FFFD, the replacement character), its JSON has no NaN or
    infinities (stored as null, as JavaScript's ``JSON.stringify`` does), and a ``VARCHAR(n)`` refuses longer
    values (names and ids from outside are unbounded ``TEXT`` there since revision 0004).
    """
    from promptctl.evaluation import ab_store

    store = RunStore(postgres_url)
    long_model = "ft:gpt-4.1-mini:" + "org-" * 80
    parsed = {"score": float("nan"), "top": [-float("inf")]}
    run_id = store.start_run(**{**_run_fields(1), "ref": "q@1::" + "x" * 300, "model": long_model,
                                "variables": {"text": "a\x00b"}, "parsed": parsed})
    store.add_call(run_id, provider="fake", model=long_model, fingerprint="f" * 64, request={"t": "a\x00b"},
                   output="before\x00after", request_id="req_" + "9" * 300, response_model=long_model,
                   finish_reason="stop\x00", cached=False)
    store.finish_run(run_id, status="error", output="before\x00after", answer="x\x00", error="bad \x00 byte")
    row = store.get(run_id)
    assert row is not None
    assert (row["output"], row["answer"], row["error"]) == ("before\ufffdafter", "x\ufffd", "bad \ufffd byte")
    assert row["model"] == long_model and len(row["ref"]) == 305
    assert row["variables"] == {"text": "a\x00b"} and row["parsed"] == {"score": None, "top": [None]}
    [call] = store.calls_of(run_id)
    assert (call["output"], call["request_id"], call["finish_reason"]) == ("before\ufffdafter", "req_" + "9" * 300,
                                                                          "stop\ufffd")
    ab_id = ab_store.create_ab_run(store, {"variants": [], "scores": [float("nan")]})
    with store.engine.begin() as conn:
        ab_store.put_result(conn, {"ab_run_id": ab_id, "variant": 0, "case_index": 0, "case_id": "case " * 60,
                                   "trial": 0, "run_id": run_id, "status": "ok", "output": "\x00", "score": 0.5,
                                   "passed": None, "detail": "d\x00", "latency_s": 0.1, "input_tokens": 1,
                                   "output_tokens": 1, "cost_usd": None, "list_cost_usd": None,
                                   "judge_cost_usd": None, "cached": False, "error": None})
    [result] = ab_store.results_of(store, ab_id)
    assert result["case_id"] == "case " * 60 and (result["output"], result["detail"]) == ("\ufffd", "d\ufffd")
    assert ab_store.get_ab_run(store, ab_id)["spec"] == {"variants": [], "scores": [None]}
    assert migrate.current(store.engine) == migrate.HEAD and schema_diff(store.engine) == []
    store.close()
