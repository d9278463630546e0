"""Tokens and cost: counting (tiktoken offline, provider count endpoints), prices, estimates, budgets.

Modules:

- :mod:`~promptctl.tokens.offline`: prime tiktoken's cache from ``bpe-openai`` (no network).
- :mod:`~promptctl.tokens.counting`: tiktoken counts by the OpenAI cookbook method.
- :mod:`~promptctl.tokens.request_tokens`: input tokens of any provider's request (estimates labelled).
- :mod:`~promptctl.tokens.usage`: provider usage objects -> normalised :class:`~promptctl.providers.base.Usage`.
- :mod:`~promptctl.tokens.pricing`: USD of a usage (config overrides, watsonx table, genai-prices).
- :mod:`~promptctl.tokens.estimate`: cost before a run, low/expected/high for a strategy's call shape
  (a prompt version's estimate: :func:`promptctl.session.estimate.estimate_cost`).
- :mod:`~promptctl.tokens.budget`: ``--max-cost`` enforcement.

Totals of recorded runs (``log --summary``) are the store's: :mod:`promptctl.store.summary`.

Importing this package imports neither tiktoken nor genai-prices; they load on first use.
"""

from __future__ import annotations

from promptctl.tokens.budget import Budget
from promptctl.tokens.counting import TokenCount, count_openai_messages, count_text, encoding_for_model
from promptctl.tokens.estimate import CallShape, CostEstimate, RequestCost, estimate_calls, estimate_request
from promptctl.tokens.pricing import Cost, Price, cost_of
from promptctl.tokens.request_tokens import count_request
from promptctl.tokens.usage import normalise_usage

__all__ = [
    "Budget",
    "Cost",
    "CallShape",
    "CostEstimate",
    "Price",
    "RequestCost",
    "TokenCount",
    "cost_of",
    "count_openai_messages",
    "count_request",
    "count_text",
    "encoding_for_model",
    "estimate_calls",
    "estimate_request",
    "normalise_usage",
]
