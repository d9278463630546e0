"""Fixtures for executor tests: a clean provider environment, a loopback server, prompt folders, a run store."""

from __future__ import annotations

import textwrap
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from promptctl.config import ProjectConfig
from promptctl.registry.registry import PromptVersion, Registry
from promptctl.store.runs import RunStore
from promptctl.testing import LoopbackLLMServer
from tests.conftest import clean_env


@pytest.fixture(autouse=True)
def clean_provider_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """No test sees the developer's keys, base URLs or fake replies."""
    clean_env(monkeypatch)


@pytest.fixture
def store(tmp_path: Path) -> Iterator[RunStore]:
    runs = RunStore(f"sqlite:///{tmp_path / 'runs.db'}")
    yield runs
    runs.close()


WriteVersion = Callable[..., PromptVersion]


@pytest.fixture
def write_version(tmp_path: Path) -> WriteVersion:
    """``write_version(name, text, number=1)``: write ``prompts/<name>/v<number>.j2`` and load it as a draft."""

    def write(name: str, text: str, number: int = 1) -> PromptVersion:
        folder = tmp_path / "prompts" / name
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"v{number}.j2").write_text(textwrap.dedent(text), encoding="utf-8")
        return Registry(tmp_path / "prompts").get(f"{name}@{number}")

    return write


@pytest.fixture
def loopback_config(tmp_path: Path, server: LoopbackLLMServer, monkeypatch: pytest.MonkeyPatch) -> ProjectConfig:
    """Config pointing the OpenAI and Anthropic SDKs at the loopback server, without SDK retries."""
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test")
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-ant-test")
    return ProjectConfig(
        root=tmp_path, prompts_dir=tmp_path / "prompts",
        providers={"openai": {"base_url": server.base_url, "max_retries": 0},
                   "anthropic": {"base_url": server.anthropic_base_url, "max_retries": 0}},
    )
