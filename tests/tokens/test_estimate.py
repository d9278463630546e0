"""Cost before the call: input count, output assumptions, strategies, recorded runs, labels."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from promptctl.adapters import build_request
from promptctl.config import load_config
from promptctl.errors import InputError
from promptctl.providers.anthropic import AnthropicProvider
from promptctl.registry.registry import Registry
from promptctl.session.count import acount_request
from promptctl.session.estimate import estimate_cost
from promptctl.store.runs import RunStore
from promptctl.tokens import cost_of, count_request, estimate_request
from promptctl.tokens.estimate import DEFAULT_OUTPUT_CEILING, RETRY_FEEDBACK_TOKENS
from promptctl.types import Usage


def setup(project: Path, ref: str = "triage", provider: str | None = None, model: str | None = None):
    config = load_config(project)
    version = Registry(project / "prompts").get(ref)
    variables = {"message": "My site is down since 09:40 UTC"} if ref == "triage" else {}
    request = build_request(version.front_matter, version.prompt(variables), provider=provider, model=model,
                            config=config)
    return config, version, request


def per_call(config, request, tokens_in: int, tokens_out: int) -> float:
    return cost_of(Usage(input_tokens=tokens_in, output_tokens=tokens_out), request.provider, request.model, config).usd


def test_direct_openai_estimate(project: Path) -> None:
    config, version, request = setup(project)
    est = estimate_cost(version, request, config=config)
    count = count_request(request)
    assert est.input == count and count.quality == "exact" and count.encoding == "o200k_base"
    assert (est.calls_low, est.calls_expected, est.calls_high) == (1, 1, 1)
    assert est.output_ceiling == 300 and est.output_expected == 256 and est.output_low == 0
    # "no recorded runs" read as wrong when runs of the prompt on other models (or the fake provider) existed
    assert est.output_source == f"default for direct, no recorded calls of this prompt on openai:{request.model}"
    # config prices gpt-4o-mini at $0.5/M in, $3/M out
    assert est.usd_low == pytest.approx(count.tokens * 0.5 / 1e6)
    assert est.usd_expected == pytest.approx((count.tokens * 0.5 + 256 * 3) / 1e6)
    assert est.usd_high == pytest.approx((count.tokens * 0.5 + 300 * 3) / 1e6)
    data = est.to_dict()
    assert data["estimate"] is True and data["input_tokens"]["quality"] == "exact"
    assert data["cost_usd"]["high"] == est.usd_high


def test_consistency_multiplies_by_samples(project: Path) -> None:
    config, version, request = setup(project)
    est = estimate_cost(version, request, strategy="consistency", samples=7, config=config)
    assert (est.calls_low, est.calls_expected, est.calls_high) == (4, 7, 7)  # adaptive stopping (beta) may end after 4
    one = per_call(config, request, est.input.tokens, est.output_expected)
    assert est.usd_expected == pytest.approx(7 * one)
    assert est.usd_high == pytest.approx(7 * per_call(config, request, est.input.tokens, 300))


def test_structured_prices_the_retry_ceiling(project: Path) -> None:
    config, version, request = setup(project)
    est = estimate_cost(version, request, strategy="structured", config=config)
    assert (est.calls_low, est.calls_expected, est.calls_high) == (1, 1, 4)  # 3 retries -> up to 4 calls
    n = est.input.tokens
    growth = 300 + RETRY_FEEDBACK_TOKENS
    expected_high = sum(per_call(config, request, n + k * growth, 300) for k in range(4))
    assert est.usd_high == pytest.approx(expected_high)
    assert est.usd_expected == pytest.approx(per_call(config, request, n, 256))


def test_cot_assumes_longer_output_and_unknown_strategy_fails(project: Path) -> None:
    config, version, request = setup(project)
    assert estimate_cost(version, request, strategy="cot", config=config).output_expected == 300  # 768 capped
    with pytest.raises(InputError, match="unknown strategy"):
        estimate_cost(version, request, strategy="tree-of-thought", config=config)


def test_no_max_tokens_assumes_a_documented_ceiling(project: Path) -> None:
    config = load_config(project)
    version = Registry(project / "prompts").get("bare@1")
    request = build_request(version.front_matter, version.prompt({}), config=config)
    est = estimate_cost(version, request, config=config)
    assert est.output_ceiling == DEFAULT_OUTPUT_CEILING
    assert any(str(DEFAULT_OUTPUT_CEILING) in note for note in est.notes)


def test_anthropic_is_an_estimate_with_a_range(project: Path) -> None:
    config, version, request = setup(project, provider="anthropic")
    est = estimate_cost(version, request, config=config)
    assert est.input.quality == "estimate"
    assert est.input.low < est.input.tokens < est.input.high
    assert "o200k_base" in est.input.method
    assert est.to_dict()["input_tokens"]["quality"] == "estimate"
    assert est.usd_low < est.usd_expected < est.usd_high


def test_unpriced_model_gives_none_and_a_note(project: Path) -> None:
    config, version, request = setup(project, provider="watsonx", model="meta-llama/llama-3-3-70b-instruct")
    est = estimate_cost(version, request, config=config)
    assert est.usd_low is est.usd_expected is est.usd_high is None
    assert any("[prices." in note for note in est.notes)


def test_typical_output_comes_from_recorded_runs(project: Path) -> None:
    from promptctl.providers.fake import FakeProvider
    from promptctl.session.run import arun

    config, version, _ = setup(project)
    store = RunStore(f"sqlite:///{project / 'runs.db'}")
    for reply in ("one two three", "one two three four five", "a b c d e f g h i j k"):
        asyncio.run(arun(version, {"message": "hi"}, provider=FakeProvider([reply]), store=store, config=config))
    request = build_request(version.front_matter, version.prompt({"message": "hi"}), provider="fake", config=config)
    est = estimate_cost(version, request, config=config, history=store)
    assert est.output_expected == 5 and est.output_low == 3  # median and minimum of 3, 5, 11 words
    assert "3 recorded call(s) of triage@1 on fake:" in est.output_source
    # the fake provider's scripted replies never shape a real model's estimate
    other = build_request(version.front_matter, version.prompt({"message": "hi"}), provider="openai", config=config)
    assert estimate_cost(version, other, history=store).output_source.startswith("default")


def test_exact_without_credentials_falls_back_to_the_labelled_estimate(project: Path) -> None:
    _, _, request = setup(project, provider="anthropic")
    count = asyncio.run(acount_request(request, exact=True))
    assert count.quality == "estimate"
    assert any("credentials" in note for note in count.notes)


class _Counter(AnthropicProvider):
    """Anthropic's labels for a count, without its endpoint."""

    async def _complete(self, request):  # pragma: no cover - not called
        raise AssertionError

    async def count_tokens(self, request) -> int:
        return 42


def test_exact_uses_the_count_endpoint(project: Path) -> None:
    _, _, request = setup(project, provider="anthropic")
    count = asyncio.run(acount_request(request, exact=True, client=_Counter()))
    assert (count.tokens, count.quality) == (42, "exact")
    assert "count_tokens" in count.method


def test_exact_count_through_the_anthropic_sdk_on_loopback(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from promptctl.testing.server import LoopbackLLMServer

    _, _, request = setup(project, provider="anthropic")
    with LoopbackLLMServer() as server:
        for key, value in server.env().items():
            monkeypatch.setenv(key, value)
        count = asyncio.run(acount_request(request, exact=True))
        assert count.quality == "exact" and count.tokens > 0
        assert any(r.path.endswith("/v1/messages/count_tokens") for r in server.requests)


def test_request_level_estimate(project: Path) -> None:
    config, _, request = setup(project)
    cost = estimate_request(request, config=config)
    assert cost.exact and cost.input_tokens == count_request(request).tokens
    assert cost.low_usd < cost.expected_usd < cost.high_usd


def test_fake_provider_runs_do_not_shape_real_estimates(tmp_path) -> None:
    import asyncio

    from promptctl.providers.fake import FakeProvider
    from promptctl.registry.registry import Registry
    from promptctl.session.estimate import recorded_outputs
    from promptctl.session.run import arun
    from promptctl.store.runs import RunStore

    folder = tmp_path / "prompts" / "p"
    folder.mkdir(parents=True)
    (folder / "v1.j2").write_text("---\nprovider: anthropic\nparameters: {max_tokens: 500}\n---\nSay {{ w }}\n")
    version = Registry(tmp_path / "prompts").get("p@1")
    store = RunStore(f"sqlite:///{tmp_path / 'runs.db'}")
    asyncio.run(arun(version, {"w": "x"}, provider=FakeProvider(["one"]), store=store))
    assert recorded_outputs(store, version, "anthropic", "claude-sonnet-4-6") == ([], "")
    values, scope = recorded_outputs(store, version, "fake", "fake-model")
    assert values == [1] and "fake" in scope


def test_estimates_use_only_the_same_provider_and_model_and_never_loopback_replies(tmp_path, server,
                                                                                   monkeypatch) -> None:
    import asyncio

    from promptctl.config import ProjectConfig
    from promptctl.registry.registry import Registry
    from promptctl.session.estimate import recorded_outputs
    from promptctl.session.run import arun  # not the promptctl.run shim: importing it shadows promptctl.run()
    from promptctl.store.runs import RunStore

    folder = tmp_path / "prompts" / "p"
    folder.mkdir(parents=True)
    (folder / "v1.j2").write_text("---\nprovider: openai\nmodel: gpt-4.1-mini\nparameters: {max_tokens: 500}\n---\n"
                                  "Say {{ w }}\n")
    version = Registry(tmp_path / "prompts").get("p@1")
    store = RunStore(f"sqlite:///{tmp_path / 'runs.db'}")
    config = ProjectConfig(root=tmp_path, prompts_dir=tmp_path / "prompts",
                           providers={"openai": {"base_url": server.base_url, "max_retries": 0}})
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-loopback")
    asyncio.run(arun(version, {"w": "x"}, provider="openai", config=config, store=store))
    call = store.calls_of(store.recent(1)[0]["id"])[0]
    assert call["request_id"].startswith("req_loopback_") and call["output_tokens"] > 0
    # the loopback server's scripted replies never shape a real model's estimate, unless asked
    assert recorded_outputs(store, version, "openai", "gpt-4.1-mini") == ([], "")
    values, _ = recorded_outputs(store, version, "openai", "gpt-4.1-mini", include_test_replies=True)
    assert values == [call["output_tokens"]]
    # another model's outputs never count either
    assert recorded_outputs(store, version, "openai", "gpt-4o", include_test_replies=True) == ([], "")
    # and the estimate says why it has no recorded calls (it read as wrong after runs against the loopback server)
    request = build_request(version.front_matter, version.prompt({"w": "x"}), provider="openai", config=config)
    source = estimate_cost(version, request, config=config, history=store).output_source
    assert source == ("default for direct, no recorded calls of this prompt on openai:gpt-4.1-mini; "
                      "only loopback test-server replies are recorded, and they never count")
    gpt4o = build_request(version.front_matter, version.prompt({"w": "x"}), provider="openai", model="gpt-4o",
                          config=config)
    assert estimate_cost(version, gpt4o, config=config, history=store).output_source.endswith("on openai:gpt-4o")


def test_an_input_over_the_model_s_context_window_is_noted(project: Path) -> None:
    """A 1,000,000-token input priced at $2.50 for gpt-4o said nothing of the 128,000-token window it cannot fit."""
    from promptctl.tokens.estimate import context_window_note
    from promptctl.types import TokenCount

    config, version, request = setup(project, model="gpt-4o")
    assert context_window_note(request, TokenCount(1_000, "exact", "t"), 300) is None
    over = context_window_note(request, TokenCount(127_800, "exact", "t"), 300)
    assert over is not None and "127,800 input tokens plus the 300-token output ceiling exceed the 128,000-token " \
        "context window of openai:gpt-4o" in over
    maybe = context_window_note(request, TokenCount(120_000, "estimate", "t", low=100_000, high=150_000), 300)
    assert maybe is not None and " may exceed " in maybe
    big = version.prompt({"message": "word " * 130_000})
    est = estimate_cost(version, build_request(version.front_matter, big, model="gpt-4o", config=config), config=config)
    assert any("context window of openai:gpt-4o" in n for n in est.notes)
    assert not any("context window" in n for n in estimate_cost(version, request, config=config).notes)
