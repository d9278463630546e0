"""Langfuse prompt JSON: versions in order, labels, config; export and the round trip."""

from __future__ import annotations

import json
from pathlib import Path

from promptctl.interop import langfuse
from promptctl.registry.registry import Registry

from .conftest import FIXTURES, import_into, messages, requests

SOURCE = FIXTURES / "langfuse" / "support-reply.json"
VARS = {"company": "Acme", "message": "Where is my invoice?"}


def test_versions_1_to_3_with_production_on_2_import_as_three_versions_with_the_label_on_2(registry: Registry):
    [row] = import_into(registry, SOURCE, publish=True)
    assert row.created == ["support-reply@1", "support-reply@2", "support-reply@3"]
    index = registry.index("support-reply")
    assert [r.version for r in index.versions] == [1, 2, 3]
    assert index.labels == {"production": 2, "staging": 3}  # Langfuse's own 'latest' is not copied
    assert registry.get("support-reply@production").number == 2
    assert [r.message for r in index.versions][:2] == ["first draft", "chat format, token ceiling"]
    v1, v2 = registry.get("support-reply@1"), registry.get("support-reply@2")
    assert (v1.front_matter.provider, v1.front_matter.model) == ("openai", "gpt-4.1-mini")
    assert v2.front_matter.parameters.as_dict() == {"temperature": 0.2, "max_tokens": 300}
    assert registry.get("support-reply@3").front_matter.metadata["langfuse_config"] == {"response_style": "plain"}
    assert messages(registry, "support-reply@1", VARS) == [
        ("user", "You answer customer emails for Acme. Reply to: Where is my invoice?")]
    assert messages(registry, "support-reply@2", VARS) == [
        ("system", "You answer customer emails for Acme. Be brief and friendly."), ("user", "Where is my invoice?")]


def test_import_makes_drafts_by_default_and_never_overwrites(registry: Registry):
    [row] = import_into(registry, SOURCE)
    assert row.created == ["support-reply@1", "support-reply@2", "support-reply@3"] and not row.published
    assert registry.index("support-reply").versions == []
    assert any("not set on draft support-reply@2" in f.message for f in row.findings)
    # the commit message only a published version keeps is reported, not dropped silently
    assert any(f.message.startswith("commit message 'first draft' not set on draft support-reply@1")
               for f in row.findings)
    [again] = import_into(registry, SOURCE)  # the same versions again: nothing written
    assert again.created == [] and again.skipped == ["support-reply@1", "support-reply@2", "support-reply@3"]
    changed = json.loads(SOURCE.read_text())[:1]
    changed[0]["prompt"] += " Sign as Ada."
    other = registry.root.parent / "changed.json"
    other.write_text(json.dumps(changed))
    [third] = import_into(registry, other)
    assert third.created == ["support-reply@4"]
    assert registry.get("support-reply@1").text == (registry.root / "support-reply" / "v1.j2").read_text()


def test_export_then_import_gives_the_same_rendered_requests(registry: Registry, tmp_path: Path):
    import_into(registry, SOURCE, publish=True)
    versions = list(registry.versions("support-reply"))
    exported = langfuse.export(versions)
    assert [(e["name"], e["version"], e["type"], e["labels"]) for e in exported] == [
        ("support-reply", 1, "text", []), ("support-reply", 2, "chat", ["production"]),
        ("support-reply", 3, "chat", ["staging"])]
    assert exported[1]["config"] == {"model": "gpt-4.1-mini", "temperature": 0.2, "max_tokens": 300}
    assert exported[0]["prompt"] == "You answer customer emails for {{company}}. Reply to: {{message}}"
    path = tmp_path / "export.json"
    path.write_text(json.dumps(exported))
    (tmp_path / "b").mkdir()
    again = Registry(tmp_path / "b")
    [row] = import_into(again, path, publish=True)
    assert again.index("support-reply").labels == {"production": 2, "staging": 3}
    for n in (1, 2, 3):
        assert requests(again, f"support-reply@{n}", VARS) == requests(registry, f"support-reply@{n}", VARS)


def test_a_chat_placeholder_becomes_a_messages_variable_and_comes_back_on_export(tmp_path: Path, registry: Registry):
    """Langfuse's message placeholder (its docs' movie-critic-chat example,
    langfuse.com/docs/prompt-management/features/message-placeholders) is promptctl's ``{% messages NAME %}``."""
    from promptctl import render

    source = {"name": "movie-critic-chat", "version": 1, "type": "chat", "labels": [], "config": {},
              "prompt": [{"role": "system", "content": "You are an {{criticlevel}} movie critic"},
                         {"type": "placeholder", "name": "chat_history"},
                         {"role": "user", "content": "What should I watch next?"}]}
    path = tmp_path / "p.json"
    path.write_text(json.dumps(source))
    [result] = import_into(registry, path)
    assert any("placeholder 'chat_history' -> {% messages chat_history %}" in f.message for f in result.findings)
    version = registry.get(result.created[0])
    assert version.front_matter.variables["chat_history"].type == "messages"
    history = [{"role": "user", "content": "I love Ron Fricke movies"}, {"role": "assistant", "content": "Baraka!"}]
    body = render(version, "openai", "gpt-4.1-mini", criticlevel="expert", chat_history=history).body
    assert body["messages"] == [{"role": "system", "content": "You are an expert movie critic"}, *history,
                                {"role": "user", "content": "What should I watch next?"}]
    [exported] = langfuse.export([version])
    assert exported["prompt"] == source["prompt"]


def test_literal_text_that_would_read_as_a_langfuse_variable_is_refused(tmp_path: Path):
    import pytest

    from promptctl.errors import InputError

    folder = tmp_path / "prompts" / "doc"
    folder.mkdir(parents=True)
    (folder / "v1.j2").write_text("---\n---\nWrite {% raw %}{{name}}{% endraw %} literally for {{ who }}.\n")
    with pytest.raises(InputError, match=r"line 3: literal text that reads as a Langfuse variable"):
        langfuse.export([Registry(tmp_path / "prompts").get("doc@1")])
