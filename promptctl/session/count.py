"""Exact token counting (``cost --exact``) through the session: the provider's count endpoint, else offline."""

from __future__ import annotations

from typing import TYPE_CHECKING

from promptctl.session.core import Session
from promptctl.tokens.request_tokens import count_request, with_note
from promptctl.types import ProviderRequest, TokenCount

if TYPE_CHECKING:
    from promptctl.config import ProjectConfig
    from promptctl.providers.base import Provider


async def acount_request(
    request: ProviderRequest,
    *,
    exact: bool = False,
    config: ProjectConfig | None = None,
    client: Provider | None = None,
) -> TokenCount:
    """Input tokens of a request, asking the provider's count endpoint when ``exact`` and credentials allow.

    Args:
        request: The adapted request.
        exact: Ask the provider's count endpoint (Anthropic ``count_tokens``, watsonx ``tokenize``;
            network) through a :class:`~promptctl.session.Session`, instead of counting offline.
        config: Project config (provider settings for the endpoint's client).
        client: A provider client to use instead of building one (not closed here).

    Returns:
        The endpoint's count as the provider labels it (:meth:`~promptctl.providers.base.Provider.token_count`),
        or :func:`~promptctl.tokens.request_tokens.count_request`'s when not asked, when the provider has
        no count endpoint, or when the count failed (no credentials, an error); ``notes`` says which.

    Raises:
        TokenizerError: tiktoken's encoding cannot be loaded offline.
    """
    offline = count_request(request)
    if not exact:
        return offline
    from promptctl.errors import CredentialsError, InputError, ProviderError

    session = Session(config, provider=client)
    try:
        return await session.count_tokens(request)
    except NotImplementedError:
        return offline  # no count endpoint (OpenAI: tiktoken is the provider's own tokenizer)
    except CredentialsError as exc:
        return with_note(offline, "estimate", f"--exact needs credentials: {exc.message}; estimate shown")
    except (ProviderError, InputError) as exc:
        return with_note(offline, "estimate", f"the count endpoint failed ({str(exc)[:120]}); estimate shown")
    finally:
        await session.aclose()
