"""Alembic migrations of the run store on SQLite (issue 17): stores of the release before Alembic migrate intact."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from promptctl.errors import InputError
from promptctl.store import migrate
from promptctl.store.runs import RunStore, metadata
from tests.conftest import run_cli

SCHEMA_0_1_0 = Path(__file__).parent / "data" / "store_0_1_0.sql"


def schema_diff(engine: sa.Engine) -> list[Any]:
    """What differs between the database and the tables the code defines (empty: the same)."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    import promptctl.evaluation.ab_store  # noqa: F401 - the A/B tables join ``metadata``

    with engine.connect() as conn:
        return list(compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), metadata))


def _rows(path: Path) -> dict[str, list[dict[str, Any]]]:
    with sqlite3.connect(path) as conn:
        conn.row_factory = sqlite3.Row
        return {table: [dict(r) for r in conn.execute(f"SELECT * FROM {table} ORDER BY id")]
                for table in ("runs", "calls", "ab_runs", "ab_results", "ab_pairwise")}


def make_0_1_0_store(path: Path) -> None:
    """A store as promptctl 0.1.0 wrote it: its exact schema (dumped from that release) and a row in every table."""
    run = ("a" * 32, "2026-12-01T10:00:00Z", "q@1", "q", 1, "1" * 64, 0, "openai", "gpt-4.1-mini", "direct",
           json.dumps({"x": "1"}), json.dumps({"temperature": 0}), json.dumps({"messages": []}), "four", 10, 2, 0, 0, 0,
           0.5, 0.0001, "ok", None, json.dumps({"estimate": True, "low_usd": 0.0}), "4", None, None, None, None, None,
           None, None, "ab")
    judge = ("b" * 32, *run[1:9], "judge", *run[10:32], None)  # an old judge run: origin not yet known
    with sqlite3.connect(path) as conn:
        conn.executescript(SCHEMA_0_1_0.read_text())
        conn.execute(f"INSERT INTO runs VALUES ({','.join('?' * len(run))})", run)
        conn.execute(f"INSERT INTO runs VALUES ({','.join('?' * len(judge))})", judge)
        conn.execute("INSERT INTO calls VALUES (1, ?, 1, '2026-12-01T10:00:00Z', 'openai', 'gpt-4.1-mini', ?, '{}', "
                     "'four', 10, 2, 0, 0, 0, 0.5, 'req_1', 0, NULL, 0.0001, 'sample:1', NULL)", ("a" * 32, "f" * 64))
        conn.execute("INSERT INTO ab_runs VALUES (?, '2026-12-01T10:00:00Z', '2026-12-01T10:01:00Z', 'completed', "
                     "'{\"variants\": []}', '{\"verdict\": \"tie\"}', NULL)", ("c" * 32,))
        conn.execute("INSERT INTO ab_results VALUES (1, ?, 0, 0, 'case-1', 0, ?, 'ok', 'four', 1.0, 1, NULL, 0.5, "
                     "10, 2, 0.0001, 0.0001, NULL, 0, NULL, '2026-12-01T10:00:30Z')", ("c" * 32, "a" * 32))
        conn.execute("INSERT INTO ab_pairwise VALUES (1, ?, 0, 1, 0, 0, 'first', 'second', 'baseline', 1, "
                     "'A is right', 'B is wrong', 0.0002, NULL, '2026-12-01T10:00:40Z')", ("c" * 32,))


def test_the_head_revision_is_the_newest_migration_script() -> None:
    from alembic.script import ScriptDirectory

    scripts = ScriptDirectory.from_config(migrate._config())
    assert scripts.get_heads() == [migrate.HEAD], "set promptctl.store.migrate.HEAD to the new revision"
    history = [r.revision for r in scripts.walk_revisions()]
    assert history[-1] == "0001" and len(scripts.get_bases()) == 1  # one linear history from the baseline


def test_a_new_sqlite_store_has_exactly_the_tables_the_code_defines(tmp_path: Path) -> None:
    store = RunStore(f"sqlite:///{tmp_path / 'runs.db'}")
    assert migrate.current(store.engine) == migrate.HEAD
    assert schema_diff(store.engine) == []


def test_a_store_written_by_the_release_before_migrations_opens_upgraded_with_every_row(tmp_path: Path) -> None:
    path = tmp_path / "runs.db"
    make_0_1_0_store(path)
    before = _rows(path)
    store = RunStore(f"sqlite:///{path}")
    assert migrate.current(store.engine) == migrate.HEAD
    assert schema_diff(store.engine) == []
    after = _rows(path)
    kept = {table: [{k: row[k] for k in before[table][0]} for row in rows] for table, rows in after.items()}
    assert kept == before  # every row of every table, every value, unchanged
    assert after["calls"][0]["finish_reason"] is None  # a column added since: empty for old rows
    assert store.get("a" * 12)["variables"] == {"x": "1"} and store.calls_of("a" * 32)[0]["tag"] == "sample:1"
    assert migrate.upgrade(store.engine) == (migrate.HEAD, migrate.HEAD)  # once: a second upgrade does nothing


def test_an_older_store_gains_the_later_columns_and_its_origins(tmp_path: Path) -> None:
    path = tmp_path / "runs.db"
    make_0_1_0_store(path)
    with sqlite3.connect(path) as conn:  # as the first releases wrote it: no origin, tag, step, reasons
        for table, column in (("runs", "origin"), ("calls", "tag"), ("calls", "step"),
                              ("ab_pairwise", "baseline_first_reason"), ("ab_pairwise", "candidate_first_reason")):
            conn.execute(f"ALTER TABLE {table} DROP COLUMN {column}")
    store = RunStore(f"sqlite:///{path}")
    assert schema_diff(store.engine) == []
    assert {r["id"][0]: r["origin"] for r in store.recent(10)} == {"a": "ab", "b": "ab"}  # an A/B case; a judge
    assert store.calls_of("a" * 32)[0]["tag"] is None


def test_a_failed_sqlite_upgrade_leaves_the_store_as_it_was(tmp_path: Path) -> None:
    """The upgrade is one transaction on SQLite too: a migration failing after others ran undoes all of them."""
    path = tmp_path / "runs.db"
    make_0_1_0_store(path)
    with sqlite3.connect(path) as conn:  # 0003 creates a table of this name: it fails after 0001 and 0002 ran
        conn.execute("CREATE VIEW batches AS SELECT 1 AS x")
    before = sqlite3.connect(path).execute("SELECT type, name, sql FROM sqlite_master ORDER BY name").fetchall()
    rows = _rows(path)
    with pytest.raises(InputError, match="cannot upgrade the run store"):
        RunStore(f"sqlite:///{path}")
    assert sqlite3.connect(path).execute("SELECT type, name, sql FROM sqlite_master ORDER BY name").fetchall() \
        == before  # no alembic_version, no column or index of 0001 and 0002 left behind
    assert _rows(path) == rows


def test_a_store_upgraded_by_a_newer_promptctl_is_refused_not_written(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'runs.db'}"
    RunStore(url).close()
    with sqlite3.connect(tmp_path / "runs.db") as conn:
        conn.execute("UPDATE alembic_version SET version_num = '9999'")
    with pytest.raises(InputError) as caught:
        RunStore(url)
    assert "schema revision 9999, newer than this promptctl knows" in str(caught.value)
    assert "install the newer promptctl" in (caught.value.hint or "")


def test_db_current_and_db_upgrade(tmp_path: Path) -> None:
    assert run_cli("init", cwd=tmp_path).returncode == 0
    make_0_1_0_store(tmp_path / "old.db")
    env = {"PROMPTCTL_DATABASE_URL": f"sqlite:///{tmp_path / 'old.db'}"}
    shown = run_cli("db", "current", "--json", cwd=tmp_path, env=env)
    assert json.loads(shown.stdout) == {"url": env["PROMPTCTL_DATABASE_URL"], "revision": None,
                                        "head": migrate.HEAD, "up_to_date": False}
    done = run_cli("db", "upgrade", cwd=tmp_path, env=env)
    assert done.returncode == 0
    assert done.stdout == f"{env['PROMPTCTL_DATABASE_URL']}: upgraded from none to {migrate.HEAD}\n"
    again = run_cli("db", "upgrade", cwd=tmp_path, env=env)
    assert again.stdout.endswith(f": already at revision {migrate.HEAD}\n")
    assert "up to date" in run_cli("db", "current", cwd=tmp_path, env=env).stdout


def test_an_unreachable_database_is_one_error_line_without_its_password(tmp_path: Path) -> None:
    assert run_cli("init", cwd=tmp_path).returncode == 0
    url = "postgresql://alice:s3cret-pw@127.0.0.1:1/runs"
    result = run_cli("log", cwd=tmp_path, env={"PROMPTCTL_DATABASE_URL": url})
    assert result.returncode == 2 and "s3cret-pw" not in result.stderr + result.stdout
    assert result.stderr.startswith("error: cannot open the run store postgresql://alice:***@127.0.0.1:1/runs: ")
    assert "Traceback" not in result.stderr and "hint: check PROMPTCTL_DATABASE_URL" in result.stderr


@pytest.mark.parametrize("command", [("log",), ("db", "current"), ("db", "upgrade")])
def test_a_file_that_is_not_a_database_is_one_error_line(tmp_path: Path, command: tuple[str, ...]) -> None:
    assert run_cli("init", cwd=tmp_path).returncode == 0
    (tmp_path / "notes.txt").write_text("these are not runs\n" * 200)
    result = run_cli(*command, cwd=tmp_path, env={"PROMPTCTL_DATABASE_URL": f"sqlite:///{tmp_path / 'notes.txt'}"})
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert result.stderr.startswith(f"error: cannot open the run store sqlite:///{tmp_path / 'notes.txt'}: ")
    assert "file is not a database" in result.stderr
    assert (tmp_path / "notes.txt").read_text() == "these are not runs\n" * 200


def test_a_postgres_scheme_url_uses_psycopg_3(monkeypatch: pytest.MonkeyPatch) -> None:
    made: list[str] = []

    def create_engine(url: sa.URL, **_: Any) -> Any:
        made.append(url.drivername)
        raise sa.exc.OperationalError("connect", {}, Exception("connection refused"))

    monkeypatch.setattr(sa, "create_engine", create_engine)
    for scheme in ("postgres", "postgresql"):
        with pytest.raises(InputError, match=f"^cannot open the run store {scheme}://alice:\\*\\*\\*@db/runs: "):
            RunStore(f"{scheme}://alice:pw-secret@db/runs")
    assert made == ["postgresql+psycopg", "postgresql+psycopg"]


def test_sqlite_keeps_nul_characters_and_long_names_as_given(tmp_path: Path) -> None:
    """The PostgreSQL replacements (U+FFFD for NUL, TEXT for names) change nothing on SQLite."""
    store = RunStore(f"sqlite:///{tmp_path / 'runs.db'}")
    run_id = store.start_run(ref="q@1::" + "x" * 300, prompt_name="q", prompt_version=1, prompt_sha256="0" * 64,
                             provider="fake", model="m" * 300, variables={"t": "a\x00b"})
    store.finish_run(run_id, status="error", output="a\x00b", error="bad \x00 byte")
    row = store.get(run_id)
    assert row is not None and (row["output"], row["error"], len(row["model"])) == ("a\x00b", "bad \x00 byte", 300)
    assert row["variables"] == {"t": "a\x00b"}


def test_a_credential_pasted_into_a_variable_never_reaches_the_database_file(tmp_path: Path) -> None:
    """Variables, requests, outputs and strategy records are redacted as written (the response cache still works)."""
    from promptctl.evaluation import ab_store

    key = "sk-ant-api03-" + "Q7" * 20
    store = RunStore(f"sqlite:///{tmp_path / 'runs.db'}")
    request = {"messages": [{"role": "user", "content": f"use {key}"}]}
    run_id = store.start_run(ref="q@1", prompt_name="q", prompt_version=1, prompt_sha256="0" * 64, provider="fake",
                             model="m", variables={"k": key}, request=request)
    store.add_call(run_id, provider="fake", model="m", fingerprint="f" * 64, request=request, output=f"echo {key}")
    store.finish_run(run_id, status="ok", output=f"echo {key}", answer=key, parsed={"k": key},
                     steps=[{"output": key}], details={"tool_calls": [{"arguments": {"k": key}}]})
    ab_id = ab_store.create_ab_run(store, {"variants": []})
    ab_store.update_ab_run(store, ab_id, result={"cases": [{"output": key}]})
    store.close()
    raw = (tmp_path / "runs.db").read_bytes()
    assert key.encode() not in raw and b"Q7Q7" not in raw
    again = RunStore(f"sqlite:///{tmp_path / 'runs.db'}")
    cached = again.cached_call("f" * 64)
    assert cached is not None and cached["output"] == "echo sk-ant-***"
    assert again.get(run_id)["variables"] == {"k": "sk-ant-***"}
