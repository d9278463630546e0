"""Few-shot: budget, similarity, balance, seeded order, datasets, and each provider's idiom on the wire."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest

from promptctl.errors import InputError
from promptctl.executors.fewshot import Example, FewShotOptions, bm25_scores, load_examples, select
from promptctl.providers.fake import FakeProvider
from promptctl.session.run import arun, render_request

OPPOSITES = [Example(i, a, b, None, {"input": a, "output": b})
             for i, (a, b) in enumerate([("happy", "sad"), ("tall", "short"), ("sunny", "gloomy")])]

ANTONYM = """\
---
description: Antonyms
provider: {provider}
model: {model}
parameters: {{temperature: 0, max_tokens: 10}}
variables:
  word: {{type: string, input: true}}
  examples: {{type: list, default: []}}
examples:
  - {{input: happy, output: sad, label: mood}}
  - {{input: tall, output: short, label: size}}
  - {{input: sunny day, output: gloomy day, label: weather}}
  - {{input: big, output: small, label: size}}
strategy: {{name: fewshot{extra}}}
---
{{% system %}}{{% section "instructions" %}}Give the antonym.{{% endsection %}}
{{% if examples %}}{{% section "examples" %}}{{% for e in examples %}}{{% section "example" %}}{{% section "input" %}}{{{{ e.input }}}}{{% endsection %}}{{% section "output" %}}{{{{ e.output }}}}{{% endsection %}}{{% endsection %}}{{% endfor %}}{{% endsection %}}{{% endif %}}{{% endsystem %}}
{{% user %}}{{% section "input" %}}{{{{ word }}}}{{% endsection %}}{{% enduser %}}
"""  # noqa: E501


def test_budget_of_ten_words_selects_exactly_the_first_two():
    options = FewShotOptions(token_budget=10, budget_unit="words", example_format="Input: {input}\nOutput: {output}")
    selection = select(OPPOSITES, "big", options)
    assert [e.input for e in selection.examples] == ["happy", "tall"]
    assert selection.details["budget"] == {"limit": 10, "unit": "words", "used": 9, "skipped": [2]}


def test_budget_in_tokens_never_exceeded():
    from promptctl.tokens.counting import count_text

    options = FewShotOptions(token_budget=20)
    selection = select(OPPOSITES, "big", options)
    used = count_text("big")[0] + sum(count_text(f"Input: {e.input}\nOutput: {e.output}")[0]
                                      for e in selection.examples)
    assert used == selection.details["budget"]["used"] <= 20 and len(selection.examples) == 2


def test_similarity_picks_the_closest_and_orders_it_last():
    assert bm25_scores("sunny", ["happy", "sunny day", "tall"])[1] > 0
    selection = select(OPPOSITES, "a sunny afternoon", FewShotOptions(k=2, selection="similar"))
    assert selection.details["selection"] == "similar"
    assert selection.examples[-1].input == "sunny"  # most similar right before the input
    assert selection.details["order"] == "similar_last"


def test_label_balance_and_seeded_random_order():
    pool = [Example(i, f"text {i}", lab, lab, {}) for i, lab in enumerate(["pos", "pos", "pos", "neg", "neg"])]
    balanced = select(pool, "", FewShotOptions(k=4, selection="static", balance=True, label_field="label"))
    assert [e.label for e in balanced.examples].count("neg") == 2
    first = select(pool, "", FewShotOptions(order="random", seed=7))
    again = select(pool, "", FewShotOptions(order="random", seed=7))
    other = select(pool, "", FewShotOptions(order="random", seed=8))
    assert first.details["selected"] == again.details["selected"] != other.details["selected"]
    assert first.details["seed"] == 7 and sorted(first.details["selected"]) == [0, 1, 2, 3, 4]


@pytest.mark.parametrize("suffix", ["jsonl", "csv", "yaml"])
def test_datasets_load(tmp_path: Path, suffix: str):
    rows = [{"q": "hot", "a": "cold"}, {"q": "up", "a": "down"}]
    text = {"jsonl": "\n".join(json.dumps(r) for r in rows), "csv": "q,a\nhot,cold\nup,down\n",
            "yaml": "examples:\n  - {q: hot, a: cold}\n  - {q: up, a: down}\n"}[suffix]
    (tmp_path / f"shots.{suffix}").write_text(text)
    examples, _ = load_examples(f"shots.{suffix}", FewShotOptions(input_field="q", output_field="a"),
                                root=tmp_path, where="t")
    assert [(e.input, e.output) for e in examples] == [("hot", "cold"), ("up", "down")]
    line = {"jsonl": 1, "csv": 2, "yaml": 2}[suffix]  # the row's own line in the file
    with pytest.raises(InputError, match=rf"shots.{suffix}:{line}: an example needs 'input'"):
        load_examples(f"shots.{suffix}", FewShotOptions(), root=tmp_path, where="t")


def test_a_missing_examples_file_names_the_version_and_where_relative_paths_start(tmp_path: Path):
    """trial-24: `examples: ex.jsonl` beside the version file was '/project/ex.jsonl: cannot read: no such file',
    naming neither the prompt nor that the path starts from the project root."""
    with pytest.raises(InputError, match=r"^scratch@1 \(draft\): examples file 'ex.jsonl' not found: .*ex.jsonl "
                                         r"does not exist$") as info:
        load_examples("ex.jsonl", FewShotOptions(), root=tmp_path, where="scratch@1 (draft)")
    assert info.value.hint == (f"a relative path starts from the project root ({tmp_path}), e.g. prompts/NAME/"
                               "ex.jsonl for a file beside the version file (promptctl help examples)")


def test_csv_quoted_multi_line_cell_is_kept_and_a_bad_row_is_reported_at_its_line(tmp_path: Path):
    (tmp_path / "shots.csv").write_text('q,a\n"line one\nline two",answer one\n"x, y",second\n', encoding="utf-8")
    options = FewShotOptions(input_field="q", output_field="a")
    examples, _ = load_examples("shots.csv", options, root=tmp_path, where="t")
    assert [(e.input, e.output) for e in examples] == [("line one\nline two", "answer one"), ("x, y", "second")]
    (tmp_path / "bad.csv").write_text('q,a\n"line one\nline two",answer one\nonly-one-cell\n', encoding="utf-8")
    with pytest.raises(InputError, match=r"bad.csv:4: 1 cells, but the header has 2 columns"):
        load_examples("bad.csv", options, root=tmp_path, where="t")


def test_openai_gets_alternating_message_pairs_on_the_wire(write_version, loopback_config, server):
    version = write_version("ant", ANTONYM.format(provider="openai", model="gpt-4o-mini", extra=", k: 2"))
    server.replies = ["small"]
    result = asyncio.run(arun(version, {"word": "a sunny morning"}, config=loopback_config))
    messages = server.requests[0].body["messages"]
    assert [m["role"] for m in messages] == ["system", "user", "assistant", "user", "assistant", "user"]
    assert "## Examples" not in messages[0]["content"]  # the template's examples section is left empty
    assert messages[3]["content"] == "## Input\n\nsunny day" and messages[4]["content"] == "gloomy day"
    assert messages[-1]["content"] == "## Input\n\na sunny morning"
    fewshot = result.details["fewshot"]
    assert fewshot["placement"] == "messages" and fewshot["selected"][-1] == 2 and len(fewshot["selected"]) == 2


def test_claude_gets_xml_examples_on_the_wire(write_version, loopback_config, server):
    version = write_version("ant", ANTONYM.format(provider="anthropic", model="claude-haiku-4-5", extra=", k: 2"))
    server.replies = ["small"]
    result = asyncio.run(arun(version, {"word": "tall tree"}, config=loopback_config))
    body = server.requests[0].body
    assert "<examples>\n<example>\n<input>\n" in body["system"] and "</example>\n</examples>" in body["system"]
    assert [m["role"] for m in body["messages"]] == ["user"]
    assert result.details["fewshot"]["placement"] == "variable"


def test_section_placement_when_the_template_has_no_examples_variable(write_version):
    version = write_version("plain", """\
        ---
        description: Antonyms
        provider: anthropic
        model: claude-haiku-4-5
        variables: {word: {type: string, input: true}}
        examples: [{input: happy, output: sad}]
        strategy: fewshot
        ---
        {% user %}{% section "input" %}{{ word }}{% endsection %}{% enduser %}
        """)
    body = render_request(version, {"word": "big"}).request.body
    assert body["messages"][0]["content"].startswith("<examples>\n<example>\n<input>\nhappy\n</input>")


def test_entity_extraction_example_runs_with_its_declared_strategy():
    from promptctl.cli.common import parse_vars
    from promptctl.registry.registry import Registry

    root = Path(__file__).resolve().parents[2]
    version = Registry(root / "prompts").get("entity-extraction")
    fake = FakeProvider(['{"people": [], "organisations": [], "locations": [], "dates": []}'])
    result = asyncio.run(arun(version, parse_vars(None, root / "fixtures/entity-extraction/sample.yaml"),
                              provider=fake))
    assert result.strategy == "fewshot" and len(result.details["fewshot"]["selected"]) == 3
    assert [m["role"] for m in fake.requests[0].messages].count("assistant") == 3
