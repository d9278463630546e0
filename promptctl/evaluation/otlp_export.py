"""``promptctl log export --otlp``: recorded runs and comparisons sent afterwards as OpenTelemetry traces.

Each recorded run becomes a span (``run NAME@VERSION``) with one CLIENT span per call (``chat MODEL``), with
the same GenAI attributes as live tracing (:func:`promptctl.session.tracing.call_attributes`). An A/B
comparison is a root span (``ab ID``) whose case runs are its children; a run outside a comparison is the
root of its own trace. Ids are derived from the stored ids, so exporting the same runs twice sends the same
trace and span ids (a receiver that keys on them keeps one copy): the trace id is the run's (or the
comparison's) 32-hex id, span ids are the first 8 bytes of sha256 over ``run:ID`` / ``call:ID`` / ``ab:ID``.

Times: a run starts at its ``created_at`` and lasts its ``latency_s``; a call ends at its ``created_at`` (it is
recorded when it returns) and lasts its ``latency_s``. Prompt and output text go only with
``include_content``; credentials are never stored, so never sent.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from promptctl.errors import InputError
from promptctl.session.tracing import (
    PROVIDER_NAMES,
    SCHEMA_URL,
    ExporterLog,
    call_attributes,
    prompt_attributes,
)

if TYPE_CHECKING:
    from promptctl.store.runs import RunStore

BATCH = 512
"""Spans per OTLP request."""


@dataclass
class Exported:
    """What an export sent: runs, calls, comparisons, spans (counts) and the endpoint (URL)."""

    runs: int = 0
    calls: int = 0
    comparisons: int = 0
    spans: int = 0
    endpoint: str = ""


def _span_id(kind: str, key: object) -> int:
    value = int.from_bytes(hashlib.sha256(f"{kind}:{key}".encode()).digest()[:8], "big")
    return value or 1


def _ns(iso: str | None) -> int:
    if not iso:
        return 0
    return int(datetime.fromisoformat(str(iso).replace("Z", "+00:00")).timestamp() * 1_000_000_000)


def select_runs(store: RunStore, *, prompt: str | None = None, since: str | None = None,
                limit: int | None = None) -> list[dict[str, Any]]:
    """The runs to export, oldest first: of ``prompt``, recorded at or after ``since`` (ISO date), the newest ``limit``.

    Raises:
        InputError: ``since`` is not an ISO 8601 date or time.
    """
    from promptctl.store.runs import decode_row, runs

    query = sa.select(runs).order_by(runs.c.created_at.desc(), runs.c.id.desc())
    if prompt:
        query = query.where(runs.c.prompt_name == prompt)
    if since:
        try:
            datetime.fromisoformat(since.replace("Z", "+00:00"))
        except ValueError:
            raise InputError(f"--since {since!r} is not a date", hint="give an ISO 8601 date: 2026-12-01") from None
        query = query.where(runs.c.created_at >= since)
    if limit:
        query = query.limit(limit)
    with store.engine.connect() as conn:
        rows = [decode_row(r) for r in conn.execute(query).mappings()]
    rows.reverse()
    return rows


def _calls_by_run(store: RunStore, run_ids: list[str]) -> dict[str, list[dict[str, Any]]]:
    from promptctl.store.runs import calls, decode_row

    out: dict[str, list[dict[str, Any]]] = {}
    with store.engine.connect() as conn:
        for start in range(0, len(run_ids), 500):
            query = sa.select(calls).where(calls.c.run_id.in_(run_ids[start:start + 500])).order_by(calls.c.id)
            for row in conn.execute(query).mappings():
                out.setdefault(row["run_id"], []).append(decode_row(row))
    return out


def _comparisons(store: RunStore, run_ids: list[str]) -> tuple[dict[str, str], dict[str, dict[str, Any]]]:
    """Run id -> A/B run id for the case runs among ``run_ids``, and those A/B runs by id."""
    from promptctl.evaluation.ab_store import ab_results, ab_runs

    of_run: dict[str, str] = {}
    found: dict[str, dict[str, Any]] = {}
    with store.engine.connect() as conn:
        for start in range(0, len(run_ids), 500):
            query = sa.select(ab_results.c.run_id, ab_results.c.ab_run_id).where(
                ab_results.c.run_id.in_(run_ids[start:start + 500]))
            of_run.update({str(r): str(a) for r, a in conn.execute(query)})
        wanted = sorted(set(of_run.values()))
        for start in range(0, len(wanted), 500):
            query = sa.select(ab_runs.c.id, ab_runs.c.created_at, ab_runs.c.updated_at, ab_runs.c.status,
                              ab_runs.c.spec).where(ab_runs.c.id.in_(wanted[start:start + 500]))
            found.update({str(r["id"]): dict(r) for r in conn.execute(query).mappings()})
    return of_run, found


def spans(store: RunStore, runs: list[dict[str, Any]], *, include_content: bool = False) -> Iterator[Any]:
    """The OpenTelemetry ``ReadableSpan`` objects of ``runs``, their calls and their comparisons."""
    from opentelemetry.sdk.resources import Resource
    from opentelemetry.sdk.trace import ReadableSpan
    from opentelemetry.sdk.util.instrumentation import InstrumentationScope
    from opentelemetry.trace import SpanContext, SpanKind, Status, StatusCode, TraceFlags

    from promptctl import __version__

    resource = Resource.create({"service.name": "promptctl", "service.version": __version__})
    scope = InstrumentationScope("promptctl", __version__, SCHEMA_URL)
    sampled = TraceFlags(TraceFlags.SAMPLED)

    def make(name: str, trace_id: int, span_id: int, parent: int | None, start: int, end: int,
             attributes: dict[str, Any], kind: Any = SpanKind.INTERNAL, error: str | None = None) -> Any:
        context = SpanContext(trace_id, span_id, is_remote=False, trace_flags=sampled)
        parent_context = SpanContext(trace_id, parent, is_remote=False, trace_flags=sampled) if parent else None
        status = Status(StatusCode.ERROR, error[:500]) if error else Status(StatusCode.UNSET)
        return ReadableSpan(name, context=context, parent=parent_context, resource=resource,
                            attributes={k: v for k, v in attributes.items() if v is not None}, kind=kind,
                            status=status, start_time=start, end_time=max(end, start),
                            instrumentation_scope=scope)

    ids = [r["id"] for r in runs]
    calls_of = _calls_by_run(store, ids)
    of_run, comparisons = _comparisons(store, ids)
    for ab_id, ab in comparisons.items():
        members = [r for r in runs if of_run.get(r["id"]) == ab_id]
        start = min([_ns(ab["created_at"]), *(_ns(r["created_at"]) for r in members)])
        end = max([_ns(ab["updated_at"]), *(_ns(r["created_at"]) + int((r["latency_s"] or 0) * 1e9)
                                             for r in members)])
        spec = ab["spec"] if isinstance(ab["spec"], dict) else {}
        variants = [str(v.get("spec") or v.get("ref") or v) if isinstance(v, dict) else str(v)
                    for v in spec.get("variants") or []]
        kind = str(spec.get("kind") or "ab")
        yield make(f"{kind} {ab_id[:12]}", int(ab_id, 16), _span_id("ab", ab_id), None, start, end,
                   {"promptctl.ab.id": ab_id, "promptctl.ab.kind": kind, "promptctl.ab.status": ab["status"],
                    "promptctl.ab.variants": variants or None})
    for run in runs:
        case_of = of_run.get(run["id"])
        trace_id = int(case_of or run["id"], 16)
        run_span = _span_id("run", run["id"])
        start = _ns(run["created_at"])
        prompt = prompt_attributes(run["prompt_name"], run["prompt_version"], run["prompt_sha256"], run["ref"])
        attributes = {
            **prompt, "gen_ai.operation.name": "chat",
            "gen_ai.provider.name": PROVIDER_NAMES.get(run["provider"], run["provider"]),
            "gen_ai.request.model": run["model"], "promptctl.run.id": run["id"], "promptctl.strategy": run["strategy"],
            "promptctl.origin": run.get("origin") or "run", "promptctl.status": run["status"],
            "gen_ai.usage.input_tokens": run["input_tokens"], "gen_ai.usage.output_tokens": run["output_tokens"],
            "promptctl.cost_usd": run["cost_usd"],
        }
        yield make(f"run {run['prompt_name']}@{run['prompt_version']}", trace_id, run_span,
                   _span_id("ab", case_of) if case_of else None, start,
                   start + int((run["latency_s"] or 0) * 1e9), attributes,
                   error=run["error"] if run["status"] == "error" else None)
        for call in calls_of.get(run["id"], []):
            end = _ns(call["created_at"])
            call_start = end - int((call["latency_s"] or 0) * 1e9)
            values = {**prompt, **call_attributes(call, content=include_content)}
            if call.get("error"):
                values["error.type"] = "_OTHER"  # the convention's value when the kind is not known (not stored)
            yield make(f"chat {call['model']}", trace_id, _span_id("call", call["id"]), run_span, call_start, end,
                       values, kind=SpanKind.CLIENT, error=call.get("error"))


def export(store: RunStore, runs: list[dict[str, Any]], *, endpoint: str | None = None,
           include_content: bool = False) -> Exported:
    """Send ``runs`` (with their calls and comparisons) to an OTLP/HTTP endpoint.

    Args:
        store: The run store.
        runs: Run rows (:func:`select_runs`).
        endpoint: Base URL of the receiver (``/v1/traces`` is added); default ``OTEL_EXPORTER_OTLP_TRACES_ENDPOINT``
            (used as is) or ``OTEL_EXPORTER_OTLP_ENDPOINT``.
        include_content: Send the messages and outputs too.

    Returns:
        What was sent.

    Raises:
        InputError: No endpoint, one that is not an http(s) URL, the ``otel`` extra missing, or the receiver
            refused or could not be reached.
    """
    import os

    try:
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
        from opentelemetry.sdk.trace.export import SpanExportResult
    except ImportError:
        raise InputError("log export --otlp needs OpenTelemetry, which is not installed",
                         hint="pip install opentelemetry-sdk opentelemetry-exporter-otlp-proto-http (or pip install "
                              "-e \".[otel]\" in a clone of promptctl)") from None
    if endpoint:
        url = endpoint.rstrip("/") + "/v1/traces"
    elif os.environ.get("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"):
        url = os.environ["OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"]
    elif os.environ.get("OTEL_EXPORTER_OTLP_ENDPOINT"):
        url = os.environ["OTEL_EXPORTER_OTLP_ENDPOINT"].rstrip("/") + "/v1/traces"
    else:
        raise InputError("no OTLP endpoint to send to",
                         hint="set OTEL_EXPORTER_OTLP_ENDPOINT (http://collector:4318) or give --endpoint URL")
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise InputError(f"the OTLP endpoint {url} is not an http:// or https:// URL",
                         hint="give the collector's base URL with its scheme, e.g. --endpoint http://localhost:4318")
    exporter = OTLPSpanExporter(endpoint=url)
    done = Exported(runs=len(runs), endpoint=url)
    batch: list[Any] = []
    heard = ExporterLog()

    def send() -> None:
        if batch and exporter.export(batch) is not SpanExportResult.SUCCESS:
            why = f": {heard.reason()}" if heard.reason() else ""
            raise InputError(f"the OTLP receiver at {url} did not accept the spans ({done.spans} sent before){why}",
                             hint="check the endpoint and that the collector is up; OTEL_EXPORTER_OTLP_HEADERS "
                                  "for its authentication")
        done.spans += len(batch)
        batch.clear()

    try:
        heard.start()
        for item in spans(store, runs, include_content=include_content):
            done.calls += item.kind.name == "CLIENT"
            done.comparisons += "promptctl.ab.kind" in (item.attributes or {})
            batch.append(item)
            if len(batch) >= BATCH:
                send()
        send()
    finally:
        exporter.shutdown()
        heard.stop()
    return done
