"""A prompt version's cost before it runs: its strategy's call shape, its recorded outputs, then the arithmetic.

The session joins what the lower layers know: the executors state how many calls a strategy makes
(:func:`promptctl.executors.strategy.call_shape`), the run store holds the outputs of earlier calls
(:meth:`promptctl.store.runs.RunStore.output_tokens`), and :func:`promptctl.tokens.estimate.estimate_calls`
prices them (its module docstring gives the method). ``run --estimate/--max-cost``, chains, ``ab``'s plan
estimate and ``cost`` all estimate through :func:`estimate_cost`.
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING

from promptctl.registry.registry import prompt_info

if TYPE_CHECKING:
    from promptctl.config import ProjectConfig
    from promptctl.registry.registry import PromptVersion
    from promptctl.store.fastread import RunReader
    from promptctl.tokens.counting import TokenCount
    from promptctl.tokens.estimate import CostEstimate
    from promptctl.types import ProviderRequest

__all__ = ["estimate_cost", "recorded_outputs"]


def estimate_cost(
    version: PromptVersion,
    request: ProviderRequest,
    *,
    strategy: str | None = None,
    samples: int | None = None,
    count: TokenCount | None = None,
    config: ProjectConfig | None = None,
    history: RunReader | None = None,
) -> CostEstimate:
    """Estimate what running ``version`` as ``request`` with ``strategy`` costs. No network.

    Args:
        version: The prompt version (its front matter gives the default strategy and its options).
        request: The adapted request of one call.
        strategy: One of :data:`~promptctl.executors.strategy.STRATEGIES` (``chain`` is priced as one call,
            with a note); default the front matter's.
        samples: Self-consistency samples, overriding the front matter.
        count: Input tokens already counted (e.g. with ``--exact``); default
            :func:`~promptctl.tokens.request_tokens.count_request`.
        config: Project config (price overrides).
        history: Run store to read this prompt's recorded outputs from, or None.

    Returns:
        The :class:`~promptctl.tokens.estimate.CostEstimate` (USD values None when the model has no price).

    Raises:
        InputError: Unknown strategy or a non-positive ``samples``.
        TokenizerError: tiktoken's encoding cannot be loaded offline.
    """
    from promptctl.errors import InputError
    from promptctl.executors.strategy import STRATEGIES, call_shape
    from promptctl.tokens.estimate import estimate_calls

    fm_strategy = version.front_matter.strategy
    chosen = strategy or fm_strategy.name
    options = fm_strategy.options if fm_strategy.name == chosen else {}
    notes: tuple[str, ...] = ()
    if chosen == "chain":
        notes = ("chain: only this version's own call is priced; price each step's prompt separately",)
        chosen = "direct"
    if chosen not in STRATEGIES or chosen == "chain":
        from promptctl.errors import did_you_mean

        names = [s for s in STRATEGIES if s != "chain"]
        close = did_you_mean(chosen, names)
        raise InputError(f"unknown strategy '{chosen}'",
                         hint=(f"{close} " if close else "") + f"strategies: {', '.join(names)}")
    if samples is not None and samples < 1:
        raise InputError(f"--samples must be >= 1, not {samples}")
    request, count = _as_sent(version, request, strategy, count, config)
    outputs = recorded_outputs(history, version, request.provider, request.model) if history else ([], "")
    if history and not outputs[0] and history.output_tokens(version.name, request.provider, request.model, limit=1,
                                                            include_test_replies=True):
        # "no recorded calls" read as wrong right after runs against the loopback server (README, Estimates)
        outputs = ([], "only loopback test-server replies are recorded, and they never count")
    return estimate_calls(request, call_shape(chosen, options, samples=samples), prompt=prompt_info(version),
                          count=count, config=config, outputs=outputs, notes=notes)


def _as_sent(version: PromptVersion, request: ProviderRequest, strategy: str | None, count: TokenCount | None,
             config: ProjectConfig | None) -> tuple[ProviderRequest, TokenCount | None]:
    """The first request the strategy sends, and its count: structured output adds the output schema.

    The schema is input tokens of every call (instructor's tools, the provider's JSON mode, or the schema in the
    prompt: :func:`promptctl.executors.structured.first_request`). A ``count`` already made (``--exact``, of the
    request without the schema) gets the schema's tokens counted offline added, with a note. Anything that
    keeps the strategy from running (a bad option, a missing schema) is the run's error, not the estimate's:
    then the request is priced as given.
    """
    from promptctl.errors import PromptctlError
    from promptctl.executors.strategy import resolve_plan

    try:
        plan = resolve_plan(version.front_matter.strategy, strategy if strategy != "chain" else None,
                            where=version.display)
        if plan.structured is None:
            return request, count
        from promptctl.executors.schema import output_model
        from promptctl.executors.structured import first_request
        from promptctl.session.run import project_root

        out = output_model(version.front_matter.output, plan.structured_source, root=project_root(version, config),
                           where=version.display, default_name=version.name)
        sent = first_request(request, plan.structured, out)
    except PromptctlError:
        return request, count
    if count is None or sent is request:
        return sent, count
    from promptctl.tokens.request_tokens import count_request, with_note

    extra = max(count_request(sent).tokens - count_request(request).tokens, 0)
    added = dataclasses.replace(count, tokens=count.tokens + extra, low=count.low + extra, high=count.high + extra)
    return sent, with_note(added, "approximate", f"the output schema's {extra} tokens counted offline")


def recorded_outputs(
    store: RunReader, version: PromptVersion, provider: str, model: str, *, limit: int = 200,
    include_test_replies: bool = False,
) -> tuple[list[int], str]:
    """Output tokens of this prompt's recorded, successful calls on the same provider and model.

    Only outputs of the same provider and model say how long this model's answers to this prompt are: the
    same version's first, else any version's. Scripted replies never count unless asked (see
    :meth:`~promptctl.store.runs.RunStore.output_tokens`).

    Args:
        store: The run store.
        version: The prompt version.
        provider: Provider name.
        model: Model id.
        limit: Most recent calls to read per scope.
        include_test_replies: Count loopback-server replies too.

    Returns:
        ``(output tokens per call, scope in words)``; ``([], "")`` when nothing is recorded.
    """
    scopes = ((f"{version.display} on {provider}:{model}", version.number),
              (f"{version.name} on {provider}:{model}", None))
    for label, number in scopes:
        values = store.output_tokens(version.name, provider, model, version=number, limit=limit,
                                     include_test_replies=include_test_replies)
        if values:
            return values, label
    return [], ""
