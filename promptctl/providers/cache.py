"""The response cache: a provider wrapper that answers repeated requests from the run store.

A request's cache key is :meth:`~promptctl.adapters.base.ProviderRequest.fingerprint`
(sha256 of provider, exact JSON body and salt). A hit returns the newest
successful recorded completion with that key, marked ``cached=True``; no
provider call is made, so re-runs and CI cost nothing. Misses go to the wrapped
provider.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from promptctl.adapters.base import ProviderRequest
from promptctl.providers.base import Completion, Provider, Usage

if TYPE_CHECKING:
    from promptctl.store.runs import RunStore


class CachedProvider(Provider):
    """Wrap ``inner`` so that requests already answered in ``store`` are not sent again.

    Args:
        inner: The real provider.
        store: The run store whose recorded calls serve as the cache.

    Attributes:
        hits: Requests answered from the cache.
        misses: Requests sent to ``inner``.
    """

    def __init__(self, inner: Provider, store: RunStore) -> None:
        self.inner = inner
        self.store = store
        self.name = inner.name
        self.hits = 0
        self.misses = 0

    async def _complete(self, request: ProviderRequest) -> Completion:
        row = self.store.cached_call(request.fingerprint())
        if row is not None:
            self.hits += 1
            return Completion(
                text=row["output"] or "",
                model=row["model"],
                usage=Usage(**{k: row[k] or 0 for k in Usage.__dataclass_fields__}),
                request_id=row["request_id"],
                raw={"cached_from_call": row["id"]},
                cached=True,
            )
        self.misses += 1
        return await self.inner.complete(request)

    async def count_tokens(self, request: ProviderRequest) -> int:
        """Delegate to the wrapped provider."""
        return await self.inner.count_tokens(request)

    async def aclose(self) -> None:
        """Close the wrapped provider."""
        await self.inner.aclose()
