"""genai-prices' price of a model remembered, so that pricing it again imports no genai-prices.

Importing genai-prices and building its price table costs about a quarter of a second of CPU (the package
imports an HTTP client for its price updates; its table is a 1.6 MB module of dataclasses), as much as the
rest of ``cost`` or ``run --dry-run``. Yet what it answers for one model is small: the prices of a few units
(input, cached input, cache writes, output tokens; each a rate or a rate with tiers). So
:func:`promptctl.tokens.pricing.cost_of` asks genai-prices once and keeps its answer as a :class:`PriceSheet`,
in process memory and in ``lookups.sqlite3`` in the user's cache folder
(:data:`~promptctl.cache_file.LOOKUPS`: emptied on a new promptctl release or a change of its code, newest 20,000
entries kept, any problem turns it off).

An answer is keyed by everything it depends on: the installed genai-prices (its release, and the size and
modification time of its table and calculation modules, read without importing it), the provider and model
id asked for, batch or standard processing, and the UTC day of the call (genai-prices dates its prices:
a price with a start date applies from that UTC day on). A model with prices by time of day is never
remembered; nor is anything while a program has given genai-prices a custom price snapshot
(``genai_prices.UpdatePrices``). Config prices (``[prices."provider:model"]``) are looked up before this and
still win.

The USD of a usage is computed from the sheet by genai-prices' own method (``ModelPrice.calc_price`` in its
``types`` module): each priced unit's count is its usage value minus the counts of the more specific priced
units it contains (cached reads and cache writes are part of the input tokens, one-hour writes part of the
cache writes), times the unit's rate (a tier's rate when the input tokens pass the tier's start) divided by
the unit's size, summed as ``Decimal`` in genai-prices' order. A sheet is only made when every other unit
the model prices counts 0 for the usage promptctl reports (audio, image or web-search units: genai-prices
infers 0 for them), and only when it gives genai-prices' own figure for the usage it was made from;
``tests/tokens/test_price_memo.py`` checks equality for every OpenAI and Anthropic model in genai-prices'
table and a range of usages (tiers, cached reads, cache writes, one-hour writes, batch).
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from promptctl.cache_file import LOOKUPS, installed_release

if TYPE_CHECKING:
    from collections.abc import Mapping

FORMAT = 1
"""The sheet's layout, part of the key: a promptctl that reads sheets differently never reads an older one."""
REPORTED = ("input_tokens", "cache_read_tokens", "cache_write_tokens", "cache_write_1h_tokens", "output_tokens")
"""The genai-prices usage keys promptctl reports (see :func:`promptctl.tokens.pricing.cost_of`)."""
FINGERPRINTED = ("data.py", "types.py", "units.py", "data_units.py", "decompose.py")
"""genai-prices' modules whose size and modification time are part of the key (its table and its method)."""

Rate = Decimal | tuple[Decimal, tuple[tuple[int, Decimal], ...]]
"""A unit's price per ``per`` units: a rate, or ``(base rate, ((first token of a tier, its rate), ...))``."""

_memory: dict[str, PriceSheet | None] = {}


@dataclass(frozen=True)
class PriceSheet:
    """genai-prices' resolved prices of one model for one day, and how to apply them.

    Attributes:
        price: The prices in words, as :class:`~promptctl.tokens.pricing.Cost` shows them (genai-prices' own
            wording of its token prices, its release, provider and model id).
        units: ``(usage key, per, rate)`` of every priced unit, in genai-prices' order; rates in USD per
            ``per`` units (``per`` is 1,000,000 for tokens).
        leaves: ``(usage key, keys of the more specific priced units it contains)``, most specific first: the
            order genai-prices computes each unit's own count in.
    """

    price: str
    units: tuple[tuple[str, int, Rate], ...]
    leaves: tuple[tuple[str, tuple[str, ...]], ...]

    def total(self, usage: Mapping[str, int]) -> Decimal | None:
        """USD of ``usage`` (values by :data:`REPORTED` key, in tokens; missing keys count 0).

        Returns:
            The total as genai-prices computes it, or None for a usage it refuses (a negative value, or more
            cached or written tokens than input tokens): the caller then asks genai-prices, which says why.
        """
        if any(value < 0 for value in usage.values()):
            return None
        own: dict[str, int] = {}
        for key, inner in self.leaves:
            count = usage.get(key, 0) - sum(own[k] for k in inner)
            if count < 0:
                return None
            own[key] = count
        total_input = usage.get("input_tokens", 0)
        total = Decimal(0)
        for key, per, rate in self.units:
            if isinstance(rate, tuple):
                base, tiers = rate
                rate = base
                for start, tier_rate in reversed(tiers):
                    if total_input > start:
                        rate = tier_rate
                        break
            total += rate * Decimal(own[key]) / per
        return total

    def to_json(self) -> str:
        """The sheet as JSON (rates as decimal strings: exact)."""
        units = [[key, per, str(rate) if isinstance(rate, Decimal)
                  else [str(rate[0]), [[start, str(r)] for start, r in rate[1]]]] for key, per, rate in self.units]
        return json.dumps({"price": self.price, "units": units, "leaves": [[k, list(i)] for k, i in self.leaves]})

    @classmethod
    def from_json(cls, text: str) -> PriceSheet:
        """The sheet :meth:`to_json` wrote."""
        raw = json.loads(text)
        units = tuple(
            (str(key), int(per), Decimal(rate) if isinstance(rate, str)
             else (Decimal(rate[0]), tuple((int(s), Decimal(r)) for s, r in rate[1])))
            for key, per, rate in raw["units"])
        return cls(str(raw["price"]), units, tuple((str(k), tuple(i)) for k, i in raw["leaves"]))


def release() -> tuple[str, str] | None:
    """``(version, fingerprint)`` of the installed genai-prices, read without importing it.

    See :func:`~promptctl.cache_file.installed_release` (over :data:`FINGERPRINTED`); None: nothing is remembered.
    """
    return installed_release("genai_prices", FINGERPRINTED)


def key(provider_id: str, model: str, batch: bool, when: datetime) -> str | None:
    """The cache key of genai-prices' answer for ``model`` at ``when`` (UTC), or None when it is not remembered."""
    stamp = release()
    if stamp is None or _custom_snapshot():
        return None
    return json.dumps(["genai-prices sheet", FORMAT, stamp[1], provider_id, model, batch, when.date().isoformat()])


def get(cache_key: str) -> tuple[bool, PriceSheet | None]:
    """``(found, sheet)``: whether an answer is remembered, and the sheet (None: genai-prices knows no such model)."""
    if cache_key in _memory:
        return True, _memory[cache_key]
    value = LOOKUPS.get(cache_key)
    if value is None:
        return False, None
    try:
        sheet = None if value == "null" else PriceSheet.from_json(value)
    except (ValueError, KeyError, TypeError, IndexError):
        return False, None
    _memory[cache_key] = sheet
    return True, sheet


def put(cache_key: str, sheet: PriceSheet | None) -> None:
    """Remember a sheet, or (None) that genai-prices knows no such model."""
    _memory[cache_key] = sheet
    LOOKUPS.put(cache_key, "null" if sheet is None else sheet.to_json())


def sheet_of(calc: Any, price: str, usage: Mapping[str, int]) -> PriceSheet | None:
    """The sheet of a genai-prices ``PriceCalculation`` of ``usage``, or None when it cannot be remembered.

    Args:
        calc: ``genai_prices.calc_price``'s answer (its ``model`` and resolved ``model_price``).
        price: The prices in words (:attr:`PriceSheet.price`).
        usage: The usage ``calc`` priced, by :data:`REPORTED` key: the sheet must give the same total.

    Returns:
        None for prices by time of day, a unit genai-prices would not price or that promptctl's usage does
        not determine, a price type this module does not know, or any disagreement with ``calc``.
    """
    from genai_prices import types
    from genai_prices.data_units import unit_data

    model = calc.model
    conditions = [c.constraint for c in model.prices] if isinstance(model.prices, list) else []
    conditions += [v.constraint for v in model.price_variants or ()]
    if any(c is not None and not isinstance(c, types.StartDateConstraint) for c in conditions):
        return None  # e.g. off-peak prices: they depend on the hour, not only the day
    by_price_key = {raw.get("price_key", usage_key): (usage_key, raw) for usage_key, raw in unit_data.items()}
    dims = {usage_key: dict(raw.get("dimensions", {})) for usage_key, raw in unit_data.items()}
    if not all(k in dims for k in REPORTED):
        return None
    units: list[tuple[str, int, Rate]] = []
    for price_key, value in calc.model_price.__dict__.items():
        if price_key.startswith("_") or value is None:
            continue
        if price_key not in by_price_key:
            return None
        usage_key, raw = by_price_key[price_key]
        if usage_key == "requests":
            return None  # a price per request: not a token price
        if usage_key not in REPORTED and any(dims[usage_key].items() <= dims[k].items() for k in REPORTED):
            return None  # genai-prices would infer this count from the reported ones
        if isinstance(value, Decimal):
            rate: Rate = value
        elif isinstance(value, types.TieredPrices):
            rate = (value.base, tuple((int(t.start), t.price) for t in value.tiers))
        else:
            return None
        units.append((usage_key, int(raw["per"]), rate))
    priced = sorted({u[0] for u in units}, key=lambda k: (-len(dims[k]), k))
    leaves = tuple((k, tuple(o for o in priced if o != k and dims[k].items() <= dims[o].items())) for k in priced)
    sheet = PriceSheet(price, tuple(units), leaves)
    return sheet if sheet.total(usage) == calc.total_price else None


def reset() -> None:
    """Forget everything in memory and close the file (tests; a changed ``PROMPTCTL_CACHE_DIR``)."""
    _memory.clear()
    LOOKUPS.reset()
    installed_release.cache_clear()


def _custom_snapshot() -> bool:
    """True when a program has set genai-prices' price snapshot (``UpdatePrices``): its prices are not the release's."""
    snapshot = sys.modules.get("genai_prices.data_snapshot")
    return snapshot is not None and getattr(snapshot, "_custom_snapshot", None) is not None
