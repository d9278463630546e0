"""Reasoning settings (``reasoning: {effort, budget_tokens}``) per model profile, checked before sending.

The neutral setting travels in a request's parameters as ``reasoning`` (from the front matter's
``reasoning:``, or the ``reasoning`` parameter given as an option); each adapter calls one function here:

- OpenAI (o-series, gpt-5): ``reasoning_effort: EFFORT``; ``budget_tokens`` has no OpenAI equivalent and is
  left out with a note (an error when it is the only setting). Reasoning models already take the
  ``developer`` role and ``max_completion_tokens`` (their profile).
- Anthropic: ``budget_tokens`` -> ``thinking: {type: enabled, budget_tokens}`` (at least 1,024 and below
  ``max_tokens``; ``temperature`` and ``top_k`` cannot be set and ``top_p`` only between 0.95 and 1, and a
  forced tool choice is refused: platform.claude.com "Extended thinking", anthropic 2.14.0
  ``thinking_config_enabled_param.py``); ``effort`` -> ``output_config: {effort}`` on models whose profile has
  it (``low``, ``medium``, ``high``).
- watsonx: ``reasoning_effort: EFFORT`` for reasoning models (``TextChatParameters``).

A model whose profile has no reasoning controls refuses the setting with an
:class:`~promptctl.errors.AdapterError` naming the model (nothing is sent).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from promptctl.adapters.profiles import ModelProfile
from promptctl.errors import AdapterError
from promptctl.templating.prompt import ToolSet

MIN_THINKING_BUDGET = 1024
"""The smallest ``budget_tokens`` Claude takes (tokens; anthropic 2.14.0 ``thinking_config_enabled_param.py``)."""

_CLAUDE_EFFORTS = ("low", "medium", "high")
_HINT = ("remove reasoning: from the front matter for this model, or use a reasoning model (o4-mini, gpt-5, "
         "claude-sonnet-4-6)")


def reasoning_of(params: Mapping[str, Any], where: str) -> dict[str, Any] | None:
    """The neutral reasoning setting of ``params`` (``{effort?, budget_tokens?}``), checked, or None.

    Raises:
        AdapterError: ``reasoning`` is not a mapping of ``effort`` and/or ``budget_tokens``.
    """
    value = params.get("reasoning")
    if value is None:
        return None
    if not isinstance(value, Mapping):  # "reasoning=low": promptctl's words, not pydantic's "valid dictionary"
        effort = str(value).strip().lower()
        raise AdapterError(f"{where}: reasoning must be a mapping of effort and/or budget_tokens, not {value!r}",
                           hint=(f"reasoning: {{effort: {effort}}}" if effort in ("minimal", "low", "medium", "high")
                                 else "reasoning: {effort: minimal|low|medium|high, budget_tokens: N}")
                           + " (on the command line: REF::reasoning_effort=low for OpenAI)")
    from pydantic import ValidationError

    from promptctl.templating.toolspec import ReasoningSpec

    try:
        return ReasoningSpec.model_validate(value).as_dict()
    except ValidationError as exc:
        msg = str(exc.errors()[0]["msg"]).removeprefix("Value error, ")
        raise AdapterError(f"{where}: reasoning {value!r}: {msg}",
                           hint="reasoning: {effort: minimal|low|medium|high, budget_tokens: N}") from None


def _refuse(model: str, where: str) -> AdapterError:
    return AdapterError(f"{where}: {model} has no reasoning settings, so reasoning: cannot be applied", hint=_HINT)


def openai_reasoning(reasoning: Mapping[str, Any], model: str, prof: ModelProfile, where: str
                     ) -> tuple[dict[str, Any], list[str]]:
    """``{reasoning_effort}`` for an OpenAI (or watsonx) reasoning model, and notes.

    Raises:
        AdapterError: The model has no reasoning settings, or only ``budget_tokens`` was given.
    """
    if "effort" not in prof.reasoning_controls:
        raise _refuse(model, where)
    notes = []
    if "budget_tokens" in reasoning:
        if "effort" not in reasoning:
            raise AdapterError(f"{where}: {model} takes a reasoning effort, not a thinking budget (budget_tokens)",
                               hint="add reasoning: {effort: low|medium|high}")
        notes.append(f"reasoning.budget_tokens applies to Claude; {model} takes reasoning_effort only")
    return {"reasoning_effort": reasoning["effort"]}, notes


def anthropic_reasoning(reasoning: Mapping[str, Any], model: str, prof: ModelProfile, params: Mapping[str, Any],
                        max_tokens: int, tools: ToolSet | None, where: str) -> tuple[dict[str, Any], list[str]]:
    """``thinking`` and/or ``output_config`` for a Claude model, checked against Claude's rules; and notes.

    Args:
        reasoning: The neutral setting (``effort``, ``budget_tokens``).
        model: Model id.
        prof: Its profile.
        params: The other parameters (``temperature``, ``top_k``, ``top_p`` are checked).
        max_tokens: The request's ``max_tokens`` (tokens).
        tools: The request's tools (a forced tool choice is checked).
        where: Reference named in errors.

    Raises:
        AdapterError: No reasoning settings for the model; a budget below 1,024 or not below ``max_tokens``;
            thinking with a forced tool choice, ``temperature``, ``top_k`` or a ``top_p`` below 0.95; an effort
            Claude does not take.
    """
    controls = prof.reasoning_controls
    if not controls:
        raise _refuse(model, where)
    out: dict[str, Any] = {}
    notes: list[str] = []
    budget = reasoning.get("budget_tokens")
    effort = reasoning.get("effort")
    if effort is not None:
        if "effort" in controls:
            if effort not in _CLAUDE_EFFORTS:
                raise AdapterError(f"{where}: Claude's effort takes {', '.join(_CLAUDE_EFFORTS)}, not '{effort}'",
                                   hint="reasoning: {effort: low}")
            out["output_config"] = {"effort": effort}
        elif budget is None:
            raise AdapterError(f"{where}: {model} has no effort setting; its reasoning is extended thinking",
                               hint="give reasoning: {budget_tokens: N} (at least 1024, below max_tokens)")
        else:
            notes.append(f"{model} has no effort setting; reasoning.effort was left out (thinking uses budget_tokens)")
    if budget is not None:
        if budget < MIN_THINKING_BUDGET:
            raise AdapterError(f"{where}: reasoning.budget_tokens is {budget}; Claude's thinking budget is at least "
                               f"{MIN_THINKING_BUDGET:,} tokens", hint=f"set budget_tokens: {MIN_THINKING_BUDGET}")
        if budget >= max_tokens:
            raise AdapterError(
                f"{where}: reasoning.budget_tokens ({budget:,}) must be below max_tokens ({max_tokens:,}): the "
                "thinking budget is part of the output",
                hint=f"raise parameters.max_tokens above {budget:,}, or lower the budget")
        if tools is not None and tools.forces_a_tool:
            forced = f"{{name: {tools.forced}}}" if tools.choice == "tool" else "required"
            raise AdapterError(
                f"{where}: reasoning.budget_tokens (extended thinking) cannot be combined with tool_choice: {forced}: "
                "Claude refuses a forced tool choice while thinking",
                hint="use tool_choice: auto (or none) with thinking, or remove reasoning.budget_tokens")
        for key in ("temperature", "top_k"):
            if key in params and not (key == "temperature" and params[key] == 1):
                raise AdapterError(f"{where}: {key} cannot be set with extended thinking (reasoning.budget_tokens)",
                                   hint=f"remove parameters.{key}, or remove reasoning.budget_tokens")
        if "top_p" in params and not 0.95 <= float(params["top_p"]) <= 1:
            raise AdapterError(f"{where}: with extended thinking top_p must be between 0.95 and 1, not "
                               f"{params['top_p']}",
                               hint="remove parameters.top_p, or remove reasoning.budget_tokens")
        out["thinking"] = {"type": "enabled", "budget_tokens": budget}
    return out, notes
