"""The ``cost`` command: tokens and USD of a prompt version before it runs. No network unless ``--exact``."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from promptctl.cli.common import finish_without_loop, parse_vars, print_json, project, warn
from promptctl.cli.prompts import InputArg, InputOpt, _input

if TYPE_CHECKING:
    from promptctl.cli.common import Project
    from promptctl.store.fastread import RunReader
    from promptctl.tokens.estimate import CostEstimate
    from promptctl.types import ProviderRequest, TokenCount


def register(app: typer.Typer) -> None:
    """Add this module's commands to the app."""
    app.command("cost")(cost)


def cost(
    ref: Annotated[
        str | None,
        typer.Argument(
            metavar="REF", help="NAME, NAME@3, NAME@production or NAME@sha256:<8+ hex>.", show_default=False
        ),
    ] = None,
    input_arg: InputArg = None,
    var: Annotated[
        list[str] | None, typer.Option("--var", "-v", help="Variable as NAME=VALUE (repeatable); NAME=@FILE reads "
                                       "a file, NAME=@- stdin.", show_default=False)
    ] = None,
    vars_file: Annotated[
        Path | None, typer.Option("--vars", help="JSON or YAML file of variables; - reads stdin.", show_default=False)
    ] = None,
    provider: Annotated[
        str | None, typer.Option("--provider", "-p", help="openai, anthropic, watsonx or fake.", show_default=False)
    ] = None,
    model: Annotated[
        list[str] | None,
        typer.Option("--model", "-m", help="Model id, or provider:model (repeatable: compare, cheapest first).",
                     show_default=False),
    ] = None,
    strategy: Annotated[
        str | None,
        typer.Option("--strategy", help="direct, cot, fewshot, consistency or structured (default: the prompt's).",
                     show_default=False),
    ] = None,
    samples: Annotated[
        int | None, typer.Option("--samples", help="Self-consistency samples (default: the prompt's, else 5).", min=1,
                                 show_default=False)
    ] = None,
    exact: Annotated[
        bool, typer.Option("--exact", help="Ask Anthropic's / watsonx's count endpoint (needs credentials, network).")
    ] = False,
    setup: Annotated[
        bool, typer.Option("--setup", help="Only prime tiktoken's offline cache from bpe-openai, then exit.")
    ] = False,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print the estimates as JSON (a list, cheapest first).")
    ] = False,
    input_opt: InputOpt = None,
) -> None:
    """Estimate input/output tokens and USD low/expected/high before running; several --model: cheapest first."""
    if setup:
        from promptctl.tokens.offline import ENCODING_FILES, prime

        paths = prime()
        for name, path in paths.items():
            sys.stdout.write(f"{name}: {path} (sha256 {ENCODING_FILES[name].sha256[:16]}... ok)\n")
        sys.stdout.write(f"TIKTOKEN_CACHE_DIR={next(iter(paths.values())).parent}\n")
        return
    if ref is None:
        from promptctl.errors import InputError

        raise InputError("missing REF", hint="promptctl cost NAME[@VERSION] [--vars FILE] (or --setup)")
    proj = project()
    from promptctl.registry.registry import is_chain

    version = proj.registry.get(ref)
    variables = parse_vars(var, vars_file, version=version, input_text=_input(input_arg, input_opt))
    if is_chain(version):
        _chain_cost(proj, ref, variables, provider, model, as_json)
        return
    targets: list[str | None] = list(model) if model else [None]
    estimates = estimate_targets(
        proj, ref, variables, provider=provider, models=targets,
        strategy=strategy, samples=samples, exact=exact,
    )
    if as_json:
        print_json([e.to_dict() for e in estimates])
        return
    if len(targets) == 1:
        print_estimate(estimates[0])
    else:
        _print_table(estimates)


def estimate_targets(
    proj: Project,
    ref: str,
    variables: dict[str, Any],
    *,
    provider: str | None,
    models: list[str | None],
    strategy: str | None,
    samples: int | None,
    exact: bool,
) -> list[CostEstimate]:
    """Estimate one version on each target, cheapest expected first (unpriced last).

    With several targets, one the request cannot be built for (a model that cannot take the prompt's image or
    PDF, a media limit) is left out with a ``warning:`` line naming it and why; the others are still compared.

    Raises:
        AdapterError: The only target (or every target) cannot take the request.
    """
    from promptctl.adapters import build_request
    from promptctl.errors import AdapterError
    from promptctl.session.estimate import estimate_cost

    version = proj.registry.get(ref)
    prompt = version.prompt(variables)
    history = history_store(proj)
    out = []
    refused: list[AdapterError] = []
    for spec in models:
        # `spec` is a model id or provider:model, read by resolve_target (adapters.parse_target) like run's --model
        try:
            request = build_request(version.front_matter, prompt, provider=provider, model=spec, config=proj.config,
                                    where=version.display)
        except AdapterError as exc:
            if len(models) == 1:
                raise
            refused.append(exc)
            continue
        warn(request.warnings)
        # offline, estimate_cost counts the request as the strategy sends it (structured output adds its schema)
        count = _exact_count(request, proj) if exact else None
        out.append(estimate_cost(version, request, strategy=strategy, samples=samples, count=count,
                                 config=proj.config, history=history))
        fm = version.front_matter
        if out[-1].usd_expected is None and (spec is None or request.model == fm.model
                                             or request.model in fm.models.values()):
            warn(_unpriced_model_hint(request.provider, request.model))  # a typed --model was checked when resolved
    if not out and refused:
        raise refused[0]
    warn([f"left out of the comparison: {exc.message}" for exc in refused])
    out.sort(key=lambda e: (e.usd_expected is None, e.usd_expected or 0.0))
    return out


def _unpriced_model_hint(provider: str, model: str) -> list[str]:
    """``model '...' has no price: did you mean '...'?`` when an unpriced model is a near miss of a known one.

    For the front matter's model (a ``--model`` the user typed is checked when the target is resolved:
    :func:`promptctl.adapters.resolve_target`), which ``lint`` reports and ``render``/``run`` do not.
    """
    from promptctl.adapters.profiles import model_suggestion

    close = model_suggestion(model, (provider,))
    if close is None or close[1] == model:
        return []
    return [f"model '{model}' has no price: did you mean '{close[1]}'? (a typo is sent to {provider} as given)"]


def _exact_count(request: ProviderRequest, proj: Project) -> TokenCount:
    """The provider's count of ``request`` (``--exact``), else the offline count with a note saying why."""
    import asyncio

    from promptctl.session.count import acount_request

    return asyncio.run(acount_request(request, exact=True, config=proj.config))


def _chain_cost(proj: Project, ref: str, variables: dict[str, Any], provider: str | None,
                models: list[str] | None, as_json: bool) -> None:
    """A chain's estimate: every step priced (later steps with placeholder inputs), and the total."""
    from promptctl.session.run import arun, chain_estimate_dict

    if models and len(models) > 1:
        from promptctl.errors import InputError

        raise InputError("a chain is priced on one target at a time", hint="give at most one --model")
    result = finish_without_loop(arun(
        proj.registry.get(ref), variables, provider=provider, model=models[0] if models else None, config=proj.config,
        dry_run=True, estimate=True, history=history_store(proj)))
    summary = chain_estimate_dict(result.estimates)
    if as_json:
        print_json(summary)
        return
    for estimate in result.estimates:
        print_estimate(estimate)
        sys.stdout.write("\n")
    total = summary["cost_usd"]
    sys.stdout.write(f"chain total  low {usd(total['low'])}   expected {usd(total['expected'])}   "
                     f"high {usd(total['high'])}  (estimate; later steps priced with placeholder inputs)\n")


def history_store(proj: Project) -> RunReader | None:
    """The run store to read recorded outputs from, or None when its SQLite file does not exist yet.

    A current SQLite store is read without SQLAlchemy (:mod:`promptctl.store.fastread`).
    """
    from promptctl.store.fastread import open_reader

    url = proj.store_url()
    if url.startswith("sqlite:///"):
        from urllib.parse import unquote

        path = unquote(url.removeprefix("sqlite:///").split("?")[0])  # the file SQLAlchemy opens
        if path and path != ":memory:" and not Path(path).exists():
            return None
    reader = open_reader(url)
    if reader is not None:
        return reader
    from promptctl.store.runs import RunStore

    return RunStore(url)


def usd(value: float | None) -> str:
    """USD for display: ``$0.001234``, or ``n/a`` without a price."""
    return "n/a" if value is None else f"${value:,.6f}"


def _shown_ref(prompt: dict[str, Any]) -> str:
    """``router@1 (draft)`` or ``router@2``: a version as ``run`` and ``render`` name it."""
    return f"{prompt['name']}@{prompt['version']}" + (" (draft)" if prompt.get("draft") else "")


def print_estimate(e: CostEstimate, *, out: Any = None) -> None:
    """Print one estimate (stdout), notes to stderr as ``note: ...`` lines."""
    write = (out or sys.stdout).write
    count = e.input
    calls = f"{e.calls_expected} call" + ("s" if e.calls_expected != 1 else "")
    if e.calls_low != e.calls_high:
        calls += f", {e.calls_low}-{e.calls_high}"
    write(f"{_shown_ref(e.prompt)} -> {e.target}  strategy {e.strategy} ({calls})\n")
    label = {"exact": "exact", "approximate": "APPROXIMATE", "estimate": "ESTIMATE"}[count.quality]
    rng = f", range {count.low:,}-{count.high:,}" if count.low != count.high else ""
    write(f"input    {count.tokens:,} tokens per call  {label}: {count.method}{rng}\n")
    write(f"output   {e.output_expected:,} tokens expected ({e.output_source}), ceiling {e.output_ceiling:,}\n")
    write(f"cost     low {usd(e.usd_low)}   expected {usd(e.usd_expected)}   high {usd(e.usd_high)}  (estimate)\n")
    if e.cache is not None:
        c = e.cache
        write(f"cache    prefix {c.prefix_tokens:,} tokens   expected cold {usd(c.usd_cold)}   warm {usd(c.usd_warm)}"
              f"  ({c.note})\n")
    if e.price.price:
        write(f"price    {e.price.price}\n")
    from promptctl.cli.common import note

    note([*count.notes, *e.notes])


def _print_table(estimates: list[CostEstimate]) -> None:
    from rich.table import Table

    from promptctl.cli.common import console

    cheapest = next((e.usd_expected for e in estimates if e.usd_expected is not None), None)
    first = estimates[0]
    console().print(
        f"{_shown_ref(first.prompt)}  strategy {first.strategy}  (USD estimates, cheapest first)",
        markup=False,
    )
    table = Table("provider:model", "input tok", "count", "out exp/ceil", "calls", "low", "expected", "high",
                  "vs cheapest", box=None, pad_edge=False)
    for e in estimates:
        extra = "-"
        if e.usd_expected is not None and cheapest is not None and e.usd_expected != cheapest:
            extra = f"+{usd(e.usd_expected - cheapest)}" + (f" (x{e.usd_expected / cheapest:.1f})" if cheapest else "")
        table.add_row(
            e.target, f"{e.input.tokens:,}", e.input.quality, f"{e.output_expected:,}/{e.output_ceiling:,}",
            _calls(e),
            usd(e.usd_low), usd(e.usd_expected), usd(e.usd_high), extra,
        )
    console().print(table)
    targets_of: dict[str, list[str]] = {}
    for e in estimates:
        cache = ([f"cache: prefix {e.cache.prefix_tokens:,} tokens, expected cold {usd(e.cache.usd_cold)}, warm "
                  f"{usd(e.cache.usd_warm)} ({e.cache.note})"] if e.cache is not None else [])
        for note in dict.fromkeys([*e.input.notes, *e.notes, *cache]):
            targets_of.setdefault(note, []).append(e.target)
    for note, targets in targets_of.items():
        sys.stderr.write(f"note: {', '.join(targets)}: {note}\n")


def _calls(e: CostEstimate) -> str:
    if e.calls_low == e.calls_high:
        return str(e.calls_expected)
    return f"{e.calls_expected} ({e.calls_low}-{e.calls_high})"
