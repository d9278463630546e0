"""Helpers for the import/export tests: a project, importing into it, and rendering what was imported."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from promptctl import render
from promptctl.interop import read_source, write_prompt
from promptctl.interop.writer import ImportRow
from promptctl.registry.registry import Registry

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "interop"


@pytest.fixture
def registry(tmp_path: Path) -> Registry:
    (tmp_path / "prompts").mkdir()
    return Registry(tmp_path / "prompts")


def import_into(registry: Registry, source: Path, fmt: str | None = None, *, publish: bool = False) -> list[ImportRow]:
    """Read ``source`` and write every prompt found into ``registry``."""
    return [write_prompt(registry, prompt, publish=publish) for prompt in read_source(source, fmt)]


def messages(registry: Registry, ref: str, variables: dict[str, Any] | None = None) -> list[tuple[str, str]]:
    """The rendered OpenAI request's messages as (role, content)."""
    request = render(registry.get(ref), "openai", "gpt-4.1-mini", **(variables or {}))
    return [(m["role"], m["content"]) for m in request.body["messages"]]


def requests(registry: Registry, ref: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
    """The rendered request bodies for OpenAI and Anthropic (what a round trip must keep)."""
    version = registry.get(ref)
    return {provider: render(version, provider, model, **(variables or {})).body
            for provider, model in (("openai", "gpt-4.1-mini"), ("anthropic", "claude-sonnet-4-6"))}


def run_cli(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], cwd: Path, env: dict[str, str],
            *argv: str) -> tuple[int, str, str]:
    """``promptctl ARGV`` in this process, in ``cwd``, with only ``env`` of the SDK variables: (code, out, err).

    A shim over the suite's one harness, :func:`tests.conftest.run_cli`.
    """
    from tests.conftest import run_cli as run

    result = run(*argv, cwd=cwd, env=env)
    return result.returncode, result.stdout, result.stderr
