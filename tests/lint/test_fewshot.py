"""FEW: label balance, provider idiom, context window, duplicates, token budget."""

from __future__ import annotations

from tests.lint.conftest import GOOD, Project, edit

FEWSHOT = """---
description: Classifies review sentiment
provider: anthropic
model: claude-haiku-4-5
parameters: {temperature: 0, max_tokens: 10}
variables:
  review: {type: string, input: true, description: The review}
strategy: {name: fewshot, k: 2}
examples:
  - {input: "Great product, works as advertised", output: positive}
  - {input: "Broke after two days", output: negative}
  - {input: "Arrived on time, does the job", output: positive}
---
{% system %}
{% section "role" %}You classify product reviews for a shop. Never guess: if unsure, answer neutral.{% endsection %}
{% section "examples" %}
{% endsection %}
{% section "output format" %}Reply with one word: positive, negative or neutral. Keep a neutral tone.{% endsection %}
{% endsystem %}
{% user %}{% section "input" %}{{ review }}{% endsection %}{% enduser %}
"""


HARD_CODED = '{% section "examples" %}\nInput: Great product\nOutput: positive\n'


def test_few001_all_examples_one_label(project: Project) -> None:
    text = edit(FEWSHOT, 'output: negative}', 'output: positive}')
    findings = project.found(text, "FEW001")
    assert findings and "'positive'" in findings[0].message
    assert text.split("\n")[findings[0].line - 1].startswith("examples:")


def test_few001_balanced_labels_pass(project: Project) -> None:
    assert "FEW001" not in project.rules(FEWSHOT)


def test_few001_schema_enum_field_is_the_label(project: Project) -> None:
    text = edit(FEWSHOT, """examples:
  - {input: "Great product, works as advertised", output: positive}
  - {input: "Broke after two days", output: negative}
  - {input: "Arrived on time, does the job", output: positive}""", """output:
  format: json
  schema: {type: object, properties: {sentiment: {type: string, enum: [positive, negative]}, why: {type: string}}}
examples:
  - {input: "Great", output: '{"sentiment": "positive", "why": "praise"}'}
  - {input: "Fine", output: '{"sentiment": "positive", "why": "mild praise, long explanation here"}'}""")
    assert "FEW001" in project.rules(text)


def test_few002_hard_coded_input_output_for_claude(project: Project) -> None:
    text = edit(FEWSHOT, '{% section "examples" %}\n', HARD_CODED)
    findings = project.found(text, "FEW002")
    assert findings and "Input:" in text.split("\n")[findings[0].line - 1]


def test_few002_sections_pass(project: Project) -> None:
    text = edit(FEWSHOT, '{% section "examples" %}\n', '{% section "examples" %}\n{% section "example" %}'
                '{% section "input" %}Great product{% endsection %}{% section "output" %}positive{% endsection %}'
                '{% endsection %}\n')
    assert "FEW002" not in project.rules(text)


def test_few002_plain_labels_for_gpt_only_pass(project: Project) -> None:
    text = edit(FEWSHOT, "provider: anthropic\nmodel: claude-haiku-4-5", "provider: openai\nmodel: gpt-4.1-mini")
    text = edit(text, '{% section "examples" %}\n', HARD_CODED)
    assert "FEW002" not in project.rules(text)


def test_few003_examples_exceed_context_window(project: Project) -> None:
    big = "word " * 120_000  # ~150k tokens each at 4 characters per token
    text = edit(FEWSHOT, '{input: "Broke after two days", output: negative}', f'{{input: "{big}", output: negative}}')
    text = edit(text, '{input: "Great product, works as advertised", output: positive}',
                f'{{input: "{big} again", output: positive}}')
    findings = project.found(text, "FEW003")
    assert findings and findings[0].severity == "error" and "200,000-token context window" in findings[0].message


def test_few003_small_examples_pass(project: Project) -> None:
    assert "FEW003" not in project.rules(FEWSHOT)


def test_few004_duplicate_examples(project: Project) -> None:
    text = edit(FEWSHOT, '{input: "Arrived on time, does the job", output: positive}',
                '{input: "great product,  works as advertised", output: negative}')
    findings = project.found(text, "FEW004")
    assert findings and "example 3 has the same input as, but a different output from, example 1" in findings[0].message
    assert "great product," in text.split("\n")[findings[0].line - 1]


def test_few004_distinct_examples_pass(project: Project) -> None:
    assert "FEW004" not in project.rules(FEWSHOT)


def test_few005_examples_exceed_token_budget(project: Project) -> None:
    text = edit(FEWSHOT, "strategy: {name: fewshot, k: 2}", "strategy: {name: fewshot, k: 2, token_budget: 500}")
    findings = project.found(text, "FEW005")
    assert findings and "token budget of 500" in findings[0].message


def test_few005_budget_large_enough_passes(project: Project) -> None:
    text = edit(FEWSHOT, "strategy: {name: fewshot, k: 2}", "strategy: {name: fewshot, k: 2, token_budget: 4000}")
    assert "FEW005" not in project.rules(text)


def test_good_prompt_has_no_few_shot_findings(project: Project) -> None:
    assert not [r for r in project.rules(GOOD) if r.startswith("FEW")]
