"""The one function that prices a call: USD at list price from the usage the provider reported."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from promptctl.types import Completion, ProviderRequest

if TYPE_CHECKING:
    from promptctl.config import ProjectConfig

_MEMO: dict[tuple[Any, ...], float | None] = {}


def price(completion: Completion, request: ProviderRequest, config: ProjectConfig | None) -> float | None:
    """USD of one completed call (:func:`promptctl.tokens.pricing.call_cost`), memoised per usage and model.

    Args:
        completion: What the call returned (its ``usage`` in tokens and the model the provider reported).
        request: The request (provider and requested model).
        config: Project config (``[prices]`` overrides).

    Returns:
        The cost in USD at list price (the batch price for an answer from a provider batch; for a cached
        answer too: what it would cost; the cache layer charges 0.0), or None when the model has no known
        price.
    """
    key = (tuple(completion.usage.to_dict().values()), request.provider, request.model, completion.model,
           id(config), completion.batch)
    if key not in _MEMO:
        from promptctl.tokens.pricing import call_cost

        if len(_MEMO) > 4096:
            _MEMO.clear()
        _MEMO[key] = call_cost(completion.usage, request.provider, request.model, completion.model, config,
                               batch=completion.batch).usd
    return _MEMO[key]


def total(costs: list[float | None]) -> float | None:
    """Sum of call costs (USD); None when any of them has no price."""
    if any(c is None for c in costs):
        return None
    return float(sum(c for c in costs if c is not None))
