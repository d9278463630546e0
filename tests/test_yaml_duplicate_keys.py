"""A key written twice in one YAML mapping is an error naming the key, not a silent last-one-wins."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from promptctl._yaml import load
from tests.conftest import run_cli


def test_a_duplicate_key_is_refused_at_its_second_line() -> None:
    with pytest.raises(yaml.YAMLError, match=r"key 'model' is written twice") as caught:
        load("name: x\nmodel: gpt-4o\nparameters:\n  temperature: 0\nmodel: gpt-4.1\n")
    assert caught.value.problem_mark.line + 1 == 5  # type: ignore[attr-defined]


def test_a_duplicate_nested_key_is_refused_and_equal_keys_in_different_mappings_are_fine() -> None:
    with pytest.raises(yaml.YAMLError, match=r"key 'temperature'"):
        load("parameters:\n  temperature: 0\n  temperature: 1\n")
    assert load("a: {x: 1}\nb: {x: 2}\n") == {"a": {"x": 1}, "b": {"x": 2}}


def test_a_prompt_file_with_a_duplicate_front_matter_key_is_one_error_line(tmp_path: Path) -> None:
    assert run_cli("init", cwd=tmp_path).returncode == 0
    source = tmp_path / "prompts" / "hello" / "v1.j2"
    text = source.read_text(encoding="utf-8")
    twice = text.replace("provider: openai\n", "provider: openai\nprovider: anthropic\n", 1)
    source.write_text(twice, encoding="utf-8")
    result = run_cli("render", "hello@1", "--var", "question=hi", cwd=tmp_path)
    assert result.returncode == 2
    assert "key 'provider' is written twice" in result.stderr and "Traceback" not in result.stderr
