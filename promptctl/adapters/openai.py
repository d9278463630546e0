"""Adapter for OpenAI's Chat Completions API and OpenAI-compatible servers (Ollama, vLLM, llama.cpp).

System messages stay in place as ``system`` messages, or become ``developer``
messages for reasoning models (o1, o3, o4, gpt-5 families), whose profiles say
so; sections become markdown headings. The output-token ceiling is sent under
the profile's ``max_tokens_param`` (``max_completion_tokens`` for reasoning
models, ``max_tokens`` otherwise, which local servers also understand).
"""

from __future__ import annotations

from typing import Any

from promptctl.adapters.base import cache_prefix_messages, chat_messages
from promptctl.adapters.profiles import ModelProfile, parameter_notes
from promptctl.templating.prompt import Prompt
from promptctl.types import ProviderRequest


def openai_request(prompt: Prompt, model: str, params: dict[str, Any], profile: ModelProfile) -> ProviderRequest:
    """Build the ``chat.completions.create`` keyword arguments for an OpenAI (compatible) model.

    Every parameter is sent as is; the request's ``warnings`` name a parameter the model refuses
    (``temperature`` on a reasoning model) and a key that is not a Chat Completions parameter (with a
    "did you mean"; compatible servers take extra keys such as ``top_k``).
    """
    body: dict[str, Any] = {"model": model, "messages": chat_messages(prompt, profile)}
    for key, value in params.items():
        body[profile.max_tokens_param if key == "max_tokens" else key] = value
    notes = tuple(parameter_notes(profile.provider, model, profile, params))
    return ProviderRequest(
        provider="openai", model=model, kwargs=dict(body), body=body, parameters=params, warnings=notes,
        cache_prefix=prefix_body(body, cache_prefix_messages(prompt, profile)),
    )


def prefix_body(body: dict[str, Any], messages: list[dict[str, Any]] | None) -> dict[str, Any] | None:
    """The cached prefix of a chat body: its model and tools (which come first) and ``messages``; None without."""
    if messages is None:
        return None
    return {k: v for k, v in body.items() if k in ("model", "model_id", "tools")} | {"messages": messages}
