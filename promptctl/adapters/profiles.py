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

Parameters a model refuses, and model ids that are deprecated or retired, are
facts here too (read by ``promptctl lint``); their sources are given next to
the data below.
"""

from __future__ import annotations

import ast
import difflib
import importlib.util
import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

from promptctl.limits import DEFAULT_CALL_TIMEOUT_S, REASONING_CALL_TIMEOUT_S

SectionStyle = Literal["xml", "markdown"]


def call_timeout_s(prof: ModelProfile, parameters: Mapping[str, Any]) -> float:
    """The default time limit of a call (seconds): longer for reasoning models and extended thinking.

    Args:
        prof: The model's profile (``reasoning`` marks OpenAI's o-series and gpt-5 families).
        parameters: The request's parameters (``thinking`` or ``reasoning_effort`` ask for reasoning).
    """
    thinking = parameters.get("thinking")
    reasoning = prof.reasoning or bool(parameters.get("reasoning_effort")) or bool(parameters.get("reasoning")) or (
        isinstance(thinking, Mapping) and thinking.get("type") in ("enabled", "adaptive")
    )
    return REASONING_CALL_TIMEOUT_S if reasoning else DEFAULT_CALL_TIMEOUT_S


@dataclass(frozen=True)
class MediaSupport:
    """What media a model takes, the limits checked before sending, and how its image tokens are counted.

    Attributes:
        images: True when the model takes images (``image/png``, ``image/jpeg``, ``image/gif``, ``image/webp``).
        documents: True when the model takes PDF documents.
        document_urls: True when a PDF can be sent by ``https`` URL (else only as data).
        max_images: Most images in one request, or None when not documented.
        max_image_bytes: Largest image (bytes, before base64), or None.
        max_image_side: Largest width or height (pixels), or None.
        max_image_side_many: ``(images, pixels)``: with more than ``images`` images, the largest side is
            ``pixels`` instead (Anthropic: 2,000 px above 20 images).
        max_request_bytes: Largest request payload (bytes) of media, or None.
        max_document_pages: Most PDF pages in one request, or None.
        image_tokens: How image input tokens are counted: ``tile`` (OpenAI's 512 px tiles), ``patch``
            (OpenAI's 32 px patches), ``area`` (Anthropic's width x height / 750) or ``none`` (unknown).
        tile_tokens: ``(base, per tile)`` for ``tile``; ``(multiplier, cap)`` for ``patch`` (cap in patches).
        exact: True when the formula is documented as what is billed (OpenAI); False for an approximation
            (Anthropic says "approximately") or a guess.
        source: Where the facts come from.
    """

    images: bool = False
    documents: bool = False
    document_urls: bool = False
    max_images: int | None = None
    max_image_bytes: int | None = None
    max_image_side: int | None = None
    max_image_side_many: tuple[int, int] | None = None
    max_request_bytes: int | None = None
    max_document_pages: int | None = None
    image_tokens: Literal["tile", "patch", "area", "none"] = "none"
    tile_tokens: tuple[float, float] = (0, 0)
    exact: bool = False
    source: str = ""


_MB = 1024 * 1024
_OPENAI_MEDIA_SOURCE = (
    "platform.openai.com/docs/guides/images-vision (image input requirements: PNG, JPEG, WEBP, non-animated GIF; up "
    "to 50 MB payload and 500 images per request; 'Calculating costs': tiles of 512 px after fitting 2048 px and "
    "768 px shortest side, base + per-tile tokens by model; 32 px patches capped at 1,536 with a multiplier for "
    "gpt-4.1-mini 1.62, gpt-4.1-nano 2.46, o4-mini 1.72) and /docs/guides/pdf-files (PDF file inputs on vision "
    "models: up to 100 pages and 32 MB per request; file data or file id, no URL in Chat Completions); read "
    "2026-12 through mirrors"
)


def _openai_vision(base: float, per_tile: float, *, patch: bool = False, documents: bool = True) -> MediaSupport:
    return MediaSupport(
        images=True, documents=documents, document_urls=False, max_images=500, max_request_bytes=50 * _MB,
        max_document_pages=100, image_tokens="patch" if patch else "tile", tile_tokens=(base, per_tile), exact=True,
        source=_OPENAI_MEDIA_SOURCE,
    )


_ANTHROPIC_MEDIA = MediaSupport(
    images=True, documents=True, document_urls=True, max_images=100, max_image_bytes=5 * _MB, max_image_side=8000,
    max_image_side_many=(20, 2000), max_request_bytes=32 * _MB, max_document_pages=100, image_tokens="area",
    exact=False,
    source="platform.claude.com/docs/en/build-with-claude/vision ('Basics and limits': up to 100 images per API "
           "request, 5 MB per image, 8000x8000 px, 2000x2000 px above 20 images, 32 MB request; 'Evaluate image "
           "size': tokens = width x height / 750 after scaling down to 1568 px long edge and about 1.15 "
           "megapixels) and /pdf-support (32 MB request, 100 pages; 1,500-3,000 text tokens per page plus the page "
           "as an image); read 2026-12",
)
_WATSONX_VISION = MediaSupport(
    images=True, image_tokens="none",
    source="watsonx.ai chat API 'Chat with a foundation model about images' (image_url content parts, base64 data "
           "URLs; models listed by foundation_model_specs?filters=function_image_chat); IBM documents no size or "
           "count limit promptctl could verify, so none is checked before sending",
)
_NO_MEDIA = MediaSupport(source="the model takes text only")


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
        rejected_parameters: Request parameters the model's API refuses (HTTP 400) or that the adapter
            drops for this provider, by promptctl's common name (``temperature``, ``seed`` ...).
        accepted_values: ``(parameter, value)`` pairs: a rejected parameter is still accepted with exactly
            this value (OpenAI reasoning models take ``temperature: 1``, their fixed default).
        exclusive_parameters: Pairs of parameters the API refuses to receive together.
        prompt_cache: How the provider caches prompt prefixes: ``breakpoints`` (Anthropic: only up to the
            blocks marked ``cache_control``), ``automatic`` (OpenAI: the longest repeated prefix), or None
            (no prompt caching documented).
        min_cache_tokens: The shortest prefix the provider caches (tokens), or None without caching.
        reasoning_controls: How the model's reasoning is set (``reasoning:`` of a version): ``effort``
            (OpenAI ``reasoning_effort``, Claude ``output_config.effort``, watsonx ``reasoning_effort``),
            ``thinking`` (Claude extended thinking with ``budget_tokens``); empty for a model without
            reasoning settings (a version asking for reasoning is refused).
        media: What media the model takes and its limits (:class:`MediaSupport`).
    """

    provider: str
    section_style: SectionStyle = "markdown"
    system_role: Literal["system", "developer", "top_level"] = "system"
    max_tokens_param: str = "max_tokens"
    default_max_tokens: int | None = None
    reasoning: bool = False
    context_window: int | None = None
    rejected_parameters: frozenset[str] = frozenset()
    accepted_values: tuple[tuple[str, Any], ...] = ()
    exclusive_parameters: tuple[tuple[str, str], ...] = ()
    prompt_cache: Literal["breakpoints", "automatic"] | None = None
    min_cache_tokens: int | None = None
    reasoning_controls: frozenset[str] = frozenset()
    media: MediaSupport = _NO_MEDIA

    @property
    def tiktoken(self) -> bool:
        """True when a tiktoken encoding tokenises the model's text, so counts are exact offline.

        OpenAI's models, and the fake provider (it takes OpenAI's shape); other providers' tokenisers are not public.
        """
        return self.provider in ("openai", "fake")

    @property
    def logprobs(self) -> bool:
        """True when the API returns token log-probabilities on request (``logprobs: true``).

        OpenAI's chat models and watsonx chat; not reasoning models (they refuse the parameter), not Anthropic
        (its Messages API has no such field).
        """
        return self.provider in ("openai", "watsonx") and not self.reasoning

    def rejects(self, name: str, value: Any = None) -> bool:
        """True when the model's API refuses parameter ``name`` with ``value`` (see ``accepted_values``)."""
        if name not in self.rejected_parameters:
            return False
        return not any(key == name and value == allowed for key, allowed in self.accepted_values)


# OpenAI reasoning models (o1, o3, o4-mini, gpt-5 families) refuse sampling and log-probability parameters:
# "Unsupported parameter" / "Unsupported value: 'temperature' does not support 0 with this model. Only the
# default (1) value is supported." Sources: platform.openai.com/docs/guides/reasoning (limitations);
# learn.microsoft.com Azure OpenAI "reasoning models" (not supported: temperature, top_p, presence_penalty,
# frequency_penalty, logprobs, top_logprobs, logit_bias; max_tokens becomes max_completion_tokens, which the
# adapter does).
_OPENAI_REASONING_REJECTS = frozenset(
    {"temperature", "top_p", "presence_penalty", "frequency_penalty", "logprobs", "top_logprobs", "logit_bias"}
)
_OPENAI_REASONING_DEFAULTS = (("temperature", 1), ("top_p", 1))
# The Messages API has no seed, n, penalties, logprobs or response_format (anthropic 2.14.0
# message_create_params.py); the anthropic adapter drops them with a warning.
_ANTHROPIC_REJECTS = frozenset({"seed", "n", "frequency_penalty", "presence_penalty", "logprobs", "response_format"})
# From Claude Opus 4.1 on (Sonnet 4.5, Haiku 4.5, Opus 4.5 ..., Sonnet 4.6) the API answers 400 "`temperature`
# and `top_p` cannot both be specified for this model. Please use only one." (platform.claude.com migration
# guide to Claude 4.5: "use only temperature OR top_p, not both"). Older models accept both.
_ANTHROPIC_EXCLUSIVE = (("temperature", "top_p"),)
# Reasoning settings per model (anthropic 2.14.0 thinking_config_enabled_param.py: budget_tokens >= 1024 and below
# max_tokens; output_config_param.py `effort`; platform.claude.com "Extended thinking": Claude 3.7 Sonnet and the
# Claude 4 family; "Effort": Claude Opus 4.5 and later. openai 3.3.0 shared/reasoning_effort.py for o-series and
# gpt-5. watsonx.ai TextChatParameters.reasoning_effort for reasoning models such as openai/gpt-oss-120b.)
_EFFORT = frozenset({"effort"})
_THINKING = frozenset({"thinking"})
_THINKING_AND_EFFORT = frozenset({"thinking", "effort"})


# (provider, model-id prefix) -> profile; "" is the provider's fallback. Longest prefix wins.
_PROFILES: dict[tuple[str, str], ModelProfile] = {
    ("openai", ""): ModelProfile("openai", context_window=None),
    ("openai", "gpt-4o"): ModelProfile("openai", context_window=128_000),
    ("openai", "gpt-4.1"): ModelProfile("openai", context_window=1_047_576),
    ("openai", "gpt-3.5-turbo"): ModelProfile("openai", context_window=16_385),
    ("openai", "o1"): ModelProfile(
        "openai", system_role="developer", max_tokens_param="max_completion_tokens", reasoning=True,
        context_window=200_000, rejected_parameters=_OPENAI_REASONING_REJECTS,
        accepted_values=_OPENAI_REASONING_DEFAULTS, reasoning_controls=_EFFORT,
    ),
    ("openai", "o3"): ModelProfile(
        "openai", system_role="developer", max_tokens_param="max_completion_tokens", reasoning=True,
        context_window=200_000, rejected_parameters=_OPENAI_REASONING_REJECTS,
        accepted_values=_OPENAI_REASONING_DEFAULTS, reasoning_controls=_EFFORT,
    ),
    ("openai", "o4"): ModelProfile(
        "openai", system_role="developer", max_tokens_param="max_completion_tokens", reasoning=True,
        context_window=200_000, rejected_parameters=_OPENAI_REASONING_REJECTS,
        accepted_values=_OPENAI_REASONING_DEFAULTS, reasoning_controls=_EFFORT,
    ),
    ("openai", "gpt-5"): ModelProfile(
        "openai", system_role="developer", max_tokens_param="max_completion_tokens", reasoning=True,
        context_window=400_000, rejected_parameters=_OPENAI_REASONING_REJECTS,
        accepted_values=_OPENAI_REASONING_DEFAULTS, reasoning_controls=_EFFORT,
    ),
    # The fallback describes current models (Opus 4.5 and later, Sonnet 4.6): extended thinking and effort.
    ("anthropic", ""): ModelProfile(
        "anthropic", section_style="xml", system_role="top_level", default_max_tokens=1024, context_window=200_000,
        rejected_parameters=_ANTHROPIC_REJECTS, exclusive_parameters=_ANTHROPIC_EXCLUSIVE,
        reasoning_controls=_THINKING_AND_EFFORT,
    ),
    # Models before Claude Opus 4.1 accept temperature and top_p together; before Claude 3.7 Sonnet, no thinking.
    **{
        ("anthropic", prefix): ModelProfile(
            "anthropic", section_style="xml", system_role="top_level", default_max_tokens=1024,
            context_window=200_000, rejected_parameters=_ANTHROPIC_REJECTS,
            reasoning_controls=_THINKING if prefix.startswith(("claude-3-7", "claude-opus-4", "claude-sonnet-4"))
            else frozenset(),
        )
        for prefix in ("claude-2", "claude-instant", "claude-3", "claude-3-7-sonnet", "claude-opus-4-0",
                       "claude-opus-4-2025", "claude-sonnet-4-0", "claude-sonnet-4-2025")
    },
    # Thinking without the effort setting: Opus 4.1, Sonnet 4.5, Haiku 4.5.
    **{
        ("anthropic", prefix): ModelProfile(
            "anthropic", section_style="xml", system_role="top_level", default_max_tokens=1024,
            context_window=200_000, rejected_parameters=_ANTHROPIC_REJECTS, exclusive_parameters=_ANTHROPIC_EXCLUSIVE,
            reasoning_controls=_THINKING,
        )
        for prefix in ("claude-opus-4-1", "claude-sonnet-4-5", "claude-haiku-4-5")
    },
    ("watsonx", ""): ModelProfile("watsonx", context_window=None),
    ("watsonx", "ibm/granite"): ModelProfile("watsonx", context_window=131_072),
    ("watsonx", "meta-llama/llama-3"): ModelProfile("watsonx", context_window=131_072),
    ("watsonx", "mistralai/"): ModelProfile("watsonx", context_window=131_072),
    ("watsonx", "openai/gpt-oss"): ModelProfile("watsonx", context_window=131_072, reasoning=True,
                                                reasoning_controls=_EFFORT),
    ("fake", ""): ModelProfile("fake"),
}

# (provider, model-id prefix) -> media support; longest prefix wins, like _PROFILES. The OpenAI fallback covers
# OpenAI-compatible servers (Ollama's llava, vLLM's vision models): images pass, their tokens are an estimate.
_OPENAI_PATCH_CAP = 1536
_MEDIA: dict[tuple[str, str], MediaSupport] = {
    ("openai", ""): replace(_openai_vision(85, 170, documents=False), exact=False),
    ("openai", "gpt-3.5"): _NO_MEDIA,
    ("openai", "gpt-4"): _NO_MEDIA,  # gpt-4-0613 and the other text-only gpt-4 snapshots
    ("openai", "gpt-4-turbo"): _openai_vision(85, 170),
    ("openai", "gpt-4o"): _openai_vision(85, 170),
    ("openai", "gpt-4o-mini"): _openai_vision(2833, 5667),
    ("openai", "gpt-4.1"): _openai_vision(85, 170),
    ("openai", "gpt-4.1-mini"): _openai_vision(1.62, _OPENAI_PATCH_CAP, patch=True),
    ("openai", "gpt-4.1-nano"): _openai_vision(2.46, _OPENAI_PATCH_CAP, patch=True),
    ("openai", "gpt-4.5"): _openai_vision(85, 170),
    ("openai", "o1"): _openai_vision(75, 150),
    ("openai", "o1-mini"): _NO_MEDIA,
    ("openai", "o3"): _openai_vision(75, 150),
    ("openai", "o3-mini"): _NO_MEDIA,
    ("openai", "o4-mini"): _openai_vision(1.72, _OPENAI_PATCH_CAP, patch=True),
    ("openai", "gpt-5"): _openai_vision(70, 140),
    # the docs' multipliers for gpt-5-mini/nano; users measured other figures (community.openai.com, 2026), so
    # these counts are labelled estimates
    ("openai", "gpt-5-mini"): replace(_openai_vision(1.62, _OPENAI_PATCH_CAP, patch=True), exact=False),
    ("openai", "gpt-5-nano"): replace(_openai_vision(2.46, _OPENAI_PATCH_CAP, patch=True), exact=False),
    ("anthropic", ""): _ANTHROPIC_MEDIA,
    ("anthropic", "claude-2"): _NO_MEDIA,
    ("anthropic", "claude-instant"): _NO_MEDIA,
    # Claude 3 (Opus, Sonnet, Haiku) take images; PDF support starts with Claude 3.5 (platform.claude.com PDF support)
    ("anthropic", "claude-3-"): replace(_ANTHROPIC_MEDIA, documents=False, document_urls=False),
    ("anthropic", "claude-3-5"): _ANTHROPIC_MEDIA,
    ("anthropic", "claude-3-7"): _ANTHROPIC_MEDIA,
    ("watsonx", ""): _NO_MEDIA,
    **{("watsonx", prefix): _WATSONX_VISION for prefix in (
        "meta-llama/llama-3-2-11b-vision", "meta-llama/llama-3-2-90b-vision", "meta-llama/llama-guard-3-11b-vision",
        "meta-llama/llama-4-maverick", "meta-llama/llama-4-scout", "ibm/granite-vision", "mistralai/pixtral",
        "mistralai/mistral-medium-2505", "mistralai/mistral-small-3-1-24b-instruct",
    )},
    ("fake", ""): replace(_openai_vision(85, 170), exact=False, source="the fake provider takes anything"),
}


def media_support(provider: str, model: str) -> MediaSupport:
    """The media facts of ``model`` on ``provider`` (longest matching id prefix; text only when none matches)."""
    model_id = model.removeprefix("ft:")
    best: tuple[int, MediaSupport] = (-1, _NO_MEDIA)
    for (prov, prefix), media in _MEDIA.items():
        if prov == provider and model_id.startswith(prefix) and len(prefix) > best[0]:
            best = (len(prefix), media)
    return best[1]


# -- request parameters each provider's API knows --------------------------------------------------------------
#
# By the name used in a version's `parameters:` (promptctl's common vocabulary: `max_tokens` for the output
# ceiling, `stop` for stop sequences). Unknown keys are still passed through (openai, anthropic) or dropped
# (watsonx), with a warning and a "did you mean" (a misspelled `temprature` is otherwise silently sent).

# Chat Completions request body, openai 3.3.0 openai/types/chat/completion_create_params.py (minus the adapter's
# own `messages` and `model`); see ../shared/docs/providers.md section 1.2.
OPENAI_CHAT_PARAMS = frozenset(
    {
        "audio", "frequency_penalty", "function_call", "functions", "logit_bias", "logprobs", "max_completion_tokens",
        "max_tokens", "metadata", "modalities", "moderation", "n", "parallel_tool_calls", "prediction",
        "presence_penalty", "prompt_cache_key", "prompt_cache_options", "prompt_cache_retention", "reasoning_effort",
        "response_format", "safety_identifier", "seed", "service_tier", "stop", "store", "stream", "stream_options",
        "temperature", "tool_choice", "tools", "top_logprobs", "top_p", "user", "verbosity", "web_search_options",
    }
)
# Messages API, anthropic 2.14.0 anthropic/types/message_create_params.py and Messages.create's signature, plus
# temperature/top_p/top_k (sent in extra_body) and the common `stop` (sent as stop_sequences); see providers.md
# section 3.2. The parameters Claude does not take at all are `_ANTHROPIC_REJECTS` below (dropped, with a warning).
ANTHROPIC_PARAMS = frozenset(
    {
        "max_tokens", "temperature", "top_p", "top_k", "stop", "stop_sequences", "system", "metadata", "tools",
        "tool_choice", "thinking", "service_tier", "output_config", "cache_control", "container", "diagnostics",
        "inference_geo", "speed", "stream", "user_profile_id", "workspace_id",
    }
)
# TextChatParameters fields (ibm_watsonx_ai 1.8.1 foundation_models/schema); others are dropped with a warning.
WATSONX_CHAT_PARAMS = frozenset(
    {
        "frequency_penalty", "logprobs", "top_logprobs", "presence_penalty", "response_format", "temperature",
        "max_tokens", "max_completion_tokens", "time_limit", "top_p", "n", "logit_bias", "seed", "stop",
        "guided_choice", "guided_regex", "guided_grammar", "guided_json", "chat_template_kwargs",
        "reasoning_effort", "include_reasoning", "repetition_penalty", "length_penalty",
    }
)
KNOWN_PARAMETERS: dict[str, frozenset[str]] = {
    "openai": OPENAI_CHAT_PARAMS,
    "anthropic": ANTHROPIC_PARAMS,
    "watsonx": WATSONX_CHAT_PARAMS,
    "fake": OPENAI_CHAT_PARAMS,  # the fake provider takes OpenAI's request shape
}
"""Request parameters each provider's API takes, by the name a version's ``parameters:`` uses."""

_API_NAMES = {
    "openai": "an OpenAI Chat Completions", "anthropic": "an Anthropic Messages API", "watsonx": "a watsonx.ai chat",
    "fake": "an OpenAI Chat Completions",
}


def did_you_mean(name: str, provider: str) -> str:
    """`` (did you mean 'temperature'?)`` for a near miss among ``provider``'s known parameters, else ``""``.

    A key that some provider takes (``top_k``) is not a typo, so it gets no suggestion.
    """
    if any(name in known for known in KNOWN_PARAMETERS.values()):
        return ""
    close = difflib.get_close_matches(name, sorted(KNOWN_PARAMETERS.get(provider, ())), n=1, cutoff=0.75)
    return f" (did you mean '{close[0]}'?)" if close else ""


def parameter_notes(provider: str, model: str, prof: ModelProfile, params: Mapping[str, Any]) -> list[str]:
    """Warnings for parameters that are passed through but will not do what was meant.

    A parameter the model refuses (:meth:`ModelProfile.rejects`, e.g. ``temperature`` on gpt-5 or o3), and a
    key that is not a known parameter of the provider (:data:`KNOWN_PARAMETERS`), named with a "did you mean".
    Parameters an adapter drops are not covered here (the adapter says so itself).
    """
    notes: list[str] = []
    known = KNOWN_PARAMETERS.get(provider)
    for key, value in params.items():
        if prof.rejects(key, value):
            notes.append(f"{model} does not accept parameter '{key}' ({value!r}); the API will refuse the request: "
                         f"remove it, or use a model that takes it")
        elif known is not None and key not in known:
            notes.append(f"'{key}' is not {_API_NAMES[provider]} parameter; sent as is{did_you_mean(key, provider)}")
    return notes


DEFAULT_MODELS: dict[str, str] = {
    "openai": "gpt-4.1-mini",
    "anthropic": "claude-sonnet-4-6",
    "watsonx": "ibm/granite-3-8b-instruct",
    "fake": "fake-model",
}
"""Model used for a provider when neither options, config nor the front matter name one."""


# Model ids that clearly belong to one provider, for `--model ID` without `--provider` (see
# promptctl.adapters.parse_target). Bare `granite...` is left out: watsonx.ai ids are `ibm/granite-...`,
# while `granite3.3` / `granite-code` are Ollama's names, served through the OpenAI-compatible API.
_MODEL_ID_PROVIDERS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("openai", re.compile(r"^(?:gpt-|chatgpt-|ft:gpt-|text-|o[134](?:-|$))")),
    ("anthropic", re.compile(r"^claude-")),
    ("watsonx", re.compile(r"^(?:ibm|meta-llama|mistralai)/")),
)


def provider_of_model(model: str) -> str | None:
    """The provider a model id clearly belongs to, or None.

    ``gpt-*``, ``chatgpt-*``, ``ft:gpt-*``, ``text-*``, ``o1``/``o3``/``o4`` (and ``o3-mini`` ...): openai;
    ``claude-*``: anthropic; ``ibm/*``, ``meta-llama/*``, ``mistralai/*``: watsonx. Anything else (``llama3.2``
    on a local server, a custom fine-tune name) is None.
    """
    for provider, pattern in _MODEL_ID_PROVIDERS:
        if pattern.match(model):
            return provider
    return None


def profile(provider: str, model: str) -> ModelProfile:
    """The profile of ``model`` on ``provider``: the entry with the longest matching id prefix.

    Fine-tuned OpenAI ids (``ft:gpt-4o-mini:org::id``) match their base model.
    """
    return _profile(provider, model)


@lru_cache(maxsize=1024)
def _profile(provider: str, model: str) -> ModelProfile:
    model_id = model.removeprefix("ft:")
    best: tuple[int, ModelProfile] | None = None
    for (prov, prefix), prof in _PROFILES.items():
        if prov == provider and model_id.startswith(prefix) and (best is None or len(prefix) > best[0]):
            best = (len(prefix), prof)
    found = ModelProfile(provider) if best is None else best[1]
    found = replace(found, media=media_support(provider, model))
    minimum = _longest_prefix(_CACHE_MINIMUMS, provider, model_id)
    kind = _PROMPT_CACHE.get(provider) if minimum is not None else None
    if minimum is None and found.prompt_cache is None:
        return found
    return replace(found, prompt_cache=kind, min_cache_tokens=minimum)


def _longest_prefix(table: Mapping[tuple[str, str], int | None], provider: str, model_id: str) -> int | None:
    best: tuple[int, int | None] | None = None
    for (prov, prefix), value in table.items():
        if prov == provider and model_id.startswith(prefix) and (best is None or len(prefix) > best[0]):
            best = (len(prefix), value)
    return None if best is None else best[1]


# -- prompt caching -------------------------------------------------------------------------------------------
#
# OpenAI caches the longest repeated prefix of a prompt automatically, "for prompts that are 1024 tokens or
# longer", with hits "in 128-token increments" (platform.openai.com/docs/guides/prompt-caching; gpt-4o and
# newer models). Anthropic caches only up to blocks marked `cache_control`, at most 4 per request, when the
# prefix reaches the model's "minimum cacheable prompt length" (platform.claude.com/docs/en/build-with-claude/
# prompt-caching; the per-model table as quoted by docs.orq.ai/docs/proxy/prompt-caching, December 2026). A
# shorter prefix is processed without caching and without an error. watsonx.ai documents no prompt caching.
_PROMPT_CACHE: dict[str, Literal["breakpoints", "automatic"]] = {
    "openai": "automatic", "fake": "automatic", "anthropic": "breakpoints",
}
_CACHE_MINIMUMS: dict[tuple[str, str], int | None] = {
    ("openai", ""): 1024,
    ("openai", "gpt-3.5"): None,
    ("fake", ""): 1024,
    ("anthropic", ""): 1024,  # Sonnet 4.5, Opus 4.1, Opus 4, Sonnet 4, Sonnet 3.7, Opus 3
    ("anthropic", "claude-sonnet-4-6"): 2048,
    ("anthropic", "claude-opus-4-5"): 4096,
    ("anthropic", "claude-opus-4-6"): 4096,
    ("anthropic", "claude-haiku-4-5"): 4096,
    ("anthropic", "claude-3-5-haiku"): 2048,
    ("anthropic", "claude-3-haiku"): 2048,
}
OPENAI_CACHE_INCREMENT = 128
"""OpenAI reads a cached prefix in steps of this many tokens past the minimum (prompt caching guide)."""


# -- model lifecycle: deprecated and retired model ids ------------------------------------------------------


@dataclass(frozen=True)
class ModelLifecycle:
    """A model id that its provider has deprecated, with the day it stops working.

    Attributes:
        provider: Provider name.
        model: The exact model id (aliases are listed separately).
        retires_on: The shutdown (retirement, end-of-life) date; requests fail from that day.
        replacement: The provider's recommended replacement, when it names one.
        source: Where the fact comes from.
    """

    provider: str
    model: str
    retires_on: date
    replacement: str | None = None
    source: str = ""

    def retired(self, today: date | None = None) -> bool:
        """True when ``today`` (default: the current date) is on or after the retirement date."""
        return (today or date.today()) >= self.retires_on


_OPENAI_DEPRECATIONS_SOURCE = "platform.openai.com/docs/deprecations"
_ANTHROPIC_DEPRECATIONS_SOURCE = "platform.claude.com/docs/en/about-claude/model-deprecations"

# Copied facts: the openai SDK (3.3.0) carries no deprecation data, and the anthropic SDK lists only models that
# are deprecated but not yet retired (anthropic/_data/deprecated_models.py, read at run time below).
_LIFECYCLE_ROWS: tuple[tuple[str, tuple[str, ...], str, str | None, str], ...] = (
    # (provider, model ids, retirement date, replacement, source)
    ("openai", ("gpt-3.5-turbo-0301", "gpt-3.5-turbo-0613", "gpt-3.5-turbo-16k-0613"), "2024-09-13", "gpt-4o-mini",
     _OPENAI_DEPRECATIONS_SOURCE),
    ("openai", ("gpt-4-vision-preview", "gpt-4-1106-vision-preview"), "2024-12-06", "gpt-4o",
     _OPENAI_DEPRECATIONS_SOURCE),
    ("openai", ("gpt-4-32k", "gpt-4-32k-0613", "gpt-4-32k-0314"), "2025-06-06", "gpt-4o",
     _OPENAI_DEPRECATIONS_SOURCE),
    ("openai", ("gpt-4.5-preview", "gpt-4.5-preview-2025-02-27"), "2025-07-14", "gpt-4.1",
     _OPENAI_DEPRECATIONS_SOURCE),
    ("openai", ("o1-preview", "o1-preview-2024-09-12"), "2025-07-28", "o3", _OPENAI_DEPRECATIONS_SOURCE),
    ("openai", ("o1-mini", "o1-mini-2024-09-12"), "2025-10-27", "o4-mini", _OPENAI_DEPRECATIONS_SOURCE),
    ("openai", ("codex-mini-latest",), "2026-01-16", "gpt-5-codex-mini",
     _OPENAI_DEPRECATIONS_SOURCE + " (2025-11-17 notice)"),
    ("openai", ("chatgpt-4o-latest",), "2026-02-17", "gpt-5.1-chat-latest",
     _OPENAI_DEPRECATIONS_SOURCE + " (2025-11-18 notice)"),
    ("openai", ("gpt-5-chat-latest", "gpt-5.1-chat-latest"), "2026-07-23", "gpt-5.3-chat-latest",
     _OPENAI_DEPRECATIONS_SOURCE + " (2026-04-22 notice)"),
    ("openai", ("gpt-4o-search-preview-2025-03-11", "gpt-4o-mini-search-preview-2025-03-11"), "2026-07-23",
     "gpt-4.1-mini", _OPENAI_DEPRECATIONS_SOURCE + " (2026-04-22 notice)"),
    ("openai", ("gpt-5.2-chat-latest", "gpt-5.3-chat-latest"), "2026-08-10", "gpt-5.5",
     _OPENAI_DEPRECATIONS_SOURCE + " (2026-05-08 notice)"),
    ("openai", ("gpt-3.5-turbo", "gpt-3.5-turbo-0125"), "2026-10-23", "gpt-4.1-mini",
     _OPENAI_DEPRECATIONS_SOURCE + " (2026-04-22 notice)"),
    ("openai", ("gpt-4", "gpt-4-0613"), "2026-10-23", None, _OPENAI_DEPRECATIONS_SOURCE + " (2026-04-22 notice)"),
    ("anthropic", ("claude-2.0", "claude-2.1", "claude-3-sonnet-20240229"), "2025-07-21", "claude-sonnet-4-6",
     _ANTHROPIC_DEPRECATIONS_SOURCE),
    ("anthropic", ("claude-3-5-sonnet-20240620", "claude-3-5-sonnet-20241022"), "2025-10-22", "claude-sonnet-4-6",
     _ANTHROPIC_DEPRECATIONS_SOURCE),
    ("anthropic", ("claude-3-opus-20240229",), "2026-01-05", "claude-opus-4-6", _ANTHROPIC_DEPRECATIONS_SOURCE),
    ("anthropic", ("claude-3-7-sonnet-20250219", "claude-3-5-haiku-20241022"), "2026-02-19", "claude-sonnet-4-6",
     _ANTHROPIC_DEPRECATIONS_SOURCE),
    ("anthropic", ("claude-3-haiku-20240307",), "2026-04-20", "claude-haiku-4-5", _ANTHROPIC_DEPRECATIONS_SOURCE),
)

_MONTHS = {m: i for i, m in enumerate(
    ("january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
     "november", "december"), start=1)}


def _parse_sdk_date(text: str) -> date | None:
    """Parse the anthropic SDK's end-of-life text (``"November 30th, 2026"``); None if it has another form."""
    match = re.fullmatch(r"\s*([A-Za-z]+)\s+(\d{1,2})(?:st|nd|rd|th)?,?\s+(\d{4})\s*", text)
    if match is None or match.group(1).lower() not in _MONTHS:
        return None
    try:
        return date(int(match.group(3)), _MONTHS[match.group(1).lower()], int(match.group(2)))
    except ValueError:
        return None


def _anthropic_sdk_deprecations() -> dict[str, date]:
    """``DEPRECATED_MODELS`` of the installed anthropic SDK: model id -> end-of-life date.

    The SDK warns with this table when a deprecated model is called (anthropic 2.14.0
    ``anthropic/_data/deprecated_models.py``, used in ``resources/messages/messages.py``). The file is
    read and parsed without importing ``anthropic`` (which costs about a second); an SDK without it, or a
    value that is not a date, gives nothing.
    """
    try:
        spec = importlib.util.find_spec("anthropic")
    except (ImportError, ValueError):
        return {}
    if spec is None or not spec.submodule_search_locations:
        return {}
    path = Path(next(iter(spec.submodule_search_locations))) / "_data" / "deprecated_models.py"
    try:
        tree = ast.parse(path.read_text(encoding="utf-8"))
    except (OSError, SyntaxError, UnicodeDecodeError):
        return {}
    for node in ast.walk(tree):
        target: ast.expr
        if isinstance(node, ast.AnnAssign):
            target, value = node.target, node.value
        elif isinstance(node, ast.Assign) and len(node.targets) == 1:
            target, value = node.targets[0], node.value
        else:
            continue
        if isinstance(target, ast.Name) and target.id == "DEPRECATED_MODELS" and value is not None:
            try:
                table = ast.literal_eval(value)
            except ValueError:
                return {}
            out = {}
            for model, when in table.items():
                parsed = _parse_sdk_date(str(when))
                if parsed is not None:
                    out[str(model)] = parsed
            return out
    return {}


@lru_cache(maxsize=1)
def _lifecycle_table() -> dict[tuple[str, str], ModelLifecycle]:
    table: dict[tuple[str, str], ModelLifecycle] = {}
    for provider, models, retires_on, replacement, source in _LIFECYCLE_ROWS:
        for model in models:
            table[(provider, model)] = ModelLifecycle(
                provider, model, date.fromisoformat(retires_on), replacement, source
            )
    for model, end_of_life in _anthropic_sdk_deprecations().items():
        table[("anthropic", model)] = ModelLifecycle(
            "anthropic", model, end_of_life, None, "anthropic SDK anthropic/_data/deprecated_models.py"
        )
    return table


def model_lifecycle(provider: str, model: str) -> ModelLifecycle | None:
    """The deprecation record of an exact model id, or None when the model is not known to be deprecated.

    Sources: the installed anthropic SDK's ``DEPRECATED_MODELS`` (read once per process, without importing
    the SDK) and the copied rows of ``_LIFECYCLE_ROWS`` above (OpenAI's and Anthropic's deprecation pages).
    Fine-tuned OpenAI ids (``ft:gpt-3.5-turbo-0613:org::id``) are looked up by their base model.
    """
    model_id = model.removeprefix("ft:").split(":", 1)[0] if model.startswith("ft:") else model
    return _lifecycle_table().get((provider, model_id))


# -- known model ids: "did you mean" for a misspelt --model --------------------------------------------------------


@lru_cache(maxsize=8)
def known_models(provider: str) -> frozenset[str]:
    """Model ids promptctl knows for ``provider``: its profiles, its default, and its price table.

    Sources: the profile prefixes above, :data:`DEFAULT_MODELS`, genai-prices' model ids for OpenAI and
    Anthropic (its table takes about 0.3 s to load: only called for a model id the profiles do not recognise;
    the ids are remembered per genai-prices release in :data:`promptctl.cache_file.LOOKUPS`) and promptctl's
    watsonx table (``promptctl/data/watsonx_prices.json``).
    """
    ids = {prefix for prov, prefix in _PROFILES if prov == provider and prefix}  # "" is a provider's default
    if provider in DEFAULT_MODELS:
        ids.add(DEFAULT_MODELS[provider])
    if provider in ("openai", "anthropic"):
        ids |= _price_table_ids(provider)
    if provider == "watsonx":
        import json

        table = Path(__file__).resolve().parents[1] / "data" / "watsonx_prices.json"
        ids |= set(json.loads(table.read_text(encoding="utf-8")).get("models", {}))
    return frozenset(ids)


def _price_table_ids(provider: str) -> frozenset[str]:
    """genai-prices' model ids of ``provider``, remembered per genai-prices release; empty without genai-prices."""
    import json

    from promptctl.cache_file import LOOKUPS, installed_release

    release = installed_release("genai_prices", ("data.py",))
    key = json.dumps(["genai-prices model ids", release[1], provider]) if release is not None else None
    remembered = LOOKUPS.get(key) if key is not None else None
    if remembered is not None:
        return frozenset(json.loads(remembered))
    try:
        from genai_prices import data

        ids = sorted({m.id for p in data.providers if p.id == provider for m in p.models})
    except Exception:  # noqa: BLE001 - the price table is optional here: suggestions come from profiles then
        return frozenset()
    if key is not None:
        LOOKUPS.put(key, json.dumps(ids))
    return frozenset(ids)


_PRICE_TABLE_PROVIDERS = ("openai", "anthropic")
"""Providers whose ids genai-prices lists in full: an id it cannot price is unknown, not a variant of a family."""
_SNAPSHOT_SUFFIX = re.compile(r"-(?:\d{4}-\d{2}-\d{2}|\d{8}|\d{4}|latest)$")
"""A dated snapshot or alias of a model id (``-2024-08-06``, ``-20250929``, ``-0613``, ``-latest``)."""


def is_known_model(provider: str, model: str, *, tables: bool = True) -> bool:
    """True when promptctl knows ``model`` for ``provider`` (a fine-tune ``ft:gpt-4o-mini:...`` by its base model).

    For OpenAI and Anthropic, whose ids genai-prices lists in full, an id is known when it is a profile's or the
    default model's id, or a dated snapshot or ``-latest`` alias of one (``gpt-4o-2024-08-06``), or (with
    ``tables``) when genai-prices prices it (its own matching: ``claude-sonnet-4-5-20250929`` is
    ``claude-sonnet-4-5``) or it is a snapshot of an id it lists. So ``gpt-4.1-mni`` is unknown though it starts
    like the ``gpt-4.1`` family, and ``claude-haiku-4.5`` (a dotted spelling genai-prices matches but Anthropic's
    API refuses; its ids are dashed, ``claude-haiku-4-5``) is unknown too. genai-prices' answer is remembered
    per release and id in :data:`promptctl.cache_file.LOOKUPS`, so asking again imports nothing. For watsonx
    (promptctl's own table is small) and other providers a model is known when it starts with a profile's id
    prefix or a known id.

    Args:
        provider: A provider name.
        model: The model id as given.
        tables: False: profiles and default models only (no price table is read).
    """
    model_id = model.removeprefix("ft:").split(":")[0]
    if provider in _PRICE_TABLE_PROVIDERS:
        stem = _SNAPSHOT_SUFFIX.sub("", model_id)
        listed = {prefix for prov, prefix in _PROFILES if prov == provider and prefix} | {DEFAULT_MODELS[provider]}
        if model_id in listed or stem in listed:
            return True
        if provider == "anthropic" and "." in model_id and is_known_model(provider, model_id.replace(".", "-"),
                                                                           tables=tables):
            return False  # genai-prices matches claude-haiku-4.5, but Anthropic's API answers 404: the id is -4-5
        return tables and (_priced(provider, model_id) or stem in known_models(provider))
    if any(prov == provider and prefix and model_id.startswith(prefix) for prov, prefix in _PROFILES):
        return True
    default = DEFAULT_MODELS.get(provider)
    if default and (model_id == default or model_id.startswith(default + "-")):
        return True
    if not tables:  # profiles and defaults only: no price table is loaded
        return False
    known = known_models(provider)
    return model_id in known or any(model_id.startswith(k + "-") for k in known)


_priced_memory: dict[str, bool] = {}


def _priced(provider: str, model: str) -> bool:
    """True when genai-prices has a price for ``provider``'s ``model`` (``find_provider_model``), remembered.

    The answer is kept per genai-prices release (fingerprint of its table module) and id in memory and in
    :data:`promptctl.cache_file.LOOKUPS`; genai-prices is imported only for an id not asked before. False when
    genai-prices is not installed.
    """
    import json

    from promptctl.cache_file import LOOKUPS, installed_release

    release = installed_release("genai_prices", ("data.py", "data_snapshot.py"))
    key = json.dumps(["genai-prices prices", release[1], provider, model]) if release is not None else None
    if key is not None:
        if key in _priced_memory:
            return _priced_memory[key]
        remembered = LOOKUPS.get(key)
        if remembered is not None:
            _priced_memory[key] = remembered == "1"
            return remembered == "1"
    try:
        from genai_prices import data_snapshot

        snapshot = data_snapshot.get_snapshot()
    except Exception:  # noqa: BLE001 - the price table is optional here: only profiles are known then
        return False
    try:
        snapshot.find_provider_model(model, None, provider, None)
        found = True
    except LookupError:
        found = False
    if key is not None and getattr(data_snapshot, "_custom_snapshot", None) is None:  # the release's own prices
        _priced_memory[key] = found
        LOOKUPS.put(key, "1" if found else "0")
    return found


def model_suggestion(model: str, providers: tuple[str, ...]) -> tuple[str, str] | None:
    """``(provider, model id)`` of the known model closest to a misspelt ``model``, or None.

    Close means :func:`promptctl.errors.did_you_mean`'s similarity of at least 0.75 (``gtp-4o`` -> ``gpt-4o``).
    """
    candidates = {m: p for p in providers for m in known_models(p)}
    close = difflib.get_close_matches(model, list(candidates), n=1, cutoff=0.75)
    return (candidates[close[0]], close[0]) if close else None
