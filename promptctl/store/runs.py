"""The run store: every run and every provider call, in SQL through SQLAlchemy Core.

Default: SQLite at ``<project>/.promptctl/runs.db``. Override with the
``PROMPTCTL_DATABASE_URL`` environment variable or ``database_url`` in the
project config (any SQLAlchemy URL). A run row is written when the run starts
(status ``running``) and completed when it ends, and each call is inserted as
soon as it returns, so a crash keeps everything done before it. Credentials are
never stored: requests are stored as the JSON body the SDK sends, which holds
none.

Tables:

``runs``: id (32 hex), created_at (ISO 8601 UTC), ref, prompt_name, prompt_version, prompt_sha256,
draft, provider, model, strategy, variables (JSON), parameters (JSON), request (JSON body), output,
input_tokens, output_tokens, cached_input_tokens, cache_write_tokens, reasoning_tokens (tokens),
latency_s (seconds), cost_usd (USD or NULL), status (``running``/``ok``/``error``), error,
cost_estimate (JSON or NULL: the estimate made before the run, see
:meth:`promptctl.tokens.estimate.CostEstimate.to_dict`; always labelled ``"estimate": true``),
and what the strategy produced (all nullable): answer (the normalised final answer), reasoning,
parsed (JSON: the validated structured output), votes (JSON: answer -> votes), confidence (0-1),
samples_drawn, steps (JSON: one record per chain step, see :mod:`promptctl.executors.chain`),
details (JSON: strategy facts such as the few-shot selection and order, the stop rule, attempts).

``calls``: id, run_id, seq, created_at, provider, model, fingerprint (sha256 of the request),
request (JSON), output, the five token counts, latency_s, request_id, error, cost_usd (USD computed
from the call's reported usage, or NULL when the model has no known price), tag (what the call was
for: ``sample:3``, ``attempt:2``, ``gate``, or NULL), step (the chain step, 1-based, or NULL) and
finish_reason (the provider's stop reason, ``stop``, ``end_turn``, ``max_tokens`` ...) and response_model (the model
id the reply reports), both NULL for failed calls and for calls recorded before revision 0002.

Any SQLAlchemy URL works; SQLite (zero setup) and PostgreSQL (``postgresql+psycopg://``, many processes and
machines writing at once; the ``postgres`` extra installs psycopg) are the tested ones. The schema is
versioned with Alembic (:mod:`promptctl.store.migrate`): opening a store upgrades it to this release's revision,
once, under a lock; stores made before Alembic are adopted with their rows intact.
"""

from __future__ import annotations

import json
import math
import uuid
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from promptctl.errors import InputError
from promptctl.redaction import redact, redact_all
from promptctl.store.records import ORIGINS, TOKENS, decode_row, default_url, record_dict  # noqa: F401 - re-exported
from promptctl.types import utc_now

if TYPE_CHECKING:
    from promptctl.types import Usage

metadata = sa.MetaData()


class PostgresText(sa.types.TypeDecorator[str]):
    """``TEXT`` on PostgreSQL, which cannot hold the NUL character (U+0000): it is stored as U+FFFD there.

    SQLite keeps any text; a reply or a value holding a NUL must not make the run fail to record on PostgreSQL,
    so it is replaced by the replacement character (visible, one character for one). Used through
    :func:`text_type` and :func:`name_type`, so SQLite columns carry no processing at all.
    """

    impl = sa.Text
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: sa.engine.Dialect) -> Any:
        """Replace NUL characters by U+FFFD."""
        return value.replace("\x00", "\ufffd") if isinstance(value, str) and "\x00" in value else value


def text_type() -> sa.types.TypeEngine[str]:
    """Unbounded content text (output, answer, reason): ``TEXT``, redacted when written (:class:`RedactedText`)."""
    return RedactedText()


def name_type(length: int) -> sa.types.TypeEngine[str]:
    """A name or id that comes from outside promptctl (a ref, a model id, a case id, a provider's request id).

    ``VARCHAR(length)`` on SQLite, as the baseline migration made it (SQLite never enforces the length), and
    unbounded ``TEXT`` on PostgreSQL since revision 0004 (a ``VARCHAR(n)`` there refuses a longer value, which
    would lose the run).
    """
    return sa.String(length).with_variant(PostgresText(), "postgresql")


class RedactedText(PostgresText):
    """A ``TEXT`` column whose values are redacted as they are written (:func:`promptctl.redaction.redact`).

    Every ``error`` column of the store is one, and every column of content (outputs, answers, reasoning,
    judges' reasons): whatever produced the text (a provider, a proxy, an unexpected exception, a key pasted
    into a variable and echoed by the model), no credential is ever stored. On PostgreSQL a NUL is stored as
    U+FFFD (:class:`PostgresText`).
    """

    cache_ok = True

    def process_bind_param(self, value: Any, dialect: sa.engine.Dialect) -> Any:
        """Redact a string before it is bound to a statement (and replace NUL on PostgreSQL)."""
        value = redact(value) if isinstance(value, str) else value
        return super().process_bind_param(value, dialect) if dialect.name == "postgresql" else value


class RedactedJSON(sa.types.TypeDecorator[Any]):
    """A ``JSON`` column whose strings are redacted as they are written (:func:`promptctl.redaction.redact_all`).

    Variables, requests and strategy records hold what users and models wrote: a key pasted into a variable
    is stored as ``sk-***``. Lookups of the response cache are unaffected: a call's fingerprint is the sha256
    of the request actually sent, computed before anything is stored.
    """

    impl = sa.JSON
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: sa.engine.Dialect) -> Any:
        """Redact every string of the value before it is serialised."""
        return None if value is None else redact_all(value)


def finite_json(value: Any) -> str:
    """JSON text PostgreSQL accepts: NaN and infinities become null (as JavaScript's ``JSON.stringify`` does).

    SQLite stores Python's ``json.dumps`` output (which writes ``NaN``, not JSON) and reads it back; PostgreSQL's
    ``json`` type refuses it, which would lose the run. Used as the engine's ``json_serializer`` there.
    """
    try:
        return json.dumps(value, allow_nan=False)
    except ValueError:
        return json.dumps(_finite(value), allow_nan=False)


def _finite(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_finite(v) for v in value]
    return value




def _token_columns() -> list[sa.Column[Any]]:
    return [sa.Column(name, sa.Integer, nullable=False, default=0) for name in TOKENS]


runs = sa.Table(
    "runs",
    metadata,
    sa.Column("id", sa.String(32), primary_key=True),
    sa.Column("created_at", sa.String(32), nullable=False, index=True),
    sa.Column("ref", name_type(200), nullable=False),
    sa.Column("prompt_name", name_type(100), nullable=False, index=True),
    sa.Column("prompt_version", sa.Integer, nullable=False),
    sa.Column("prompt_sha256", sa.String(64), nullable=False),
    sa.Column("draft", sa.Boolean, nullable=False, default=False),
    sa.Column("provider", sa.String(32), nullable=False),
    sa.Column("model", name_type(200), nullable=False),
    sa.Column("strategy", sa.String(32), nullable=False, default="direct"),
    sa.Column("variables", RedactedJSON, nullable=False, default=dict),
    sa.Column("parameters", sa.JSON, nullable=False, default=dict),
    sa.Column("request", RedactedJSON, nullable=False, default=dict),
    sa.Column("output", text_type(), nullable=True),
    *_token_columns(),
    sa.Column("latency_s", sa.Float, nullable=True),
    sa.Column("cost_usd", sa.Float, nullable=True),
    sa.Column("status", sa.String(16), nullable=False, default="running"),
    sa.Column("error", RedactedText, nullable=True),
    sa.Column("cost_estimate", sa.JSON, nullable=True),
    sa.Column("answer", text_type(), nullable=True),
    sa.Column("reasoning", text_type(), nullable=True),
    sa.Column("parsed", RedactedJSON, nullable=True),
    sa.Column("votes", sa.JSON, nullable=True),
    sa.Column("confidence", sa.Float, nullable=True),
    sa.Column("samples_drawn", sa.Integer, nullable=True),
    sa.Column("steps", RedactedJSON, nullable=True),
    sa.Column("details", RedactedJSON, nullable=True),
    sa.Column("origin", sa.String(16), nullable=True),
)

calls = sa.Table(
    "calls",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("run_id", sa.String(32), sa.ForeignKey("runs.id"), nullable=False, index=True),
    sa.Column("seq", sa.Integer, nullable=False),
    sa.Column("created_at", sa.String(32), nullable=False),
    sa.Column("provider", sa.String(32), nullable=False),
    sa.Column("model", name_type(200), nullable=False),
    sa.Column("fingerprint", sa.String(64), nullable=False, index=True),
    sa.Column("request", RedactedJSON, nullable=False),
    sa.Column("output", text_type(), nullable=True),
    *_token_columns(),
    sa.Column("latency_s", sa.Float, nullable=True),
    sa.Column("request_id", name_type(200), nullable=True),
    sa.Column("cached", sa.Boolean, nullable=False, default=False),
    sa.Column("error", RedactedText, nullable=True),
    sa.Column("cost_usd", sa.Float, nullable=True),
    sa.Column("tag", sa.String(64), nullable=True),
    sa.Column("step", sa.Integer, nullable=True),
    sa.Column("finish_reason", name_type(64), nullable=True),
    sa.Column("response_model", name_type(200), nullable=True),
)

@contextmanager
def store_errors(url: str) -> Iterator[None]:
    """Turn the failures of opening the store at ``url`` into one :class:`InputError` (password masked).

    Raises:
        InputError: The URL is invalid, its driver is not installed, the database cannot be reached, or the
            file is not a database.
    """
    from promptctl.store.migrate import safe_url

    try:
        yield
    except ImportError as exc:
        raise InputError(
            f"cannot open the run store {safe_url(url)}: its database driver is not installed ({exc.name})",
            hint="for PostgreSQL: pip install 'psycopg[binary]>=3.1' "
                 "(or pip install -e \".[postgres]\" in a clone of promptctl)",
        ) from None
    except (sa.exc.ArgumentError, sa.exc.DatabaseError, OSError) as exc:  # DatabaseError: not a database file too
        raise InputError(
            f"cannot open the run store {safe_url(url)}: {redact(str(exc).splitlines()[0])}",
            hint="check PROMPTCTL_DATABASE_URL or database_url in promptctl.toml",
        ) from None


class RunStore:
    """Reads and writes runs and calls.

    Args:
        url: SQLAlchemy database URL. SQLite folders are created as needed; ``postgresql://`` and
            ``postgres://`` mean ``postgresql+psycopg://`` (psycopg 3).
        upgrade: Bring the schema to this release's revision now if it is older (see
            :mod:`promptctl.store.migrate`); ``promptctl db current`` opens without.

    Raises:
        InputError: The URL is invalid, its driver is not installed, the database cannot be opened, or its
            schema is newer than this release (exit 2).
    """

    origin: str = "run"
    """The ``origin`` recorded by :meth:`start_run` (see :data:`ORIGINS`); ``snapshot`` commands set it."""

    def __init__(self, url: str, *, upgrade: bool = True) -> None:
        from promptctl.store.migrate import ensure_current

        self.url = url
        with store_errors(url):
            parsed = sa.engine.make_url(url)
            # SQLAlchemy's default driver is psycopg2; promptctl uses psycopg 3. ``postgres://`` is the scheme of
            # libpq's own URIs and of many hosts' DATABASE_URL, which SQLAlchemy does not know by that name.
            if parsed.drivername in ("postgresql", "postgres"):
                parsed = parsed.set(drivername="postgresql+psycopg")
            if parsed.drivername.startswith("sqlite") and parsed.database not in (None, "", ":memory:"):
                Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
            postgres = parsed.drivername.startswith("postgresql")
            self.engine = sa.create_engine(parsed, **({"json_serializer": finite_json} if postgres else {}))
            if upgrade:
                ensure_current(self.engine)

    # -- writing -----------------------------------------------------------------------------
    def start_run(self, **fields: Any) -> str:
        """Insert a run with status ``running`` (``created_at`` defaults to now); returns its id (32 hex)."""
        run_id = fields.pop("id", None) or uuid.uuid4().hex
        created_at = fields.pop("created_at", None) or utc_now()
        fields.setdefault("origin", self.origin)
        with self.engine.begin() as conn:
            conn.execute(runs.insert().values(id=run_id, created_at=created_at, status="running", **fields))
        return run_id

    def finish_run(self, run_id: str, *, usage: Usage | None = None, **fields: Any) -> None:
        """Complete a run: output, usage, latency (s), cost (USD), status and error."""
        values = dict(fields)
        if usage is not None:
            values.update(usage.to_dict())
        with self.engine.begin() as conn:
            conn.execute(runs.update().where(runs.c.id == run_id).values(**values))

    def add_call(self, run_id: str, *, usage: Usage | None = None, **fields: Any) -> None:
        """Record one provider call of a run (numbered in order)."""
        with self.engine.begin() as conn:
            seq = _next_seq(conn, run_id)
            values = {**fields, **(usage.to_dict() if usage else {})}
            conn.execute(calls.insert().values(run_id=run_id, seq=seq, created_at=utc_now(), **values))

    # -- reading -----------------------------------------------------------------------------
    def recent(
        self, limit: int = 20, *, prompt: str | None = None, origins: tuple[str, ...] | None = None
    ) -> list[dict[str, Any]]:
        """The newest runs first, as dicts with the columns of ``runs``.

        Args:
            limit: At most this many runs.
            prompt: Only runs of this prompt.
            origins: Only runs of these origins (:data:`ORIGINS`); None for all.
        """
        query = queries.recent(prompt=bool(prompt), origins=origins is not None)
        with self.engine.connect() as conn:
            rows = conn.execute(query, {"limit": limit, "prompt": prompt, "origins": list(origins or ())})
            return [decode_row(r) for r in rows.mappings()]

    def output_tokens(
        self, prompt: str, provider: str, model: str, *, version: int | None = None, limit: int = 200,
        include_test_replies: bool = False,
    ) -> list[int]:
        """Output tokens of a prompt's recorded, successful calls on one provider and model, newest first.

        Scripted replies are left out unless asked: the fake provider's are recorded under provider ``fake``
        (so they count only for the fake provider itself), and those of promptctl's loopback test server carry
        request ids starting with :data:`promptctl.types.LOOPBACK_REQUEST_ID_PREFIX`.

        Args:
            prompt: Prompt name.
            provider: Provider name.
            model: Model id.
            version: Only calls of this version number; None for any version.
            limit: At most this many calls.
            include_test_replies: Count loopback-server replies too.

        Returns:
            Output tokens per call (each > 0).
        """
        query = queries.output_tokens(version=version is not None, test_replies=include_test_replies)
        values = {"prompt": prompt, "provider": provider, "model": model, "version": version, "limit": limit}
        with self.engine.connect() as conn:
            return [int(v) for v in conn.execute(query, values).scalars()]

    def count_by_origin(self, *, prompt: str | None = None) -> dict[str, int]:
        """Number of runs per origin (what ``log`` hides when it shows one origin)."""
        with self.engine.connect() as conn:
            rows = conn.execute(queries.count_by_origin(prompt=bool(prompt)), {"prompt": prompt})
            return {str(origin): int(n) for origin, n in rows}

    def get(self, run_id: str) -> dict[str, Any] | None:
        """One run by id or unique id prefix, or None."""
        with self.engine.connect() as conn:
            rows = conn.execute(queries.run_by_prefix(), {"id": run_id}).mappings().all()
        return decode_row(rows[0]) if len(rows) == 1 else None

    def cached_call(self, fingerprint: str) -> dict[str, Any] | None:
        """The newest successful call with this request fingerprint (the response cache), or None."""
        query = (
            sa.select(calls)
            .where(calls.c.fingerprint == fingerprint, calls.c.error.is_(None), calls.c.output.is_not(None))
            .order_by(calls.c.id.desc())
            .limit(1)
        )
        with self.engine.connect() as conn:
            row = conn.execute(query).mappings().first()
        return decode_row(row) if row is not None else None

    def cached_calls(self, fingerprints: Iterable[str]) -> dict[str, dict[str, Any]]:
        """:meth:`cached_call` for many fingerprints in a few queries: fingerprint -> newest successful call.

        Fingerprints the cache cannot answer are absent. ``ab`` reads its answers this way before it starts.
        """
        wanted = sorted(set(fingerprints))
        found: dict[str, dict[str, Any]] = {}
        with self.engine.connect() as conn:
            for start in range(0, len(wanted), 500):
                query = (
                    sa.select(calls)
                    .where(calls.c.fingerprint.in_(wanted[start:start + 500]), calls.c.error.is_(None),
                           calls.c.output.is_not(None))
                    .order_by(calls.c.id)
                )
                for row in conn.execute(query).mappings():
                    found[row["fingerprint"]] = decode_row(row)  # ascending ids: the newest call wins
        return found

    def calls_of(self, run_id: str) -> list[dict[str, Any]]:
        """The calls of a run, in order."""
        with self.engine.connect() as conn:
            rows = conn.execute(queries.calls_of(), {"run_id": run_id}).mappings()
            return [decode_row(r) for r in rows]

    def grouped_totals(self, by: str, *, prompt: str | None = None, origins: tuple[str, ...] | None = None
                       ) -> tuple[list[tuple[Any, ...]], list[dict[str, Any]]]:
        """Calls and sums of runs per group (``run``, or ``version_day``), added up by the database.

        Args:
            by: ``run`` or ``version_day``.
            prompt: Only runs of this prompt.
            origins: Only runs recorded by these origins (``run``, ``ab``, ``eval``, ``snapshot``); None: all.

        Returns:
            ``(call counts, totals)``: rows of :func:`promptctl.store.queries.call_counts` as tuples (the group's
            keys, then the number of calls) and of :func:`promptctl.store.queries.totals` as dicts.
        """
        values: dict[str, Any] = {"prompt": prompt, "origins": list(origins or ())}
        filters = {"prompt": bool(prompt), "origins": origins is not None}
        with self.engine.connect() as conn:
            counted = [tuple(row) for row in conn.execute(queries.call_counts(by=by, **filters), values)]
            rows = [dict(row) for row in conn.execute(queries.totals(by=by, **filters), values).mappings()]
        return counted, rows

    def iter_all(self) -> Iterator[dict[str, Any]]:
        """Every run, oldest first."""
        with self.engine.connect() as conn:
            for row in conn.execute(sa.select(runs).order_by(runs.c.created_at)).mappings():
                yield decode_row(row)

    def close(self) -> None:
        """Dispose of the engine's connections."""
        self.engine.dispose()


_RUNS_INSERT = runs.insert()
_CALLS_INSERT = calls.insert()


def insert_run(conn: sa.Connection, *, run: dict[str, Any], usage: Usage | None,
               call_rows: list[dict[str, Any]]) -> str:
    """Insert one finished run and its call rows inside the caller's transaction; returns the run id (32 hex)."""
    run_id = run.pop("id", None) or uuid.uuid4().hex
    now = utc_now()
    values = {**run, "id": run_id, "created_at": now}
    if usage is not None:
        values.update(usage.to_dict())
    conn.execute(_RUNS_INSERT, values)  # one compiled statement per row shape, reused: cheap per case
    if call_rows:
        conn.execute(_CALLS_INSERT, [{**row, "run_id": run_id, "seq": seq, "created_at": now}
                                     for seq, row in enumerate(call_rows, start=1)])
    return run_id


def append_calls(conn: sa.Connection, run_id: str, call_rows: list[dict[str, Any]]) -> None:
    """Append call rows to an existing run inside the caller's transaction, numbered after its calls."""
    if not call_rows:
        return
    seq = _next_seq(conn, run_id)
    now = utc_now()
    conn.execute(_CALLS_INSERT, [{**row, "run_id": run_id, "seq": seq + offset, "created_at": now}
                                 for offset, row in enumerate(call_rows)])


def _next_seq(conn: sa.Connection, run_id: str) -> int:
    """The ``seq`` of the next call of run ``run_id``, holding the run's row until the transaction ends.

    ``SELECT ... FOR UPDATE`` on PostgreSQL: two processes appending to one run (an A/B comparison's judge
    run) number their calls one after the other. SQLite serialises writers itself (no ``FOR UPDATE``).
    """
    conn.execute(sa.select(runs.c.id).where(runs.c.id == run_id).with_for_update())
    return int(conn.execute(sa.select(sa.func.count()).where(calls.c.run_id == run_id)).scalar_one()) + 1


def ensure_run(conn: sa.Connection, run_id: str, **fields: Any) -> None:
    """Insert a run row with this id unless it exists (the judge's run of an A/B run), safe under concurrency.

    ``INSERT ... ON CONFLICT DO NOTHING`` on SQLite and PostgreSQL: two processes creating the same run at
    once both succeed, and one row is kept.
    """
    values = {"id": run_id, "created_at": utc_now(), **fields}
    dialect = conn.dialect.name
    if dialect in ("postgresql", "sqlite"):
        from importlib import import_module

        insert = import_module(f"sqlalchemy.dialects.{dialect}").insert
        conn.execute(insert(runs).values(**values).on_conflict_do_nothing(index_elements=[runs.c.id]))
    elif conn.execute(sa.select(runs.c.id).where(runs.c.id == run_id)).first() is None:
        conn.execute(runs.insert().values(**values))


# The provider batch tables (``--batch``) belong to the same schema: importing them here puts them in ``metadata``
# whenever the store is used (migration ``0003_batches`` creates them). The read statements are built from the
# tables above (promptctl.store.fastread runs them without SQLAlchemy too).
from promptctl.store import batches as _batches  # noqa: E402, F401
from promptctl.store import queries  # noqa: E402
