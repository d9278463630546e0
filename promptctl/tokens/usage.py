"""Provider usage objects -> :class:`~promptctl.providers.base.Usage`, with each API's semantics.

- OpenAI (and watsonx, whose Chat API reports OpenAI-style usage): ``prompt_tokens`` already
  **includes** ``prompt_tokens_details.cached_tokens``; ``completion_tokens`` already **includes**
  ``completion_tokens_details.reasoning_tokens``.
- Anthropic: ``input_tokens`` **excludes** ``cache_read_input_tokens`` and
  ``cache_creation_input_tokens``; all input is their sum (providers.md section 3.3).

The normalised :class:`Usage` always has ``input_tokens`` = all input (cached included) and
``output_tokens`` = all output (reasoning included), which is what
:func:`promptctl.tokens.pricing.cost_of` and genai-prices expect.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from promptctl.types import Usage


def usage_from_openai(raw: Mapping[str, Any]) -> Usage:
    """Normalise an OpenAI ``usage`` object (Chat Completions shape).

    Args:
        raw: ``{"prompt_tokens", "completion_tokens", "prompt_tokens_details": {"cached_tokens"},
            "completion_tokens_details": {"reasoning_tokens"}}``; flat ``cached_tokens`` and
            ``reasoning_tokens`` keys are accepted too.

    Returns:
        The :class:`Usage` (tokens).
    """
    prompt_details = raw.get("prompt_tokens_details") or {}
    completion_details = raw.get("completion_tokens_details") or {}
    return Usage(
        input_tokens=int(raw.get("prompt_tokens") or 0),
        output_tokens=int(raw.get("completion_tokens") or 0),
        cached_input_tokens=int(prompt_details.get("cached_tokens") or raw.get("cached_tokens") or 0),
        cache_write_tokens=int(prompt_details.get("cache_write_tokens") or 0),
        reasoning_tokens=int(completion_details.get("reasoning_tokens") or raw.get("reasoning_tokens") or 0),
    )


def usage_from_anthropic(raw: Mapping[str, Any]) -> Usage:
    """Normalise an Anthropic ``usage`` object.

    Args:
        raw: ``{"input_tokens", "output_tokens", "cache_creation_input_tokens", "cache_read_input_tokens"}``.

    Returns:
        The :class:`Usage`: ``input_tokens`` = input + cache writes + cache reads (tokens).
    """
    cache_read = int(raw.get("cache_read_input_tokens") or 0)
    cache_write = int(raw.get("cache_creation_input_tokens") or 0)
    return Usage(
        input_tokens=int(raw.get("input_tokens") or 0) + cache_read + cache_write,
        output_tokens=int(raw.get("output_tokens") or 0),
        cached_input_tokens=cache_read,
        cache_write_tokens=cache_write,
    )


def normalise_usage(provider: str, raw: Mapping[str, Any]) -> Usage:
    """Normalise a provider's usage object by provider name (``anthropic``; others OpenAI-style).

    Args:
        provider: ``openai``, ``anthropic``, ``watsonx`` or ``fake``.
        raw: The provider's ``usage`` mapping.

    Returns:
        The :class:`Usage` (tokens).
    """
    return usage_from_anthropic(raw) if provider == "anthropic" else usage_from_openai(raw)
