"""Fixtures for wire-level provider tests: a clean provider environment and a loopback server."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Callable

import pytest

from promptctl.providers.base import Provider
from promptctl.types import Completion, ProviderRequest
from tests.conftest import clean_env


@pytest.fixture(autouse=True)
def clean_provider_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """No test sees the developer's real keys, base URLs or SDK settings."""
    clean_env(monkeypatch)


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
