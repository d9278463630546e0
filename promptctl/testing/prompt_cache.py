"""The loopback server's prompt cache: cached and written input tokens of a repeated prefix, per API.

A model of what the providers document, precise enough to test cache accounting end to end:

- **OpenAI** caches automatically. A request whose start repeats an earlier request to the same model
  reads the repeated part from the cache when it is at least ``minimum`` tokens long (1,024), in
  steps of 128 tokens past the minimum; the usage reports it as ``prompt_tokens_details.cached_tokens``
  (platform.openai.com/docs/guides/prompt-caching).
- **Anthropic** caches only up to the content blocks marked ``cache_control`` (tools, then system, then
  messages). A breakpoint whose prefix an earlier request wrote is a read
  (``cache_read_input_tokens``); the rest of the request up to its last breakpoint is written
  (``cache_creation_input_tokens``). A prefix under ``minimum`` tokens is neither read nor written
  (platform.claude.com/docs/en/build-with-claude/prompt-caching).

Tokens are counted as characters / 4 of the canonical JSON of each piece of content (the server has
no tokenizer); entries never expire.
"""

from __future__ import annotations

import hashlib
import json
import threading
from dataclasses import dataclass, field
from typing import Any

OPENAI_STEP = 128
"""OpenAI serves a cached prefix in steps of this many tokens past the minimum."""


def approx_tokens(text: str) -> int:
    """Tokens of ``text`` as the server counts them: characters / 4, rounded up."""
    return (len(text) + 3) // 4


@dataclass(frozen=True)
class CacheUse:
    """One request's input as the prompt cache saw it (tokens, all counted with :func:`approx_tokens`).

    Attributes:
        input_tokens: All input tokens of the request.
        cached_tokens: Read from the cache.
        written_tokens: Written to the cache (Anthropic only).
    """

    input_tokens: int
    cached_tokens: int = 0
    written_tokens: int = 0


@dataclass
class PromptCache:
    """Prefixes seen so far, by API and model; thread-safe.

    Args:
        minimum: The shortest prefix cached (tokens).
    """

    minimum: int = 1024
    _openai: dict[str, list[str]] = field(default_factory=dict)
    _anthropic: set[tuple[str, str]] = field(default_factory=set)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def clear(self) -> None:
        """Forget every cached prefix."""
        with self._lock:
            self._openai.clear()
            self._anthropic.clear()

    def openai(self, body: dict[str, Any]) -> CacheUse:
        """Cache use of a Chat Completions request: the longest start it shares with an earlier request."""
        text = "".join(_canonical(piece) for piece in [*(body.get("tools") or []), *(body.get("messages") or [])])
        model = str(body.get("model", ""))
        with self._lock:
            seen = self._openai.setdefault(model, [])
            shared = max((_common_prefix(text, earlier) for earlier in seen), default=0)
            seen.append(text)
        tokens = shared // 4
        cached = 0 if tokens < self.minimum else self.minimum + (tokens - self.minimum) // OPENAI_STEP * OPENAI_STEP
        return CacheUse(input_tokens=approx_tokens(text), cached_tokens=cached)

    def anthropic(self, body: dict[str, Any]) -> CacheUse:
        """Cache use of a Messages API request: reads and writes at its ``cache_control`` breakpoints."""
        pieces, marks = _anthropic_pieces(body)
        model = str(body.get("model", ""))
        total = approx_tokens("".join(pieces))
        if not marks:
            return CacheUse(input_tokens=total)
        prefixes = [("".join(pieces[: mark + 1])) for mark in marks]
        with self._lock:
            read = max((approx_tokens(p) for p in prefixes if (model, _digest(p)) in self._anthropic), default=0)
            last = approx_tokens(prefixes[-1])
            written = last - read if last >= self.minimum else 0
            for prefix in prefixes:
                if approx_tokens(prefix) >= self.minimum:
                    self._anthropic.add((model, _digest(prefix)))
        return CacheUse(input_tokens=total, cached_tokens=read, written_tokens=written)


def _anthropic_pieces(body: dict[str, Any]) -> tuple[list[str], list[int]]:
    """The request's content in cache order (tools, system, messages' blocks) and the indexes of marked pieces."""
    pieces: list[str] = []
    marks: list[int] = []

    def add(item: Any, role: str = "") -> None:
        marked = isinstance(item, dict) and "cache_control" in item
        if marked:
            item = {k: v for k, v in item.items() if k != "cache_control"}
        pieces.append(role + _canonical(item))
        if marked:
            marks.append(len(pieces) - 1)

    for tool in body.get("tools") or []:
        add(tool)
    system = body.get("system")
    for block in ([{"type": "text", "text": system}] if isinstance(system, str) else system or []):
        add(block)
    for message in body.get("messages") or []:
        if not isinstance(message, dict):
            continue
        content = message.get("content")
        role = f"{message.get('role')}:"
        for block in [{"type": "text", "text": content}] if isinstance(content, str) else content or []:
            add(block, role)
    return pieces, marks


def _canonical(item: Any) -> str:
    return json.dumps(item, sort_keys=True, ensure_ascii=False)


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _common_prefix(a: str, b: str) -> int:
    """Length of the longest common start of two texts (characters)."""
    n = min(len(a), len(b))
    lo, hi = 0, n
    while lo < hi:  # binary search on prefix equality: O(n log n) without a Python loop per character
        mid = (lo + hi + 1) // 2
        if a[:mid] == b[:mid]:
            lo = mid
        else:
            hi = mid - 1
    return lo
