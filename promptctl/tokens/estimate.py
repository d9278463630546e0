"""The cost of running a prompt version before it runs: tokens in, tokens out, USD low/expected/high.

For one rendered request and a strategy:

- **Input tokens**: :func:`~promptctl.tokens.request_tokens.count_request` (exact with tiktoken for
  OpenAI; an estimate with a low-high range for Anthropic and watsonx unless ``--exact``).
- **Output tokens**: the ceiling is the request's ``max_tokens`` (or ``max_completion_tokens``), else
  :data:`DEFAULT_OUTPUT_CEILING`. The typical figure is the median output of this prompt's recorded
  calls in the run store (same version, provider and model when there are such calls, else same
  prompt and model, else same prompt), else :data:`DEFAULT_TYPICAL_OUTPUT` for the strategy. Both
  are capped by the ceiling.
- **Calls**: the strategy's :class:`CallShape`, which the executors state
  (:func:`promptctl.executors.strategy.call_shape`): direct, cot and fewshot make one call. consistency
  makes N samples (``--samples``, else the front matter's ``samples``, else
  :data:`promptctl.executors.consistency.DEFAULT_SAMPLES`); it may stop
  early (the front matter's ``early_stop`` rule), so the low end is the fewest samples that can end
  the vote under that rule (:meth:`promptctl.executors.voting.Stopper.next_wave` from no votes: 4 of
  N = 20 with the default ``beta`` rule; all N with ``early_stop: false``). structured makes one call
  that validates, or up to 1 + R calls (R = front matter ``max_retries``, else
  :data:`promptctl.executors.structured.DEFAULT_RETRIES`); each retry re-sends the conversation plus
  the failed reply (up to the
  ceiling) and the validation error (:data:`RETRY_FEEDBACK_TOKENS`).
- **Recorded outputs** come from the caller (:func:`promptctl.session.estimate.recorded_outputs` reads the
  run store); this module reads no store and no prompt version.
- **USD**: ``low`` = fewest calls x (low input + the smallest recorded output, or no output when
  nothing is recorded): a floor. ``expected`` = expected calls x (input + typical output). ``high``
  = most calls x (high input, growing with each retry, + the output ceiling): a ceiling, the figure
  ``--max-cost`` is checked against.
- **Prompt caching** (:class:`CacheEstimate`, only for a prompt with ``{% cache %}``): the prefix up to
  the last breakpoint is counted like the request. With a warm cache it is billed at the cached-input
  price: all of it for Anthropic, for OpenAI the part that its cache serves (1,024 tokens and then
  steps of 128); nothing when it is under the model's minimum (the profile's ``min_cache_tokens``).
  With a cold cache Anthropic bills it as a cache write (genai-prices' write price, its one-hour write
  price for a ``ttl="1h"`` breakpoint), OpenAI at the input price.
  ``expected`` and ``high`` are the cold figures; ``low`` assumes a warm cache.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from promptctl.tokens.counting import TokenCount
from promptctl.tokens.pricing import Cost, cost_of
from promptctl.types import Usage

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

    from promptctl.config import ProjectConfig
    from promptctl.types import ProviderRequest

RETRY_FEEDBACK_TOKENS = 150
"""Tokens assumed for the validation-error message appended to each structured-output retry."""
DEFAULT_OUTPUT_CEILING = 4096
"""Output ceiling assumed when the request sets no ``max_tokens`` (tokens)."""
DEFAULT_TYPICAL_OUTPUT = {"direct": 256, "fewshot": 256, "consistency": 256, "structured": 256, "cot": 768}
"""Typical output per call (tokens) when the run store has no calls of the prompt; CoT writes its steps."""


@dataclass(frozen=True)
class CacheEstimate:
    """What prompt caching does to one call's cost, for a request with a cache breakpoint.

    Attributes:
        prefix_tokens: Input tokens up to the last breakpoint (same counting method as the request).
        cached_tokens: Of those, the tokens read from the cache on a warm call (0 under the minimum).
        written_tokens: Tokens written to the cache on a cold call (Anthropic; 0 for OpenAI, which bills no
            writes).
        minimum: The model's minimum cacheable prefix (tokens), or None when the provider has no caching.
        usd_cold: Expected cost with a cold cache (USD), or None without a price.
        usd_warm: Expected cost with a warm cache (USD), or None.
        note: How the figures were made, in words.
    """

    prefix_tokens: int
    cached_tokens: int
    written_tokens: int
    minimum: int | None
    usd_cold: float | None
    usd_warm: float | None
    note: str

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: prefix_tokens, cached_tokens, written_tokens, minimum, cost_usd {cold, warm}, note."""
        return {"prefix_tokens": self.prefix_tokens, "cached_tokens": self.cached_tokens,
                "written_tokens": self.written_tokens, "minimum": self.minimum,
                "cost_usd": {"cold": self.usd_cold, "warm": self.usd_warm}, "note": self.note}


def cached_part(request: ProviderRequest, prefix_tokens: int) -> tuple[int, int, int | None, str]:
    """``(read on a warm call, written on a cold call, minimum, explanation)`` for a prefix of ``prefix_tokens``.

    From the model profile's prompt-cache facts (:func:`promptctl.adapters.profiles.profile`).
    """
    from promptctl.adapters.profiles import OPENAI_CACHE_INCREMENT, profile

    prof = profile(request.provider, request.model)
    minimum = prof.min_cache_tokens
    if prof.prompt_cache is None or minimum is None:
        return 0, 0, None, f"{request.provider}:{request.model} has no documented prompt caching"
    if prefix_tokens < minimum:
        return 0, 0, minimum, (f"the cacheable prefix ({prefix_tokens:,} tokens) is under {request.model}'s minimum "
                               f"of {minimum:,}: it is not cached")
    if prof.prompt_cache == "automatic":
        read = minimum + (prefix_tokens - minimum) // OPENAI_CACHE_INCREMENT * OPENAI_CACHE_INCREMENT
        return read, 0, minimum, (f"warm: {read:,} prefix tokens at the cached price (automatic prefix caching, "
                                  f"{minimum:,} tokens then steps of {OPENAI_CACHE_INCREMENT})")
    return prefix_tokens, prefix_tokens, minimum, (f"cold: {prefix_tokens:,} prefix tokens written to the cache; "
                                                   "warm: read from it")


@dataclass(frozen=True)
class CostEstimate:
    """A cost estimate for one prompt version on one provider and model.

    Attributes:
        prompt: ``{"name", "version", "sha256", "draft"}``.
        provider: Provider name.
        model: Model id.
        strategy: Strategy priced (``direct``, ``cot``, ``fewshot``, ``consistency``, ``structured``).
        input: Input tokens of one call (:class:`TokenCount`, labelled exact/approximate/estimate).
        output_low: Smallest recorded output per call, or 0 (tokens).
        output_expected: Typical output per call (tokens).
        output_ceiling: Output ceiling per call (tokens).
        output_source: Where the typical output comes from, in words.
        calls_low: Fewest calls the strategy makes.
        calls_expected: Calls it usually makes.
        calls_high: Most calls it can make.
        usd_low: Floor (USD), or None without a price.
        usd_expected: Expected cost (USD), or None.
        usd_high: Ceiling (USD), or None.
        price: The price applied (:class:`Cost` of the expected case, for its source and note).
        notes: Caveats.
        cache: What prompt caching changes (:class:`CacheEstimate`), for a prompt with ``{% cache %}``; else None.
    """

    prompt: dict[str, Any]
    provider: str
    model: str
    strategy: str
    input: TokenCount
    output_low: int
    output_expected: int
    output_ceiling: int
    output_source: str
    calls_low: int
    calls_expected: int
    calls_high: int
    usd_low: float | None
    usd_expected: float | None
    usd_high: float | None
    price: Cost
    notes: tuple[str, ...] = field(default=())
    cache: CacheEstimate | None = None

    @property
    def target(self) -> str:
        """``provider:model``."""
        return f"{self.provider}:{self.model}"

    def to_dict(self) -> dict[str, Any]:
        """The ``--json`` shape, also stored with a run as ``cost_estimate``.

        Keys: prompt, provider, model, strategy, input_tokens {tokens, quality, method, encoding, low,
        high, notes}, output_tokens {low, expected, ceiling, source}, calls {low, expected, high},
        cost_usd {low, expected, high} (USD or null), estimate (always true), price {source, price,
        note}, notes, cache (:meth:`CacheEstimate.to_dict`, or null without a cache breakpoint).
        """
        return {
            "prompt": self.prompt,
            "provider": self.provider,
            "model": self.model,
            "strategy": self.strategy,
            "input_tokens": self.input.to_dict(),
            "output_tokens": {
                "low": self.output_low, "expected": self.output_expected,
                "ceiling": self.output_ceiling, "source": self.output_source,
            },
            "calls": {"low": self.calls_low, "expected": self.calls_expected, "high": self.calls_high},
            "cost_usd": {"low": self.usd_low, "expected": self.usd_expected, "high": self.usd_high},
            "estimate": True,
            "price": {k: v for k, v in self.price.to_dict().items() if k != "usd"},
            "notes": list(self.notes),
            "cache": self.cache.to_dict() if self.cache is not None else None,
        }


@dataclass(frozen=True)
class CallShape:
    """How many calls one run of a strategy makes: what the estimator asks the executors' plan.

    Attributes:
        strategy: The strategy priced (its typical output when nothing is recorded:
            :data:`DEFAULT_TYPICAL_OUTPUT`).
        low: Fewest calls.
        expected: Calls it usually makes.
        high: Most calls it can make.
        resends_reply: Each call after the first re-sends the conversation plus the failed reply and the
            validation error (structured-output retries), so its input grows by the output ceiling plus
            :data:`RETRY_FEEDBACK_TOKENS`.
        notes: What the shape assumes, in words.
    """

    strategy: str = "direct"
    low: int = 1
    expected: int = 1
    high: int = 1
    resends_reply: bool = False
    notes: tuple[str, ...] = ()


def estimate_calls(
    request: ProviderRequest,
    shape: CallShape,
    *,
    prompt: Mapping[str, Any],
    count: TokenCount | None = None,
    config: ProjectConfig | None = None,
    outputs: tuple[Sequence[int], str] = ((), ""),
    notes: tuple[str, ...] = (),
) -> CostEstimate:
    """Estimate what one run of ``shape``'s calls of ``request`` costs. No network, no store.

    A prompt version's estimate is :func:`promptctl.session.estimate.estimate_cost` (which reads the shape from
    the strategy and the outputs from the run store, then calls this).

    Args:
        request: The adapted request of one call.
        shape: The calls the strategy makes (:func:`promptctl.executors.strategy.call_shape`).
        prompt: ``{"name", "version", "sha256", "draft"}`` of the version, as the estimate reports it.
        count: Input tokens already counted (e.g. with ``--exact``); default
            :func:`~promptctl.tokens.request_tokens.count_request`.
        config: Project config (price overrides).
        outputs: Output tokens of recorded calls of this prompt on the same provider and model, and their
            scope in words (``([], "")`` when none; ``([], why)`` adds ``why`` to the "no recorded calls" text).
        notes: Notes to put first (e.g. what a chain's estimate leaves out).

    Returns:
        The :class:`CostEstimate` (USD values None when the model has no price).

    Raises:
        TokenizerError: tiktoken's encoding cannot be loaded offline.
    """
    from promptctl.tokens.request_tokens import count_request

    all_notes = list(notes)
    count = count or count_request(request)
    ceiling, ceiling_note = _ceiling(request)
    if ceiling_note:
        all_notes.append(ceiling_note)
    recorded, scope = outputs
    if recorded:
        typical = min(int(statistics.median(recorded)), ceiling)
        low_out = min(min(recorded), ceiling)
        source = f"median of {len(recorded)} recorded call(s) of {scope}"
    else:
        typical = min(DEFAULT_TYPICAL_OUTPUT.get(shape.strategy, DEFAULT_TYPICAL_OUTPUT["direct"]), ceiling)
        low_out = 0
        why = f"; {scope}" if scope else ""
        source = (f"default for {shape.strategy}, no recorded calls of this prompt on "
                  f"{request.provider}:{request.model}{why}")
    retry_growth = ceiling + RETRY_FEEDBACK_TOKENS if shape.resends_reply else 0
    all_notes += shape.notes
    window_note = context_window_note(request, count, ceiling)
    if window_note:
        all_notes.append(window_note)
    if _reasoning(request):
        all_notes.append("reasoning model: hidden reasoning tokens are billed as output; the expected figure may be "
                         "low")

    prefix = _prefix_tokens(request, count)
    read, written, minimum, cache_note = cached_part(request, prefix) if prefix is not None else (0, 0, None, "")
    one_hour = _one_hour_writes(request)

    def usd(calls: list[tuple[int, int]], *, warm: bool = False, cold: bool = False,
            request_tokens: int | None = None) -> tuple[float | None, Cost]:
        # the prefix scales with the count of the request it is part of (low/high of an estimated count), so
        # the part after the last breakpoint is never priced as cached or written
        scale = (request_tokens / count.tokens) if request_tokens is not None and count.tokens else 1.0
        total = 0.0
        last = Cost(None, "unknown")
        for tokens_in, tokens_out in calls:
            usage = Usage(input_tokens=tokens_in, output_tokens=tokens_out,
                          cached_input_tokens=min(round(read * scale), tokens_in) if warm else 0,
                          cache_write_tokens=min(round(written * scale), tokens_in) if cold else 0)
            last = cost_of(usage, request.provider, request.model, config, write_ttl="1h" if one_hour else None)
            if last.usd is None:
                return None, last
            total += last.usd
        return total, last

    caching = prefix is not None
    usd_low, _ = usd([(count.low, low_out)] * shape.low, warm=caching, request_tokens=count.low)
    usd_exp, price = usd([(count.tokens, typical)] * shape.expected, cold=caching)
    usd_high, _ = usd([(count.high + k * retry_growth, ceiling) for k in range(shape.high)], cold=caching,
                      request_tokens=count.high)
    cache = None
    if prefix is not None:
        usd_warm, _ = usd([(count.tokens, typical)] * shape.expected, warm=True)
        if one_hour and written:
            cache_note += " (ttl 1h: one-hour write price)"
        cache = CacheEstimate(prefix_tokens=prefix, cached_tokens=read, written_tokens=written, minimum=minimum,
                              usd_cold=usd_exp, usd_warm=usd_warm, note=cache_note)
    if price.note:
        all_notes.append(price.note)
    return CostEstimate(
        prompt=dict(prompt), provider=request.provider, model=request.model, strategy=shape.strategy,
        input=count, output_low=low_out, output_expected=typical, output_ceiling=ceiling, output_source=source,
        calls_low=shape.low, calls_expected=shape.expected, calls_high=shape.high,
        usd_low=usd_low, usd_expected=usd_exp, usd_high=usd_high, price=price, notes=tuple(all_notes), cache=cache,
    )


def _prefix_tokens(request: ProviderRequest, count: TokenCount) -> int | None:
    """Input tokens of the request's cached prefix (:attr:`ProviderRequest.cache_prefix`), counted like ``count``.

    Counted offline with the request's own method; when ``count`` came from a provider endpoint (``--exact``),
    the offline prefix count is scaled by the ratio of the two counts of the whole request. None without a
    breakpoint.
    """
    import dataclasses

    from promptctl.tokens.request_tokens import count_request

    if request.cache_prefix is None:
        return None
    prefix = count_request(dataclasses.replace(request, body=request.cache_prefix)).tokens
    offline = count_request(request).tokens
    if offline and offline != count.tokens:
        prefix = round(prefix * count.tokens / offline)
    return min(prefix, count.tokens)


def _one_hour_writes(request: ProviderRequest) -> bool:
    """True when the request asks Claude for a one-hour cache (a breakpoint with ``ttl: 1h``)."""
    if request.provider != "anthropic" or request.cache_prefix is None:
        return False
    import json

    return '"ttl": "1h"' in json.dumps(request.cache_prefix)


def _ceiling(request: ProviderRequest) -> tuple[int, str | None]:
    body = request.body
    for key in ("max_tokens", "max_completion_tokens"):
        value = body.get(key) or request.parameters.get(key)
        if isinstance(value, int) and value > 0:
            return value, None
    return DEFAULT_OUTPUT_CEILING, f"no max_tokens set: output ceiling assumed {DEFAULT_OUTPUT_CEILING} tokens"


def context_window_note(request: ProviderRequest, count: TokenCount, ceiling: int) -> str | None:
    """What to say when the input plus the output ceiling do not fit the model's context window, else None.

    The window is the model profile's :attr:`~promptctl.adapters.profiles.ModelProfile.context_window` (input
    plus output tokens); OpenAI and Anthropic refuse a request whose input plus ``max_tokens`` exceed it. With an
    estimated count (a range), only the low end over the window is "exceeds"; the high end over it is "may".

    Args:
        request: The adapted request.
        count: Its input tokens.
        ceiling: The output ceiling (tokens).
    """
    from promptctl.adapters.profiles import profile

    window = profile(request.provider, request.model).context_window
    if not window or count.high + ceiling <= window:
        return None
    verb = "exceed" if count.low + ceiling > window else "may exceed"
    return (f"{count.tokens:,} input tokens plus the {ceiling:,}-token output ceiling {verb} the {window:,}-token "
            f"context window of {request.provider}:{request.model}: the provider refuses such a request; shorten "
            "the input, lower max_tokens or choose a model with a larger window")


def _reasoning(request: ProviderRequest) -> bool:
    from promptctl.adapters.profiles import profile

    return profile(request.provider, request.model).reasoning


@dataclass(frozen=True)
class RequestCost:
    """Tokens and USD of one call of a request, without a prompt version or run history.

    Attributes:
        count: Input tokens (:class:`TokenCount`, labelled exact/approximate/estimate).
        output_expected: Output assumed for the expected figure (tokens): the direct default, capped
            by the ceiling.
        output_ceiling: The request's ``max_tokens`` or :data:`DEFAULT_OUTPUT_CEILING` (tokens).
        low_usd: Input only, at the low end of the count (USD), or None without a price.
        expected_usd: Input plus the expected output (USD), or None.
        high_usd: High input plus the output ceiling (USD), or None.
        price: The :class:`Cost` of the expected case (source, price, note).
    """

    count: TokenCount
    output_expected: int
    output_ceiling: int
    low_usd: float | None
    expected_usd: float | None
    high_usd: float | None
    price: Cost

    @property
    def input_tokens(self) -> int:
        """Input tokens (the expected value for an estimate)."""
        return self.count.tokens

    @property
    def exact(self) -> bool:
        """True when the input count is exact."""
        return self.count.quality == "exact"


def estimate_request(request: ProviderRequest, *, config: ProjectConfig | None = None,
                     batch: bool = False) -> RequestCost:
    """Tokens and USD of one call of ``request``, offline (e.g. to compare two versions' requests).

    Args:
        request: The adapted request.
        config: Project config (price overrides).
        batch: Price the call at the batch price (sent through a provider batch).

    Returns:
        A :class:`RequestCost` (USD None when the model has no price).

    Raises:
        TokenizerError: tiktoken's encoding cannot be loaded offline.
    """
    from promptctl.tokens.request_tokens import count_request

    count = count_request(request)
    ceiling, _ = _ceiling(request)
    typical = min(DEFAULT_TYPICAL_OUTPUT["direct"], ceiling)

    def at(tokens_in: int, tokens_out: int) -> Cost:
        return cost_of(Usage(input_tokens=tokens_in, output_tokens=tokens_out), request.provider, request.model, config,
                       batch=batch)

    expected = at(count.tokens, typical)
    return RequestCost(
        count=count, output_expected=typical, output_ceiling=ceiling, low_usd=at(count.low, 0).usd,
        expected_usd=expected.usd, high_usd=at(count.high, ceiling).usd, price=expected,
    )
