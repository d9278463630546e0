"""The ``log`` command: recorded runs, their cost, and totals (``--summary``); ``log show RUN_ID``: one run.

Runs are recorded by interactive ``run`` (origin ``run``), ``ab`` cases and judges (``ab``), ``eval`` cases
(``eval``) and snapshot recording (``snapshot``). ``log`` shows ``run`` rows unless ``--origin`` says otherwise,
and says how many others it left out.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Annotated, Any

import typer

from promptctl.cli.common import MAX_ROWS, console, model_text, print_json, project

if TYPE_CHECKING:
    from promptctl.store.fastread import RunReader

app = typer.Typer(
    help="Show recorded runs, newest first, with their cost; 'log show RUN_ID' prints one run in full.",
    invoke_without_command=True,
    add_completion=False,
    rich_markup_mode=None,
    pretty_exceptions_enable=False,
)


def register(parent: typer.Typer) -> None:
    """Add the ``log`` command group (``log``, ``log show RUN_ID``) to the app."""
    parent.add_typer(app, name="log")


@app.callback()
def log(
    ctx: typer.Context,
    n: Annotated[int, typer.Option("-n", help="How many runs, newest first.", min=1, metavar="N")] = 20,
    prompt: Annotated[
        str | None, typer.Option("--prompt", help="Only runs of this prompt.", metavar="NAME", show_default=False)
    ] = None,
    origin: Annotated[
        list[str] | None,
        typer.Option("--origin", metavar="ORIGIN", show_default=False,
                     help="Runs recorded by: run (interactive, the default), ab, eval, snapshot, or all "
                     "(repeatable)."),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the stored records as JSON.")] = False,
    summary: Annotated[
        bool, typer.Option("--summary", help="Totals (runs, calls, tokens, USD) instead of runs; see --by.")
    ] = False,
    by: Annotated[
        list[str] | None,
        typer.Option("--by", help="Summary grouping: version, day or run (repeatable; default version and day). "
                     "Implies --summary.", metavar="GROUP", show_default=False),
    ] = None,
) -> None:
    """Show recorded runs, newest first, with their cost in USD; --summary totals per prompt version, day or run.

    Only interactive runs unless --origin (ab, eval, snapshot, all); --summary totals every origin unless
    --origin is given.
    'promptctl log show RUN_ID' prints one run: its rendered prompt, output, usage and calls.
    """
    if ctx.invoked_subcommand is not None:
        return
    from promptctl.store.records import record_dict

    origins = _origins(origin)
    proj = project()
    store = proj.reader()
    if summary or by:
        _summary(store, by or ["version", "day"], prompt, as_json, origins if origin else None)
        return
    records = [record_dict(r) for r in store.recent(min(n, MAX_ROWS), prompt=prompt, origins=origins)]
    if as_json:
        print_json(records)
        return
    from rich.table import Table

    table = Table("run", "time", "prompt", "provider:model", "in", "out", "cost", "latency", "origin", "status",
                  box=None)
    for r in records:
        p = r["prompt"]
        table.add_row(
            r["run_id"][:12],
            r["created_at"].replace("T", " ").removesuffix("+00:00"),
            f"{p['name']}@{p['version']}" + (" (draft)" if p["draft"] else ""),
            f"{r['provider']}:{r['model']}",
            str(r["usage"]["input_tokens"]),
            str(r["usage"]["output_tokens"]),
            f"${r['cost_usd']:.6f}" if r["cost_usd"] is not None else "-",
            f"{r['latency_s']:.2f}s" if r["latency_s"] is not None else "-",
            r["origin"],
            r["status"] if not r["error"] else f"error: {r['error'][:60]}",
        )
    hidden = _hidden(store, origins, prompt)
    if not records:
        if prompt:
            names = proj.registry.names()
            if prompt in names:
                known = ""
            else:
                from promptctl.errors import did_you_mean

                close = did_you_mean(prompt, names)
                known = f" (there is no prompt of that name{': ' + close if close else ''})"
            console(stderr=True).print(f"no runs of '{prompt}' recorded{known}", markup=False)
        else:
            which = ("no interactive runs" if origins == ("run",) else
                     f"no runs of origin {', '.join(origins or ())}")  # origins is None (all) never hides a run
            console(stderr=True).print(f"{which} recorded" if hidden else "no runs recorded yet", markup=False)
    else:
        console().print(table)
    if hidden:
        sys.stderr.write(f"note: {hidden}\n")


def _origins(given: list[str] | None) -> tuple[str, ...] | None:
    """The ``--origin`` values checked (None for ``all``; default ``run``).

    Raises:
        InputError: An unknown origin, with a "did you mean".
    """
    from promptctl.errors import InputError, did_you_mean
    from promptctl.store.records import ORIGINS

    values = given or ["run"]
    if "all" in values:
        return None
    for value in values:
        if value not in ORIGINS:
            raise InputError(f"--origin {value!r} is not one of {', '.join(ORIGINS)}, all",
                             hint=did_you_mean(value, (*ORIGINS, "all")) or "e.g. --origin ab, or --origin all")
    return tuple(dict.fromkeys(values))


def _hidden(store: RunReader, origins: tuple[str, ...] | None, prompt: str | None) -> str:
    """``12 ab, 3 snapshot runs not shown (promptctl log --origin all)`` for the runs left out, else ``""``."""
    if origins is None:
        return ""
    counts = {o: n for o, n in store.count_by_origin(prompt=prompt).items() if o not in origins and n}
    if not counts:
        return ""
    parts = ", ".join(f"{n} {o}" for o, n in sorted(counts.items()))
    return f"{parts} runs not shown (promptctl log --origin all)"


def _summary(store: RunReader, groups: list[str], prompt: str | None, as_json: bool,
             origins: tuple[str, ...] | None) -> None:
    """Print totals per group (``version``, ``day``, ``run``) and overall; JSON: {group: rows, "total": {...}}.

    ``origins``: only runs of these origins (``--origin``), None for every origin.
    """
    from rich.table import Table

    from promptctl.store.summary import summarise_many, total

    results = summarise_many(store, groups, prompt=prompt, origins=origins)
    overall = total(next(iter(results.values()), []))
    if as_json:
        print_json({**results, "total": overall})
        return
    out = console()
    heads = {"version": ("prompt@version",), "day": ("day (UTC)",), "run": ("run", "prompt@version", "provider:model")}
    for group, rows in results.items():
        table = Table(*heads[group], "runs", "calls", "errors", "in", "out", "prompt cache", "USD", "unpriced",
                      box=None, title=f"by {group}", title_justify="left")
        for r in rows:
            key = {
                "version": (f"{r.get('prompt')}@{r.get('version')}",),
                "day": (str(r.get("day")),),
                "run": (str(r.get("run_id", ""))[:12], f"{r.get('prompt')}@{r.get('version')}", str(r.get("target"))),
            }[group]
            table.add_row(*key, *_numbers(r))
        out.print(table)
    which = f" (origin {', '.join(origins)})" if origins else ""
    out.print(f"total{which}: {_count(overall['runs'], 'run')}, {_count(overall['calls'], 'call')}, "
              f"{overall['input_tokens']} in / {overall['output_tokens']} out tokens"
              + (f" (prompt cache hit rate {_rate(overall['prompt_cache_hit_rate'])})"
                 if overall["cached_input_tokens"] else "")
              + f", ${overall['cost_usd']:.6f}"
              + (f" ({_count(overall['unpriced'], 'unpriced run')} not included)" if overall["unpriced"] else ""),
              markup=False)


def _count(n: int, word: str) -> str:
    """``1 run``, ``2 runs``."""
    return f"{n} {word}{'' if n == 1 else 's'}"


def _numbers(r: dict[str, Any]) -> tuple[str, ...]:
    return (str(r["runs"]), str(r["calls"]), str(r["errors"]), str(r["input_tokens"]), str(r["output_tokens"]),
            _rate(r["prompt_cache_hit_rate"]), f"${r['cost_usd']:.6f}", str(r["unpriced"]))


def _rate(rate: float | None) -> str:
    """A prompt cache hit rate for display: ``87.5%``, or ``-`` without input."""
    return "-" if rate is None else f"{rate:.1%}"


@app.command("export")
def export(
    otlp: Annotated[bool, typer.Option("--otlp", help="Send as OpenTelemetry traces over OTLP/HTTP (GenAI "
                                       "semantic conventions); the one format so far.")] = False,
    endpoint: Annotated[
        str | None, typer.Option("--endpoint", metavar="URL", show_default=False,
                                 help="Receiver base URL (/v1/traces is added); default OTEL_EXPORTER_OTLP_ENDPOINT.")
    ] = None,
    include_content: Annotated[
        bool, typer.Option("--include-content", help="Send the messages sent and the outputs too (off: metadata only).")
    ] = False,
    prompt: Annotated[
        str | None, typer.Option("--prompt", help="Only runs of this prompt.", metavar="NAME", show_default=False)
    ] = None,
    since: Annotated[
        str | None, typer.Option("--since", metavar="DATE", show_default=False,
                                 help="Only runs recorded at or after this ISO 8601 date or time (UTC).")
    ] = None,
    n: Annotated[
        int | None, typer.Option("-n", metavar="N", min=1, show_default=False, help="Only the newest N runs.")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print what was sent as JSON.")] = False,
) -> None:
    """Send recorded runs (every origin), their calls and comparisons to an OpenTelemetry collector.

    Needs the otel extra. A run is a span with one child span per call (gen_ai.* attributes: provider, request
    and response model, token usage, finish reasons; prompt name, version, sha256); an A/B comparison is the
    parent of its case runs. Ids come from the stored ids, so sending twice sends the same spans. No prompt or
    output text unless --include-content; never credentials.

    Exit codes: 0 sent (also when there is nothing to send); 2 invalid input, no endpoint, the otel extra
    missing, or the receiver refused or could not be reached.
    """
    from promptctl.errors import InputError
    from promptctl.evaluation.otlp_export import export as send
    from promptctl.evaluation.otlp_export import select_runs

    if not otlp:
        raise InputError("log export needs a format", hint="promptctl log export --otlp")
    store = project().store()
    runs = select_runs(store, prompt=prompt, since=since, limit=None if n is None else min(n, MAX_ROWS))
    done = send(store, runs, endpoint=endpoint, include_content=include_content)
    if as_json:
        print_json({"endpoint": done.endpoint, "runs": done.runs, "calls": done.calls,
                    "comparisons": done.comparisons, "spans": done.spans, "content": include_content})
        return
    sys.stdout.write(f"sent {_count(done.runs, 'run')}, {_count(done.calls, 'call')} and "
                     f"{_count(done.comparisons, 'comparison')} as {_count(done.spans, 'span')} to {done.endpoint}"
                     + ("" if include_content else " (no prompt or output text: --include-content)") + "\n")


@app.command("show")
def show(
    run_id: Annotated[str, typer.Argument(metavar="RUN_ID", help="A run id, or a unique prefix of one (12 hex "
                                          "characters, as log shows).", show_default=False)],
    as_json: Annotated[bool, typer.Option("--json", help="The stored record and its calls as JSON.")] = False,
) -> None:
    """Print one recorded run: the rendered prompt it sent, the output, usage, cost and each provider call."""
    from promptctl.errors import InputError
    from promptctl.store.records import record_dict

    store = project().reader()
    row = store.get(run_id)
    if row is None:
        matches = [r for r in store.recent(1000) if r["id"].startswith(run_id)]
        hint = "two or more runs start with it: give more characters" if len(matches) > 1 else \
            "promptctl log --origin all lists the recorded runs and their ids"
        raise InputError(f"no run '{run_id}' recorded" if not matches else f"run id prefix '{run_id}' is ambiguous",
                         hint=hint)
    record = record_dict(row)
    calls = store.calls_of(row["id"])
    if as_json:
        print_json({**record, "calls": [_call_dict(c) for c in calls]})
        return
    _print_run(record, calls)


def _call_dict(call: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in call.items() if k not in ("id", "run_id")}


def _print_tool_round(tool_round: dict[str, Any] | None) -> None:
    """The first reply's tool calls and the results sent back (``run --tool-results``), if the run had a round."""
    import json

    if not tool_round:
        return
    out = sys.stdout.write
    out("\n=== tool round (the first reply's tool calls and the results sent back; the output is the second reply)\n")
    if tool_round.get("first_output"):
        model_text(tool_round["first_output"])
    for call in tool_round.get("tool_calls", []):
        out(f"[tool call {call['name']} {json.dumps(call['arguments'], ensure_ascii=False)} id {call['id']}]\n")
    for result in tool_round.get("results", []):
        error = " (error)" if result.get("is_error") else ""
        out(f"[tool result of {result['tool_call_id']}{error}] {result['content']}\n")


_VALUE_PREVIEW = 200
"""Characters of a long text variable shown on the ``variables:`` line of ``log show`` (``--json`` has them all)."""


def _shortened(variables: dict[str, Any]) -> dict[str, Any]:
    """``variables`` with each text longer than :data:`_VALUE_PREVIEW` characters cut, saying its full length.

    A meeting transcript or a document read with ``--var notes=@FILE`` is printed in full once, in the rendered
    prompt; the variables line stays readable.
    """
    return {name: (f"{value[:_VALUE_PREVIEW]}... [{len(value):,} characters; in full in the rendered prompt and "
                   "--json]" if isinstance(value, str) and len(value) > _VALUE_PREVIEW else value)
            for name, value in variables.items()}


def _print_run(r: dict[str, Any], calls: list[dict[str, Any]]) -> None:
    """The run as text: header, variables, the request as sent, the output, usage and calls."""
    import json

    from promptctl.cli.prompts import _Body, _print_request

    out = sys.stdout.write
    p, u = r["prompt"], r["usage"]
    display = f"{p['name']}@{p['version']}" + (" (draft)" if p["draft"] else "")
    out(f"run {r['run_id']}  {r['created_at']}  {display}  {r['provider']}:{r['model']}  strategy {r['strategy']}  "
        f"origin {r['origin']}  status {r['status']}\n")
    if r["variables"]:
        out("variables: " + json.dumps(_shortened(r["variables"]), ensure_ascii=False) + "\n")
    out("\n=== rendered prompt (the request as sent)\n")
    _print_request(display, _Body(r["provider"], r["model"], r["request"] or {}))
    _print_tool_round((r.get("details") or {}).get("tool_round"))
    out("\n=== output\n")
    text = r["output"] if r["output"] is not None else (f"(none: {r['error']})" if r["error"] else "(none)")
    model_text(text)
    if r.get("answer") is not None:
        model_text(f"answer: {r['answer']}")
    cost = f"${r['cost_usd']:.6f}" if r["cost_usd"] is not None else "cost n/a"
    latency = f"{r['latency_s']:.2f}s" if r["latency_s"] is not None else "-"
    out(f"\n=== usage\nin {u['input_tokens']} tok (cached {u['cached_input_tokens']}, cache write "
        f"{u['cache_write_tokens']})  out {u['output_tokens']} tok (reasoning {u['reasoning_tokens']})  {cost}  "
        f"{latency}\n")
    if calls:
        out(f"\n=== calls ({len(calls)})\n")
        for c in calls:
            usd = f"${c['cost_usd']:.6f}" if c.get("cost_usd") is not None else "cost n/a"
            tag = f"  [{c['tag']}]" if c.get("tag") else ""
            status = f"error: {c['error'][:80]}" if c.get("error") else ("cached" if c.get("cached") else "ok")
            out(f"{c['seq']:>3}  {c['provider']}:{c['model']}  in {c['input_tokens']} out {c['output_tokens']}  "
                f"{usd}  {status}{tag}\n")
