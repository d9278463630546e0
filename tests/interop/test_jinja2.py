"""Plain Jinja2 prompt templates (``.jinja2``/``.jinja``, or ``--from jinja2``): real promptflow files."""

from __future__ import annotations

from pathlib import Path

from promptctl import render
from promptctl.interop import detect_format, read_source
from promptctl.registry.registry import Registry

from .conftest import FIXTURES, import_into

JINJA = FIXTURES / "jinja2"


def test_a_promptflow_chat_template_keeps_its_jinja2_and_its_messages(registry: Registry):
    assert detect_format(JINJA / "chat.jinja2") == "jinja2"
    [result] = import_into(registry, JINJA / "chat.jinja2")
    version = registry.get(result.created[0])
    variables = version.front_matter.variables
    assert (variables["chat_history"].type, variables["question"].type) == ("list", "string")
    assert variables["question"].input  # the whole final user message
    history = [{"inputs": {"question": "2+2?"}, "outputs": {"answer": "4"}}]
    body = render(version, "openai", "gpt-4.1-mini", question="And 3+3?", chat_history=history).body
    assert body["messages"][0]["role"] == "system"
    assert "# user:\n2+2?\n# assistant:\n4" in body["messages"][0]["content"]
    assert body["messages"][1] == {"role": "user", "content": "And 3+3?"}
    # the role lines inside the history loop cannot start messages: reported, with the construct that would
    assert sum("a role line inside a loop" in f.message for f in result.findings) == 2


def test_a_template_without_role_lines_and_any_text_file_with_from_jinja2(tmp_path: Path):
    [hello] = read_source(JINJA / "hello.jinja2")
    assert hello.versions[0].body.startswith("{% system %}\nWrite a simple {{text}} program.")
    (tmp_path / "metric.txt").write_text("{% if strict %}Be strict.{% endif %}\nScore this answer: {{ answer }}\n")
    [plain] = read_source(tmp_path / "metric.txt", "jinja2")
    assert plain.versions[0].body.startswith("{% if strict %}")  # kept as Jinja2, not escaped as text would
    assert set(plain.versions[0].front_matter["variables"]) == {"strict", "answer"}
    [as_text] = read_source(tmp_path / "metric.txt")
    assert "{%+ raw %}{% if strict %}" in as_text.versions[0].body  # the text reader keeps it literal
