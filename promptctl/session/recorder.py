"""The one recorder: run rows and call rows, for ``run``, chains, ``ab``, judges and ``snapshot --live``.

Call rows all come from :func:`promptctl.session.layers.call_row` (the recording layer); this module
writes them, with their run, either at once (a run: each call inserted as it returns, so a crash keeps
everything done before it) or in one transaction with the run and its A/B result (an A/B case, so that
a killed comparison never keeps half a case).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from promptctl.types import Usage, jsonable

if TYPE_CHECKING:
    import sqlalchemy as sa

    from promptctl.executors.base import ExecutorResult
    from promptctl.registry.registry import PromptVersion
    from promptctl.store.runs import RunStore

Row = dict[str, Any]


def prompt_columns(version: PromptVersion) -> Row:
    """The prompt columns of a run row: ref, prompt_name, prompt_version, prompt_sha256, draft."""
    return {"ref": version.ref, "prompt_name": version.name, "prompt_version": version.number,
            "prompt_sha256": version.sha256, "draft": version.is_draft}


def outcome_columns(outcome: ExecutorResult | None) -> Row:
    """The strategy columns of a run row from an executor's outcome; empty for None.

    Columns: answer, reasoning, parsed, votes, confidence, samples_drawn, steps, details. The model's tool calls
    are kept in ``details`` under ``tool_calls`` (``[{id, name, arguments}]``); :func:`promptctl.store.runs.record_dict`
    shows them as the record's ``tool_calls``.
    """
    if outcome is None:
        return {}
    details = dict(outcome.details)
    if outcome.tool_calls:
        details["tool_calls"] = [call.to_dict() for call in outcome.tool_calls]
    return {"answer": outcome.answer, "reasoning": outcome.reasoning, "parsed": outcome.parsed,
            "votes": outcome.votes, "confidence": outcome.confidence, "samples_drawn": outcome.samples_drawn,
            "steps": outcome.steps, "details": jsonable(details) if details else None}


class Recorder:
    """Writes runs and their calls to a run store (does nothing without one).

    Args:
        store: The run store, or None to record nothing.
    """

    def __init__(self, store: RunStore | None) -> None:
        self.store = store

    def start(self, version: PromptVersion, **fields: Any) -> str | None:
        """Insert a ``running`` run of ``version`` (other columns from ``fields``); its id, or None without a store."""
        if self.store is None:
            return None
        return self.store.start_run(**prompt_columns(version), **fields)

    def sink(self, run_id: str | None) -> Callable[[Row], None] | None:
        """Where the recording layer writes the calls of run ``run_id`` as they return (None: nowhere)."""
        store = self.store
        if store is None or run_id is None:
            return None

        def write(row: Row) -> None:
            store.add_call(run_id, **row)

        return write

    def finish(self, run_id: str | None, *, outcome: ExecutorResult | None = None, **fields: Any) -> None:
        """Update run ``run_id`` (status, output, usage, latency_s, cost_usd ... and the outcome's columns)."""
        if self.store is None or run_id is None:
            return
        self.store.finish_run(run_id, **fields, **outcome_columns(outcome))

    @contextmanager
    def transaction(self) -> Iterator[sa.Connection]:
        """One transaction on the store (an A/B case: its run, calls and result together)."""
        assert self.store is not None, "a transaction needs a run store"
        with self.store.engine.begin() as conn:
            yield conn

    def record_run(self, conn: sa.Connection, version: PromptVersion, *, run: Row, usage: Usage,
                   calls: list[Row], outcome: ExecutorResult | None = None) -> str:
        """Insert one finished run of ``version`` and its call rows inside ``conn``; returns the run id."""
        from promptctl.store.runs import insert_run

        columns = {**prompt_columns(version), **run, **outcome_columns(outcome)}
        return insert_run(conn, run=columns, usage=usage, call_rows=calls)

    def record_calls(self, conn: sa.Connection, run_id: str, calls: list[Row], **run: Any) -> None:
        """Append call rows to run ``run_id`` inside ``conn``, creating the run from ``run`` if missing.

        The judge's run of an A/B comparison gathers every judge call this way.
        """
        from promptctl.store.runs import append_calls, ensure_run

        if not calls:
            return
        ensure_run(conn, run_id, **run)
        append_calls(conn, run_id, calls)
