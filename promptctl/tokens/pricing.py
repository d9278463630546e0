"""What a call costs in USD, from its normalised usage.

Prices come from, in order:

1. project config ``[prices."provider:model"]`` (``input_per_mtok``, ``output_per_mtok``,
   optional ``cached_input_per_mtok`` and ``cache_write_per_mtok``, all USD per million tokens):
   overrides and custom models;
2. the ``fake`` provider: free;
3. watsonx: ``promptctl/data/watsonx_prices.json`` (IBM's per-1,000-token Resource Unit prices, with
   source and date per row), since genai-prices has no IBM provider;
4. genai-prices (pydantic, dated prices bundled in the package, no network): ``calc_price`` with
   ``input_tokens`` = all input (cached included), ``cache_read_tokens``, ``cache_write_tokens`` and
   ``output_tokens``. Its price of a model is remembered in the user cache (:mod:`promptctl.tokens.price_memo`:
   the same figures without importing genai-prices again).

Semantics: input tokens include cached reads and cache writes, each charged at its own rate once
(never cached tokens at the full input rate as well); reasoning tokens are part of the output tokens
and are never added on top. An unknown model costs ``None``, with a note saying how to add a price;
it never raises.

Batch prices (``batch=True``: a call answered through a provider batch, ``--batch``): genai-prices' own
batch price (its ``processing: batch`` price variant) where it has one; otherwise the standard price times
the model's ``batch_factor`` from config (``[prices."provider:model"] batch_factor``), else
:data:`BATCH_FACTOR`. watsonx has no batch price (``--batch`` refuses it).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from promptctl.types import Usage

if TYPE_CHECKING:
    from promptctl.config import ProjectConfig

_GENAI_PROVIDERS = {"openai": "openai", "anthropic": "anthropic"}
WATSONX_TABLE = Path(__file__).resolve().parent.parent / "data" / "watsonx_prices.json"
"""The watsonx price table (USD per 1,000 tokens, source and date per row)."""
_MILLION = Decimal(1_000_000)
BATCH_FACTOR = 0.5
"""The fraction of the standard price a batch call costs when no batch price is known: both OpenAI's Batch API
and Anthropic's Message Batches bill 50 % of the standard input and output prices (platform.openai.com
docs/guides/batch; platform.claude.com docs/en/build-with-claude/batch-processing#pricing, read 2026-12)."""


ONE_HOUR_WRITE_FACTOR = 2.0
"""A one-hour cache write costs 2x the base input price (Anthropic pricing, platform.claude.com/docs/en/about-claude/
pricing; 5-minute writes cost 1.25x). Used for config prices; genai-prices carries its own 1h write prices."""


@dataclass(frozen=True)
class Price:
    """Per-token prices of one model, in USD per million tokens.

    Attributes:
        input_per_mtok: Uncached input.
        output_per_mtok: Output (reasoning tokens included).
        cached_input_per_mtok: Input read from the prompt cache; None means the input price.
        cache_write_per_mtok: Input written to the prompt cache; None means the input price.
        source: Where the price comes from.
    """

    input_per_mtok: float
    output_per_mtok: float
    cached_input_per_mtok: float | None = None
    cache_write_per_mtok: float | None = None
    source: str = ""

    def cost(self, usage: Usage, *, write_ttl: str | None = None) -> float:
        """USD of ``usage`` at this price.

        ``usage.input_tokens`` includes cached reads and cache writes; each part is charged once at its
        own rate. ``usage.output_tokens`` includes reasoning tokens. With ``write_ttl="1h"`` cache writes
        cost :data:`ONE_HOUR_WRITE_FACTOR` times the input price (Anthropic's one-hour cache).
        """
        cached = usage.cached_input_tokens
        written = usage.cache_write_tokens
        uncached = max(usage.input_tokens - cached - written, 0)
        rate_cached = self.input_per_mtok if self.cached_input_per_mtok is None else self.cached_input_per_mtok
        rate_written = self.input_per_mtok if self.cache_write_per_mtok is None else self.cache_write_per_mtok
        if write_ttl == "1h":
            rate_written = ONE_HOUR_WRITE_FACTOR * self.input_per_mtok
        total = (
            Decimal(uncached) * Decimal(str(self.input_per_mtok))
            + Decimal(cached) * Decimal(str(rate_cached))
            + Decimal(written) * Decimal(str(rate_written))
            + Decimal(usage.output_tokens) * Decimal(str(self.output_per_mtok))
        )
        return float(total / _MILLION)

    def describe(self) -> str:
        """E.g. ``$0.5/M in, $0.05/M cached, $3/M out``."""
        parts = [f"${self.input_per_mtok:g}/M in"]
        if self.cached_input_per_mtok is not None:
            parts.append(f"${self.cached_input_per_mtok:g}/M cached")
        if self.cache_write_per_mtok is not None:
            parts.append(f"${self.cache_write_per_mtok:g}/M cache write")
        parts.append(f"${self.output_per_mtok:g}/M out")
        return ", ".join(parts)


@dataclass(frozen=True)
class Cost:
    """The USD cost of some usage, and where its price came from.

    Attributes:
        usd: Cost in USD, or None when no price is known.
        source: ``config``, ``fake``, ``watsonx-table``, ``genai-prices`` or ``unknown``.
        price: The prices applied, in words (``$3/M in, $15/M out ...``), or None.
        note: Why there is no price, or a caveat (unconfirmed table row), or None.
    """

    usd: float | None
    source: str
    price: str | None = None
    note: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: usd, source, price, note."""
        return {"usd": self.usd, "source": self.source, "price": self.price, "note": self.note}


def cost_of(
    usage: Usage, provider: str, model: str, config: ProjectConfig | None = None, *, write_ttl: str | None = None,
    batch: bool = False,
) -> Cost:
    """USD cost of a call's usage.

    Args:
        usage: Normalised usage (tokens; input includes cached, output includes reasoning).
        provider: ``openai``, ``anthropic``, ``watsonx`` or ``fake``.
        model: Model id as sent (or as reported by the provider).
        config: Project config, for ``[prices]`` overrides. A model served by an OpenAI-compatible server
            (Ollama, vLLM) is priced only when genai-prices knows its id or config prices it.
        write_ttl: ``1h`` when the cache writes are one-hour writes (Anthropic ``ttl: 1h``), priced as such.
        batch: The call went through a provider batch: the batch price (see the module docstring).

    Returns:
        A :class:`Cost`; ``usd`` is None (with a note) when the model has no known price. Never raises
        for an unknown model.
    """
    override = config_price(provider, model, config)
    if override is not None:
        cost = override.cost(usage, write_ttl=write_ttl)
        if batch:
            factor = batch_factor(provider, model, config)
            return Cost(cost * factor, "config", f"{override.describe()} x {factor:g} (batch)", None)
        return Cost(cost, "config", override.describe(), None)
    if provider == "fake":
        return Cost(0.0, "fake", "$0 (fake provider)")
    hint = f'add [prices."{provider}:{model}"] input_per_mtok = ..., output_per_mtok = ... to promptctl.toml'
    if provider == "watsonx":
        row = watsonx_price(model)
        if row is None:
            return Cost(None, "unknown", None, f"no price for watsonx model '{model}' in promptctl's table; {hint}")
        price, status = row
        return Cost(price.cost(usage), "watsonx-table", price.describe(), status)
    provider_id = _GENAI_PROVIDERS.get(provider)
    if provider_id is None:
        return Cost(None, "unknown", None, f"no price source for provider '{provider}'; {hint}")
    if not batch:
        return _genai_cost(usage, provider_id, model, hint, write_ttl)
    standard = _genai_cost(usage, provider_id, model, hint, write_ttl)
    priced = _genai_cost(usage, provider_id, model, hint, write_ttl, batch=True)
    if standard.usd is None or priced.usd is None or priced.usd < standard.usd or standard.usd == 0:
        return priced
    factor = batch_factor(provider, model, config)  # genai-prices has no batch price for this model
    return Cost(standard.usd * factor, "genai-prices", f"{standard.price} x {factor:g} (batch)",
                f"no batch price for {provider}:{model} in genai-prices {_genai_version()}: {factor:g} x the standard "
                f"price")


def batch_factor(provider: str, model: str, config: ProjectConfig | None) -> float:
    """The fraction of the standard price a batch call of ``provider:model`` costs when no batch price is known.

    ``[prices."provider:model"] batch_factor`` from config, else :data:`BATCH_FACTOR` (0.5).
    """
    row = getattr(config, "prices", {}).get(f"{provider}:{model}") if config is not None else None
    if row and row.get("batch_factor") is not None:
        return float(row["batch_factor"])
    return BATCH_FACTOR


def call_cost(
    usage: Usage, provider: str, requested_model: str, reported_model: str | None, config: ProjectConfig | None = None,
    *, batch: bool = False,
) -> Cost:
    """USD cost of a recorded call.

    A config override for the requested model wins, then the model the provider reports (e.g. the
    dated snapshot behind an alias), then the requested model.

    Args:
        usage: The call's normalised usage (tokens).
        provider: Provider name.
        requested_model: Model id sent.
        reported_model: Model id in the response, if any.
        config: Project config.
        batch: The call went through a provider batch (its batch price).

    Returns:
        The :class:`Cost` (``usd`` None with a note when no price is known).
    """
    overridden = config_price(provider, requested_model, config) is not None
    if not overridden and reported_model and reported_model != requested_model:
        reported = cost_of(usage, provider, reported_model, config, batch=batch)
        if reported.usd is not None:
            return reported
    return cost_of(usage, provider, requested_model, config, batch=batch)


def config_price(provider: str, model: str, config: ProjectConfig | None) -> Price | None:
    """The ``[prices."provider:model"]`` override from project config, or None.

    Args:
        provider: Provider name.
        model: Model id.
        config: Project config (``prices`` already validated by :func:`promptctl.config.load_config`).

    Returns:
        A :class:`Price` (USD per million tokens) or None.
    """
    if config is None:
        return None
    row = getattr(config, "prices", {}).get(f"{provider}:{model}")
    if not row:
        return None
    return Price(
        input_per_mtok=float(row["input_per_mtok"]),
        output_per_mtok=float(row["output_per_mtok"]),
        cached_input_per_mtok=_opt(row.get("cached_input_per_mtok")),
        cache_write_per_mtok=_opt(row.get("cache_write_per_mtok")),
        source=f'config [prices."{provider}:{model}"]',
    )


def watsonx_price(model: str) -> tuple[Price, str | None] | None:
    """A watsonx model's price from ``promptctl/data/watsonx_prices.json``.

    Args:
        model: watsonx model id, e.g. ``ibm/granite-3-8b-instruct``.

    Returns:
        ``(Price in USD per million tokens, status note)`` or None when the model is not in the table.
        The table's unit is USD per 1,000 tokens (one RU); it is converted by x1,000.
    """
    row = _watsonx_table()["models"].get(model)
    if row is None:
        return None
    price = Price(
        input_per_mtok=float(Decimal(str(row["input_per_1k"])) * 1000),
        output_per_mtok=float(Decimal(str(row["output_per_1k"])) * 1000),
        source=f"promptctl watsonx table ({row['source']}, retrieved {row['retrieved']})",
    )
    return price, row.get("status")


@lru_cache(maxsize=1)
def _watsonx_table() -> dict[str, Any]:
    return json.loads(WATSONX_TABLE.read_text(encoding="utf-8"))


def _genai_cost(usage: Usage, provider_id: str, model: str, hint: str, write_ttl: str | None = None, *,
                batch: bool = False) -> Cost:
    """genai-prices' price of ``usage``: from the sheet remembered for this model and day, else genai-prices itself."""
    from datetime import UTC, datetime

    from promptctl.tokens import price_memo

    one_hour = usage.cache_write_tokens if write_ttl == "1h" and usage.cache_write_tokens else 0
    reported = {"input_tokens": usage.input_tokens, "cache_read_tokens": usage.cached_input_tokens,
                "cache_write_tokens": usage.cache_write_tokens, "cache_write_1h_tokens": one_hour,
                "output_tokens": usage.output_tokens}
    when = datetime.now(tz=UTC)  # the request time genai-prices would take: its prices are dated
    memo_key = price_memo.key(provider_id, model, batch, when)
    found, sheet = price_memo.get(memo_key) if memo_key is not None else (False, None)
    if found and sheet is None:
        return _no_genai_price(provider_id, model, hint)
    if sheet is not None and (total := sheet.total(reported)) is not None:
        return Cost(float(total), "genai-prices", sheet.price)
    import genai_prices

    gusage = genai_prices.Usage(
        input_tokens=usage.input_tokens,
        cache_read_tokens=usage.cached_input_tokens or None,
        cache_write_tokens=usage.cache_write_tokens or None,
        output_tokens=usage.output_tokens,
        **({"cache_write_1h_tokens": one_hour} if one_hour else {}),
    )
    try:
        calc = genai_prices.calc_price(gusage, model, provider_id=provider_id, genai_request_timestamp=when,
                                       price_context={"processing": "batch"} if batch else None)
    except LookupError:
        if memo_key is not None:
            price_memo.put(memo_key, None)
        return _no_genai_price(provider_id, model, hint)
    token_prices = ", ".join(p for p in str(calc.model_price).split(", ") if "MTok" in p)
    price = f"{token_prices} (genai-prices {_genai_version()}, {calc.provider.id} {calc.model.id})"
    if memo_key is not None and not found and (sheet := price_memo.sheet_of(calc, price, reported)) is not None:
        price_memo.put(memo_key, sheet)
    return Cost(float(calc.total_price), "genai-prices", price)


def _no_genai_price(provider_id: str, model: str, hint: str) -> Cost:
    return Cost(None, "unknown", None, f"no price for {provider_id}:{model} in genai-prices {_genai_version()}; {hint}")


@lru_cache(maxsize=1)
def _genai_version() -> str:
    from promptctl.tokens.price_memo import release

    found = release()  # read without importing genai-prices or importlib.metadata
    if found is not None:
        return found[0]
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("genai-prices")
    except PackageNotFoundError:  # pragma: no cover
        return "?"


def _opt(value: Any) -> float | None:
    return None if value is None else float(value)
