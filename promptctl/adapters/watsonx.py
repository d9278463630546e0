"""Adapter for IBM watsonx.ai's Chat API (``POST /ml/v1/text/chat``).

The Chat API takes an OpenAI-style message list; parameters are
``TextChatParameters`` passed per call (``ModelInference.achat(messages,
params)``) and flattened into the body next to ``model_id``. Sections are
markdown unless the model's profile says otherwise. The text-generation
endpoint is not used: IBM removes it on 14 March 2027.

Images go to vision models (the profile says which) as OpenAI-style ``image_url`` parts with a base64
data URL or the ``https`` URL given (watsonx.ai chat API, "Chat with a foundation model about images";
``TextChatUserImageURLContent``); PDFs are refused before sending (the chat API takes no documents).
"""

from __future__ import annotations

from typing import Any

from promptctl.adapters.base import Segment, cache_prefix_messages, chat_messages, check_media, data_url
from promptctl.adapters.openai import prefix_body
from promptctl.adapters.profiles import WATSONX_CHAT_PARAMS, ModelProfile, did_you_mean, parameter_notes
from promptctl.adapters.reasoning import openai_reasoning, reasoning_of
from promptctl.adapters.tools import watsonx_tools
from promptctl.templating.prompt import Media, Prompt
from promptctl.types import ProviderRequest

__all__ = ["WATSONX_CHAT_PARAMS", "watsonx_request"]


def watsonx_request(prompt: Prompt, model: str, params: dict[str, Any], profile: ModelProfile, *,
                    where: str = "prompt") -> ProviderRequest:
    """Build the ``ModelInference.chat`` keyword arguments for a watsonx.ai model.

    Keys outside ``TextChatParameters`` (:data:`~promptctl.adapters.profiles.WATSONX_CHAT_PARAMS`) are dropped
    with a warning (and a "did you mean"). The prompt's tools go in as ``tools`` and ``tool_choice`` (a named
    tool) or ``tool_choice_option``; ``reasoning`` as ``reasoning_effort`` for reasoning models.

    Raises:
        AdapterError: Tool calls and results out of turn, reasoning asked of a model without it, or media the
            model cannot take (PDFs; images on a text-only model).
    """
    check_media(prompt, profile, model, where)
    messages = chat_messages(prompt, profile, watsonx_content, where=where)
    reasoning = reasoning_of(params, where)
    params = {k: v for k, v in params.items() if k != "reasoning"}
    kept = {k: v for k, v in params.items() if k in WATSONX_CHAT_PARAMS}
    dropped = sorted(set(params) - set(kept))
    notes = tuple(f"watsonx chat does not take parameter '{k}'; dropped{did_you_mean(k, 'watsonx')}" for k in dropped)
    notes += tuple(parameter_notes("watsonx", model, profile, kept))
    if reasoning is not None:
        settings, more = openai_reasoning(reasoning, model, profile, where)
        kept.update(settings)
        notes += tuple(more)
    kwargs: dict[str, Any] = {"messages": messages, "params": kept or None}
    body = {"model_id": model, "messages": messages, **kept}
    if prompt.tools is not None:
        tools, more = watsonx_tools(prompt.tools)
        kwargs.update(tools)
        body.update(tools)
        notes += tuple(more)
    return ProviderRequest(
        provider="watsonx", model=model, kwargs=kwargs, body=body, parameters=kept, warnings=notes,
        cache_prefix=prefix_body(body, cache_prefix_messages(prompt, profile, watsonx_content)),
    )


def watsonx_content(segments: list[Segment]) -> str | list[dict[str, Any]]:
    """A message with an image as watsonx chat API content: ``text`` and ``image_url`` parts, in order."""
    parts: list[dict[str, Any]] = []
    for segment in segments:
        if isinstance(segment, str):
            parts.append({"type": "text", "text": segment})
        elif isinstance(segment, Media):  # check_media let only images through
            parts.append({"type": "image_url", "image_url": {"url": data_url(segment)}})
    return parts
