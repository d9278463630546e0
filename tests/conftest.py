"""Fixtures shared by the whole suite."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from promptctl.testing import LoopbackLLMServer


@pytest.fixture
def server() -> Iterator[LoopbackLLMServer]:
    """A loopback OpenAI/Anthropic server (promptctl.testing), stopped after the test."""
    with LoopbackLLMServer(max_lifetime_s=60) as srv:
        yield srv
