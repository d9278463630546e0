"""The loopback server's model of the providers' prompt caches (promptctl.testing.prompt_cache)."""

from __future__ import annotations

import json

from promptctl.testing.prompt_cache import PromptCache, approx_tokens

LONG = "x" * 8000  # 2,000 tokens at characters / 4


def block(text: str, marked: bool = False) -> dict[str, object]:
    return {"type": "text", "text": text, **({"cache_control": {"type": "ephemeral"}} if marked else {})}


def test_anthropic_writes_up_to_the_last_breakpoint_then_reads_the_longest_written_prefix() -> None:
    cache = PromptCache(minimum=1024)
    body = {"model": "m", "system": [block(LONG, marked=True)],
            "messages": [{"role": "user", "content": [block(LONG, marked=True), block("question 1")]}]}
    first = cache.anthropic(body)
    assert first.cached_tokens == 0 and first.written_tokens > 4000
    second = cache.anthropic({**body, "messages": [{"role": "user", "content": [block(LONG, marked=True),
                                                                                 block("question 2")]}]})
    assert second.cached_tokens == first.written_tokens and second.written_tokens == 0
    other_doc = cache.anthropic({**body, "messages": [{"role": "user", "content": [block("y" * 8000, marked=True)]}]})
    assert 2000 <= other_doc.cached_tokens < first.written_tokens  # the system prefix only
    assert other_doc.written_tokens == other_doc.input_tokens - other_doc.cached_tokens


def test_anthropic_caches_nothing_without_breakpoints_or_under_the_minimum() -> None:
    cache = PromptCache(minimum=1024)
    plain = {"model": "m", "system": LONG, "messages": [{"role": "user", "content": "q"}]}
    assert cache.anthropic(plain).written_tokens == 0 and cache.anthropic(plain).cached_tokens == 0
    short = {"model": "m", "system": [block("short", marked=True)], "messages": [{"role": "user", "content": "q"}]}
    assert cache.anthropic(short).written_tokens == 0 and cache.anthropic(short).cached_tokens == 0


def test_openai_reads_the_shared_start_in_steps_of_128_past_1024() -> None:
    cache = PromptCache(minimum=1024)
    system = {"role": "system", "content": LONG}
    first = cache.openai({"model": "m", "messages": [system, {"role": "user", "content": "a"}]})
    second = cache.openai({"model": "m", "messages": [system, {"role": "user", "content": "b"}]})
    assert first.cached_tokens == 0
    # the canonical JSON texts share the system message and the start of the next: '{"content": "'
    shared = len(json.dumps(system, sort_keys=True)) + len('{"content": "')
    assert second.cached_tokens == 1024 + (shared // 4 - 1024) // 128 * 128
    assert second.input_tokens == approx_tokens(json.dumps(system, sort_keys=True) + json.dumps(
        {"role": "user", "content": "b"}, sort_keys=True))
    assert cache.openai({"model": "other", "messages": [system]}).cached_tokens == 0  # per model
