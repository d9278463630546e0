"""USD from usage: the issue's three cases, genai-prices, the watsonx table, config overrides."""

from __future__ import annotations

from pathlib import Path

import pytest

from promptctl.config import ProjectConfig, load_config
from promptctl.errors import InputError
from promptctl.tokens import Price, cost_of
from promptctl.tokens.pricing import call_cost, watsonx_price
from promptctl.tokens.usage import normalise_usage, usage_from_anthropic, usage_from_openai
from promptctl.types import Usage


def config_with(tmp_path: Path, toml: str) -> ProjectConfig:
    (tmp_path / "promptctl.toml").write_text(toml, encoding="utf-8")
    return load_config(tmp_path)


def test_openai_cached_tokens_are_part_of_prompt_tokens(tmp_path: Path) -> None:
    # issue case 1: $0.50/M input, $0.05/M cached input, $3.00/M output
    config = config_with(tmp_path, """
[prices."openai:case-model"]
input_per_mtok = 0.50
cached_input_per_mtok = 0.05
output_per_mtok = 3.00
""")
    usage = usage_from_openai({"prompt_tokens": 20212, "cached_tokens": 16298, "completion_tokens": 931})
    assert usage == Usage(input_tokens=20212, output_tokens=931, cached_input_tokens=16298)
    cost = cost_of(usage, "openai", "case-model", config)
    assert cost.source == "config"
    assert round(cost.usd, 6) == 0.005565
    assert round(cost.usd, 6) != 0.013714  # cached tokens charged at the full rate as well
    nested = usage_from_openai(
        {"prompt_tokens": 20212, "prompt_tokens_details": {"cached_tokens": 16298}, "completion_tokens": 931}
    )
    assert nested == usage


def test_anthropic_input_tokens_exclude_cache_reads(tmp_path: Path) -> None:
    # issue case 2: $3/M input, $0.30/M cache read, $15/M output
    config = config_with(tmp_path, """
[prices."anthropic:case-model"]
input_per_mtok = 3
cached_input_per_mtok = 0.30
output_per_mtok = 15
""")
    raw = {"input_tokens": 50, "cache_creation_input_tokens": 0, "cache_read_input_tokens": 10000, "output_tokens": 200}
    usage = normalise_usage("anthropic", raw)
    assert usage == Usage(input_tokens=10050, output_tokens=200, cached_input_tokens=10000)
    assert round(cost_of(usage, "anthropic", "case-model", config).usd, 6) == 0.00615


def test_reasoning_tokens_are_part_of_output(tmp_path: Path) -> None:
    # issue case 3: $30/M input, $180/M output; completion_tokens 1944 include reasoning_tokens 1360
    config = config_with(tmp_path, """
[prices."openai:case-reasoner"]
input_per_mtok = 30
output_per_mtok = 180
""")
    usage = usage_from_openai({
        "prompt_tokens": 14746, "completion_tokens": 1944, "completion_tokens_details": {"reasoning_tokens": 1360},
    })
    assert usage.reasoning_tokens == 1360 and usage.output_tokens == 1944
    usd = cost_of(usage, "openai", "case-reasoner", config).usd
    assert round(usd, 4) == 0.7923
    assert round(usd, 4) != 1.0371  # reasoning added on top


def test_cache_writes_have_their_own_rate() -> None:
    price = Price(input_per_mtok=3, output_per_mtok=15, cached_input_per_mtok=0.3, cache_write_per_mtok=3.75)
    usage = usage_from_anthropic({"input_tokens": 100, "cache_creation_input_tokens": 1000,
                                  "cache_read_input_tokens": 2000, "output_tokens": 10})
    assert usage.input_tokens == 3100
    assert price.cost(usage) == pytest.approx((100 * 3 + 1000 * 3.75 + 2000 * 0.3 + 10 * 15) / 1e6)


def test_genai_prices_input_includes_cached() -> None:
    # providers.md section 7, VERIFIED: gpt-4o-mini 800 x $0.15/M + 200 x $0.075/M + 500 x $0.60/M
    cost = cost_of(Usage(input_tokens=1000, cached_input_tokens=200, output_tokens=500), "openai", "gpt-4o-mini")
    assert cost.source == "genai-prices"
    assert cost.usd == pytest.approx(0.000435)
    assert "genai-prices" in (cost.price or "")


def test_genai_prices_never_adds_reasoning_on_top() -> None:
    plain = cost_of(Usage(input_tokens=1000, output_tokens=2000), "openai", "o3")
    with_reasoning = cost_of(Usage(input_tokens=1000, output_tokens=2000, reasoning_tokens=1500), "openai", "o3")
    assert plain.usd == with_reasoning.usd and plain.usd is not None


def test_anthropic_from_genai_prices() -> None:
    cost = cost_of(Usage(input_tokens=1_000_000), "anthropic", "claude-sonnet-4-6")
    assert cost.usd == pytest.approx(3.0)


def test_unknown_model_costs_none_with_a_hint() -> None:
    cost = cost_of(Usage(input_tokens=10, output_tokens=10), "openai", "no-such-model-xyz")
    assert cost.usd is None
    assert '[prices."openai:no-such-model-xyz"]' in (cost.note or "")


def test_watsonx_rows_come_from_the_table() -> None:
    row = watsonx_price("ibm/granite-3-8b-instruct")
    assert row is not None
    price, status = row
    assert (price.input_per_mtok, price.output_per_mtok) == (0.2, 0.2)  # $0.0002 per 1,000 tokens (RU)
    assert "unconfirmed" in (status or "")
    cost = cost_of(Usage(input_tokens=1000, output_tokens=1000), "watsonx", "ibm/granite-3-8b-instruct")
    assert (cost.source, cost.usd) == ("watsonx-table", pytest.approx(0.0004))
    missing = cost_of(Usage(input_tokens=1000), "watsonx", "meta-llama/llama-3-3-70b-instruct")
    assert missing.usd is None and "watsonx" in (missing.note or "")


def test_watsonx_table_rows_have_source_and_date() -> None:
    import json

    from promptctl.tokens.pricing import WATSONX_TABLE

    table = json.loads(WATSONX_TABLE.read_text(encoding="utf-8"))
    assert "1,000 tokens" in table["unit"] and table["unit_source"].startswith("https://")
    for model, row in table["models"].items():
        assert row["source"] and row["retrieved"], model
        assert row["input_per_1k"] > 0 and row["output_per_1k"] > 0


def test_fake_provider_is_free_and_config_overrides_win(tmp_path: Path) -> None:
    assert cost_of(Usage(input_tokens=100), "fake", "fake-model").usd == 0.0
    config = config_with(tmp_path, '[prices."openai:gpt-4o-mini"]\ninput_per_mtok = 1\noutput_per_mtok = 1\n')
    assert cost_of(Usage(input_tokens=1_000_000), "openai", "gpt-4o-mini", config).usd == pytest.approx(1.0)


def test_call_cost_prefers_the_reported_snapshot(tmp_path: Path) -> None:
    usage = Usage(input_tokens=1000, output_tokens=100)
    cost = call_cost(usage, "openai", "gpt-4o-mini", "gpt-4o-mini-2024-07-18")
    assert cost.usd == pytest.approx(cost_of(usage, "openai", "gpt-4o-mini").usd)
    config = config_with(tmp_path, '[prices."openai:my-alias"]\ninput_per_mtok = 1\noutput_per_mtok = 1\n')
    assert call_cost(usage, "openai", "my-alias", "gpt-4o", config).source == "config"


@pytest.mark.parametrize(("toml", "message"), [
    ('[prices."gpt-4o"]\ninput_per_mtok = 1\noutput_per_mtok = 1\n', "provider:model"),
    ('[prices."openai:x"]\ninput_per_mtok = 1\n', "missing output_per_mtok"),
    ('[prices."openai:x"]\ninput_per_mtok = -1\noutput_per_mtok = 1\n', ">= 0"),
    ('[prices."openai:x"]\ninput_per_mtok = "cheap"\noutput_per_mtok = 1\n', ">= 0"),
    ('[prices."openai:x"]\ninput_per_mtok = 1\noutput_per_mtok = 1\nbatch = 0.5\n', "unknown field"),
])
def test_bad_price_config_is_an_input_error(tmp_path: Path, toml: str, message: str) -> None:
    with pytest.raises(InputError, match=message):
        config_with(tmp_path, toml)
