"""INJ: user input in the system prompt, or outside any section or delimiter."""

from __future__ import annotations

import pytest

from promptctl.lint.rules.injection import delimited
from tests.lint.conftest import GOOD, Project, edit


def test_inj001_input_in_system_prompt(project: Project) -> None:
    text = edit(GOOD, "{% endsystem %}", "The customer asks: {{ question }}\n{% endsystem %}")
    path = project.write("p", text)
    project.publish("p")
    finding = next(f for f in project.lint(["p"]) if f.rule == "INJ001")
    assert finding.severity == "error" and "'question'" in finding.message and "system" in finding.message
    assert "{{ question }}" in path.read_text().split("\n")[finding.line - 1]


def test_inj001_input_in_assistant_prefill(project: Project) -> None:
    text = edit(GOOD, "{% enduser %}", "{% enduser %}\n{% assistant %}About {{ question }}:{% endassistant %}")
    assert "INJ001" in project.rules(text)


def test_inj001_passes_when_input_is_in_the_user_message(project: Project) -> None:
    assert "INJ001" not in project.rules(GOOD)


def test_inj001_input_list_and_conditional(project: Project) -> None:
    text = edit(GOOD, "question: {type: string, input: true, description: The customer's question}",
                "question: {type: list, input: true, description: Questions}")
    text = edit(text, "{% endsystem %}", "{% for q in question %}Q: {{ q }}{% endfor %}\n{% endsystem %}")
    assert "INJ001" in project.rules(text)


def test_inj002_bare_input(project: Project) -> None:
    text = edit(GOOD, '{% section "input" %}\n{{ question }}\n{% endsection %}', "Question: {{ question }}")
    assert "INJ002" in project.rules(text)


def test_inj002_section_passes(project: Project) -> None:
    assert "INJ002" not in project.rules(GOOD)


def test_inj002_hard_coded_delimiters_pass(project: Project) -> None:
    text = edit(GOOD, '{% section "input" %}\n{{ question }}\n{% endsection %}', 'Question:\n"""\n{{ question }}\n"""')
    assert "INJ002" not in project.rules(text)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("a ```\nM\n``` b", True),
        ("<doc>\nM\n</doc>", True),
        ("---\nM\n---", True),
        ("<<<M>>>", True),
        ("say: M", False),
        ("<doc>x</doc> M", False),
        ("```x``` M", False),
    ],
)
def test_delimiters(text: str, expected: bool) -> None:
    assert delimited(text, "M") is expected


RAG_SCORER = """---
provider: openai
model: gpt-4.1-mini
variables:
  question: {type: string, input: true}
  answer: {type: string, input: true}
  documents: {type: string, input: true}
---
{% system %}You are a helpful assistant.{% endsystem %}
{% user %}
Your task is to check and rate if the factual information in the chatbot's reply is grounded in the documents.
Rate it on a scale from 1 to 5 and end with the score.

# Question
{{ question }}
# Chat Response
{{ answer }}
# Documents
---BEGIN RETRIEVED DOCUMENTS---
{{ documents }}
---END RETRIEVED DOCUMENTS---
{% enduser %}
"""
"""Shaped on microsoft/promptflow's rag_groundedness_prompt.jinja2 (MIT)."""


def _inj002(project: Project, text: str) -> list[str]:
    project.write("p", text)
    return [f.severity for f in project.lint(["p"]) if f.rule == "INJ002"]


def test_inj002_headings_and_begin_end_lines_delimit(project: Project) -> None:
    assert _inj002(project, RAG_SCORER) == []
    assert _inj002(project, RAG_SCORER.replace("# ", "#")) == []


def test_inj002_heading_followed_by_instructions_is_not_closed(project: Project) -> None:
    text = edit(RAG_SCORER, "# Chat Response", "Now score the answer and explain why.\n# Chat Response")
    assert _inj002(project, text) == ["warning"]


def test_inj002_begin_without_end_is_not_a_pair(project: Project) -> None:
    text = edit(RAG_SCORER, "---END RETRIEVED DOCUMENTS---\n", "Score it now.\n")
    assert _inj002(project, text) == ["warning"]


LABELLED_BLOCKS = """---
provider: openai
model: gpt-4.1-mini
variables:
  document: {type: string, input: true}
  summary: {type: string, input: true}
---
{% user %}
You will be given one summary written for a news article. Rate the summary for coherence from 1 to 5.

Source Document:

{{ document }}

Summary:

{{ summary }}

Evaluation Form (scores ONLY):
{% enduser %}
"""
"""Shaped on microsoft/promptflow's coherence.jinja2 (MIT)."""


def test_inj002_labelled_block_is_info(project: Project) -> None:
    assert _inj002(project, LABELLED_BLOCKS) == ["info", "info"]
    message = next(f.message for f in project.lint(["p"]) if f.rule == "INJ002")
    assert "labelled" in message


def test_inj002_lead_in_sentence_then_instructions_keeps_the_warning(project: Project) -> None:
    text = edit(LABELLED_BLOCKS, "Source Document:", "Here's some code for you:")
    text = edit(text, "\nSummary:", "\nPlease follow the sphinx style, then output the docstring.\nSummary:")
    assert _inj002(project, text)[0] == "warning"


def test_inj002_users_question_with_an_image_link_is_the_whole_message(project: Project) -> None:
    text = """---
provider: openai
model: gpt-4.1-mini
variables:
  question: {type: string, input: true}
  image_url: {type: string, input: true}
---
{% system %}You interpret images and answer questions about them.{% endsystem %}
{% user %}
{{ question }}
![image]({{ image_url }})
{% enduser %}
"""
    assert _inj002(project, text) == []


def test_inj002_a_word_inside_a_noun_phrase_is_a_short_value(project: Project) -> None:
    text = """---
provider: openai
model: gpt-4.1-mini
variables:
  text: {type: string, input: true}
---
{% system %}You write small example programs for beginners.{% endsystem %}
{% user %}
Write a simple {{text}} program that displays the greeting message.
{% enduser %}
"""
    assert _inj002(project, text) == ["info"]
    pasted = text.replace("Write a simple {{text}} program", "Summarize {{text}} in three bullets, then a program")
    assert _inj002(project, pasted) == ["warning"]


def test_inj002_few_shot_examples_variable_is_the_developers_material(project: Project) -> None:
    text = """---
provider: openai
model: gpt-4.1-mini
variables:
  few_shot_examples: {type: string, input: true}
  question: {type: string, input: true}
---
{% system %}You solve grade-school math problems step by step.{% endsystem %}
{% user %}
Please reference the following examples to answer the math question,
{{few_shot_examples}}
{% section "question" %}{{ question }}{% endsection %}
Let's think step by step.
{% enduser %}
"""
    assert _inj002(project, text) == ["info"]
