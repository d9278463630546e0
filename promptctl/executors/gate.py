"""The self-consistency gate: one cheap answer first; sample only when its confidence is below a threshold.

See :mod:`promptctl.executors.consistency` ("Gate") for the confidence definitions and their sources.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from promptctl.adapters.edits import append_user_text, with_body, with_model, with_temperature
from promptctl.executors.base import CallContext, ExecutorResult
from promptctl.types import ProviderRequest

if TYPE_CHECKING:
    from promptctl.executors.consistency import ConsistencyOptions


@dataclass(frozen=True)
class GateOptions:
    """The gate: one cheap answer first (see the module docstring)."""

    threshold: float = 0.9
    confidence: str = "auto"
    model: str | None = None
    temperature: float = 0


SELF_REPORT = ('After the final answer line, add one more line "Confidence: <0-100>": the probability, in percent, '
               "that your final answer is correct.")
_CONFIDENCE = re.compile(r"^[ \t*_>-]*confidence[ \t*_]*[:：][ \t]*(\d+(?:\.\d+)?)[ \t]*(%?)", re.I | re.M)


async def run_gate(
    request: ProviderRequest, ctx: CallContext, options: ConsistencyOptions, details: dict[str, Any]
) -> ExecutorResult | None:
    """Make the gate call; return its answer as the result when confident enough, else None (then sample).

    Args:
        request: The prepared request (the gate uses temperature ``gate.temperature`` and cache salt ``gate``).
        ctx: Call context.
        options: Self-consistency settings (``options.gate`` is set).
        details: The consistency details; ``details["gate"]`` is filled in either way.

    Raises:
        ProviderError, BudgetExceeded: From the call.
    """
    gate = options.gate
    assert gate is not None
    method = gate.confidence
    if method == "auto":
        from promptctl.adapters.profiles import profile

        method = "logprobs" if profile(request.provider, request.model).logprobs else "self_report"
    gated = with_temperature(request, gate.temperature, "gate")
    if gate.model:
        gated = with_model(gated, gate.model)
    if method == "logprobs":
        gated = with_body(gated, logprobs=True)
    else:
        gated = append_user_text(gated, SELF_REPORT)
    completion = await ctx.call(gated, tag="gate")
    text = completion.text
    found = options.answer.extract(_CONFIDENCE.sub("", text) if method == "self_report" else text)
    confidence = None
    if found.answer is not None:
        confidence = (_logprob_confidence(text, found.raw or "", completion.raw) if method == "logprobs"
                      else _self_reported(text))
    passed = confidence is not None and confidence >= gate.threshold
    details["gate"] = {"answer": found.answer, "confidence": confidence, "method": method,
                       "threshold": gate.threshold, "passed": passed, "model": gated.model}
    if not passed:
        return None
    return ExecutorResult(
        output=text, answer=found.answer, reasoning=found.reasoning, votes={found.answer or "": 1},
        confidence=round(confidence or 0.0, 6), samples_drawn=1,
        details={"consistency": {**details, "stopped_by": "gate", "waves": [], "stopped_early": True,
                                 "tie": False, "no_answer": 0}},
        request=gated,
    )


def _self_reported(text: str) -> float | None:
    matches = list(_CONFIDENCE.finditer(text))
    if not matches:
        return None
    value = float(matches[-1].group(1))
    return min(value / 100 if value > 1 or matches[-1].group(2) else value, 1.0)


def _logprob_confidence(text: str, raw_answer: str, raw: dict[str, Any]) -> float | None:
    """exp(sum of log-probabilities of the tokens overlapping the last occurrence of the answer span)."""
    choices = raw.get("choices") or [{}]
    content = ((choices[0] or {}).get("logprobs") or {}).get("content") or []
    tokens = [(str(t.get("token", "")), float(t.get("logprob", 0.0))) for t in content if isinstance(t, dict)]
    if not tokens or not raw_answer or "".join(t for t, _ in tokens) != text:
        return None
    start = text.rfind(raw_answer)
    if start < 0:
        return None
    end, position, total = start + len(raw_answer), 0, 0.0
    for token, logprob in tokens:
        if position < end and position + len(token) > start:
            total += logprob
        position += len(token)
    return math.exp(total)
