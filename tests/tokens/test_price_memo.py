"""genai-prices' answers remembered: the same USD and words as genai-prices gives, without importing it again."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import genai_prices
import pytest
from genai_prices import data

from promptctl.config import ProjectConfig, load_config
from promptctl.tokens import price_memo, pricing
from promptctl.tokens.pricing import Cost, call_cost, cost_of
from promptctl.types import Usage

USAGES = [
    Usage(),
    Usage(input_tokens=1000, output_tokens=200),
    Usage(input_tokens=5000, output_tokens=300, cached_input_tokens=4000),
    Usage(input_tokens=5000, output_tokens=300, cache_write_tokens=4000),
    Usage(input_tokens=5000, output_tokens=0, cached_input_tokens=1000, cache_write_tokens=4000),
    Usage(input_tokens=199_999, output_tokens=5),  # around the 200k tier of long-context prices
    Usage(input_tokens=200_001, output_tokens=5),
    Usage(input_tokens=272_001, output_tokens=7, cached_input_tokens=1),  # around the 272k tier
    Usage(input_tokens=300_000, output_tokens=1000, cached_input_tokens=250_000),
    Usage(input_tokens=300_000, output_tokens=1000, cache_write_tokens=290_000),
    Usage(input_tokens=1_234_567, output_tokens=98_765, cached_input_tokens=3, cache_write_tokens=1_000_000),
]
"""Usages that exercise every part of genai-prices' method: cached reads, cache writes, tiers, zero counts."""


@pytest.fixture(autouse=True)
def _own_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.setenv("PROMPTCTL_CACHE_DIR", str(tmp_path / "cache"))
    price_memo.reset()
    yield tmp_path / "cache"
    price_memo.reset()


def new_process() -> None:
    """What a new process sees: nothing in memory, the cache file as it was left."""
    price_memo._memory.clear()
    price_memo.LOOKUPS.reset()


def genai_prices_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("genai-prices asked although its answer was remembered")

    monkeypatch.setattr(genai_prices, "calc_price", refuse)


def reported(usage: Usage, one_hour: bool) -> dict[str, int]:
    return {"input_tokens": usage.input_tokens, "cache_read_tokens": usage.cached_input_tokens,
            "cache_write_tokens": usage.cache_write_tokens,
            "cache_write_1h_tokens": usage.cache_write_tokens if one_hour else 0, "output_tokens": usage.output_tokens}


def genai_total(usage: Usage, model: str, provider_id: str, *, batch: bool, one_hour: bool):  # noqa: ANN201
    """genai-prices' own total for ``usage``, given as promptctl gives it (see pricing._genai_cost)."""
    extra = {"cache_write_1h_tokens": usage.cache_write_tokens} if one_hour and usage.cache_write_tokens else {}
    gusage = genai_prices.Usage(input_tokens=usage.input_tokens, cache_read_tokens=usage.cached_input_tokens or None,
                                cache_write_tokens=usage.cache_write_tokens or None, output_tokens=usage.output_tokens,
                                **extra)
    return genai_prices.calc_price(gusage, model, provider_id=provider_id,
                                   price_context={"processing": "batch"} if batch else None).total_price


def off_peak_models() -> set[str]:
    """Ids of the models genai-prices prices by time of day."""
    from genai_prices import types

    return {m.id for p in data.providers for m in p.models
            if any(isinstance(getattr(c, "constraint", None), types.TimeOfDateConstraint)
                   for c in [*(m.prices if isinstance(m.prices, list) else []), *(m.price_variants or ())])}


def test_every_model_in_the_table_is_priced_from_its_sheet_exactly_as_genai_prices_prices_it() -> None:
    """Every OpenAI and Anthropic model of the installed genai-prices, standard and batch, every usage: the sheet's
    Decimal total equals genai-prices' own, and the words are the same."""
    models = [(p.id, m.id) for p in data.providers if p.id in ("openai", "anthropic") for m in p.models]
    models += [("openai", "gpt-4o-2024-08-06"), ("openai", "gpt-4o-mini-2024-07-18"),
               ("anthropic", "claude-sonnet-4-5-20250929"), ("anthropic", "claude-3-5-haiku-latest")]  # aliases
    assert len(models) > 100
    remembered = unpriced = 0
    by_time_of_day = off_peak_models()
    for provider_id, model in models:
        for batch in (False, True):
            first = pricing._genai_cost(USAGES[1], provider_id, model, "hint", batch=batch)
            cache_key = price_memo.key(provider_id, model, batch, datetime.now(tz=UTC))
            assert cache_key is not None
            found, sheet = price_memo.get(cache_key)
            if not found:  # only prices by time of day are never remembered
                assert model in by_time_of_day, (provider_id, model, batch)
                continue
            if sheet is None:  # genai-prices does not find this id (fine-tune ids such as ft:gpt-4o)
                assert first.usd is None and "no price for" in (first.note or "")
                unpriced += 1
                continue
            remembered += 1
            assert sheet.price == first.price
            for usage in USAGES:
                for one_hour in (False, True) if usage.cache_write_tokens else (False,):
                    expected = genai_total(usage, model, provider_id, batch=batch, one_hour=one_hour)
                    assert sheet.total(reported(usage, one_hour)) == expected, (provider_id, model, batch, usage)
    assert remembered > 200 and unpriced <= 8


def test_cold_and_warm_costs_are_equal_for_every_provider_and_price_source(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "promptctl.toml").write_text(
        '[prices."openai:gpt-4o-mini"]\ninput_per_mtok = 1\noutput_per_mtok = 2\ncached_input_per_mtok = 0.5\n'
        '[prices."openai:my-finetune"]\ninput_per_mtok = 3\noutput_per_mtok = 4\nbatch_factor = 0.4\n',
        encoding="utf-8")
    config: ProjectConfig = load_config(tmp_path)
    cached = Usage(input_tokens=12_000, output_tokens=700, cached_input_tokens=9000)
    written = Usage(input_tokens=12_000, output_tokens=700, cache_write_tokens=11_000)
    cases = [
        (cached, "openai", "gpt-4o-mini", None, {}), (cached, "openai", "gpt-4o-mini", config, {}),  # config wins
        (cached, "openai", "gpt-4.1", None, {"batch": True}), (written, "anthropic", "claude-sonnet-4-6", None, {}),
        (written, "anthropic", "claude-sonnet-4-6", None, {"write_ttl": "1h"}),
        (written, "anthropic", "claude-opus-4-1", None, {"batch": True}),
        (cached, "openai", "my-finetune", config, {"batch": True}), (cached, "openai", "no-such-model-xyz", None, {}),
        (cached, "openai", "no-such-model-xyz", None, {"batch": True}),
        (cached, "watsonx", "ibm/granite-3-8b-instruct", None, {}), (cached, "watsonx", "no/such-model", None, {}),
        (cached, "fake", "fake-1", None, {}), (cached, "ollama", "llama3", None, {}),
    ]
    cold = [cost_of(usage, provider, model, cfg, **kw) for usage, provider, model, cfg, kw in cases]
    assert all(isinstance(c, Cost) for c in cold) and cold[0] != cold[1] and cold[1].source == "config"
    assert cold[3].usd != cold[4].usd  # one-hour writes have their own price
    reported_cold = call_cost(cached, "openai", "gpt-4o-mini", "gpt-4o-mini-2024-07-18")  # the model reported
    new_process()
    genai_prices_refused(monkeypatch)
    assert [cost_of(usage, provider, model, cfg, **kw) for usage, provider, model, cfg, kw in cases] == cold
    assert call_cost(cached, "openai", "gpt-4o-mini", "gpt-4o-mini-2024-07-18") == reported_cold
    # a usage never priced before is priced from the sheet too
    other = Usage(input_tokens=3, output_tokens=4)
    monkeypatch.undo()
    expected = cost_of(other, "anthropic", "claude-sonnet-4-6", None, write_ttl="1h")
    price_memo.reset()
    assert cost_of(other, "anthropic", "claude-sonnet-4-6", None, write_ttl="1h") == expected  # cold, same figure


def test_a_config_price_added_later_wins_over_a_remembered_one(tmp_path: Path) -> None:
    usage = Usage(input_tokens=1000, output_tokens=100)
    assert cost_of(usage, "openai", "gpt-4o").source == "genai-prices"
    (tmp_path / "promptctl.toml").write_text('[prices."openai:gpt-4o"]\ninput_per_mtok = 1\noutput_per_mtok = 1\n',
                                             encoding="utf-8")
    overridden = cost_of(usage, "openai", "gpt-4o", load_config(tmp_path))
    assert (overridden.source, overridden.usd) == ("config", pytest.approx(0.0011))


def test_the_key_holds_the_release_the_day_the_model_and_batch(monkeypatch: pytest.MonkeyPatch) -> None:
    now = datetime(2026, 12, 7, 23, 59, tzinfo=UTC)
    base = price_memo.key("openai", "gpt-4o", False, now)
    assert base is not None
    assert price_memo.key("openai", "gpt-4o", False, now + timedelta(minutes=2)) != base  # the next UTC day
    assert price_memo.key("openai", "gpt-4o", False, now - timedelta(hours=20)) == base  # same UTC day
    assert price_memo.key("openai", "gpt-4o", True, now) != base
    assert price_memo.key("openai", "gpt-4o-mini", False, now) != base
    assert price_memo.key("anthropic", "gpt-4o", False, now) != base
    version, fingerprint = price_memo.release() or ("", "")
    from importlib.metadata import version as installed

    assert version == installed("genai-prices") == pricing._genai_version()
    monkeypatch.setattr(price_memo, "release", lambda: (version, fingerprint + ";reinstalled"))
    assert price_memo.key("openai", "gpt-4o", False, now) != base
    monkeypatch.setattr(price_memo, "release", lambda: None)  # genai-prices' release cannot be told: not remembered
    assert price_memo.key("openai", "gpt-4o", False, now) is None


def test_an_answer_remembered_on_another_release_is_not_used(monkeypatch: pytest.MonkeyPatch) -> None:
    usage = Usage(input_tokens=1000, output_tokens=100)
    real = price_memo.release()
    assert real is not None
    monkeypatch.setattr(price_memo, "release", lambda: (real[0], "older"))
    cost_of(usage, "openai", "gpt-4o")
    monkeypatch.setattr(price_memo, "release", lambda: real)
    new_process()
    calls: list[str] = []
    original = genai_prices.calc_price
    monkeypatch.setattr(genai_prices, "calc_price", lambda *a, **k: calls.append("asked") or original(*a, **k))
    cost_of(usage, "openai", "gpt-4o")
    assert calls == ["asked"]


def test_a_custom_price_snapshot_is_always_asked(monkeypatch: pytest.MonkeyPatch) -> None:
    from genai_prices import data_snapshot

    usage = Usage(input_tokens=1000, output_tokens=100)
    cost_of(usage, "openai", "gpt-4o")
    monkeypatch.setattr(data_snapshot, "_custom_snapshot", data_snapshot._bundled_snapshot())
    assert price_memo.key("openai", "gpt-4o", False, datetime.now(tz=UTC)) is None


def test_prices_by_time_of_day_are_never_remembered() -> None:
    by_time_of_day = off_peak_models()
    off_peak = sorted((p.id, m.id) for p in data.providers for m in p.models if m.id in by_time_of_day)
    assert off_peak, "genai-prices has no off-peak price any more: choose another case"
    provider_id, model = off_peak[0]
    usage = Usage(input_tokens=1000, output_tokens=100)
    calc = genai_prices.calc_price(genai_prices.Usage(input_tokens=1000, output_tokens=100), model,
                                   provider_id=provider_id)
    assert price_memo.sheet_of(calc, "words", reported(usage, False)) is None


def test_a_usage_genai_prices_refuses_is_still_refused_by_genai_prices() -> None:
    cost_of(Usage(input_tokens=10, output_tokens=1), "openai", "gpt-4o")
    new_process()
    with pytest.raises(ValueError, match="cache_read_tokens"):  # more cached tokens than input tokens
        cost_of(Usage(input_tokens=10, output_tokens=1, cached_input_tokens=20), "openai", "gpt-4o")


def test_a_damaged_cache_file_only_turns_remembering_off(_own_cache: Path) -> None:
    usage = Usage(input_tokens=1000, output_tokens=100)
    expected = cost_of(usage, "openai", "gpt-4o")
    price_memo.reset()
    (_own_cache / "lookups.sqlite3").write_bytes(b"not a database" * 100)
    for suffix in ("-wal", "-shm"):
        (_own_cache / f"lookups.sqlite3{suffix}").unlink(missing_ok=True)
    assert cost_of(usage, "openai", "gpt-4o") == expected


def test_price_table_model_ids_are_remembered_per_release(monkeypatch: pytest.MonkeyPatch) -> None:
    from promptctl import cache_file
    from promptctl.adapters import profiles

    first = profiles._price_table_ids("anthropic")
    assert "claude-sonnet-4-6" in first
    new_process()
    monkeypatch.setattr(data, "providers", [])  # the table is not read again
    assert profiles._price_table_ids("anthropic") == first
    release = cache_file.installed_release("genai_prices", ("data.py",))
    assert release is not None
    monkeypatch.setattr(cache_file, "installed_release", lambda package, modules: (release[0], "reinstalled"))
    assert profiles._price_table_ids("anthropic") == frozenset()  # another release: asked again


def test_tiktoken_encodings_of_models_are_remembered_per_release(monkeypatch: pytest.MonkeyPatch) -> None:
    import tiktoken.model

    from promptctl.tokens import counting

    models = ["gpt-4o-mini-2024-07-18", "gpt-4-0613", "ft:gpt-4o-mini-2024-07-18:org::id", "no-such-model"]
    counting._encoding_for_model.cache_clear()
    first = [counting.encoding_for_model(m) for m in models]
    assert first == [("o200k_base", True), ("cl100k_base", True), ("o200k_base", True), ("o200k_base", False)]
    counting._encoding_for_model.cache_clear()
    new_process()

    def refuse(model: str) -> str:
        raise AssertionError("tiktoken asked although its answer was remembered")

    monkeypatch.setattr(tiktoken.model, "encoding_name_for_model", refuse)
    assert [counting.encoding_for_model(m) for m in models] == first
    counting._encoding_for_model.cache_clear()
