"""Which executors run a version, and with what settings: front matter ``strategy:`` plus run-time choices.

The front matter names one strategy and its options::

    strategy: {name: consistency, samples: 5, answer_marker: "Final answer:"}

Strategies compose through nested options in any strategy's mapping:

- ``fewshot: {k: 3, ...}`` (or ``true``): examples are selected and placed before the call(s)
  (few-shot inside self-consistency);
- ``cot: {mode: zero_shot, ...}`` (or ``true``): the zero-shot trigger is added and the answer is
  extracted;
- ``structured: {max_retries: 2, ...}`` (or ``true``): every answer (each sample of
  self-consistency) is a schema-valid object.

A chain step's ``strategy`` composes the same way. A run-time ``--strategy NAME`` that differs from
the front matter's replaces it: NAME's options are then the front matter's nested ``NAME:`` mapping
if there is one, plus the front matter's ``answer_*`` options (they describe the prompt's output,
whatever the strategy). ``--samples N`` sets the self-consistency sample count.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from promptctl.errors import InputError, did_you_mean
from promptctl.executors.answers import ANSWER_OPTION_KEYS, AnswerOptions
from promptctl.executors.consistency import ConsistencyOptions
from promptctl.executors.cot import CotOptions
from promptctl.executors.fewshot import FewShotOptions
from promptctl.executors.structured import StructuredOptions

if TYPE_CHECKING:
    from promptctl.tokens.estimate import CallShape

STRATEGIES = ("direct", "cot", "fewshot", "consistency", "structured", "chain")
"""Every strategy name ``--strategy`` and ``strategy:`` accept."""


@dataclass(frozen=True)
class Plan:
    """The executors a run uses.

    Attributes:
        name: The main strategy.
        options: The options that applied to it (JSON-ready), as recorded with the run.
        answer: Answer extraction (cot, consistency, or any strategy given ``answer_*`` options), or None.
        cot: Chain-of-thought settings when active.
        fewshot: Few-shot settings when active.
        consistency: Self-consistency settings when active.
        structured: Structured-output settings when active.
        structured_source: The options naming the schema (``model``, ``schema``, ``name``).
    """

    name: str
    options: dict[str, Any] = field(default_factory=dict)
    answer: AnswerOptions | None = None
    cot: CotOptions | None = None
    fewshot: FewShotOptions | None = None
    consistency: ConsistencyOptions | None = None
    structured: StructuredOptions | None = None
    structured_source: dict[str, Any] = field(default_factory=dict)


_NESTED = ("fewshot", "cot", "structured")
OPTION_KEYS: dict[str, frozenset[str]] = {
    "direct": frozenset(),
    "fewshot": frozenset(f.name for f in dataclasses.fields(FewShotOptions)),
    "cot": frozenset({"mode", "trigger", "answer_instruction"}),
    "consistency": frozenset({"samples", "temperature", "max_concurrency", "early_stop", "stop_threshold", "window",
                              "gate", "vote_field"}),
    "structured": frozenset({"mode", "max_retries", "strict", "schema_in_prompt", "model", "schema", "name"}),
}
"""The options each strategy reads (besides the ``answer_*`` options and nested ``fewshot``/``cot``/``structured``)."""


def _check_keys(options: Mapping[str, Any], strategy: str, where: str, *, nested: bool) -> None:
    """Refuse an option ``strategy`` does not read, with a "did you mean" (a typo would be silently ignored).

    Raises:
        InputError: Naming the option, the strategy and the closest known option.
    """
    from promptctl.errors import did_you_mean

    known = OPTION_KEYS[strategy] | (set(ANSWER_OPTION_KEYS) | set(_NESTED) if not nested else set())
    for key in options:
        if key not in known:
            close = did_you_mean(str(key), known, what="option")
            own = ", ".join(sorted(OPTION_KEYS[strategy])) or "none of its own"
            raise InputError(
                f"{where}: strategy {strategy} has no option '{key}'",
                hint=(f"{close} " if close else "") + f"{strategy} options: {own}"
                + ("" if nested else "; any strategy also takes answer_* options and nested fewshot/cot/structured")
                + " (promptctl help strategies)",
            )


def _sub(options: Mapping[str, Any], key: str) -> dict[str, Any] | None:
    value = options.get(key)
    if value in (None, False):
        return None
    if value is True:
        return {}
    if not isinstance(value, Mapping):
        raise InputError(f"strategy option '{key}' must be true or a mapping of {key} options")
    return dict(value)


def resolve_plan(
    front: Any,
    override: str | Mapping[str, Any] | None = None,
    *,
    samples: int | None = None,
    where: str = "strategy",
) -> Plan:
    """Combine the front matter's strategy with a run-time or chain-step choice.

    Args:
        front: The front matter's :class:`~promptctl.registry.frontmatter.StrategySpec` (``.name``,
            ``.options``), or a mapping with ``name``.
        override: ``--strategy NAME``, or a chain step's ``strategy`` (a name or a mapping with ``name``).
        samples: ``--samples N``.
        where: Reference named in errors.

    Returns:
        The :class:`Plan`.

    Raises:
        InputError: An unknown strategy, invalid options, or ``samples`` without self-consistency.
    """
    if isinstance(front, Mapping) or front is None:
        base_name = str((front or {}).get("name") or "direct")
        base_options = {k: v for k, v in (front or {}).items() if k != "name"}
    else:
        base_name, base_options = front.name, dict(front.options)
    name, options = base_name, base_options
    if isinstance(override, Mapping):
        name = str(override.get("name") or "direct")
        options = {k: v for k, v in base_options.items() if k in ANSWER_OPTION_KEYS}
        options.update({k: v for k, v in override.items() if k != "name"})
    elif override and override != base_name:
        name = override
        options = {k: v for k, v in base_options.items() if k in ANSWER_OPTION_KEYS}
        options.update(_sub(base_options, override) or {})
    if name not in STRATEGIES:
        close = did_you_mean(name, STRATEGIES)
        raise InputError(f"{where}: unknown strategy '{name}'",
                         hint=(f"{close} " if close else "") + f"strategies: {', '.join(STRATEGIES)}")
    if samples is not None and name != "consistency":
        raise InputError(f"--samples applies to self-consistency, but {where} runs '{name}'",
                         hint="add --strategy consistency")
    here = f"{where} {name}"
    if name == "chain":
        return Plan(name, options)
    _check_keys(options, name, where, nested=False)
    fewshot_opts = options if name == "fewshot" else _sub(options, "fewshot")
    cot_opts = options if name == "cot" else _sub(options, "cot")
    structured_opts = options if name == "structured" else _sub(options, "structured")
    for nested, given in (("fewshot", fewshot_opts), ("cot", cot_opts), ("structured", structured_opts)):
        if given is not None and nested != name:
            _check_keys(given, nested, where, nested=True)
    plan_answer = None
    cot = None
    if cot_opts is not None:
        cot = CotOptions.from_options({**{k: v for k, v in options.items() if k in ANSWER_OPTION_KEYS}, **cot_opts},
                                      where=here)
        plan_answer = cot.answer
    consistency = None
    if name == "consistency":
        consistency = ConsistencyOptions.from_options(options, samples=samples, where=here)
        plan_answer = consistency.answer
    elif plan_answer is None and any(k in options for k in ANSWER_OPTION_KEYS):
        plan_answer = AnswerOptions.from_options(options, where=here)
    structured = None
    source: dict[str, Any] = {}
    if structured_opts is not None:
        structured = StructuredOptions.from_options(structured_opts, where=here)
        source = {k: structured_opts[k] for k in ("model", "schema", "name") if k in structured_opts}
    return Plan(
        name=name, options=options, answer=plan_answer, cot=cot,
        fewshot=FewShotOptions.from_options(fewshot_opts, where=here) if fewshot_opts is not None else None,
        consistency=consistency, structured=structured, structured_source=source,
    )


def call_shape(name: str, options: Mapping[str, Any] | None = None, *, samples: int | None = None) -> CallShape:
    """How many calls one run of strategy ``name`` makes, for the cost estimate.

    Options are read leniently: a bad option is the run's error to report, not the estimate's.

    Args:
        name: A strategy of :data:`STRATEGIES` other than ``chain`` (a chain's steps are priced one by one).
        options: The strategy's options (the front matter's, when it is the front matter's strategy).
        samples: ``--samples N`` (self-consistency).

    Returns:
        The :class:`~promptctl.tokens.estimate.CallShape`: self-consistency makes N samples (``samples``, else
        the ``samples`` option, else :data:`~promptctl.executors.consistency.DEFAULT_SAMPLES`) and may stop after
        the fewest that can end the vote under its ``early_stop`` rule; structured output makes one call, or up to
        1 + ``max_retries`` (default :data:`~promptctl.executors.structured.DEFAULT_RETRIES`), each re-sending the
        failed reply; the others make one call.
    """
    from promptctl.executors.consistency import DEFAULT_SAMPLES
    from promptctl.executors.structured import DEFAULT_RETRIES
    from promptctl.tokens.estimate import CallShape

    options = options or {}
    if name == "consistency":
        n = samples or _int_option(options, "samples") or DEFAULT_SAMPLES
        fewest = _fewest_samples(n, options)
        return CallShape(name, fewest, n, n, notes=(
            f"self-consistency: {n} samples; may stop early after {fewest} once the vote is decided",))
    if name == "structured":
        retries = _int_option(options, "max_retries")
        retries = DEFAULT_RETRIES if retries is None else retries
        return CallShape(name, 1, 1, 1 + retries, resends_reply=True, notes=(
            f"structured output: up to {retries} retries, each re-sending the failed reply and the error",))
    return CallShape(name)


def _int_option(options: Mapping[str, Any], key: str) -> int | None:
    value = options.get(key)
    try:
        return int(value) if value is not None else None
    except (TypeError, ValueError):
        return None


def _fewest_samples(n: int, options: Mapping[str, Any]) -> int:
    """The fewest self-consistency samples that can end the vote under the strategy's stopping rule."""
    from collections import Counter

    from promptctl.errors import PromptctlError
    from promptctl.executors.voting import Stopper

    try:
        parsed = ConsistencyOptions.from_options(options, samples=n)
    except PromptctlError:
        return n // 2 + 1
    if parsed.early_stop == "none":
        return n
    return Stopper(n, parsed.early_stop, parsed.stop_threshold, parsed.window, n).next_wave(Counter(), 0)
