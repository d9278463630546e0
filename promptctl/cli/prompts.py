"""Commands on prompts: render, run, list, show."""

from __future__ import annotations

import sys
from collections.abc import Coroutine
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer

from promptctl.cli.common import (
    console,
    finish_without_loop,
    model_text,
    parse_vars,
    print_json,
    print_text_table,
    project,
    warn,
)

RefArg = Annotated[
    str,
    typer.Argument(metavar="REF", help="NAME, NAME@3, NAME@production or NAME@sha256:<8+ hex>.", show_default=False),
]
VarOpt = Annotated[
    list[str] | None,
    typer.Option("--var", "-v", metavar="NAME=VALUE", help="Variable as NAME=VALUE (repeatable); NAME=@FILE reads "
                 "the value from a file, NAME=@- from stdin.", show_default=False),
]
VarsOpt = Annotated[
    Path | None, typer.Option("--vars", metavar="FILE", help="JSON or YAML file of variables; - reads stdin.",
                              show_default=False)
]
InputArg = Annotated[
    str | None,
    typer.Argument(metavar="INPUT", help="Value of the prompt's one 'input: true' variable; - reads stdin.",
                   show_default=False),
]
InputOpt = Annotated[
    str | None,
    typer.Option("--input", "-i", metavar="TEXT", help="Same as INPUT: the input variable's value; - reads stdin.",
                 show_default=False),
]


T = TypeVar("T")


def _asyncio_run(coro: Coroutine[Any, Any, T]) -> T:
    import asyncio

    return asyncio.run(coro)


def _input(argument: str | None, option: str | None) -> str | None:
    """The INPUT argument or ``--input`` (not both)."""
    if argument is not None and option is not None:
        from promptctl.errors import InputError

        raise InputError("give the input once: as INPUT or with --input, not both")
    return argument if argument is not None else option
ProviderOpt = Annotated[
    str | None,
    typer.Option("--provider", "-p", metavar="P", help="openai, anthropic, watsonx or fake.", show_default=False),
]
ModelOpt = Annotated[str | None, typer.Option("--model", "-m", metavar="M", help="Model id.", show_default=False)]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON.")]
StrategyOpt = Annotated[
    str | None,
    typer.Option("--strategy", "-s", metavar="S", help="direct, cot, fewshot, consistency or structured (default: "
                 "the front matter's strategy).", show_default=False),
]


def register(app: typer.Typer) -> None:
    """Add this module's commands to the app."""
    app.command("render")(render)
    app.command("run")(run)
    app.command("list")(list_prompts)
    app.command("show")(show)


def render(
    ref: RefArg,
    input_arg: InputArg = None,
    var: VarOpt = None,
    vars_file: VarsOpt = None,
    provider: ProviderOpt = None,
    model: ModelOpt = None,
    strategy: StrategyOpt = None,
    input_opt: InputOpt = None,
    as_json: JsonOpt = False,
    full: Annotated[bool, typer.Option("--full", help="With --json: media as their full base64 data, not "
                                       "elided by size and sha256.")] = False,
) -> None:
    """Print exactly the request the provider's SDK would send (a chain: each step's). No network.

    Images and PDFs show as one line with their type, size and sha256; ``--json --full`` prints the base64.
    """
    from promptctl.registry.registry import is_chain
    from promptctl.session.run import render_request

    proj = project()
    version = proj.registry.get(ref)
    variables = parse_vars(var, vars_file, version=version, input_text=_input(input_arg, input_opt))
    if is_chain(version) and strategy in (None, "chain"):
        _render_chain(version, variables, provider, model, proj.config, as_json)
        return
    prepared = render_request(version, variables, strategy=strategy, provider=provider, model=model,
                              config=proj.config)
    request = prepared.request
    warn(prepared.notes)
    if as_json:
        extra = {"strategy": prepared.plan.name, "details": prepared.details} if prepared.details else {}
        schema = {"output_schema": prepared.output_schema} if prepared.output_schema else {}
        print_json({"prompt": _info(version), **_request_json(request, full=full), **extra, **schema})
        return
    _print_request(version.display, request)
    if prepared.output_schema:
        import json

        out = prepared.output_schema
        sys.stdout.write(f"\n--- output schema '{out['name']}' ({out['source']}; structured output, mode "
                         f"{out['mode']}: sent with the request at run time) ---\n")
        sys.stdout.write(json.dumps(out["schema"], indent=2, ensure_ascii=False) + "\n")


def _request_json(request: Any, *, full: bool = False) -> dict[str, Any]:
    """``provider``, ``model`` and ``request`` (the JSON body, under the key ``run --json`` uses) of ``render --json``.

    ``body`` repeats ``request``: the key ``render --json`` used alone until 0.1.0, kept as a deprecated alias for
    one release (CHANGELOG, Deprecated).
    """
    shown = request.to_dict(full=full)
    return {"provider": shown["provider"], "model": shown["model"], "request": shown["body"], "body": shown["body"]}


def _render_chain(version: Any, variables: dict[str, Any], provider: str | None, model: str | None,
                  config: Any, as_json: bool) -> None:
    from promptctl.session.chain import render_chain

    steps = render_chain(version, variables, provider=provider, model=model, config=config)
    for step in steps:
        warn([f"step '{step['id']}': {note}" for note in step["notes"]])
    if as_json:
        print_json({"prompt": _info(version), "chain": [
            {k: v for k, v in step.items() if k not in ("request", "notes", "version", "plan")}
            | _request_json(step["request"]) for step in steps]})
        return
    for step in steps:
        pending = f"  placeholders: {', '.join(step['placeholders'])}" if step["placeholders"] else ""
        sys.stdout.write(f"=== step {step['index']}/{len(steps)} {step['id']}: {step['ref']} "
                         f"({step['strategy']}){pending}\n")
        _print_request(step["ref"], step["request"])
        sys.stdout.write("\n")


def run(
    ref: RefArg,
    input_arg: InputArg = None,
    var: VarOpt = None,
    vars_file: VarsOpt = None,
    provider: ProviderOpt = None,
    model: ModelOpt = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Do everything except the provider call.")] = False,
    allow_modified: Annotated[
        bool, typer.Option("--allow-modified", help="Run a published version whose file no longer matches its hash.")
    ] = False,
    max_cost: Annotated[
        float | None,
        typer.Option("--max-cost", metavar="USD", help="Budget in USD: refuse before the run if its high estimate "
                     "crosses it, and before every call that could take the spending past it.",
                     min=0, show_default=False),
    ] = None,
    cache: Annotated[
        bool, typer.Option("--cache", help="Reuse a recorded response to the identical request instead of calling.")
    ] = False,
    strategy: StrategyOpt = None,
    samples: Annotated[
        int | None,
        typer.Option("--samples", metavar="N", help="Self-consistency samples (at most; it may stop early).",
                     min=1, show_default=False),
    ] = None,
    show_trace: Annotated[
        bool, typer.Option("--show-trace", help="Print every provider call (tag, model, tokens, output) to stderr."),
    ] = False,
    show_steps: Annotated[bool, typer.Option("--show-steps", help="Chains: print every step's output.")] = False,
    resume: Annotated[
        str | None,
        typer.Option("--resume", help="Chains: finish the failed run RUN_ID from its failed step.",
                     metavar="RUN_ID", show_default=False),
    ] = None,
    tool_results: Annotated[
        Path | None,
        typer.Option("--tool-results", metavar="FILE", show_default=False,
                     help="Answer the model's tool calls from FILE (YAML/JSON: {tool name or call id: result}, or "
                     "[{id|name, content, is_error}]) and continue once; the second reply is the output."),
    ] = None,
    input_opt: InputOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Render and send a prompt version with its strategy, print the output, and record the run.

    INPUT (or --input) is the value of the prompt's 'input: true' variable; '-' reads it from stdin:
    cat review.txt | promptctl run sentiment -. --dry-run prints the request and the cost estimate instead.
    """
    from promptctl.session.run import arun

    proj = project()
    version = proj.registry.get(ref, allow_modified=allow_modified)
    if version.modified:
        warn([f"{version.path} no longer matches its published sha256; running it because of --allow-modified"])
    store = None if dry_run else proj.store()
    from promptctl.cli.cost import history_store
    from promptctl.errors import PromptctlError

    try:
        finish = finish_without_loop if dry_run else _asyncio_run  # a dry run makes no call: no event loop
        result = finish(
            arun(
                version, parse_vars(var, vars_file, version=version, input_text=_input(input_arg, input_opt)),
                provider=provider, model=model, config=proj.config,
                store=store, dry_run=dry_run, estimate=dry_run, max_cost=max_cost,
                history=store if store is not None else history_store(proj), cache=cache,
                strategy=strategy, samples=samples, resume=resume,
                tool_results=_tool_results(tool_results) if tool_results is not None else None,
            )
        )
    except PromptctlError as exc:
        if show_trace:
            _print_trace(getattr(exc, "calls", []))
        raise
    warn(result.warnings)
    if show_trace:
        _print_trace(result.calls)
    if as_json:
        from promptctl.store.runs import record_dict

        stored = store.get(result.run_id) if store is not None and result.run_id else None
        print_json(record_dict(stored) if stored else result.to_dict())
        return
    if dry_run:
        from promptctl.cli.cost import print_estimate

        if result.steps is not None:
            for step in result.steps:
                sys.stdout.write(f"=== step {step['index']}/{len(result.steps)} {step['id']}: {step['ref']}\n")
                _print_request(step["ref"], _Body(step["provider"], step["model"], step["request"]))
                sys.stdout.write("\n")
        else:
            _print_request(version.display, result.request)
        for est in [result.estimate] if result.estimate is not None else result.estimates:
            sys.stdout.write("\n")
            print_estimate(est)
        if result.estimates:
            from promptctl.session.run import chain_estimate_dict

            usd = chain_estimate_dict(result.estimates)["cost_usd"]
            money = {k: f"${v:.6f}" if v is not None else "n/a" for k, v in usd.items()}
            sys.stdout.write(f"\nchain total  low {money['low']}   expected {money['expected']}   high {money['high']}"
                             "  (estimate; later steps priced with placeholder inputs)\n")
        sys.stderr.write("dry run: nothing was sent\n")
        return
    if show_steps and result.steps:
        _print_steps(result.steps)
        sys.stdout.write("=== chain output\n")
    model_text(result.output, newline=bool(result.output) or not result.tool_calls)
    if result.tool_calls:
        from promptctl.diff import tool_call_line

        for call in result.tool_calls:
            model_text(tool_call_line(call.name, call.arguments, call.id))
    _print_strategy_summary(result)
    u = result.usage
    cost = f"${result.cost_usd:.6f}" if result.cost_usd is not None else "cost n/a"
    sys.stderr.write(
        f"{version.display} {result.provider}:{result.model}  in {u.input_tokens} tok"
        f" (cached {u.cached_input_tokens})  out {u.output_tokens} tok  {cost}{_cache_note(result.calls)}"
        f"  {result.latency_s:.2f}s  run {result.run_id}\n"
    )


def _cache_note(calls: list[Any]) -> str:
    """`` (cached response)`` when --cache answered every call, `` (2/5 calls cached)`` when some."""
    hits = sum(1 for call in calls if call.completion is not None and call.completion.cached)
    if not hits:
        return ""
    return " (cached response)" if hits == len(calls) == 1 else \
        " (all calls cached)" if hits == len(calls) else f" ({hits}/{len(calls)} calls cached)"


def list_prompts(as_json: JsonOpt = False) -> None:
    """List the prompts: latest published version, drafts, labels and description.

    The description is the index's (prompt.yaml), else the newest version's front matter ``description``.

    The latest and labelled published versions whose files no longer match their sha256 are flagged
    as modified (promptctl verify checks every version).
    """
    from promptctl.errors import PromptctlError
    from promptctl.registry.registry import matches_record

    proj = project()
    rows: list[dict[str, Any]] = []
    for name, index in proj.registry.summaries():
        if isinstance(index, PromptctlError):
            raise index
        numbers = proj.registry.version_numbers(name)
        published = index.published
        modified = [number for number, sha256 in index.sha256.items()  # the newest and the labelled versions
                    if not matches_record(proj.registry.root, proj.registry.folder(name) / f"v{number}.j2", sha256)]
        rows.append(
            {
                "name": name,
                "latest": published[-1] if published else None,
                "published": published,
                "drafts": [n for n in numbers if n not in published],
                "labels": dict(sorted(index.labels.items())),
                "description": index.description or _front_matter_description(proj.registry, name, numbers),
                "modified": modified,
            }
        )
    if as_json:
        print_json(rows)
        return
    cells = []
    for row in rows:
        flag = {n: " (modified)" for n in row["modified"]}
        cells.append([
            row["name"],
            (str(row["latest"]) + flag.get(row["latest"], "")) if row["latest"] else "-",
            ", ".join(f"v{n}" for n in row["drafts"]) or "-",
            ", ".join(f"{k}={v}{flag.get(v, '')}" for k, v in row["labels"].items()) or "-",
            row["description"] or "",
        ])
    print_text_table(["prompt", "latest", "drafts", "labels", "description"], cells)
    flagged = [f"{row['name']}@{n}" for row in rows for n in row["modified"]]
    if flagged:
        warn([f"{', '.join(flagged)} no longer match{'es' if len(flagged) == 1 else ''} the published sha256; "
              "run promptctl verify"])


def _front_matter_description(registry: Any, name: str, numbers: list[int]) -> str | None:
    """The newest version's front matter ``description``, for a prompt whose index has none (None if unreadable)."""
    from promptctl.errors import PromptctlError

    for number in reversed(numbers):
        try:
            return registry.load(name, number, allow_modified=True).front_matter.description
        except PromptctlError:
            continue
    return None


def show(ref: RefArg, as_json: JsonOpt = False) -> None:
    """Show a version: status, hash, labels, front matter and template."""
    from promptctl.registry.frontmatter import split_front_matter

    proj = project()
    version = proj.registry.get(ref, allow_modified=True)
    info = {
        **_info(version),
        "path": str(version.path),
        "status": "modified" if version.modified else ("draft" if version.is_draft else "published"),
        "labels": list(version.labels),
        "published_at": version.published.published_at if version.published else None,
        "message": version.published.message if version.published else None,
        "front_matter": version.front_matter.model_dump(mode="json", exclude_defaults=True, by_alias=True),
        "template": split_front_matter(version.text)[1],  # the file's body (a literal body as written)
    }
    if as_json:
        print_json(info)
        return
    out = console()
    out.print(f"{version.display}  {info['status']}  sha256:{version.sha256[:16]}", markup=False)
    out.print(f"file: {version.path}", markup=False)
    if version.labels:
        out.print(f"labels: {', '.join(version.labels)}", markup=False)
    if version.published:
        out.print(f"published: {version.published.published_at}  {version.published.message or ''}", markup=False)
    out.print("")
    sys.stdout.write(version.text if version.text.endswith("\n") else version.text + "\n")
    if version.modified:
        warn([f"{version.path} no longer matches its published sha256"])


def _tool_results(path: Path) -> Any:
    """The ``--tool-results`` file: a mapping or a list, as YAML or JSON.

    Raises:
        InputError: The file cannot be read, is not YAML/JSON, or holds neither a mapping nor a list.
    """
    import yaml

    from promptctl.cli.common import read_text_file
    from promptctl.errors import InputError
    from promptctl.types import load_yaml

    hint = "e.g. {get_weather: {temp_c: 18}} or [{name: get_weather, content: '18 C'}]"
    try:
        data = load_yaml(read_text_file(path, "tool results file", hint=hint))
    except yaml.YAMLError as exc:
        raise InputError(f"{path}: not valid YAML/JSON tool results ({str(exc).splitlines()[0]})", hint=hint) from None
    if not isinstance(data, (dict, list)) or not data:
        raise InputError(f"{path}: tool results must be a mapping or a list, not {type(data).__name__}", hint=hint)
    from promptctl._yaml import plain

    return plain(data)


class _Body:
    """A stored request body with its provider and model, printable by :func:`_print_request`."""

    def __init__(self, provider: str, model: str, body: dict[str, Any]) -> None:
        self.provider, self.model, self.body = provider, model, body


def _print_steps(steps: list[dict[str, Any]]) -> None:
    """Every chain step's status, target, cost and output (stdout)."""
    for step in steps:
        cost = f"${step['cost_usd']:.6f}" if step.get("cost_usd") is not None else "cost n/a"
        note = " (reused from the earlier run)" if step.get("reused") else ""
        sys.stdout.write(f"=== step {step['index']}/{len(steps)} {step['id']}: {step['ref']} on "
                         f"{step['provider']}:{step['model']} ({step['strategy']}) {step['status']}{note}  {cost}\n")
        if step.get("answer") is not None:
            model_text(f"answer: {step['answer']}")
        model_text(step.get("output") or step.get("error") or "")


def _print_strategy_summary(result: Any) -> None:
    """One stderr line with the answer, votes and confidence, when the strategy produced them."""
    parts = []
    if result.answer is not None:
        parts.append(f"answer: {result.answer}")
    if result.votes is not None:
        parts.append("votes: " + ", ".join(f"{a}={n}" for a, n in result.votes.items()))
        parts.append(f"confidence {result.confidence:.2f}")
        info = result.details.get("consistency", {})
        parts.append(f"samples {result.samples_drawn}/{info.get('samples_max', '?')}"
                     + (f" (stopped: {info.get('stopped_by')})" if info.get("stopped_early") else ""))
        if info.get("tie"):
            parts.append("TIE")
    if parts:
        sys.stderr.write("  ".join(parts) + "\n")


def _print_trace(calls: list[Any]) -> None:
    """Every call of the run, in order of completion (stderr)."""
    for number, call in enumerate(calls, start=1):
        label = " ".join(p for p in (f"step {call.step}" if call.step else "", call.tag or "") if p)
        head = f"#{number} {label + ' ' if label else ''}{call.request.provider}:{call.request.model}"
        if call.completion is None:
            sys.stderr.write(f"{head}  error: {call.error}\n")
            continue
        c = call.completion
        text = " ".join(c.text.split())
        cached = " cached" if c.cached else ""
        sys.stderr.write(f"{head}{cached}  {c.latency_s:.2f}s  in {c.usage.input_tokens} out {c.usage.output_tokens}"
                         f"  {text[:100]}{'...' if len(text) > 100 else ''}\n")


def _info(version: Any) -> dict[str, Any]:
    from promptctl.registry.registry import prompt_info

    return prompt_info(version)


def _print_request(display: str, request: Any) -> None:
    """Readable view of a request; contents printed verbatim (no markup interpretation)."""
    import json

    from promptctl.diff import content_text, message_view

    out = sys.stdout.write
    body = request.body
    out(f"# {display} -> {request.provider}:{request.model}\n")
    params = {k: v for k, v in body.items() if k not in ("model", "model_id", "messages", "system", "tools")}
    if params:
        out("# " + "  ".join(f"{k}={json.dumps(v) if isinstance(v, dict | list) else v}"
                             for k, v in params.items()) + "\n")
    if body.get("tools"):
        out("\n--- tools ---\n")
        for tool in body["tools"]:
            spec = tool.get("function", tool) if isinstance(tool, dict) else {}
            schema = spec.get("parameters", spec.get("input_schema"))
            out(f"{spec.get('name')}: {spec.get('description') or '(no description)'}\n"
                f"  parameters: {json.dumps(schema, ensure_ascii=False, sort_keys=True)}\n")
    if "system" in body:
        out("\n--- system (top-level parameter) ---\n" + content_text(body["system"]) + "\n")
    for message in body.get("messages", []):
        head, text = message_view(message)
        out(f"\n{head}\n{text}\n")
