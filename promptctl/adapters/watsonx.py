"""Adapter for IBM watsonx.ai's Chat API (``POST /ml/v1/text/chat``).

The Chat API takes an OpenAI-style message list; parameters are
``TextChatParameters`` passed per call (``ModelInference.achat(messages,
params)``) and flattened into the body next to ``model_id``. Sections are
markdown unless the model's profile says otherwise. The text-generation
endpoint is not used: IBM removes it on 14 March 2027.
"""

from __future__ import annotations

from typing import Any

from promptctl.adapters.base import cache_prefix_messages, chat_messages
from promptctl.adapters.openai import prefix_body
from promptctl.adapters.profiles import WATSONX_CHAT_PARAMS, ModelProfile, did_you_mean, parameter_notes
from promptctl.templating.prompt import Prompt
from promptctl.types import ProviderRequest

__all__ = ["WATSONX_CHAT_PARAMS", "watsonx_request"]


def watsonx_request(prompt: Prompt, model: str, params: dict[str, Any], profile: ModelProfile) -> ProviderRequest:
    """Build the ``ModelInference.achat`` keyword arguments for a watsonx.ai model.

    Keys outside ``TextChatParameters`` (:data:`~promptctl.adapters.profiles.WATSONX_CHAT_PARAMS`) are dropped
    with a warning (and a "did you mean").
    """
    messages = chat_messages(prompt, profile)
    kept = {k: v for k, v in params.items() if k in WATSONX_CHAT_PARAMS}
    dropped = sorted(set(params) - set(kept))
    notes = tuple(f"watsonx chat does not take parameter '{k}'; dropped{did_you_mean(k, 'watsonx')}" for k in dropped)
    notes += tuple(parameter_notes("watsonx", model, profile, kept))
    kwargs: dict[str, Any] = {"messages": messages, "params": kept or None}
    body = {"model_id": model, "messages": messages, **kept}
    return ProviderRequest(
        provider="watsonx", model=model, kwargs=kwargs, body=body, parameters=kept, warnings=notes,
        cache_prefix=prefix_body(body, cache_prefix_messages(prompt, profile)),
    )
