"""Model profiles: what a provider's model accepts and how prompts should look for it.

Provider knowledge lives here, once, as data; adapters (and later lint rules)
read these facts instead of testing model names themselves. A profile is found
by the most specific matching model-id prefix of its provider.

Sources: OpenAI reasoning models take ``developer`` messages and
``max_completion_tokens`` (openai-python 3.3.0 ``completion_create_params.py``;
``max_tokens`` is marked deprecated there). Anthropic takes the system prompt as
a top-level parameter, requires ``max_tokens`` and recommends XML tags
(platform.claude.com "Use XML tags"). watsonx.ai's Chat API takes OpenAI-style
messages (``/ml/v1/text/chat``). See ../shared/docs/providers.md.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

SectionStyle = Literal["xml", "markdown"]


@dataclass(frozen=True)
class ModelProfile:
    """Facts about one provider's models.

    Attributes:
        provider: Provider name.
        section_style: How sections are written: ``xml`` tags or ``markdown`` headings.
        system_role: ``system``, ``developer`` (OpenAI reasoning models) or ``top_level`` (Anthropic).
        max_tokens_param: Name of the output-token ceiling in the request body.
        default_max_tokens: Ceiling sent when the prompt sets none (tokens), if the API requires one.
        reasoning: True for reasoning models (sampling parameters are typically rejected).
        context_window: Input plus output tokens the model accepts, when known.
    """

    provider: str
    section_style: SectionStyle = "markdown"
    system_role: Literal["system", "developer", "top_level"] = "system"
    max_tokens_param: str = "max_tokens"
    default_max_tokens: int | None = None
    reasoning: bool = False
    context_window: int | None = None


# (provider, model-id prefix) -> profile; "" is the provider's fallback. Longest prefix wins.
_PROFILES: dict[tuple[str, str], ModelProfile] = {
    ("openai", ""): ModelProfile("openai", context_window=None),
    ("openai", "gpt-4o"): ModelProfile("openai", context_window=128_000),
    ("openai", "gpt-4.1"): ModelProfile("openai", context_window=1_047_576),
    ("openai", "gpt-3.5-turbo"): ModelProfile("openai", context_window=16_385),
    ("openai", "o1"): ModelProfile(
        "openai", system_role="developer", max_tokens_param="max_completion_tokens", reasoning=True,
        context_window=200_000,
    ),
    ("openai", "o3"): ModelProfile(
        "openai", system_role="developer", max_tokens_param="max_completion_tokens", reasoning=True,
        context_window=200_000,
    ),
    ("openai", "o4"): ModelProfile(
        "openai", system_role="developer", max_tokens_param="max_completion_tokens", reasoning=True,
        context_window=200_000,
    ),
    ("openai", "gpt-5"): ModelProfile(
        "openai", system_role="developer", max_tokens_param="max_completion_tokens", reasoning=True,
        context_window=400_000,
    ),
    ("anthropic", ""): ModelProfile(
        "anthropic", section_style="xml", system_role="top_level", default_max_tokens=1024, context_window=200_000
    ),
    ("watsonx", ""): ModelProfile("watsonx", context_window=None),
    ("watsonx", "ibm/granite"): ModelProfile("watsonx", context_window=131_072),
    ("watsonx", "meta-llama/llama-3"): ModelProfile("watsonx", context_window=131_072),
    ("watsonx", "mistralai/"): ModelProfile("watsonx", context_window=131_072),
    ("fake", ""): ModelProfile("fake"),
}

DEFAULT_MODELS: dict[str, str] = {
    "openai": "gpt-4.1-mini",
    "anthropic": "claude-sonnet-4-6",
    "watsonx": "ibm/granite-3-8b-instruct",
    "fake": "fake-model",
}
"""Model used for a provider when neither options, config nor the front matter name one."""


def profile(provider: str, model: str) -> ModelProfile:
    """The profile of ``model`` on ``provider``: the entry with the longest matching id prefix.

    Fine-tuned OpenAI ids (``ft:gpt-4o-mini:org::id``) match their base model.
    """
    model_id = model.removeprefix("ft:")
    best: tuple[int, ModelProfile] | None = None
    for (prov, prefix), prof in _PROFILES.items():
        if prov == provider and model_id.startswith(prefix) and (best is None or len(prefix) > best[0]):
            best = (len(prefix), prof)
    if best is None:
        return ModelProfile(provider)
    return best[1]
