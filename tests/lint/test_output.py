"""OUT: JSON without a schema; schema and prose disagreeing."""

from __future__ import annotations

from tests.lint.conftest import GOOD, Project, edit

SCHEMA = """output:
  format: json
  schema:
    type: object
    additionalProperties: false
    required: [category, needs_human]
    properties:
      category: {type: string, enum: [billing, bug, other]}
      needs_human: {type: boolean}
"""


def test_out001_prose_asks_for_json_without_schema(project: Project) -> None:
    text = edit(GOOD, "Reply in at most three sentences of plain text.", 'Reply with a JSON object {"answer": "..."}.')
    assert "OUT001" in project.rules(text)


def test_out001_output_format_json_without_schema(project: Project) -> None:
    text = edit(GOOD, "parameters:", "output: {format: json}\nparameters:")
    findings = project.found(text, "OUT001")
    assert findings and "output.format is json" in findings[0].message
    assert text.split("\n")[findings[0].line - 1].startswith("output:")


def test_out001_passes_with_schema(project: Project) -> None:
    text = edit(GOOD, "parameters:", SCHEMA + "parameters:")
    text = edit(text, "Reply in at most three sentences of plain text.",
                'Reply with a JSON object: {"category": "billing|bug|other", "needs_human": true|false}.')
    assert "OUT001" not in project.rules(text)


def test_out001_plain_text_prompt_passes(project: Project) -> None:
    assert "OUT001" not in project.rules(GOOD)


def test_out002_prose_key_not_in_schema(project: Project) -> None:
    text = edit(GOOD, "parameters:", SCHEMA + "parameters:")
    text = edit(text, "Reply in at most three sentences of plain text.",
                'Reply with a JSON object: {"category": "billing|bug|other", "needsHuman": true|false}.')
    project.write("p", text)
    project.publish("p")
    messages = [f.message for f in project.lint(["p"]) if f.rule == "OUT002"]
    assert any("'needsHuman'" in m and "did you mean 'needs_human'" in m for m in messages)
    assert any("requires 'needs_human'" in m for m in messages)


def test_out002_example_output_key_not_in_schema(project: Project) -> None:
    text = edit(GOOD, "parameters:", SCHEMA + """examples:
  - {input: "I was charged twice", output: '{"category": "billing", "human": true}'}
  - {input: "The app crashes", output: '{"category": "bug", "needs_human": false}'}
parameters:""")
    text = edit(text, "Reply in at most three sentences of plain text.",
                'Reply with a JSON object with the keys "category" and "needs_human".')
    assert "OUT002" in project.rules(text)


def test_out002_matching_names_pass(project: Project) -> None:
    text = edit(GOOD, "parameters:", SCHEMA + "parameters:")
    text = edit(text, "Reply in at most three sentences of plain text.",
                'Reply with a JSON object: {"category": "billing|bug|other", "needs_human": true|false}.')
    assert "OUT002" not in project.rules(text)


def test_out001_json_as_the_transport_of_software_being_built_is_not_an_output_request(project) -> None:
    from tests.lint.test_real_prompts import prompt

    text = ("You are an embedded developer. Build a UI library for the ESP32. "
            "Serve static frontend files and provide the runtime state via JSON.")
    assert "OUT001" not in project.rules(prompt(text))
    assert "OUT001" in project.rules(prompt("You are an extractor. Provide the fields as JSON."), name="q")


WORKED_EXAMPLES = """---
provider: openai
model: gpt-4.1-mini
variables:
  question: {type: string, input: true}
---
{% system %}
Your task is to break down compound sentences into separate sentences.
For simple sentences just repeat the user input. The output must be a json array.
{% endsystem %}
{% user %}
Here are a few examples:
user input: Play Eric Clapton and turn down the volume.
OUTPUT: ["Play Eric Clapton.", "Turn down the volume."]

user input: Play some Pink Floyd
OUTPUT: ["Play some Pink Floyd."]

{% section "input" %}{{ question }}{% endsection %}
{% enduser %}
"""
"""Shaped on microsoft/promptflow's multi-intent-conversational-language-understanding chat.jinja2 (MIT)."""


def _out001(project: Project, text: str) -> list[str]:
    project.write("p", text)
    return [f.severity for f in project.lint(["p"]) if f.rule == "OUT001"]


def test_out001_worked_examples_give_the_shape(project: Project) -> None:
    assert _out001(project, WORKED_EXAMPLES) == ["info"]
    message = next(f.message for f in project.lint(["p"]) if f.rule == "OUT001")
    assert "2 worked example(s)" in message


def test_out001_an_invalid_example_keeps_the_warning(project: Project) -> None:
    text = WORKED_EXAMPLES.replace('["Play some Pink Floyd."]', '["Play some Pink Floyd." "Louder"]')
    assert _out001(project, text) == ["warning"]


def test_out001_a_format_template_is_no_worked_example(project: Project) -> None:
    text = """---
provider: openai
model: gpt-4.1-mini
variables:
  input: {type: string, input: true}
---
{% system %}
Write a user story and acceptance criteria for the requested topic.
Output the results in JSON format as defined in this example:
{"Topic": "Authentication", "Story": "As a user, I want to sign up.", "Criteria": "Given ... then ..."}
{% endsystem %}
{% user %}{{ input }}{% enduser %}
"""
    assert _out001(project, text) == ["warning"]


def test_json_examples_counts_worked_examples_only() -> None:
    from promptctl.lint.rules.output import json_examples

    assert json_examples('Example Input:\nquestion: 2+2?\nExample Output:\n{"answer": "4"}') == (1, [])
    assert json_examples('Example input:\n{"name": "x"}') == (0, [])
    valid, invalid = json_examples('question: q\noutput:\n{"score": 5 "reason": "ok"}')
    assert valid == 0 and len(invalid) == 1
    assert json_examples("Reply as {answer} and [insert reasoning here]") == (0, [])
