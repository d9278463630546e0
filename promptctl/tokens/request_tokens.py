"""Input tokens of a :class:`~promptctl.adapters.base.ProviderRequest`, for every provider.

- ``openai`` and ``fake``: tiktoken, by the OpenAI cookbook method (:func:`count_openai_messages`).
- ``anthropic`` and ``watsonx``: their tokenizers are not available offline (Anthropic publishes none;
  watsonx models each have their own). Without ``exact=True`` and credentials, the count is an
  **estimate**: the text the model sees (system prompt and every message's content) is counted with
  o200k_base, with the cookbook's chat framing (3 tokens per message, 3 for the reply), and
  multiplied by a per-provider correction factor (:data:`FACTORS`), with a low-high range. Tool
  definitions are counted as their JSON text the same way, plus Anthropic's documented tool-use system
  prompt (:mod:`promptctl.tokens.tool_tokens`).
- ``exact=True`` asks the provider's own endpoint when its credentials exist: Anthropic
  ``POST /v1/messages/count_tokens`` (which Anthropic itself calls an estimate that may differ by a
  small amount), watsonx ``POST /ml/v1/text/tokenization`` (counts the message text without the chat
  template, so promptctl adds the same framing and labels the result ``approximate``). Without
  credentials, or when the endpoint fails, the offline estimate is returned with a note.

How good the factors are: promptctl has no exact Claude or Granite counts offline, so the factors
are not measured against them. What is measured (``benchmarks/bench_tokens.py``) is how far one
known BPE tokenizer predicts another (cl100k_base from o200k_base) on the example prompts and
mixed-language texts, which is the kind of error this method has.
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from promptctl.tokens.counting import (
    FALLBACK_ENCODING,
    TokenCount,
    count_openai_messages,
    count_text,
    encoding_for_model,
)

if TYPE_CHECKING:
    from promptctl.types import ProviderRequest


@dataclass(frozen=True)
class EstimateFactor:
    """Correction applied to an o200k_base count to estimate another tokenizer's count.

    Attributes:
        expected: Multiplier for the expected count.
        low: Multiplier for the low end of the range.
        high: Multiplier for the high end of the range.
        basis: Where the numbers come from.
    """

    expected: float
    low: float
    high: float
    basis: str


FACTORS: dict[str, EstimateFactor] = {
    "anthropic": EstimateFactor(
        1.25, 1.0, 1.5,
        "Claude's tokenizer yields 20-30% more tokens than GPT-4o's o200k_base on the same English text, "
        "more on code and technical text (reported for Claude 3.5 Sonnet vs GPT-4o: "
        "https://6thwave.news/2025/05/01/tokenization-showdown-comparing-costs-of-openai-and-anthropic-models/); "
        "not measured by promptctl",
    ),
    "watsonx": EstimateFactor(
        1.1, 0.95, 1.5,
        "Llama 3 models use a 128K tiktoken-style vocabulary close to o200k_base on English; Granite 3 uses "
        "a 49K vocabulary that needs more tokens; assumption, not measured by promptctl",
    ),
}
"""Per-provider correction factors of the offline estimate (see :class:`EstimateFactor`)."""

_DEFAULT_FACTOR = EstimateFactor(1.0, 0.8, 1.5, "unknown tokenizer; assumption")


FAKE_COUNTED_AS = "gpt-4o"
"""The model the fake provider's requests are counted as when tiktoken does not know its model id (o200k_base):
"tiktoken does not know model 'fake-model'" was noise beside a $0 estimate."""

def count_request(request: ProviderRequest) -> TokenCount:
    """Input tokens of a request without any network call.

    Args:
        request: The adapted request.

    Returns:
        tiktoken's count (``exact``/``approximate``) for openai and fake; an ``estimate`` for anthropic
        and watsonx (see the module docstring).

    Raises:
        TokenizerError: tiktoken's encoding cannot be loaded offline.
    """
    from promptctl.adapters.profiles import profile

    if profile(request.provider, request.model).tiktoken:
        body = request.body
        model = request.model
        if request.provider == "fake" and not encoding_for_model(model)[1]:
            model = FAKE_COUNTED_AS  # the fake's own ids (fake-model): counted as OpenAI's, without a tiktoken note
        count = count_openai_messages(list(body.get("messages", [])), model, tools=body.get("tools"))
        count = _with_response_format(count, body.get("response_format"))
        return with_media(count, request)
    return with_media(estimate_input_tokens(request), request)


def _with_response_format(count: TokenCount, response_format: Any) -> TokenCount:
    """``count`` plus a ``json_schema`` response format's schema, counted as its compact JSON text (approximate).

    OpenAI bills the schema as input but documents no formula for it; its JSON text's tokens are the stand-in
    (``json_object`` mode adds nothing but the instruction the prompt itself must carry).
    """
    if response_format in (None, {"type": "text"}) or not isinstance(response_format, dict):
        return count
    schema = response_format.get("json_schema")
    if not isinstance(schema, dict):
        return count
    extra, _ = count_text(json.dumps(schema, separators=(",", ":"), ensure_ascii=False),
                          count.encoding or FALLBACK_ENCODING)
    added = dataclasses.replace(count, tokens=count.tokens + extra, low=count.low + extra, high=count.high + extra)
    return with_note(added, "approximate", f"response_format json_schema: {extra} tokens (its JSON text; OpenAI "
                     "documents no formula)")


def with_media(count: TokenCount, request: ProviderRequest) -> TokenCount:
    """``count`` plus the tokens of the request's images and PDFs (:mod:`promptctl.tokens.media`).

    A formula documented as what is billed (OpenAI's tiles and patches, with the image's real size) keeps the
    count's quality; anything else (Anthropic's approximation, PDFs, media by URL) makes it an ``estimate``.
    The notes name each part's tokens.
    """
    from promptctl.tokens.media import media_tokens

    media = media_tokens(request.provider, request.model, request.body)
    if not media.notes:
        return count
    quality = count.quality if media.exact else "estimate"
    worse = {"exact": 0, "approximate": 1, "estimate": 2}
    chosen = quality if worse[quality] > worse[count.quality] else count.quality
    return TokenCount(
        tokens=count.tokens + media.tokens, quality=chosen,  # type: ignore[arg-type]
        method=f"{count.method}; images and PDFs by the provider's formula",
        encoding=count.encoding, low=count.low + media.tokens, high=count.high + media.tokens,
        notes=(*count.notes, *media.notes),
    )


def estimate_input_tokens(request: ProviderRequest) -> TokenCount:
    """The offline estimate for a provider whose tokenizer promptctl does not have.

    Args:
        request: An anthropic or watsonx request (any provider works: its messages and system text).

    Returns:
        A :class:`TokenCount` with quality ``estimate``, ``low``/``high`` from the provider's
        :class:`EstimateFactor`, and the method in words.

    Raises:
        TokenizerError: o200k_base cannot be loaded offline.
    """
    from promptctl.tokens.tool_tokens import estimated_tool_tokens

    base, notes = _framed_o200k(request)
    factor = FACTORS.get(request.provider, _DEFAULT_FACTOR)
    tools = estimated_tool_tokens(request.provider, request.model, request.body)
    base += tools.tokens
    notes.extend(tools.notes)
    fixed = tools.fixed
    plus = f" + {fixed} (tool-use system prompt)" if fixed else ""
    return TokenCount(
        tokens=round(base * factor.expected) + fixed,
        quality="estimate",
        method=f"o200k_base count with chat framing ({base}) x {factor.expected:g}{plus}",
        encoding=FALLBACK_ENCODING,
        low=round(base * factor.low) + fixed,
        high=round(base * factor.high) + fixed,
        notes=(*notes, f"factor {factor.low:g}-{factor.high:g}: {factor.basis}"),
    )


def _framed_o200k(request: ProviderRequest) -> tuple[int, list[str]]:
    """o200k_base tokens of the system text and messages, plus the cookbook's chat framing."""
    notes: list[str] = []
    body = request.body
    texts: list[str] = []
    system = body.get("system")
    messages = list(body.get("messages", []))
    framing = 3 * (len(messages) + (1 if system else 0)) + 3
    if system:
        texts.append(_text_of(system, notes))
    for message in messages:
        texts.append(str(message.get("role", "")))
        texts.append(_text_of(message.get("content"), notes))
        if message.get("tool_calls"):  # OpenAI-shaped history (watsonx chat)
            notes.append("tool calls in the messages are counted as their JSON text (name and input)")
            texts.append(_json(message["tool_calls"]))
    total = 0
    for text in texts:
        n, approx = count_text(text, FALLBACK_ENCODING)
        total += n
        if approx:
            notes.append("a very long whitespace run was counted in pieces")
    return total + framing, notes


def _text_of(content: Any, notes: list[str]) -> str:
    if content is None:
        return ""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        parts = []
        for block in content:
            if isinstance(block, dict) and "text" in block:
                parts.append(str(block["text"]))
            elif isinstance(block, dict) and block.get("type") in ("image_url", "file", "image", "document"):
                continue  # counted by promptctl.tokens.media
            elif isinstance(block, dict) and block.get("type") == "tool_use":
                notes.append("tool calls in the messages are counted as their JSON text (name and input)")
                parts.append(f"{block.get('name', '')} {_json(block.get('input'))}")
            elif isinstance(block, dict) and block.get("type") == "tool_result":
                parts.append(_text_of(block.get("content"), notes))
            else:
                notes.append("non-text content blocks are not counted")
        return "\n".join(parts)
    return str(content)


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=str)


def with_note(count: TokenCount, quality: str, note: str) -> TokenCount:
    """``count`` with ``note`` added and its quality lowered to ``quality`` when that is worse."""
    worse = {"exact": 0, "approximate": 1, "estimate": 2}
    chosen = quality if worse[quality] > worse[count.quality] else count.quality
    return TokenCount(
        tokens=count.tokens, quality=chosen, method=count.method,  # type: ignore[arg-type]
        encoding=count.encoding, low=count.low, high=count.high, notes=(*count.notes, note),
    )
