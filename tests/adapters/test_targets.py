"""`provider:model` strings and provider inference from a bare model id (adapters.parse_target / resolve_target)."""

from __future__ import annotations

from pathlib import Path

import pytest

from promptctl.adapters import parse_target, resolve_target
from promptctl.config import ProjectConfig
from promptctl.errors import InputError
from promptctl.registry.registry import PromptVersion, Registry


@pytest.fixture
def claude_prompt(tmp_path: Path) -> PromptVersion:
    folder = tmp_path / "prompts" / "support"
    folder.mkdir(parents=True)
    (folder / "v1.j2").write_text("---\nprovider: anthropic\nmodel: claude-sonnet-4-6\n---\nhi\n")
    return Registry(tmp_path / "prompts").get("support@1")


@pytest.mark.parametrize(
    ("model", "provider"),
    [
        ("gpt-4.1-mini", "openai"), ("gpt-5", "openai"), ("o1", "openai"), ("o3-mini", "openai"),
        ("o4-mini", "openai"), ("chatgpt-4o-latest", "openai"), ("ft:gpt-4o-mini:acme::abc123", "openai"),
        ("text-embedding-3-small", "openai"), ("claude-haiku-4-5", "anthropic"),
        ("ibm/granite-3-8b-instruct", "watsonx"), ("meta-llama/llama-3-3-70b-instruct", "watsonx"),
        ("mistralai/mistral-large", "watsonx"),
        ("llama3.2", None), ("llama3.2:latest", None), ("granite3.3", None), ("omni", None), ("o5x", None),
    ],
)
def test_bare_model_id_infers_its_provider(model: str, provider: str | None) -> None:
    assert parse_target(model) == (provider, model)


def test_prefix_explicit_provider_and_config_come_before_inference() -> None:
    assert parse_target("openai:gpt-4.1-mini") == ("openai", "gpt-4.1-mini")
    assert parse_target("watsonx:ibm/granite-3-8b-instruct") == ("watsonx", "ibm/granite-3-8b-instruct")
    assert parse_target("openai:ft:gpt-4o-mini:org::id") == ("openai", "ft:gpt-4o-mini:org::id")
    assert parse_target("gpt-4.1-mini", "anthropic") == ("anthropic", "gpt-4.1-mini")  # --provider always wins
    assert parse_target("llama3.2", "openai") == ("openai", "llama3.2")
    assert parse_target("claude-haiku-4-5", configured="openai") == ("openai", "claude-haiku-4-5")
    assert parse_target("anthropic:claude-haiku-4-5", "openai") == ("anthropic", "claude-haiku-4-5")
    assert parse_target(None, None, configured="watsonx") == ("watsonx", None)
    assert parse_target(None) == (None, None)


@pytest.mark.parametrize(
    ("spec", "suggestion"),
    [
        ("opnai:gpt-4.1", "openai:gpt-4.1"),
        ("antropic:claude-haiku-4-5", "anthropic:claude-haiku-4-5"),
        ("watson:ibm/granite-3-8b-instruct", "watsonx:ibm/granite-3-8b-instruct"),
    ],
)
def test_misspelled_provider_prefix_is_an_error_with_did_you_mean(spec: str, suggestion: str) -> None:
    with pytest.raises(InputError) as exc:
        parse_target(spec)
    assert "unknown provider" in exc.value.message and f"did you mean '{suggestion}'" in (exc.value.hint or "")


def test_provider_prefix_without_model_is_an_error() -> None:
    with pytest.raises(InputError, match="names no model"):
        parse_target("openai:")


def test_resolve_target_infers_the_provider_of_a_bare_model(claude_prompt: PromptVersion) -> None:
    front = claude_prompt.front_matter
    assert resolve_target(front) == ("anthropic", "claude-sonnet-4-6")
    assert resolve_target(front, None, "gpt-4.1-mini") == ("openai", "gpt-4.1-mini")
    assert resolve_target(front, None, "openai:gpt-4.1-mini") == ("openai", "gpt-4.1-mini")
    assert resolve_target(front, None, "claude-haiku-4-5") == ("anthropic", "claude-haiku-4-5")
    with pytest.raises(InputError, match="unknown model 'llama3.2'"):  # never silently sent to the front matter's
        resolve_target(front, None, "llama3.2")
    assert resolve_target(front, "openai", "llama3.2") == ("openai", "llama3.2")  # named: taken as given
    assert resolve_target(front, None, "davinci") == ("openai", "davinci")  # in OpenAI's price table
    assert resolve_target(front, "anthropic", "gpt-4.1-mini") == ("anthropic", "gpt-4.1-mini")
    config = ProjectConfig(root=claude_prompt.path.parent, prompts_dir=claude_prompt.path.parent, provider="openai")
    with pytest.warns(UserWarning, match="belongs to anthropic, not openai"):  # a gateway may serve it: a warning
        assert resolve_target(front, None, "claude-haiku-4-5", config) == ("openai", "claude-haiku-4-5")
