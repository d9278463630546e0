"""What the run store's rows mean, without SQLAlchemy: origins, the default URL and the ``--json`` record.

Shared by :mod:`promptctl.store.runs` (the SQLAlchemy store) and :mod:`promptctl.store.fastread` (reads of a
current SQLite store through :mod:`sqlite3`), so that both turn rows into records the same way.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

TOKENS = ("input_tokens", "output_tokens", "cached_input_tokens", "cache_write_tokens", "reasoning_tokens")
"""The token count columns of ``runs`` and ``calls`` (tokens)."""

ORIGINS = ("run", "ab", "eval", "snapshot")
"""Where a run row comes from: an interactive or library ``run``, an ``ab`` case (or its judge), an ``eval`` case,
a snapshot record or live check. ``log`` shows ``run`` rows unless asked (``--origin``)."""


def default_url(root: Path) -> str:
    """The run store URL: ``PROMPTCTL_DATABASE_URL``, else SQLite at ``root/.promptctl/runs.db``."""
    env = os.environ.get("PROMPTCTL_DATABASE_URL")
    if env:
        return env
    # SQLAlchemy reads "%XX" in the database part of a URL as an escape and "?" as the start of query options: a
    # project in a folder named "a%20b" or "why?" had its store at "a b/..." or in the parent folder
    path = str(root / ".promptctl" / "runs.db").replace("%", "%25").replace("?", "%3F")
    return f"sqlite:///{path}"


def rooted_url(url: str, root: Path) -> str:
    """A config file's ``database_url`` with a relative SQLite path made relative to the project folder ``root``.

    ``sqlite:///.promptctl/runs.db`` in ``promptctl.toml`` means the project's store from any folder of the project,
    as the default does (it opened ``prompts/.promptctl/runs.db``, a new empty store, when run from ``prompts/``).
    Any other URL (absolute, in memory, a ``file:`` URI, another database) is returned as it is.
    """
    for scheme in ("sqlite:///", "sqlite+pysqlite:///"):
        if url.startswith(scheme):
            rest = url[len(scheme):]
            if rest and not rest.startswith(("/", ":memory:", "file:")):
                base = str(root).replace("%", "%25").replace("?", "%3F")
                return f"{scheme}{base.rstrip('/')}/{rest}"
    return url


def decode_row(row: Any) -> dict[str, Any]:
    """A stored row as a dict; a JSON column whose decoded value is a string is decoded once more (a JSON text).

    A string that is not a JSON text (a structured output whose schema is a string: ``parsed`` = ``"Paris"``) is
    kept as it is: decoding it again raised, and every listing holding the run (``log``, ``log show``) failed.
    """
    out = dict(row)
    for key in ("variables", "parameters", "request", "cost_estimate", "parsed", "votes", "steps", "details"):
        if isinstance(out.get(key), str):
            try:
                out[key] = json.loads(out[key])
            except ValueError:
                pass
    return out


def record_dict(row: dict[str, Any]) -> dict[str, Any]:
    """A stored run as the ``--json`` record (the schema of ``run --json`` and ``log --json``).

    Keys: run_id, created_at, ref, prompt {name, version, sha256, draft}, provider, model, strategy,
    variables, parameters, request, output, usage {input_tokens, output_tokens, cached_input_tokens,
    cache_write_tokens, reasoning_tokens}, latency_s (seconds), cost_usd (USD or null), status (``running``,
    ``ok``, ``error``; ``dry_run`` in ``run --dry-run --json``, which is not stored), error,
    cost_estimate (the estimate made before the run, labelled ``"estimate": true``, or null), and the
    strategy's results: answer, reasoning, parsed, votes, confidence (0-1), samples_drawn, steps (chain
    step records) and details (few-shot selection, stop rule, attempts ...), each null when not produced, and
    origin (``run``, ``ab``, ``eval`` or ``snapshot``: what recorded it). tool_calls (after output) lists the
    model's tool calls ``[{id, name, arguments}]`` (empty when it answered in text); they are stored in the
    ``details`` column.
    """
    details = row.get("details")
    tool_calls: list[Any] = []
    if isinstance(details, dict) and "tool_calls" in details:
        details = dict(details)
        tool_calls = list(details.pop("tool_calls") or [])
        details = details or None
    return {
        "run_id": row["id"],
        "created_at": row["created_at"],
        "ref": row["ref"],
        "prompt": {
            "name": row["prompt_name"],
            "version": row["prompt_version"],
            "sha256": row["prompt_sha256"],
            "draft": bool(row["draft"]),
        },
        "provider": row["provider"],
        "model": row["model"],
        "strategy": row["strategy"],
        "variables": row["variables"],
        "parameters": row["parameters"],
        "request": row["request"],
        "output": row["output"],
        "tool_calls": tool_calls,
        "usage": {k: row[k] or 0 for k in TOKENS},
        "latency_s": row["latency_s"],
        "cost_usd": row["cost_usd"],
        "status": row["status"],
        "error": row["error"],
        "cost_estimate": row.get("cost_estimate"),
        "answer": row.get("answer"),
        "reasoning": row.get("reasoning"),
        "parsed": row.get("parsed"),
        "votes": row.get("votes"),
        "confidence": row.get("confidence"),
        "samples_drawn": row.get("samples_drawn"),
        "steps": row.get("steps"),
        "details": details,
        "origin": row.get("origin") or "run",
    }
