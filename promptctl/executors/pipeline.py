"""One prompt version through its strategy: render with the strategy's transforms, adapt, execute.

:func:`prepare` renders (few-shot examples placed, chain-of-thought trigger added) and adapts, with
no network; :func:`execute` runs the prepared request with the plan's executors, composed:
self-consistency samples through structured output when both are on, chain-of-thought extraction
applies to direct and few-shot runs that declare ``answer_*`` options.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from promptctl.adapters import build_request, resolve_target
from promptctl.executors.base import CallContext, ExecutorResult, direct
from promptctl.executors.strategy import Plan
from promptctl.templating import Template, render
from promptctl.types import ProviderRequest

if TYPE_CHECKING:
    from promptctl.config import ProjectConfig
    from promptctl.executors.tool_round import ToolResults
    from promptctl.templating.prompt import Prompt


@dataclass(frozen=True)
class Source:
    """What the executors read of a prompt version: values, not the version (the session builds it).

    Attributes:
        name: The prompt's name (a structured-output model's default name).
        template: Its body and declared variables; ``template.where`` is the reference errors name.
        front_matter: Its front matter (:class:`promptctl.registry.frontmatter.FrontMatter`): the target's
            defaults, ``examples``, ``output`` and ``variables``.
        root: The folder relative dataset, example and schema paths start from (the project folder).
    """

    name: str
    template: Template
    front_matter: Any
    root: Path

    @property
    def where(self) -> str:
        """The reference errors name (``name@N``, ``name@N (draft)``)."""
        return self.template.where

    def prompt(self, variables: Mapping[str, Any] | None = None) -> Prompt:
        """The template rendered with ``variables`` (:func:`promptctl.templating.render`; its errors)."""
        return render(self.template, dict(variables or {}))


@dataclass
class Prepared:
    """A version rendered for its strategy: the request of the (first) call, and what was decided."""

    request: ProviderRequest
    plan: Plan
    details: dict[str, Any] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    output_schema: dict[str, Any] | None = None
    """Structured output: ``{"name", "source", "mode", "schema"}``, the JSON Schema added at run time."""
    prompt: Prompt | None = None
    """The neutral prompt the request was adapted from (after the strategy's transforms)."""
    rebuild: Callable[[Prompt], ProviderRequest] | None = None
    """Adapts another prompt with the same provider, model, parameters and config (a tool-results round)."""


def prepare(
    source: Source,
    variables: Mapping[str, Any] | None,
    plan: Plan,
    *,
    provider: str | None = None,
    model: str | None = None,
    parameters: Mapping[str, Any] | None = None,
    config: ProjectConfig | None = None,
) -> Prepared:
    """Render a version with its strategy's transforms (few-shot examples, chain-of-thought trigger) and adapt it.

    Raises:
        PromptctlError: Rendering, adapter, few-shot dataset or option errors. No network.
    """
    from promptctl.adapters.profiles import profile

    chosen, chosen_model = resolve_target(source.front_matter, provider, model, config, where=source.where)
    details: dict[str, Any] = {}
    notes: list[str] = []
    if plan.fewshot is not None:
        from promptctl.executors.fewshot import prepare as fewshot_prepare

        target = profile(chosen, chosen_model)
        prompt, selection = fewshot_prepare(
            source, variables or {}, plan.fewshot, section_style=target.section_style,
            model=chosen_model if target.tiktoken else None,
        )
        details["fewshot"] = selection.details
        notes += selection.warnings
    else:
        prompt = source.prompt(variables)
    if plan.cot is not None:
        from promptctl.executors.cot import apply_trigger

        prompt = apply_trigger(prompt, plan.cot)
    if plan.structured is not None and prompt.tools is not None:
        from promptctl.errors import InputError

        raise InputError(
            f"{source.where}: strategy structured cannot run a prompt that declares tools: structured output "
            "uses a forced tool call of its own (instructor), which would replace the prompt's tools",
            hint="remove tools: from this version, or run it with --strategy direct and score its tool calls "
            "with the tool_call scorer")
    request = build_request(source.front_matter, prompt, provider=chosen, model=chosen_model, parameters=parameters,
                            config=config, where=source.where)

    def rebuild(other: Prompt) -> ProviderRequest:
        return build_request(source.front_matter, other, provider=chosen, model=chosen_model, parameters=parameters,
                             config=config, where=source.where)

    return Prepared(request, plan, details, [*request.warnings, *notes], prompt=prompt, rebuild=rebuild)


async def execute(prepared: Prepared, ctx: CallContext, source: Source,
                  tool_results: ToolResults | None = None) -> ExecutorResult:
    """Run a prepared request with its plan's executors.

    Args:
        prepared: From :func:`prepare`.
        ctx: The call context (the session stack).
        source: The version's values.
        tool_results: Answers to the model's tool calls for one more round
            (:mod:`promptctl.executors.tool_round`); the direct strategy only.

    Raises:
        ProviderError, StructuredOutputError, BudgetExceeded: From the calls.
        InputError: An output schema that cannot be found; tool results with another strategy than direct,
            or without a result for a call the model made.
    """
    plan, request = prepared.plan, prepared.request
    if tool_results is not None and plan.name != "direct":
        from promptctl.errors import InputError

        raise InputError(f"{source.where}: --tool-results continues a direct run; strategy '{plan.name}' makes "
                         "calls of its own", hint="run it with --strategy direct")
    out = None
    if plan.structured is not None:
        from promptctl.executors.schema import output_model

        out = output_model(source.front_matter.output, plan.structured_source, root=source.root, where=source.where,
                           default_name=source.name)
    if plan.consistency is not None:
        from promptctl.executors.consistency import run_consistency, text_sampler
        from promptctl.executors.structured import structured_sampler

        sampler = (structured_sampler(out, plan.structured, plan.consistency.vote_field)
                   if out is not None and plan.structured is not None else text_sampler(plan.consistency.answer))
        result = await run_consistency(request, ctx, plan.consistency, sampler)
    elif plan.structured is not None and out is not None:
        from promptctl.executors.structured import run_structured

        result = await run_structured(request, ctx, plan.structured, out)
    elif plan.cot is not None:
        from promptctl.executors.cot import run_cot

        result = await run_cot(request, ctx, plan.cot)
    else:
        result = await direct(request, ctx)
        if tool_results is not None and prepared.prompt is not None and prepared.rebuild is not None:
            from promptctl.executors.tool_round import answer_round

            result = await answer_round(result, prepared.prompt, prepared.rebuild, ctx, tool_results)
        if plan.answer is not None:
            from promptctl.executors.cot import with_extraction

            with_extraction(result, plan.answer, required=False)
    result.details = {**prepared.details, **result.details}
    return result
