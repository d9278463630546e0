"""Self-consistency: sample N reasoning paths at temperature > 0, extract and normalise the answers, vote.

Wang et al. 2023, "Self-Consistency Improves Chain of Thought Reasoning in Language Models"
(ICLR 2023): sample diverse reasoning paths and take the most frequent final answer.

Sampling. Each sample is the same request with ``cache_salt = "sample:<i>"`` (so the response
cache keeps the samples apart) and the sampling temperature: the ``temperature`` option, else the
prompt's temperature when it is above 0, else 0.7 (with a warning). Samples run concurrently under
an ``asyncio.Semaphore`` of ``max_concurrency`` (default 5).

Voting. Answers are extracted with :class:`~promptctl.executors.answers.AnswerOptions` and
normalised with :func:`~promptctl.executors.answers.normalise`. An empty answer (none found) counts
as no answer and never wins. The winner has the most votes; a tie is broken deterministically in
favour of the tied answer whose first vote came from the lowest sample index, and flagged
(``details["tie"]`` and a warning). ``confidence`` is the agreement ratio: winner's votes / samples
drawn (empty answers included in the denominator). ``output`` is the full text of the
lowest-indexed sample that voted for the winner; ``reasoning`` is its reasoning.

Adaptive stopping (``early_stop``), with at most ``samples`` samples (N):

- ``beta`` (default): Adaptive-Consistency's Beta stopping criterion (Aggarwal et al. 2023, "Let's
  Sample Step by Step: Adaptive-Consistency for Efficient Reasoning and Coding with LLMs", EMNLP 2023):
  with v1, v2 the votes of the two leading answers, stop once P(p1 > p2 | v1, v2) = P(X > 1/2) for
  X ~ Beta(v1 + 1, v2 + 1) reaches ``stop_threshold`` (0.95, the paper's). For integers this is
  P(Binomial(v1 + v2 + 1, 1/2) <= v1).
- ``predictive``: stop once the posterior predictive probability that the current leader is still the
  leader after all N samples reaches ``stop_threshold``
  (:func:`~promptctl.executors.voting.predictive_stop_probability`: a Dirichlet-multinomial over
  leader / runner-up / rest with a uniform prior), i.e. once the fixed-N vote is that sure. Faster
  than ``beta`` at 0.95 but it loses accuracy; at ``stop_threshold: 0.99`` it is about as accurate.
- ``window``: Early-Stopping Self-Consistency (Li et al. 2024, "Escape Sky-high Cost:
  Early-stopping Self-Consistency for Multi-step Reasoning", ICLR 2024): draw windows of ``window``
  samples (default 5) and stop when all answers in a window agree.
- ``decided``: only the rule below.
- ``false``: always draw all N.

Every adaptive mode also stops as soon as the outcome can no longer change: the leader has more
votes than the runner-up could reach with all remaining samples.

Measured (benchmarks/bench_consistency.py, 200,000 simulated questions per family, N = 20, waves of
at most 5, seed 20261206): the samples saved against a fixed N = 20 vote, and the accuracy lost
against it in percentage points with its 95% interval (Tango's, paired by question). ``beta`` was
chosen as the default on families A and B alone (the most saving whose loss bound stays under 0.05
point); the five others were written beforehand and not used to choose it.

========================  ====================  ====================  ====================  ====================
family                    beta 0.95 (default)   predictive 0.95       predictive 0.99       window 5
========================  ====================  ====================  ====================  ====================
A: mid-size (tuning)      2.33x, +0.03 [+0.05]  3.00x, +0.24 [+0.28]  2.16x, +0.01 [+0.02]  1.77x, +0.01 [+0.02]
B: strong (tuning)        2.78x, +0.01 [+0.03]  3.62x, +0.18 [+0.22]  2.50x, +0.01 [+0.02]  2.08x, +0.01 [+0.02]
easy                      4.22x, +0.00 [+0.00]  5.64x, +0.01 [+0.01]  3.44x, +0.00 [+0.00]  2.90x, +0.00 [+0.00]
hard                      1.28x, +0.00 [+0.03]  1.56x, +0.12 [+0.18]  1.28x, +0.01 [+0.02]  1.10x, -0.00 [+0.01]
wrong-but-consistent      1.45x, -0.06 [-0.02]  1.88x, -0.30 [-0.21]  1.42x, -0.05 [-0.02]  1.19x, -0.03 [-0.00]
near-tie                  1.16x, -0.02 [+0.01]  1.41x, +0.03 [+0.12]  1.16x, -0.01 [+0.02]  1.04x, +0.02 [+0.04]
many-answer               1.32x, +0.02 [+0.03]  1.58x, +0.25 [+0.28]  1.35x, +0.01 [+0.01]  1.12x, +0.00 [+0.01]
========================  ====================  ====================  ====================  ====================

Each cell: saving, loss [upper end of its 95% interval], in points; a negative loss is a gain. The
families are described in benchmarks/consistency_sim.py. Aggarwal et al. report a 3.3x saving at about
0.04 points on their benchmarks, where most questions are easy; on hard questions, near-ties and many
distinct answers the vote needs most of its samples, and the saving is 1.2-1.5x.

Samples are drawn in waves so that stopping saves calls even when sampling is concurrent: each wave
is the fewest further samples that could end the vote if they all agreed with the leader (for
``window``, one window), capped by ``max_concurrency``; the samples of a wave run concurrently and
the rule is checked when the wave is complete. With ``early_stop: false`` all samples are one
stream under the semaphore.

Gate (``gate: {threshold, confidence, model, temperature}``): one cheap answer first (temperature
``gate.temperature``, default 0; ``gate.model`` to use a cheaper model of the same provider), and
sampling only when its confidence is below ``gate.threshold`` (default 0.9). Confidence:

- ``logprobs``: the joint probability of the answer's tokens, exp(sum of their log-probabilities),
  from the provider's token log-probabilities (``logprobs: true``; read from OpenAI-shaped
  ``choices[0].logprobs.content``); the answer's tokens are those overlapping the extracted answer
  span (cf. Kadavath et al. 2022, "Language Models (Mostly) Know What They Know").
- ``self_report``: the model is asked to end with ``Confidence: <0-100>`` (verbalised confidence,
  Tian et al. 2023, "Just Ask for Calibration"); the number / 100.
- ``auto`` (default): ``logprobs`` on OpenAI and watsonx (not on reasoning models, which refuse
  it), ``self_report`` elsewhere; a gate whose confidence cannot be read counts as not confident.

A gate answer at or above the threshold is the result (``samples_drawn`` 1, its confidence as
``confidence``); below it, sampling runs as configured and the gate answer does not vote.

Options: ``samples`` (default 5), ``temperature``, ``max_concurrency``, ``early_stop``,
``stop_threshold``, ``window``, ``gate``, ``vote_field`` (with structured samples: vote on one field
of the parsed object instead of the whole object), and the ``answer_*`` options.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from promptctl.adapters.edits import with_temperature
from promptctl.errors import InputError
from promptctl.executors.answers import AnswerOptions, normalise
from promptctl.executors.base import CallContext, ExecutorResult
from promptctl.executors.gate import GateOptions, run_gate
from promptctl.executors.voting import (
    DEFAULT_CONCURRENCY,
    DEFAULT_THRESHOLD,
    DEFAULT_WINDOW,
    Stopper,
    Vote,
    beta_stop_probability,
    vote,
)
from promptctl.types import ProviderRequest

DEFAULT_SAMPLES = 5
DEFAULT_TEMPERATURE = 0.7
EARLY_STOP = ("beta", "predictive", "window", "decided", "none")
__all__ = ["ConsistencyOptions", "GateOptions", "SampleOutcome", "Stopper", "Vote", "beta_stop_probability",
           "parsed_answer", "run_consistency", "text_sampler", "vote", "with_temperature"]


@dataclass(frozen=True)
class ConsistencyOptions:
    """Self-consistency settings (see the module docstring)."""

    samples: int = DEFAULT_SAMPLES
    temperature: float | None = None
    max_concurrency: int = DEFAULT_CONCURRENCY
    early_stop: str = "beta"
    stop_threshold: float = DEFAULT_THRESHOLD
    window: int = DEFAULT_WINDOW
    gate: GateOptions | None = None
    vote_field: str | None = None
    answer: AnswerOptions = field(default_factory=AnswerOptions)

    @classmethod
    def from_options(
        cls, options: Mapping[str, Any], *, samples: int | None = None, where: str = "strategy consistency"
    ) -> ConsistencyOptions:
        """Read the options; ``samples`` (``--samples``) overrides the front matter.

        Raises:
            InputError: A value of the wrong type or out of range.
        """
        n = samples if samples is not None else options.get("samples", DEFAULT_SAMPLES)
        if isinstance(n, bool) or not isinstance(n, int) or n < 1:
            raise InputError(f"{where}: samples must be an integer >= 1, not {n!r}")
        stop = options.get("early_stop", "beta")
        if isinstance(stop, bool) or stop is None:
            stop = "beta" if stop else "none"
        if stop not in EARLY_STOP:
            from promptctl.errors import did_you_mean

            raise InputError(f"{where}: early_stop must be beta, predictive, window, decided or false, not {stop!r}",
                             hint=did_you_mean(str(stop), ("beta", "predictive", "window", "decided", "false"))
                             or "promptctl help strategies")
        concurrency = options.get("max_concurrency", DEFAULT_CONCURRENCY)
        window = options.get("window", DEFAULT_WINDOW)
        for key, value in (("max_concurrency", concurrency), ("window", window)):
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise InputError(f"{where}: {key} must be an integer >= 1, not {value!r}")
        threshold = float(options.get("stop_threshold", DEFAULT_THRESHOLD))
        if not 0.5 < threshold < 1:
            raise InputError(f"{where}: stop_threshold must be between 0.5 and 1, not {threshold}")
        temperature = options.get("temperature")
        gate = None
        raw_gate = options.get("gate")
        if raw_gate not in (None, False):
            spec = raw_gate if isinstance(raw_gate, Mapping) else {}
            method = spec.get("confidence", "auto")
            if method not in ("auto", "logprobs", "self_report"):
                raise InputError(f"{where}: gate.confidence must be auto, logprobs or self_report, not {method!r}")
            gate = GateOptions(threshold=float(spec.get("threshold", 0.9)), confidence=method,
                               model=spec.get("model"), temperature=float(spec.get("temperature", 0)))
        return cls(samples=n, temperature=None if temperature is None else float(temperature),
                   max_concurrency=concurrency, early_stop=stop, stop_threshold=threshold, window=window,
                   gate=gate, vote_field=options.get("vote_field"),
                   answer=AnswerOptions.from_options(dict(options), where=where))


# -- executor --------------------------------------------------------------------------------------
@dataclass
class SampleOutcome:
    """One sample's result: its text, extracted answer, reasoning and parsed object (structured samples)."""

    index: int
    text: str
    answer: str | None
    reasoning: str | None = None
    parsed: Any = None


Sampler = Callable[[ProviderRequest, int, CallContext], Awaitable[SampleOutcome]]


def sampling_temperature(request: ProviderRequest, options: ConsistencyOptions) -> tuple[float | None, list[str]]:
    """The temperature samples use, and a note when it had to be raised above 0."""
    from promptctl.adapters.profiles import profile

    if profile(request.provider, request.model).reasoning:
        return None, []  # reasoning models sample at their own fixed temperature
    if options.temperature is not None:
        return options.temperature, []
    current = request.parameters.get("temperature")
    if isinstance(current, int | float) and current > 0:
        return None, []
    return DEFAULT_TEMPERATURE, [f"self-consistency needs temperature > 0; samples use {DEFAULT_TEMPERATURE}"]


async def run_consistency(
    request: ProviderRequest,
    ctx: CallContext,
    options: ConsistencyOptions,
    sampler: Sampler,
) -> ExecutorResult:
    """Draw samples, vote, and stop early as configured (see the module docstring).

    Args:
        request: The prepared request (temperature is adjusted here).
        ctx: Call context (budget, recording).
        options: Settings.
        sampler: ``sampler(request, index, ctx) -> SampleOutcome`` making one sample's call(s)
            (:func:`text_sampler`, or structured output per sample).

    Returns:
        The result: answer, votes, confidence, samples_drawn, output/reasoning of a winning sample,
        details {tie, no_answer, stop_rule, stopped_by, waves, temperature, gate}.

    Raises:
        ProviderError, BudgetExceeded: A call failed or was refused (the calls made are recorded).
    """
    import asyncio  # here: rendering a consistency prompt needs no event loop

    start = ctx.mark()
    temperature, notes = sampling_temperature(request, options)
    details: dict[str, Any] = {"samples_max": options.samples, "stop_rule": options.early_stop,
                               "temperature": temperature if temperature is not None
                               else request.parameters.get("temperature")}
    if options.gate is not None:
        gated = await run_gate(request, ctx, options, details)
        if gated is not None:
            gated.calls = ctx.calls_since(start)
            return gated
    semaphore = asyncio.Semaphore(options.max_concurrency)
    outcomes: dict[int, SampleOutcome] = {}
    failed = asyncio.Event()

    async def one(index: int) -> SampleOutcome | None:
        async with semaphore:
            if failed.is_set():  # a sample failed: start no more, let those in flight finish and be recorded
                return None
            try:
                return await sampler(with_temperature(request, temperature, f"sample:{index}"), index, ctx)
            except BaseException:
                failed.set()
                raise

    stopper = Stopper(options.samples, options.early_stop, options.stop_threshold, options.window,
                      options.max_concurrency)
    counts: Counter[str] = Counter()
    waves: list[int] = []
    drawn = 0
    while True:
        size = stopper.next_wave(counts, drawn)
        indices = list(range(drawn, drawn + size))
        results = await _gather(one(i) for i in indices)
        waves.append(size)
        for outcome in results:
            outcomes[outcome.index] = outcome
            if normalise(outcome.answer):
                counts[normalise(outcome.answer)] += 1
        drawn += size
        if stopper.should_stop(counts, drawn, [outcomes[i].answer for i in indices]):
            break
    ordered = [outcomes[i] for i in sorted(outcomes)]
    result = _result_from(ordered, request, details)
    details.update({"stopped_by": stopper.reason, "waves": waves,
                    "stopped_early": drawn < options.samples})
    result.calls = ctx.calls_since(start)
    result.warnings[:0] = notes
    return result


async def _gather(coroutines: Any) -> list[SampleOutcome]:
    """Run a wave to the end; raise the first failure (by sample index) once the calls in flight are done."""
    import asyncio

    results = await asyncio.gather(*coroutines, return_exceptions=True)
    for item in results:
        if isinstance(item, BaseException):
            raise item
    return [r for r in results if isinstance(r, SampleOutcome)]


def _result_from(outcomes: list[SampleOutcome], request: ProviderRequest, details: dict[str, Any]) -> ExecutorResult:
    tally = vote([o.answer for o in outcomes])
    winner = next((o for o in outcomes if tally.answer is not None and normalise(o.answer) == tally.answer), None)
    warnings = []
    if tally.answer is None:
        warnings.append(f"self-consistency: none of the {len(outcomes)} samples had a final answer")
    if tally.tie:
        tied = [a for a, v in tally.votes.items() if v == tally.votes[tally.answer or ""]]
        warnings.append(f"self-consistency: tie between {', '.join(map(repr, tied))}; "
                        f"'{tally.answer}' won by the earliest-sample rule")
    details.update({"tie": tally.tie, "no_answer": sum(1 for o in outcomes if not normalise(o.answer)),
                    "sample_answers": [o.answer for o in outcomes]})
    return ExecutorResult(
        output=winner.text if winner else (outcomes[0].text if outcomes else ""),
        answer=tally.answer, reasoning=winner.reasoning if winner else None,
        parsed=winner.parsed if winner else None, votes=tally.votes, confidence=round(tally.confidence, 6),
        samples_drawn=tally.drawn, details={"consistency": details}, warnings=warnings, request=request,
    )


def text_sampler(answer: AnswerOptions) -> Sampler:
    """A sampler making one call and extracting its answer."""

    async def sample(request: ProviderRequest, index: int, ctx: CallContext) -> SampleOutcome:
        completion = await ctx.call(request, tag=f"sample:{index}")
        found = answer.extract(completion.text)
        return SampleOutcome(index, completion.text, found.answer,
                             found.reasoning if found.answer is not None else None)

    return sample


def parsed_answer(parsed: Any, vote_field: str | None) -> str | None:
    """The vote key of a structured sample: one field, or the whole object as canonical JSON."""
    if parsed is None:
        return None
    value = parsed.get(vote_field) if vote_field and isinstance(parsed, dict) else parsed
    if value is None:
        return None
    return value if isinstance(value, str) else json.dumps(value, sort_keys=True, ensure_ascii=False)


