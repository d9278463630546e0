"""Chain-of-thought: reasoning first, then a final answer kept apart from it.

Two modes (front matter ``strategy: {name: cot, mode: ...}``):

- ``zero_shot`` (default): a trigger phrase is appended to the last user message, after
  everything the template put there. The default trigger is Kojima et al. 2022 ("Large Language
  Models are Zero-Shot Reasoners", NeurIPS 2022), "Let's think step by step.", followed by one
  sentence asking for the final answer on its own last line behind the first answer marker
  (single-stage: the paper's second, answer-extraction call is replaced by the marker line).
- ``manual``: the template already spells out the reasoning steps (Wei et al. 2022, "Chain-of-Thought
  Prompting Elicits Reasoning in Large Language Models"); nothing is added.

Either way the call is made once and the final answer is extracted from the reply by
:class:`~promptctl.executors.answers.AnswerOptions` (``answer_tag``, ``answer_marker(s)``,
``answer_regex``, ``answer_fallback``), normalised with
:func:`~promptctl.executors.answers.normalise`; the text before it is the reasoning.

Options:

``mode``
    ``zero_shot`` or ``manual`` (default ``zero_shot``).
``trigger``
    The zero-shot trigger phrase (default ``"Let's think step by step."``).
``answer_instruction``
    Sentence appended after the trigger (default: write the final answer on its own last line as
    ``"<marker>: <answer>"``, the marker being the first of ``answer_marker(s)``, else ``Answer``);
    ``false`` appends none.
``answer_*``
    Answer extraction, see :class:`~promptctl.executors.answers.AnswerOptions`.

Result: ``output`` is the whole reply, ``answer`` the normalised answer (None, with a warning,
when none is found), ``reasoning`` the text before the answer.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from promptctl.errors import InputError
from promptctl.executors.answers import AnswerOptions, Extraction
from promptctl.executors.base import CallContext, ExecutorResult
from promptctl.templating.prompt import Message, Prompt
from promptctl.types import ProviderRequest

DEFAULT_TRIGGER = "Let's think step by step."
"""Kojima et al. 2022's zero-shot chain-of-thought trigger."""


@dataclass(frozen=True)
class CotOptions:
    """Chain-of-thought settings (see the module docstring).

    Attributes:
        mode: ``zero_shot`` or ``manual``.
        trigger: Trigger phrase for ``zero_shot``.
        answer_instruction: Sentence asking for the answer line, or None.
        answer: Answer extraction options.
    """

    mode: Literal["zero_shot", "manual"] = "zero_shot"
    trigger: str = DEFAULT_TRIGGER
    answer_instruction: str | None = None
    answer: AnswerOptions = field(default_factory=AnswerOptions)

    @classmethod
    def from_options(cls, options: dict[str, Any], *, where: str = "strategy cot") -> CotOptions:
        """Read ``mode``, ``trigger``, ``answer_instruction`` and the ``answer_*`` options.

        Raises:
            InputError: An unknown mode or an invalid answer option.
        """
        mode = str(options.get("mode", "zero_shot")).replace("-", "_")
        if mode not in ("zero_shot", "manual"):
            raise InputError(f"{where}: mode must be 'zero_shot' or 'manual', not {mode!r}")
        answer = AnswerOptions.from_options(options, where=where)
        instruction = options.get("answer_instruction")
        if instruction is None:
            marker = answer.markers[0] if answer.markers else "Answer"
            marker = marker[:1].upper() + marker[1:]
            instruction = f'Then write the final answer on its own last line, as "{marker}: <answer>".'
        elif instruction is False:
            instruction = None
        return cls(mode=mode, trigger=str(options.get("trigger", DEFAULT_TRIGGER)),  # type: ignore[arg-type]
                   answer_instruction=str(instruction) if instruction else None, answer=answer)

    @property
    def suffix(self) -> str | None:
        """The text appended to the last user message, or None in manual mode."""
        if self.mode != "zero_shot":
            return None
        return " ".join(p for p in (self.trigger, self.answer_instruction) if p)


def apply_trigger(prompt: Prompt, options: CotOptions) -> Prompt:
    """The prompt with the zero-shot trigger appended to its last user message (unchanged in manual mode).

    A final assistant message (a prefill) stays last; the trigger goes into the user message before it.
    """
    suffix = options.suffix
    if not suffix:
        return prompt
    messages = list(prompt.messages)
    for index in range(len(messages) - 1, -1, -1):
        if messages[index].role == "user":
            messages[index] = Message(role="user", parts=(*messages[index].parts, suffix))
            return Prompt(messages=tuple(messages), variables=prompt.variables, warnings=prompt.warnings)
    messages.append(Message.text("user", suffix))
    return Prompt(messages=tuple(messages), variables=prompt.variables, warnings=prompt.warnings)


def with_extraction(result: ExecutorResult, answer: AnswerOptions, *, required: bool = True) -> ExecutorResult:
    """Extract the final answer from ``result.output`` into ``answer`` and ``reasoning``.

    Args:
        result: A finished single-call result.
        answer: Extraction options.
        required: Warn when no answer is found.

    Returns:
        The same result object, with ``answer``, ``reasoning`` and ``details["extraction"]`` set.
    """
    found: Extraction = answer.extract(result.output)
    result.answer = found.answer
    result.reasoning = found.reasoning if found.answer is not None else None
    result.details["extraction"] = {"method": found.method, "raw": found.raw}
    if found.answer is None and required:
        result.warnings.append(f"no final answer found in the reply (looked for {answer.describe()})")
    return result


async def run_cot(request: ProviderRequest, ctx: CallContext, options: CotOptions) -> ExecutorResult:
    """Send the (already triggered) request once and separate the answer from the reasoning.

    Args:
        request: The request, built from a prompt that went through :func:`apply_trigger`.
        ctx: Call context.
        options: Chain-of-thought settings.

    Returns:
        The result with ``answer`` and ``reasoning``.

    Raises:
        ProviderError, BudgetExceeded: From the call.
    """
    start = ctx.mark()
    completion = await ctx.call(request)
    result = ExecutorResult(output=completion.text, calls=ctx.calls_since(start), request=request)
    result.details["cot"] = {"mode": options.mode, "trigger": options.suffix}
    return with_extraction(result, options.answer)
