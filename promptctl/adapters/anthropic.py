"""Adapter for Anthropic's Messages API (Claude).

Rules (sources: anthropic 2.14.0 ``message_create_params.py`` docstrings;
platform.claude.com prompt-engineering "Use XML tags"):

- System text goes in the top-level ``system`` parameter, never as a message
  role. A system message that appears later in the conversation is *hoisted*:
  its text is appended to ``system`` in order (the Messages API has no
  mid-conversation system turn). The request's ``warnings`` say so.
- Sections become XML tags named by their snake_case id; content cannot close
  the section it sits in.
- Consecutive messages of the same role are merged (joined by a blank line);
  empty or whitespace-only messages are dropped.
- A final assistant message is a prefill: its trailing whitespace is removed
  (the API rejects it).
- A conversation that starts with the assistant, or has no user message, is an
  :class:`~promptctl.errors.AdapterError` before anything is sent.
- ``max_tokens`` is required: the prompt's value, else the profile default
  (1024 tokens).
- anthropic >= 1.0 has no typed ``temperature``/``top_p``/``top_k`` arguments:
  they travel in ``extra_body`` and reach the wire unchanged. ``stop`` becomes
  ``stop_sequences``. ``seed`` and the other parameters the profile says Claude
  does not take (``ModelProfile.rejected_parameters``) are dropped with a warning.
- Other keys are passed through as ``messages.create`` arguments; one that is
  not a known Messages API parameter gets a warning with a "did you mean".
"""

from __future__ import annotations

from typing import Any

from promptctl.adapters.base import message_text, require_text
from promptctl.adapters.profiles import ModelProfile, parameter_notes
from promptctl.errors import AdapterError
from promptctl.templating.prompt import Prompt
from promptctl.types import ProviderRequest

_EXTRA_BODY = ("temperature", "top_p", "top_k")


def anthropic_request(
    prompt: Prompt, model: str, params: dict[str, Any], profile: ModelProfile, *, where: str = "prompt"
) -> ProviderRequest:
    """Build the ``messages.create`` keyword arguments for a Claude model.

    Raises:
        AdapterError: The conversation starts with the assistant or has no user message.
    """
    notes: list[str] = []
    system: list[str] = []
    turns: list[dict[str, Any]] = []
    for message in prompt.messages:
        if message.is_blank():
            continue
        require_text(message, "anthropic", where)
        text = message_text(message, profile.section_style)
        if message.role == "system":
            if turns:
                notes.append("a system message after the first turn was hoisted into the top-level system prompt")
            system.append(text)
        elif turns and turns[-1]["role"] == message.role:
            turns[-1]["content"] += "\n\n" + text
        else:
            turns.append({"role": message.role, "content": text})
    if not turns or all(t["role"] != "user" for t in turns):
        raise AdapterError(f"{where}: Claude needs at least one user message", hint="add a {% user %} message")
    if turns[0]["role"] == "assistant":
        raise AdapterError(
            f"{where}: the conversation starts with an assistant message, which Claude rejects",
            hint="start with a {% user %} message",
        )
    if turns[-1]["role"] == "assistant":
        turns[-1]["content"] = turns[-1]["content"].rstrip()

    kwargs: dict[str, Any] = {
        "model": model,
        "max_tokens": params.get("max_tokens") or profile.default_max_tokens,
    }
    if system:
        kwargs["system"] = "\n\n".join(system)
    kwargs["messages"] = turns
    extra: dict[str, Any] = {}
    applied: dict[str, Any] = {"max_tokens": kwargs["max_tokens"]}
    for key, value in params.items():
        if key == "max_tokens":
            continue
        if key == "stop":
            kwargs["stop_sequences"] = list(value)
        elif key in _EXTRA_BODY:
            extra[key] = value
        elif profile.rejects(key, value):
            notes.append(f"Claude does not take parameter '{key}'; dropped")
            continue
        else:
            kwargs[key] = value
        applied[key] = value
    notes += parameter_notes("anthropic", model, profile, {k: v for k, v in params.items() if k in applied})
    body = dict(kwargs)
    if extra:
        kwargs["extra_body"] = extra
        body.update(extra)
    return ProviderRequest(
        provider="anthropic", model=model, kwargs=kwargs, body=body, parameters=applied, warnings=tuple(notes)
    )
