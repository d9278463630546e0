"""Reads of a current SQLite store through sqlite3 (promptctl.store.fastread) equal SQLAlchemy's, and fall back on
any doubt (issue 14)."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from promptctl.store import compiled_reads, queries, revision
from promptctl.store.fastread import SQLiteReader, open_reader, sqlite_path, variant_key
from promptctl.store.records import ORIGINS
from promptctl.store.runs import RunStore, calls, runs
from promptctl.types import LOOPBACK_REQUEST_ID_PREFIX

PROMPTS = ("résumé-écrit", "p1", "p_2", "p%3")


def test_the_compiled_statements_are_those_sqlalchemy_compiles_now() -> None:
    assert queries.GENERATED.read_text(encoding="utf-8") == queries.generated_source(), \
        "regenerate promptctl/store/compiled_reads.py: python -m promptctl.store.queries"


def test_they_were_compiled_for_the_head_revision_alembic_knows() -> None:
    from alembic.script import ScriptDirectory

    from promptctl.store import migrate

    assert ScriptDirectory.from_config(migrate._config()).get_heads() == [revision.HEAD]
    assert compiled_reads.REVISION == revision.HEAD == migrate.HEAD


def _typed(value: Any) -> Any:
    """``value`` with every leaf tagged by its type: ``True == 1`` and ``1 == 1.0`` compare unequal here."""
    if isinstance(value, dict):
        return {k: _typed(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return (type(value).__name__, [_typed(v) for v in value])
    return (type(value).__name__, value)


@pytest.fixture(scope="module")
def populated(tmp_path_factory: pytest.TempPathFactory) -> tuple[RunStore, str]:
    """A store written through SQLAlchemy with every column type, JSON null and SQL NULL, unicode and 600 runs."""
    url = f"sqlite:///{tmp_path_factory.mktemp('fast') / 'runs.db'}"
    store = RunStore(url)
    parsed_values: list[Any] = [None, {"a": [1, 2.5, "é"]}, 42, 3.25, [], True, "[1]"]  # None: JSON null
    with store.engine.begin() as conn:
        for n in range(600):
            run_id = f"{n % 7:x}{n:031x}"
            status = "error" if n % 9 == 0 else "running" if n % 13 == 0 else "ok"
            values: dict[str, Any] = dict(
                id=run_id, created_at=f"2026-11-{1 + n % 5:02d}T{n % 24:02d}:{n % 60:02d}:00+00:00",
                ref=f"{PROMPTS[n % 4]}@{1 + n % 3}", prompt_name=PROMPTS[n % 4], prompt_version=1 + n % 3,
                prompt_sha256=f"{n:064x}", draft=n % 2 == 0, provider=("openai", "anthropic", "fake")[n % 3],
                model=("gpt-4o", "claude-sonnet-4-6", "fake-model")[n % 3], strategy="direct",
                variables={"name": "Priya ✓", "n": n, "nested": {"x": None}} if n % 4 else {},
                parameters={"temperature": 0.5 * (n % 3)}, request={"messages": [{"role": "user", "content": "héllo"}]},
                output=None if n % 10 == 0 else f"réponse {n} 🙂", input_tokens=n, output_tokens=2 * n,
                cached_input_tokens=n % 5, cache_write_tokens=n % 3, reasoning_tokens=n % 2,
                latency_s=None if n % 6 == 0 else n / 7, cost_usd=None if n % 5 == 0 else n / 1000,
                status=status, error="boom: sk-ant-api03-" + "x" * 40 if status == "error" else None,
                origin=ORIGINS[n % 4] if n % 17 else None,
            )
            if n % 3:  # JSON columns: a value, JSON null, or (n % 3 == 0) SQL NULL: the column left out
                values.update(cost_estimate={"estimate": True, "usd": [0.1, 0.2]} if n % 2 else None,
                              parsed=parsed_values[n % len(parsed_values)], votes={"yes": 3} if n % 2 else None,
                              steps=[{"step": 1}], details={"tool_calls": [{"id": "t", "name": "f", "arguments": {}}]},
                              answer="yes", reasoning="because", confidence=0.75, samples_drawn=3)
            conn.execute(runs.insert().values(**values))
            for seq in range(1, 1 + n % 4):
                conn.execute(calls.insert().values(
                    run_id=run_id, seq=seq, created_at=values["created_at"], provider=values["provider"],
                    model=values["model"], fingerprint=f"{n:x}", request={"k": [seq, None]},
                    output=None if seq == 3 else "ok ✓", input_tokens=seq, output_tokens=(n + seq) % 7,
                    cached=seq == 2, error="timeout" if seq == 3 else None, cost_usd=None if seq == 2 else 0.5,
                    request_id=f"{LOOPBACK_REQUEST_ID_PREFIX}{n}" if n % 5 == 1 else (f"req_{n}" if n % 2 else None),
                    tag=f"sample:{seq}" if n % 2 else None, step=seq if n % 3 else None,
                    latency_s=seq / 3, finish_reason="stop" if seq != 3 else None, response_model="m-2026"))
        # JSON columns holding a JSON text (a string that is itself JSON): decoded a second time by both ways
        conn.execute(runs.update().where(runs.c.id == "1" + f"{1:031x}").values(variables=json.dumps({"twice": 1})))
    return store, url


@pytest.fixture
def reader(populated: tuple[RunStore, str], monkeypatch: pytest.MonkeyPatch) -> SQLiteReader:
    """The fast reader of the populated store; any fallback to SQLAlchemy fails the test."""
    opened = open_reader(populated[1])
    assert opened is not None

    def no_fallback(self: SQLiteReader) -> RunStore:
        raise AssertionError("the fast path fell back to SQLAlchemy")

    monkeypatch.setattr(SQLiteReader, "store", no_fallback)
    return opened


def _calls() -> list[tuple[str, tuple[Any, ...], dict[str, Any]]]:
    out: list[tuple[str, tuple[Any, ...], dict[str, Any]]] = []
    for prompt in (None, *PROMPTS, "none-such"):
        for limit in (1, 5, 20, 1000):
            out.append(("recent", (limit,), {"prompt": prompt}))
        for origins in [("run",), ("ab", "eval"), ("snapshot", "run", "ab"), ORIGINS, ("eval",)]:
            out.append(("recent", (50,), {"prompt": prompt, "origins": origins}))
        out.append(("count_by_origin", (), {"prompt": prompt}))
        for by in ("run", "version_day"):
            out.append(("grouped_totals", (by,), {"prompt": prompt}))
    for prompt in PROMPTS:
        for provider, model in (("openai", "gpt-4o"), ("anthropic", "claude-sonnet-4-6"), ("openai", "fake-model")):
            for version in (None, 1, 3):
                for test_replies in (False, True):
                    out.append(("output_tokens", (prompt, provider, model),
                                {"version": version, "limit": 7, "include_test_replies": test_replies}))
    for run_id in ("0", "1" + f"{1:031x}", f"{2:x}{9:031x}"[:12], "f", "", "%", "_", "zz"):
        out.append(("get", (run_id,), {}))
    for n in range(0, 40, 3):
        out.append(("calls_of", (f"{n % 7:x}{n:031x}",), {}))
    return out


def test_every_fast_read_returns_what_sqlalchemy_returns(populated: tuple[RunStore, str],
                                                        reader: SQLiteReader) -> None:
    store, _ = populated
    used: set[str] = set()
    for name, args, kwargs in _calls():
        want, got = getattr(store, name)(*args, **kwargs), getattr(reader, name)(*args, **kwargs)
        assert _typed(got) == _typed(want), (name, args, kwargs)
        used.add(name)
    assert used == {"recent", "count_by_origin", "grouped_totals", "output_tokens", "get", "calls_of"}
    assert len(store.recent(1000)) == 600 and any(r["draft"] is True for r in reader.recent(10))


def test_every_compiled_statement_is_run_by_the_comparison(populated: tuple[RunStore, str], reader: SQLiteReader,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    store, _ = populated
    seen: set[str] = set()
    real = SQLiteReader._select

    def spy(self: SQLiteReader, name: str, shape: dict[str, Any], args: dict[str, Any],
            lengths: dict[str, int] | None = None) -> Any:
        seen.add(variant_key(name, shape, lengths or {}))
        return real(self, name, shape, args, lengths)

    monkeypatch.setattr(SQLiteReader, "_select", spy)
    for name, args, kwargs in _calls():
        getattr(reader, name)(*args, **kwargs)
    for origins in ([ORIGINS[:n] for n in range(1, len(ORIGINS) + 1)]):
        for prompt in (None, "p1"):
            reader.recent(3, prompt=prompt, origins=origins)
    assert seen == set(compiled_reads.STATEMENTS)


def test_shapes_not_compiled_and_failed_reads_go_through_sqlalchemy(populated: tuple[RunStore, str]) -> None:
    store, url = populated
    reader = open_reader(url)
    assert reader is not None
    assert reader.recent(5, origins=()) == store.recent(5, origins=()) == []  # an empty IN: not compiled
    assert reader._fallback is not None
    closed = open_reader(url)
    assert closed is not None
    closed.connection.close()  # every statement now fails in sqlite3
    assert _typed(closed.recent(9)) == _typed(store.recent(9))
    assert closed.count_by_origin() == store.count_by_origin()


def _store_at(path: Path, version: str | None) -> str:
    url = f"sqlite:///{path}"
    RunStore(url).close()
    with sqlite3.connect(path) as db:
        if version is None:
            db.execute("DROP TABLE alembic_version")
        else:
            db.execute("UPDATE alembic_version SET version_num = ?", (version,))
    return url


@pytest.mark.parametrize("version", [None, "0002", "9999"])
def test_a_store_not_at_the_head_revision_is_left_to_sqlalchemy(tmp_path: Path, version: str | None) -> None:
    assert open_reader(_store_at(tmp_path / "runs.db", version)) is None


def test_anything_but_a_plain_existing_sqlite_file_is_left_to_sqlalchemy(tmp_path: Path) -> None:
    url = _store_at(tmp_path / "runs.db", revision.HEAD)
    assert open_reader(url) is not None
    assert open_reader(url.replace("sqlite:", "sqlite+pysqlite:")) is not None
    for other in (f"{url}?mode=ro", f"sqlite:///{tmp_path}/runs%2Edb", "sqlite://", "sqlite:///:memory:",
                  f"sqlite:///file:{tmp_path}/runs.db", "postgresql+psycopg://u:p@localhost/db",
                  f"sqlite+aiosqlite:///{tmp_path}/runs.db", f"sqlite:///{tmp_path}/missing.db"):
        assert open_reader(other) is None, other
    assert not (tmp_path / "missing.db").exists()  # deciding never creates a file
    damaged = tmp_path / "damaged.db"
    damaged.write_bytes(b"not a database" * 100)
    assert open_reader(f"sqlite:///{damaged}") is None
    empty = tmp_path / "empty.db"
    empty.write_bytes(b"")
    assert open_reader(f"sqlite:///{empty}") is None and empty.read_bytes() == b""


def test_a_store_locked_by_a_writer_is_left_to_sqlalchemy(tmp_path: Path) -> None:
    path = tmp_path / "runs.db"
    url = _store_at(path, revision.HEAD)
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")  # what a writer holds while it commits (rollback journal)
    try:
        assert open_reader(url) is None
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert open_reader(url) is not None


def test_sqlite_path_reads_the_url_as_sqlalchemy_does(tmp_path: Path) -> None:
    import sqlalchemy as sa

    for url in ("sqlite:///runs.db", f"sqlite:///{tmp_path}/a b#c.db", "sqlite+pysqlite:///rel/x.db",
                f"sqlite:///{tmp_path}/é.db"):
        assert sqlite_path(url) == sa.engine.make_url(url).database, url


def test_a_wal_store_written_by_ab_is_read_the_fast_way(tmp_path: Path) -> None:
    from promptctl.evaluation.ab_store import prepare

    url = f"sqlite:///{tmp_path / 'runs.db'}"
    store = RunStore(url)
    prepare(store)
    store.start_run(ref="p@1", prompt_name="p", prompt_version=1, prompt_sha256="0" * 64, provider="fake",
                    model="m")
    reader = open_reader(url)
    assert reader is not None
    assert _typed(reader.recent(5)) == _typed(store.recent(5))


LOG_COMMANDS = [
    ["log"], ["log", "-n", "5"], ["log", "--origin", "all", "-n", "100"], ["log", "--origin", "ab", "--origin", "eval"],
    ["log", "--origin", "snapshot", "--origin", "run", "--origin", "ab", "--origin", "eval"],
    ["log", "--prompt", "p1"], ["log", "--prompt", "none-such"], ["log", "--prompt", "p%3", "--origin", "all"],
    ["log", "--json", "-n", "40", "--origin", "all"], ["log", "--summary"], ["log", "--summary", "--json"],
    ["log", "--by", "run", "--prompt", "p1"], ["log", "--by", "day", "--by", "version", "--json"],
    ["log", "show", "1" + f"{1:031x}"], ["log", "show", f"{2:x}{9:031x}"[:12], "--json"], ["log", "show", "0"],
    ["log", "show", "zz"], ["log", "--origin", "bogus"],
]


def test_log_prints_byte_for_byte_what_it_printed_through_sqlalchemy(populated: tuple[RunStore, str],
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    from promptctl.store import fastread

    from ..conftest import run_cli

    root = Path(__file__).resolve().parents[2]
    _, url = populated
    fast = []
    with monkeypatch.context() as patched:
        def refused(self: RunStore, *args: Any, **kwargs: Any) -> None:
            raise AssertionError("the fast path opened the SQLAlchemy store")

        patched.setattr(RunStore, "__init__", refused)
        for argv in LOG_COMMANDS:
            fast.append(run_cli(*argv, cwd=root, env={"PROMPTCTL_DATABASE_URL": url}))
    monkeypatch.setattr(fastread, "open_reader", lambda url: None)
    for argv, got in zip(LOG_COMMANDS, fast, strict=True):
        want = run_cli(*argv, cwd=root, env={"PROMPTCTL_DATABASE_URL": url})
        assert (got.returncode, got.stdout, got.stderr) == (want.returncode, want.stdout, want.stderr), argv
    assert fast[0].returncode == 0 and fast[0].stdout.count("\n") == 21  # a header and 20 runs
