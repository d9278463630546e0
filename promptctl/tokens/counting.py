"""Counting input tokens of a provider request.

OpenAI (and the fake provider, which takes OpenAI's shape): exact counts with tiktoken by the
method of the OpenAI cookbook, "How to count tokens with tiktoken"
(openai/openai-cookbook ``examples/How_to_count_tokens_with_tiktoken.ipynb``, section 6 for messages
and section 7 for tools): every message costs 3 tokens of framing plus the tokens of each field value
(role, content, name), a ``name`` costs 1 more, and the reply is primed with 3 tokens
(``<|start|>assistant<|message|>``). ``gpt-3.5-turbo-0301`` used 4 per message and -1 per name.
The cookbook checks these against the API's ``prompt_tokens``: 124 (gpt-4o, o200k_base) and 129
(gpt-4-0613, cl100k_base) for its six-message example.

The encoding comes from tiktoken's own model table (``tiktoken.model.encoding_name_for_model``:
exact names first, then the longest matching prefix, so ``ft:gpt-4o-mini-...`` is o200k_base and
``gpt-4-0613`` cl100k_base). A model tiktoken does not know is counted with o200k_base and the count
is flagged ``approximate``, naming the encoding.

Text that looks like a special token (``<|endoftext|>``) is counted as ordinary text. tiktoken 0.14's
regex pre-tokeniser fails with "Max stack size exceeded for backtracking" on very long whitespace
runs under o200k_base (measured: 1,000,000 spaces); such text is then counted in pieces and the count
is flagged ``approximate``. Long runs of other characters are linear in tiktoken 0.14 (1,000,000 ``a``
in about 0.3 s here), so they are counted exactly.

Anthropic and watsonx: see :mod:`promptctl.tokens.request_tokens` (an estimate unless the provider's
count endpoint is asked for).
"""

from __future__ import annotations

import json
import re
from functools import lru_cache
from typing import Any

from promptctl.tokens import count_cache
from promptctl.types import Quality as Quality  # re-exported: its home is promptctl.types
from promptctl.types import TokenCount as TokenCount  # re-exported: its home is promptctl.types

FALLBACK_ENCODING = "o200k_base"
_MEDIA_PARTS = ("image_url", "file", "image", "document")
_PIECE = 8192  # characters per piece when a text must be counted in pieces


def encoding_for_model(model: str) -> tuple[str, bool]:
    """The tiktoken encoding of an OpenAI model id.

    Args:
        model: Model id, e.g. ``gpt-4o``, ``gpt-4-0613``, ``ft:gpt-4o-mini-2024-07-18:org::id``.

    Returns:
        ``(encoding name, known)``; ``known`` is False when tiktoken has no mapping for the model, in
        which case the encoding is ``o200k_base`` (the cookbook's fallback).

    Source: tiktoken 0.14.0 ``tiktoken/model.py`` (``MODEL_TO_ENCODING`` then ``MODEL_PREFIX_TO_ENCODING``).
    tiktoken's answer is remembered per tiktoken release (:data:`promptctl.cache_file.LOOKUPS`), so a model
    asked about before imports no tiktoken (about 30 ms).
    """
    return _encoding_for_model(model)


@lru_cache(maxsize=64)
def _encoding_for_model(model: str) -> tuple[str, bool]:
    from promptctl.cache_file import LOOKUPS, installed_release

    release = installed_release("tiktoken", ("model.py",))
    key = json.dumps(["tiktoken encoding", release[1], model]) if release is not None else None
    known = LOOKUPS.get(key) if key is not None else None
    if known is not None:
        name, mapped = json.loads(known)
        return str(name), bool(mapped)
    from tiktoken.model import encoding_name_for_model

    try:
        answer = encoding_name_for_model(model), True
    except KeyError:
        answer = FALLBACK_ENCODING, False
    if key is not None:
        LOOKUPS.put(key, json.dumps(answer))
    return answer


@lru_cache(maxsize=8)
def available_offline(encoding: str) -> str:
    """``encoding`` if tiktoken can load it here, else ``cl100k_base`` (the closest encoding promptctl ships).

    Legacy encodings (``p50k_base`` for ``text-davinci-003``, ``r50k_base`` for ``davinci``) are not in
    bpe-openai; tiktoken downloads them on first use. Offline, counting falls back to cl100k_base and the caller
    labels the count approximate, rather than failing.
    """
    from promptctl.errors import TokenizerError
    from promptctl.tokens.offline import ENCODING_FILES, get_encoding

    if encoding in ENCODING_FILES:
        return encoding
    try:
        get_encoding(encoding)
    except TokenizerError:
        return "cl100k_base"
    return encoding


def count_text(text: str, encoding: str = FALLBACK_ENCODING) -> tuple[int, bool]:
    """Tokens of a plain text, special-token lookalikes counted as ordinary text.

    Args:
        text: Any string (``<|endoftext|>`` is ordinary text here).
        encoding: tiktoken encoding name.

    Returns:
        ``(tokens, approximate)``: ``approximate`` is True when tiktoken could not take the text whole
        (its regex gives up on huge whitespace runs) and it was counted in pieces of 8,192 characters.

    Raises:
        TokenizerError: The encoding cannot be loaded offline.
    """
    if not text:
        return 0, False
    key = count_cache.digest(text)
    known = count_cache.get(encoding, key)  # the same text counted before: no encoding to load
    if known is not None:
        return known
    from promptctl.tokens.offline import get_encoding

    enc = get_encoding(encoding)
    try:
        # encode(), not encode_ordinary(): on regex failure the latter panics (a BaseException) in tiktoken 0.14
        count = len(enc.encode(text, disallowed_special=())), False
    except ValueError:
        count = _count_in_pieces(enc, text), True
    count_cache.put(encoding, key, count)
    return count


def _count_in_pieces(enc: Any, text: str) -> int:
    """Count text too pathological for tiktoken's regex, in pieces.

    Splits after each newline followed by a non-space character (a boundary of the cl100k/o200k
    pre-tokenisers, so exact there), then any piece that still fails in fixed slices (approximate).
    """
    total = 0
    for segment in re.split(r"(?<=\n)(?=\S)", text):
        try:
            total += len(enc.encode(segment, disallowed_special=()))
        except ValueError:
            for start in range(0, len(segment), _PIECE):
                total += len(enc.encode(segment[start : start + _PIECE], disallowed_special=()))
    return total


def count_openai_messages(
    messages: list[dict[str, Any]], model: str, *, tools: list[dict[str, Any]] | None = None
) -> TokenCount:
    """Prompt tokens of a Chat Completions request, by the OpenAI cookbook method.

    Args:
        messages: ``[{"role", "content", "name"?}]``; content may be a string or a list of parts
            (text parts are counted; image and file parts are left to :mod:`promptctl.tokens.media`; other
            parts make the count approximate).
        model: OpenAI model id (chooses the encoding; see :func:`encoding_for_model`).
        tools: Function tools, counted with the cookbook's section 7 formula
            (:func:`promptctl.tokens.tool_tokens.openai_tool_tokens`); they make the count ``approximate``.

    Returns:
        A :class:`TokenCount`: ``exact`` for a model tiktoken knows and plain messages, else ``approximate``
        with the reasons in ``notes``.

    Raises:
        TokenizerError: The encoding cannot be loaded offline.

    Source: openai/openai-cookbook ``examples/How_to_count_tokens_with_tiktoken.ipynb``
    (``num_tokens_from_messages``, ``num_tokens_for_tools``).
    """
    encoding, known = encoding_for_model(model)
    notes: list[str] = []
    if not known:
        notes.append(f"tiktoken does not know model '{model}': counted with {encoding}")
    offline = available_offline(encoding)
    if offline != encoding:
        notes.append(f"{model} uses {encoding}, which tiktoken can only download (promptctl ships o200k_base and "
                     f"cl100k_base, from bpe-openai) and which is not cached here: counted with {offline}, "
                     "approximate")
        encoding, known = offline, False
    legacy = model.startswith("gpt-3.5-turbo-0301")
    per_message, per_name = (4, -1) if legacy else (3, 1)
    approximate = not known
    total = 0
    for message in messages:
        total += per_message
        for key, value in message.items():
            n, approx = _count_value(value, encoding, notes)
            total += n
            approximate |= approx
            if key == "name":
                total += per_name
    total += 3  # every reply is primed with <|start|>assistant<|message|>
    if tools:
        from promptctl.tokens.tool_tokens import openai_tool_tokens

        counted = openai_tool_tokens(tools, encoding)
        total += counted.tokens
        notes.extend(counted.notes)
        approximate = True  # the cookbook calls its tool formula an estimate
    return TokenCount(
        tokens=total,
        quality="approximate" if approximate else "exact",
        method=f"tiktoken {encoding}, OpenAI cookbook chat format",
        encoding=encoding,
        notes=tuple(dict.fromkeys(notes)),
    )


def _count_value(value: Any, encoding: str, notes: list[str]) -> tuple[int, bool]:
    if value is None:
        return 0, False
    if isinstance(value, str):
        n, approx = count_text(value, encoding)
        if approx:
            notes.append("a very long whitespace run was counted in pieces")
        return n, approx
    if isinstance(value, list):
        total, approx = 0, False
        for part in value:
            if isinstance(part, dict) and part.get("type") == "text":
                n, a = _count_value(part.get("text", ""), encoding, notes)
            elif isinstance(part, dict) and part.get("type") in _MEDIA_PARTS:
                continue  # images and PDFs: counted by their formula (promptctl.tokens.media), not as JSON text
            else:
                notes.append("non-text content parts (images, files, tool calls) are not counted exactly")
                n, a = count_text(json.dumps(part, ensure_ascii=False, default=str), encoding)[0], True
            total += n
            approx |= a
        return total, approx
    notes.append("structured message fields (tool calls) are counted as their JSON text")
    return count_text(json.dumps(value, ensure_ascii=False, default=str), encoding)[0], True
