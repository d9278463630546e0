"""Persistence of A/B runs in the run store: the comparison, each case result as it completes, judgements.

The tables live in the run store's SQLAlchemy ``metadata`` next to ``runs`` and ``calls`` (whose
schema is unchanged). Each case a variant runs is also an ordinary run: a ``runs`` row with its
``calls``, so ``promptctl log`` shows it, its cost is counted, and the response cache answers the
same request later. A case is written in one transaction (run, calls, result) as soon as it is
scored, so a killed ``ab`` loses at most the cases in flight, and ``--resume`` repeats none of the
others.

Tables:

``ab_runs``: id (32 hex), created_at, updated_at (ISO 8601 UTC), status (``running``, ``completed``,
``stopped``: budget or a fatal provider error, ``interrupted``: Ctrl-C, ``failed``: an unexpected
exception), spec (JSON: what is compared, enough to resume: dataset path (absolute, and as given,
relative to the project root) and sha256, variants resolved to prompt versions and hashes, scorer,
judge, trials, alpha, seed, options such as ``no_cache``), result (JSON: the ``--json`` result once
computed), error.

``ab_results``: id, ab_run_id, variant (0-based index; 0 is the baseline), case_index (0-based
position in the dataset), case_id, trial (0-based), run_id (the ``runs`` row of this case, or NULL for
a pairwise-only variant without its own run), status (``ok``/``error``), output, score (0-1 or NULL),
passed (or NULL), detail, latency_s (seconds: provider latency of the call that produced the output,
the original call's for a cached answer), input_tokens, output_tokens (tokens), cost_usd (USD spent
by this A/B run: 0 for cached answers), list_cost_usd (USD the output costs at list price, cached or
not), judge_cost_usd (USD spent on judge calls), cached, error, created_at. Unique per
(ab_run_id, variant, case_index, trial).

``ab_pairwise``: id, ab_run_id, baseline, candidate (variant indexes), case_index, trial,
baseline_first / candidate_first (the judge's preference, ``first``/``second``/``tie``, in each
order), outcome (``baseline``/``candidate``/``tie``), consistent, baseline_first_reason /
candidate_first_reason (the judge's reply in each order: its rationale), cost_usd (USD spent), error,
created_at. Unique per (ab_run_id, baseline, candidate, case_index, trial).

SQLite stores opened for ``ab`` use write-ahead logging with ``synchronous=NORMAL``: a commit is a
write to the log, not an fsync, so hundreds of case results per second cost little; a committed case
survives a crash or ``kill -9`` of the process (not a power cut of the machine, where the last
commits may roll back and are then redone by ``--resume``).
"""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from promptctl.store.runs import RedactedJSON, RedactedText, metadata, name_type, runs, text_type
from promptctl.types import utc_now

if TYPE_CHECKING:
    from promptctl.store.runs import RunStore

ab_runs = sa.Table(
    "ab_runs",
    metadata,
    sa.Column("id", sa.String(32), primary_key=True),
    sa.Column("created_at", sa.String(32), nullable=False, index=True),
    sa.Column("updated_at", sa.String(32), nullable=False),
    sa.Column("status", sa.String(16), nullable=False, default="running"),
    sa.Column("spec", sa.JSON, nullable=False),
    sa.Column("result", RedactedJSON, nullable=True),
    sa.Column("error", RedactedText, nullable=True),
)

ab_results = sa.Table(
    "ab_results",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("ab_run_id", sa.String(32), sa.ForeignKey("ab_runs.id"), nullable=False, index=True),
    sa.Column("variant", sa.Integer, nullable=False),
    sa.Column("case_index", sa.Integer, nullable=False),
    sa.Column("case_id", name_type(200), nullable=False),
    sa.Column("trial", sa.Integer, nullable=False, default=0),
    sa.Column("run_id", sa.String(32), sa.ForeignKey("runs.id"), nullable=True),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("output", text_type(), nullable=True),
    sa.Column("score", sa.Float, nullable=True),
    sa.Column("passed", sa.Boolean, nullable=True),
    sa.Column("detail", text_type(), nullable=True),
    sa.Column("latency_s", sa.Float, nullable=True),
    sa.Column("input_tokens", sa.Integer, nullable=False, default=0),
    sa.Column("output_tokens", sa.Integer, nullable=False, default=0),
    sa.Column("cost_usd", sa.Float, nullable=True),
    sa.Column("list_cost_usd", sa.Float, nullable=True),
    sa.Column("judge_cost_usd", sa.Float, nullable=True),
    sa.Column("cached", sa.Boolean, nullable=False, default=False),
    sa.Column("error", RedactedText, nullable=True),
    sa.Column("created_at", sa.String(32), nullable=False),
    sa.UniqueConstraint("ab_run_id", "variant", "case_index", "trial", name="uq_ab_results_key"),
)

ab_pairwise = sa.Table(
    "ab_pairwise",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("ab_run_id", sa.String(32), sa.ForeignKey("ab_runs.id"), nullable=False, index=True),
    sa.Column("baseline", sa.Integer, nullable=False),
    sa.Column("candidate", sa.Integer, nullable=False),
    sa.Column("case_index", sa.Integer, nullable=False),
    sa.Column("trial", sa.Integer, nullable=False, default=0),
    sa.Column("baseline_first", sa.String(8), nullable=True),
    sa.Column("candidate_first", sa.String(8), nullable=True),
    sa.Column("outcome", sa.String(16), nullable=True),
    sa.Column("consistent", sa.Boolean, nullable=True),
    sa.Column("baseline_first_reason", text_type(), nullable=True),
    sa.Column("candidate_first_reason", text_type(), nullable=True),
    sa.Column("cost_usd", sa.Float, nullable=True),
    sa.Column("error", RedactedText, nullable=True),
    sa.Column("created_at", sa.String(32), nullable=False),
    sa.UniqueConstraint("ab_run_id", "baseline", "candidate", "case_index", "trial", name="uq_ab_pairwise_key"),
)

AB_TABLES = (ab_runs, ab_results, ab_pairwise)
_RESULTS_INSERT = ab_results.insert()


def prepare(store: RunStore) -> None:
    """For SQLite, switch to WAL with ``synchronous=NORMAL`` (the tables exist: the baseline migration makes them).

    Args:
        store: An open run store.
    """
    engine = store.engine
    if engine.dialect.name == "sqlite" and not getattr(engine, "_promptctl_ab_tuned", False):
        def pragmas(dbapi_connection: Any, _record: Any) -> None:
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA busy_timeout=10000")  # first: switching to WAL waits for other writers
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.close()

        sa.event.listen(engine, "connect", pragmas)
        engine.dispose()  # reconnect so every pooled connection gets the pragmas
        engine._promptctl_ab_tuned = True  # type: ignore[attr-defined]


# -- ab_runs ---------------------------------------------------------------------------------------------
def create_ab_run(store: RunStore, spec: dict[str, Any], ab_run_id: str | None = None) -> str:
    """Insert an A/B run with status ``running``; returns its id (32 hex)."""
    run_id = ab_run_id or uuid.uuid4().hex
    now = utc_now()
    with store.engine.begin() as conn:
        conn.execute(ab_runs.insert().values(id=run_id, created_at=now, updated_at=now, status="running", spec=spec))
    return run_id


def update_ab_run(store: RunStore, ab_run_id: str, **values: Any) -> None:
    """Update status, result or error of an A/B run."""
    with store.engine.begin() as conn:
        conn.execute(ab_runs.update().where(ab_runs.c.id == ab_run_id).values(updated_at=utc_now(), **values))


def get_ab_run(store: RunStore, ab_run_id: str) -> dict[str, Any] | None:
    """An A/B run by id or unique id prefix (8+ characters), or None."""
    with store.engine.connect() as conn:
        rows = conn.execute(sa.select(ab_runs).where(ab_runs.c.id.startswith(ab_run_id)).limit(2)).mappings().all()
    return dict(rows[0]) if len(rows) == 1 else None


def recent_ab_runs(store: RunStore, limit: int = 20, *, with_result: bool = False) -> list[dict[str, Any]]:
    """The newest A/B runs first (id, created_at, status, spec; and result with ``with_result``)."""
    columns = [ab_runs.c.id, ab_runs.c.created_at, ab_runs.c.status, ab_runs.c.spec]
    query = sa.select(*columns, *([ab_runs.c.result] if with_result else []))
    with store.engine.connect() as conn:
        return [dict(r) for r in conn.execute(query.order_by(ab_runs.c.created_at.desc()).limit(limit)).mappings()]


# -- results -----------------------------------------------------------------------------------------------
def results_of(store: RunStore, ab_run_id: str) -> list[dict[str, Any]]:
    """Every case result of an A/B run, ordered by case, trial, variant.

    Each row has its run's ``cached_input_tokens`` (input read from the provider's prompt cache; None when the
    result has no run row).
    """
    query = (sa.select(ab_results, runs.c.cached_input_tokens)
             .select_from(ab_results.outerjoin(runs, ab_results.c.run_id == runs.c.id))
             .where(ab_results.c.ab_run_id == ab_run_id)
             .order_by(ab_results.c.case_index, ab_results.c.trial, ab_results.c.variant))
    with store.engine.connect() as conn:
        return [dict(r) for r in conn.execute(query).mappings()]


def pairwise_of(store: RunStore, ab_run_id: str) -> list[dict[str, Any]]:
    """Every pairwise judgement of an A/B run."""
    query = (sa.select(ab_pairwise).where(ab_pairwise.c.ab_run_id == ab_run_id)
             .order_by(ab_pairwise.c.case_index, ab_pairwise.c.trial, ab_pairwise.c.candidate))
    with store.engine.connect() as conn:
        return [dict(r) for r in conn.execute(query).mappings()]


def put_result(conn: sa.Connection, values: dict[str, Any], *, replace: bool = True) -> None:
    """Insert a case result; with ``replace``, first delete an earlier one with the same key (a retried error)."""
    if replace:
        key = (ab_results.c.ab_run_id == values["ab_run_id"]) & (ab_results.c.variant == values["variant"]) & (
            ab_results.c.case_index == values["case_index"]) & (ab_results.c.trial == values["trial"])
        conn.execute(ab_results.delete().where(key))
    conn.execute(_RESULTS_INSERT, {**values, "created_at": utc_now()})


def put_pairwise(conn: sa.Connection, values: dict[str, Any]) -> None:
    """Insert a pairwise judgement, replacing an earlier one with the same key."""
    key = (ab_pairwise.c.ab_run_id == values["ab_run_id"]) & (ab_pairwise.c.baseline == values["baseline"]) & (
        ab_pairwise.c.candidate == values["candidate"]) & (ab_pairwise.c.case_index == values["case_index"]) & (
        ab_pairwise.c.trial == values["trial"])
    conn.execute(ab_pairwise.delete().where(key))
    conn.execute(ab_pairwise.insert().values(created_at=utc_now(), **values))


# -- outputs kept per case ---------------------------------------------------------------------------------
def request_sha256(body: Any) -> str:
    """The sha256 (hex) of a request body as canonical JSON (sorted keys, no spaces): its identity in records."""
    import hashlib
    import json

    text = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def records_of(store: RunStore, ab_run_id: str, labels: list[str]) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """Everything kept of each case of an A/B run or evaluation: one record per variant and trial.

    Read from the stored rows (``ab_results``, the case's ``runs`` row, ``ab_pairwise``); nothing is
    written here.

    Args:
        store: The run store.
        ab_run_id: The run's id.
        labels: Variant labels by index (``A``, ``B`` ...).

    Returns:
        ``(records, requests)``. ``records``, ordered by case, trial and variant, each: case_index,
        case_id, variant (label), trial, status (``ok``/``error``), output, answer (the extracted final
        answer, when the strategy has one), reasoning, parsed (structured output), score (0-1), passed,
        explanation (the scorer's: a regex that did not match, a JSON Schema error path, a judge's
        rating and rationale), input_tokens, output_tokens (tokens), cost_usd (USD this run spent),
        list_cost_usd (USD at list price), latency_s (seconds), cached, error, run_id, request_sha256
        (key into ``requests``, or None). ``requests``: rendered request bodies by
        :func:`request_sha256`, each stored once however many cases send it.
    """
    rows = results_of(store, ab_run_id)
    run_ids = [r["run_id"] for r in rows if r["run_id"]]
    extra: dict[str, dict[str, Any]] = {}
    columns = [runs.c.id, runs.c.request, runs.c.answer, runs.c.reasoning, runs.c.parsed]
    with store.engine.connect() as conn:
        for start in range(0, len(run_ids), 500):
            query = sa.select(*columns).where(runs.c.id.in_(run_ids[start:start + 500]))
            extra.update({r["id"]: dict(r) for r in conn.execute(query).mappings()})
    requests: dict[str, Any] = {}
    records = []
    for r in rows:
        run = extra.get(r["run_id"] or "", {})
        sha = None
        if run.get("request"):
            sha = request_sha256(run["request"])
            requests.setdefault(sha, run["request"])
        records.append({
            "case_index": r["case_index"], "case_id": r["case_id"], "variant": labels[r["variant"]],
            "trial": r["trial"], "status": r["status"], "output": r["output"], "answer": run.get("answer"),
            "reasoning": run.get("reasoning"), "parsed": run.get("parsed"), "score": r["score"],
            "passed": r["passed"], "explanation": r["detail"] or None, "input_tokens": r["input_tokens"],
            "output_tokens": r["output_tokens"], "cost_usd": r["cost_usd"], "list_cost_usd": r["list_cost_usd"],
            "latency_s": r["latency_s"], "cached": bool(r["cached"]), "error": r["error"], "run_id": r["run_id"],
            "request_sha256": sha,
        })
    return records, requests


def judgements_of(store: RunStore, ab_run_id: str, labels: list[str]) -> list[dict[str, Any]]:
    """The pairwise judgements of an A/B run as records.

    Returns:
        One dict per judgement, ordered by case, trial and candidate: case_index, trial, baseline,
        candidate (labels), baseline_first / candidate_first (``first``/``second``/``tie``),
        baseline_first_reason / candidate_first_reason (the judge's rationale in each order), outcome,
        consistent, cost_usd, error.
    """
    keep = ("case_index", "trial", "baseline_first", "candidate_first", "baseline_first_reason",
            "candidate_first_reason", "outcome", "consistent", "cost_usd", "error")
    return [{**{k: r.get(k) for k in keep}, "baseline": labels[r["baseline"]], "candidate": labels[r["candidate"]]}
            for r in pairwise_of(store, ab_run_id)]
