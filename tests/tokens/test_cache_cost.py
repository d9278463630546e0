"""`cost` with a cache breakpoint: the expected cost with a warm cache beside the cold one (issue 16 item 3)."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from promptctl import render
from promptctl.registry.registry import Registry
from promptctl.session.estimate import estimate_cost
from promptctl.tokens import count_request
from promptctl.types import prompt_cache_hit_rate

RULE = ("Refunds over one hundred dollars, disputed charges and chargebacks go to a billing specialist; "
        "explain the next step, the expected wait and what the customer should prepare before they are contacted.")
POLICY = "\n".join(f"{n}. {RULE}" for n in range(1, 51))


def version(tmp_path: Path, marker: str = "{% cache %}", policy: str = POLICY):  # type: ignore[no-untyped-def]
    folder = tmp_path / "prompts" / "billing"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "v1.j2").write_text(
        "---\nprovider: anthropic\nmodel: claude-sonnet-4-5\nparameters: {max_tokens: 200}\n"
        "variables: {q: {type: string, input: true}}\n---\n"
        f"{{% system %}}{policy}{marker}{{% endsystem %}}{{% user %}}{{{{ q }}}}{{% enduser %}}\n", encoding="utf-8")
    return Registry(folder.parent).load("billing", 1)


def test_claude_cold_writes_the_prefix_and_warm_reads_it(tmp_path: Path) -> None:
    v = version(tmp_path)
    request = render(v, "anthropic", q="Refund?")
    estimate = estimate_cost(v, request)
    cache = estimate.cache
    assert cache is not None and cache.minimum == 1024
    prefix = count_request(dataclasses.replace(request, body=request.cache_prefix)).tokens
    tokens, out = estimate.input.tokens, estimate.output_expected
    assert cache.prefix_tokens == prefix and cache.written_tokens == cache.cached_tokens == prefix
    # genai-prices, claude-sonnet-4-5: $3/M input, $3.75/M cache write, $0.30/M cache read, $15/M output
    cold = ((tokens - prefix) * 3 + prefix * 3.75 + out * 15) / 1e6
    warm = ((tokens - prefix) * 3 + prefix * 0.30 + out * 15) / 1e6
    assert cache.usd_cold == pytest.approx(cold) and estimate.usd_expected == pytest.approx(cold)
    assert cache.usd_warm == pytest.approx(warm)
    assert estimate.to_dict()["cache"]["cost_usd"] == {"cold": cache.usd_cold, "warm": cache.usd_warm}



def test_claude_low_and_high_scale_the_prefix_with_the_count_so_the_question_is_never_cached(tmp_path: Path) -> None:
    # Claude's count is an estimate with a range (o200k_base x 1 to x 1.5); the prefix is a share of the request,
    # so at the low and high ends it scales with it: the user's question after the breakpoint stays uncached
    v = version(tmp_path)
    estimate = estimate_cost(v, render(v, "anthropic", q="Is my refund of $240 for order 1182 still pending?"))
    cache, count = estimate.cache, estimate.input
    assert cache is not None and count.low < count.tokens < count.high
    low_prefix = round(cache.prefix_tokens * count.low / count.tokens)
    high_prefix = round(cache.prefix_tokens * count.high / count.tokens)
    assert low_prefix < count.low and high_prefix > cache.prefix_tokens
    # low: warm cache, no output; high: cold cache (written at $3.75/M), max_tokens 200 of output at $15/M
    assert estimate.usd_low == pytest.approx(((count.low - low_prefix) * 3 + low_prefix * 0.30) / 1e6)
    assert estimate.usd_high == pytest.approx(((count.high - high_prefix) * 3 + high_prefix * 3.75 + 200 * 15) / 1e6)

def test_a_one_hour_breakpoint_is_priced_at_the_one_hour_write_price(tmp_path: Path) -> None:
    v = version(tmp_path, '{% cache ttl="1h" %}')
    estimate = estimate_cost(v, render(v, "anthropic", q="Refund?"))
    cache = estimate.cache
    assert cache is not None
    tokens, prefix, out = estimate.input.tokens, cache.prefix_tokens, estimate.output_expected
    assert cache.usd_cold == pytest.approx(((tokens - prefix) * 3 + prefix * 6 + out * 15) / 1e6)  # $6/M 1h writes


def test_openai_reads_1024_tokens_then_steps_of_128_and_bills_no_writes(tmp_path: Path) -> None:
    v = version(tmp_path)
    request = render(v, "openai", "gpt-4o", q="Refund?")
    estimate = estimate_cost(v, request)
    cache = estimate.cache
    assert cache is not None and cache.written_tokens == 0
    prefix = cache.prefix_tokens
    read = 1024 + (prefix - 1024) // 128 * 128
    assert cache.cached_tokens == read and prefix - 128 < read <= prefix
    tokens, out = estimate.input.tokens, estimate.output_expected
    # genai-prices, gpt-4o: $2.50/M input, $1.25/M cached input, $10/M output
    assert cache.usd_cold == pytest.approx((tokens * 2.5 + out * 10) / 1e6)
    assert cache.usd_warm == pytest.approx(((tokens - read) * 2.5 + read * 1.25 + out * 10) / 1e6)


def test_a_prefix_under_the_minimum_is_not_cached(tmp_path: Path) -> None:
    v = version(tmp_path, policy="Short rules.")
    estimate = estimate_cost(v, render(v, "anthropic", "claude-sonnet-4-6", q="Refund?"))
    cache = estimate.cache
    assert cache is not None and cache.minimum == 2048 and cache.cached_tokens == cache.written_tokens == 0
    assert cache.usd_cold == cache.usd_warm
    assert "under claude-sonnet-4-6's minimum of 2,048" in cache.note


def test_watsonx_documents_no_prompt_caching(tmp_path: Path) -> None:
    v = version(tmp_path)
    cache = estimate_cost(v, render(v, "watsonx", "ibm/granite-3-8b-instruct", q="x")).cache
    assert cache is not None and cache.minimum is None and cache.usd_cold == cache.usd_warm


def test_no_breakpoint_no_cache_estimate(tmp_path: Path) -> None:
    v = version(tmp_path, marker="")
    assert estimate_cost(v, render(v, "anthropic", q="x")).cache is None


def test_prompt_cache_hit_rate() -> None:
    assert prompt_cache_hit_rate(750, 1000) == 0.75
    assert prompt_cache_hit_rate(0, 0) is None
