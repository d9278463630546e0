"""The repository's example prompts, exported and imported again: OpenAI requests identical case by case."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from promptctl import render
from promptctl.errors import InputError
from promptctl.evaluation.snapshots.suite import load_suite
from promptctl.interop import dotprompt, promptfoo
from promptctl.registry.registry import Registry

from .conftest import import_into

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = Registry(ROOT / "prompts")
# Templates that use Jinja2 filters or tests Handlebars has no helper for: export is refused, naming the line.
NOT_HANDLEBARS = {"code-review": "line 65", "entity-extraction": "line 119"}
# A conversation history ({% messages %}) is Dotprompt's {{history}}; promptfoo has no message-list variable, so
# export there is refused, naming the line.
HISTORY = {name: r"line \d+: a conversation history \(\{% messages %\}\) cannot be written as nunjucks"
           for name in ("support-agent", "order-status")}
NOT_EXPORTED = {"invoice-extraction": r"an \{% (image|document) %\} tag \(images and documents are not exported\)"}
SECTIONS_IN_LOOPS = {"entity-extraction"}


def _cases() -> list[tuple[str, str]]:
    out = []
    for name in EXAMPLES.names():
        suite_path = EXAMPLES.folder(name) / "snapshots.yaml"
        if suite_path.exists():
            suite = load_suite(suite_path, name)
            out.extend((name, case.id) for case in suite.cases)
    return out


@pytest.mark.parametrize("fmt", ["dotprompt", "promptfoo"])
@pytest.mark.parametrize(("name", "case_id"), _cases())
def test_example_prompt_round_trip(name: str, case_id: str, fmt: str, tmp_path: Path):
    suite = load_suite(EXAMPLES.folder(name) / "snapshots.yaml", name)
    case = next(c for c in suite.cases if c.id == case_id)
    version = EXAMPLES.get(suite.ref)
    values = case.variables(ROOT)
    if name in NOT_EXPORTED:  # media tags: neither format's exporter writes them
        with pytest.raises(InputError, match=NOT_EXPORTED[name]):
            (dotprompt.export(version) if fmt == "dotprompt" else promptfoo.export([version]))
        return
    if name in HISTORY and fmt == "promptfoo":
        with pytest.raises(InputError, match=HISTORY[name]):
            promptfoo.export([version])
        return
    if fmt == "dotprompt" and name in NOT_HANDLEBARS:
        with pytest.raises(InputError, match=NOT_HANDLEBARS[name]):
            dotprompt.export(version)
        return
    if fmt == "dotprompt":
        text, _ = dotprompt.export(version)
        path = tmp_path / f"{name}.prompt"
    else:
        text, _ = promptfoo.export([version])
        path = tmp_path / "promptfooconfig.yaml"
    path.write_text(text)
    (tmp_path / "prompts").mkdir()
    again = Registry(tmp_path / "prompts")
    [row] = import_into(again, path)
    imported = again.get(row.created[0])
    model = version.front_matter.models.get("openai") or version.front_matter.model or "gpt-4.1-mini"
    model = model if version.front_matter.provider in (None, "openai") else "gpt-4.1-mini"
    original = render(version, "openai", model, **values).body["messages"]
    got = render(imported, "openai", model, **values).body["messages"]
    if name in SECTIONS_IN_LOOPS:
        # A section inside a loop is written as a heading with blank lines around it on every pass, so runs
        # of blank lines can grow; the text is otherwise identical.
        original, got = _squeeze(original), _squeeze(got)
    assert got == original


def _squeeze(messages: list[dict]) -> list[dict]:
    return [{**m, "content": re.sub(r"\n{3,}", "\n\n", m["content"])} for m in messages]


def test_a_cache_breakpoint_is_dropped_from_an_export_with_a_note(tmp_path: Path) -> None:
    version = EXAMPLES.get("support-agent@2")
    source = version.text.replace("{% endsystem %}", "{% cache %}\n{% endsystem %}\n{% cache %}", 1)
    (tmp_path / "prompts" / "p").mkdir(parents=True)
    (tmp_path / "prompts" / "p" / "v1.j2").write_text(source, encoding="utf-8")
    cached = Registry(tmp_path / "prompts").load("p", 1)
    text, notes = dotprompt.export(cached)
    plain, _ = dotprompt.export(version)
    assert "{% cache" not in text and text.count("{{role") == plain.count("{{role")
    assert any("{% cache %} dropped: handlebars has no cache breakpoint" in n for n in notes)


def test_a_history_round_trips_through_dotprompt_history(tmp_path: Path) -> None:
    version = EXAMPLES.get("support-agent@3")
    text, _ = dotprompt.export(version)
    assert "\n{{history}}\n" in text and "history" not in text.split("---")[1]  # not an input of the schema
    path = tmp_path / "support.prompt"
    path.write_text(text)
    (tmp_path / "prompts").mkdir()
    again = Registry(tmp_path / "prompts")
    [row] = import_into(again, path)
    imported = again.get(row.created[0])
    assert "{% messages history %}" in imported.body
    assert imported.front_matter.variables["history"].type == "messages"
    history = [{"role": "user", "content": "{{ 7*7 }}"}, {"role": "assistant", "content": "Hi."}]
    values = {"customer_message": "Still down.", "customer_name": "Priya", "plan": "pro", "history": history}
    assert render(imported, "openai", "gpt-4.1-mini", **values).body["messages"] == \
        render(version, "openai", "gpt-4.1-mini", **values).body["messages"]
