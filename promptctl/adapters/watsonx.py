"""Adapter for IBM watsonx.ai's Chat API (``POST /ml/v1/text/chat``).

The Chat API takes an OpenAI-style message list; parameters are
``TextChatParameters`` passed per call (``ModelInference.achat(messages,
params)``) and flattened into the body next to ``model_id``. Sections are
markdown unless the model's profile says otherwise. The text-generation
endpoint is not used: IBM removes it on 14 March 2027.
"""

from __future__ import annotations

from typing import Any

from promptctl.adapters.base import ProviderRequest, chat_messages
from promptctl.adapters.profiles import ModelProfile
from promptctl.templating.prompt import Prompt

# TextChatParameters fields (ibm_watsonx_ai 1.8.1 foundation_models/schema); others are dropped with a warning.
WATSONX_CHAT_PARAMS = frozenset(
    {
        "frequency_penalty", "logprobs", "top_logprobs", "presence_penalty", "response_format", "temperature",
        "max_tokens", "max_completion_tokens", "time_limit", "top_p", "n", "logit_bias", "seed", "stop",
        "guided_choice", "guided_regex", "guided_grammar", "guided_json", "chat_template_kwargs",
        "reasoning_effort", "include_reasoning", "repetition_penalty", "length_penalty",
    }
)


def watsonx_request(prompt: Prompt, model: str, params: dict[str, Any], profile: ModelProfile) -> ProviderRequest:
    """Build the ``ModelInference.achat`` keyword arguments for a watsonx.ai model."""
    messages = chat_messages(prompt, profile)
    kept = {k: v for k, v in params.items() if k in WATSONX_CHAT_PARAMS}
    dropped = sorted(set(params) - set(kept))
    notes = tuple(f"watsonx chat does not take parameter '{k}'; dropped" for k in dropped)
    kwargs: dict[str, Any] = {"messages": messages, "params": kept or None}
    body = {"model_id": model, "messages": messages, **kept}
    return ProviderRequest(
        provider="watsonx", model=model, kwargs=kwargs, body=body, parameters=kept, warnings=notes
    )
