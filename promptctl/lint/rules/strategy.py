"""STRAT: strategy fit (chain-of-thought on a label, self-consistency settings and cost)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from promptctl.lint import text as T
from promptctl.lint.context import VersionContext
from promptctl.lint.model import Hit, rule
from promptctl.lint.rules.output import has_schema

CATEGORY = "strategy"
EXTRACTOR_OPTIONS = ("answer_marker", "answer_markers", "answer_regex", "answer_pattern", "answer_tag", "extractor")
"""Strategy options that tell the executor how to find the final answer."""
GATE_OPTIONS = ("gate", "max_cost", "max_cost_usd", "budget_usd", "early_stop")
"""Strategy options that bound the cost of self-consistency (any one, set and not false)."""
DEFAULT_OUTPUT_CEILING = 4096
"""Output tokens assumed per sample when ``max_tokens`` is not set (promptctl.tokens.estimate)."""


def single_label(schema: Any) -> str | None:
    """The label field when the schema's answer is one enum or boolean value, else None.

    A top-level ``enum`` gives ``"(the answer)"``; an object with exactly one property that is an enum or a
    boolean gives that property's name.
    """
    if not isinstance(schema, dict):
        return None
    if "enum" in schema or "const" in schema:
        return "(the answer)"
    props = schema.get("properties")
    if isinstance(props, dict) and len(props) == 1:
        name, prop = next(iter(props.items()))
        if isinstance(prop, dict) and ("enum" in prop or "const" in prop or prop.get("type") == "boolean"):
            return str(name)
    return None


@rule(
    "STRAT001", "warning", "Chain-of-thought on a single-label classification",
    rationale="""Chain-of-thought pays off on multi-step reasoning. When the output schema is a single label (one
    enum or boolean), the reasoning has nowhere to go in the answer, multiplies output tokens and latency, and
    on classification it often lowers accuracy by talking the model out of the obvious label.""",
    fix="Use strategy: direct (or structured) for the label; if reasoning is really needed, add a reasoning field "
    "before the label in the schema instead of a free-text chain of thought.",
    category=CATEGORY,
)
def cot_on_label(ctx: VersionContext) -> Iterator[Hit]:
    """``strategy: cot`` with a single enum/boolean output schema."""
    out = ctx.fm.output
    if ctx.fm.strategy.name != "cot" or out is None:
        return
    label = single_label(out.json_schema)
    if label is not None:
        yield Hit(f"strategy cot on an output schema whose only field is the label {label}", ctx.field_line("strategy"))


def _temperature(ctx: VersionContext) -> Any:
    options = ctx.fm.strategy.options
    return options.get("temperature", ctx.fm.parameters.temperature)


@rule(
    "STRAT002", "error", "Self-consistency without temperature above 0",
    rationale="""Self-consistency samples the same prompt several times and votes; at temperature 0 (or an unset
    temperature, whose default differs by provider and is 0 for some servers) the samples are near-identical,
    so the vote costs N calls and adds nothing.""",
    fix="Set parameters: {temperature: 0.7} (0.5-1.0 is usual) for a consistency strategy.",
    category=CATEGORY,
)
def consistency_temperature(ctx: VersionContext) -> Iterator[Hit]:
    """``strategy: consistency`` with temperature unset or <= 0 (models with a fixed temperature excepted)."""
    if ctx.fm.strategy.name != "consistency":
        return
    targets = [t for t in ctx.targets if t.provider != "fake"]
    if targets and all("temperature" in t.profile.rejected_parameters for t in targets):
        return  # reasoning models sample at their own fixed temperature
    value = _temperature(ctx)
    if value is None:
        line = ctx.field_line("parameters", "temperature")
        yield Hit("strategy consistency but temperature is not set (provider defaults differ)",
                  line if line > 1 else ctx.field_line("strategy"))
    elif isinstance(value, int | float) and value <= 0:
        yield Hit(f"strategy consistency with temperature {value}: the samples will be near-identical",
                  ctx.field_line("parameters", "temperature"))


@rule(
    "STRAT003", "warning", "Self-consistency without an answer extractor",
    rationale="""Votes are taken over final answers, not over whole replies that differ in wording. Without an
    answer_marker / answer_regex / answer_tag option, an output schema, or an instruction that puts the answer
    on a recognisable line ("Answer: ..."), the extractor falls back to guessing and the vote is noise.""",
    fix='Add answer_marker: "Final answer:" under strategy and end the output format with "Final answer: <answer>".',
    category=CATEGORY,
)
def consistency_extractor(ctx: VersionContext) -> Iterator[Hit]:
    """``strategy: consistency`` with no extractor option, no schema and no answer-line instruction."""
    if ctx.fm.strategy.name != "consistency":
        return
    options = ctx.fm.strategy.options
    if any(options.get(key) for key in EXTRACTOR_OPTIONS) or has_schema(ctx):
        return
    literal = "\n".join(text for _, text in ctx.literal_lines)
    if T.ANSWER_CUE.search(literal):
        return
    yield Hit("strategy consistency but nothing tells the executor where the final answer is",
              ctx.field_line("strategy"))


def _samples(ctx: VersionContext) -> int:
    value = ctx.fm.strategy.options.get("samples")
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    from promptctl.executors.consistency import DEFAULT_SAMPLES  # the strategy's own default

    return DEFAULT_SAMPLES


def run_cost(ctx: VersionContext, samples: int) -> tuple[float | None, int, int, str]:
    """USD of one self-consistency run on the first target: ``(usd or None, input tokens, output tokens, model)``.

    Input is the rendered request with typical inputs; output is ``max_tokens`` (else 4,096) per sample.
    The price comes from :func:`promptctl.tokens.pricing.cost_of` (config overrides, genai-prices, the
    watsonx table); None when the model has no known price.
    """
    target = next((t for t in ctx.targets if t.request is not None), None)
    if target is None or target.request is None:
        return None, 0, 0, "?"
    tokens_in, _ = ctx.input_tokens(target.request)
    ceiling = ctx.fm.parameters.max_tokens or DEFAULT_OUTPUT_CEILING
    total_in, total_out = samples * tokens_in, samples * ceiling
    rates = _rates(target.provider, target.model, ctx.config)
    usd = None if rates is None else total_in * rates[0] + total_out * rates[1]
    return usd, total_in, total_out, f"{target.provider}:{target.model}"


_RATES: dict[tuple[str, str, tuple[tuple[str, float], ...]], tuple[float, float] | None] = {}


def _rates(provider: str, model: str, config: Any) -> tuple[float, float] | None:
    """USD per input token and per output token of a model (None without a price), memoised.

    Prices are linear in tokens, so one lookup per model (and per config price override) serves every version.
    """
    override = (getattr(config, "prices", None) or {}).get(f"{provider}:{model}") or {}
    key = (provider, model, tuple(sorted(override.items())))
    if key not in _RATES:
        from promptctl.tokens.pricing import cost_of
        from promptctl.types import Usage

        million = 1_000_000
        cost_in = cost_of(Usage(input_tokens=million), provider, model, config).usd
        cost_out = cost_of(Usage(output_tokens=million), provider, model, config).usd
        _RATES[key] = None if cost_in is None or cost_out is None else (cost_in / million, cost_out / million)
    return _RATES[key]


@rule(
    "STRAT004", "warning", "Many or costly self-consistency samples without a gate",
    rationale="""Self-consistency multiplies the cost of every call by the number of samples. Above a threshold
    (more than consistency_max_samples samples, or a run estimated above consistency_max_usd) a gate should
    bound it: early stopping once the vote is decided, or a cost ceiling.""",
    fix="Add a gate to the strategy (early_stop: true, or max_cost_usd: 0.05), or lower samples.",
    category=CATEGORY,
)
def consistency_gate(ctx: VersionContext) -> Iterator[Hit]:
    """``strategy: consistency`` above the sample or cost threshold with no gate option."""
    if ctx.fm.strategy.name != "consistency":
        return
    options = ctx.fm.strategy.options
    if any(options.get(key) not in (None, False, 0) for key in GATE_OPTIONS):
        return
    samples = _samples(ctx)
    s = ctx.settings
    line = ctx.field_line("strategy", "samples") if "samples" in options else ctx.field_line("strategy")
    if samples > s.consistency_max_samples:
        yield Hit(f"{samples} self-consistency samples (more than {s.consistency_max_samples}) and no gate option",
                  line)
        return
    usd, tokens_in, tokens_out, model = run_cost(ctx, samples)
    if usd is not None and usd > s.consistency_max_usd:
        yield Hit(
            f"{samples} samples cost about ${usd:.3f} per run on {model} ({tokens_in:,} input + {tokens_out:,} output "
            f"tokens at most), above ${s.consistency_max_usd:g}, and no gate option",
            line,
        )
