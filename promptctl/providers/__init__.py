"""Provider clients over the official SDKs (imported lazily, on the first call)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from promptctl.providers.base import Provider, endpoint_of
from promptctl.types import Completion, Usage, check_provider

if TYPE_CHECKING:
    from promptctl.config import ProjectConfig

__all__ = ["Completion", "Provider", "Usage", "endpoint_of", "get_provider"]

def get_provider(name: str, config: ProjectConfig | None = None) -> Provider:
    """A provider client by name, with the project's settings for it.

    No SDK is imported here; each provider imports its SDK on its first call.

    Raises:
        InputError: Unknown provider name.
    """
    check_provider(name)
    settings = config.provider_settings(name) if config else {}
    if name == "openai":
        from promptctl.providers.openai import OpenAIProvider

        return OpenAIProvider(settings)
    if name == "anthropic":
        from promptctl.providers.anthropic import AnthropicProvider

        return AnthropicProvider(settings)
    if name == "watsonx":
        from promptctl.providers.watsonx import WatsonxProvider

        return WatsonxProvider(settings)
    from promptctl.providers.fake import FakeProvider

    return FakeProvider()
