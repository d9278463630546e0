"""Fixtures for wire-level provider tests: a clean provider environment and a loopback server."""

from __future__ import annotations

import asyncio
import os
import socket
from collections.abc import Callable

import pytest

from promptctl.providers.base import Provider
from promptctl.types import Completion, ProviderRequest

_PROVIDER_ENV_PREFIXES = ("OPENAI_", "ANTHROPIC_", "WATSONX_", "PROMPTCTL_", "IBM_SDK_")
# Variables ibm-watsonx-ai reads; it also *writes* WX_CLIENT_VERIFY_REQUESTS and FLIGHT_SERVICE_* into
# os.environ when credentials carry them, so these are restored to "unset" after every test.
_SDK_ENV_NAMES = (
    "PROJECT_ID", "SPACE_ID", "USER_ACCESS_TOKEN", "RUNTIME_ENV_ACCESS_TOKEN_FILE", "RUNTIME_ENV_APSX_URL",
    "WX_CLIENT_VERIFY_REQUESTS", "FLIGHT_SERVICE_LOCATION", "FLIGHT_SERVICE_PORT",
)


@pytest.fixture(autouse=True)
def clean_provider_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """No test sees the developer's real keys, base URLs or SDK settings."""
    for name in list(os.environ):
        if name.startswith(_PROVIDER_ENV_PREFIXES):
            monkeypatch.delenv(name)
    for name in _SDK_ENV_NAMES:
        monkeypatch.setenv(name, "")  # recorded, so teardown removes whatever the SDK wrote
        monkeypatch.delenv(name)


@pytest.fixture
def closed_port() -> int:
    """A loopback port with nothing listening on it (connections are refused)."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    port = int(sock.getsockname()[1])
    sock.close()
    return port


def _complete(provider: Provider, request: ProviderRequest) -> Completion:
    async def go() -> Completion:
        try:
            return await provider.complete(request)
        finally:
            await provider.aclose()

    return asyncio.run(go())


def _count_tokens(provider: Provider, request: ProviderRequest) -> int:
    async def go() -> int:
        try:
            return await provider.count_tokens(request)
        finally:
            await provider.aclose()

    return asyncio.run(go())


@pytest.fixture
def complete() -> Callable[[Provider, ProviderRequest], Completion]:
    """``complete(provider, request)``: one call in a fresh event loop, closing the SDK client in it."""
    return _complete


@pytest.fixture
def count_tokens() -> Callable[[Provider, ProviderRequest], int]:
    """``count_tokens(provider, request)``: one token count in a fresh event loop."""
    return _count_tokens
