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
