"""Fixtures shared by the whole suite."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from promptctl.testing import LoopbackLLMServer


@pytest.fixture
def server() -> Iterator[LoopbackLLMServer]:
    """A loopback OpenAI/Anthropic server (promptctl.testing), stopped after the test."""
    with LoopbackLLMServer(max_lifetime_s=60) as srv:
        yield srv


@pytest.fixture(scope="session", autouse=True)
def _user_cache_folder(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Keep promptctl's user cache (registry index cache, tiktoken files) out of the real home during tests."""
    saved = os.environ.get("PROMPTCTL_CACHE_DIR")
    if saved is None:
        os.environ["PROMPTCTL_CACHE_DIR"] = str(tmp_path_factory.mktemp("user-cache"))
    yield
    if saved is None:
        os.environ.pop("PROMPTCTL_CACHE_DIR", None)
