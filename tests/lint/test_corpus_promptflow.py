"""The promptflow collection of benchmarks/lint_corpus.py: real promptflow templates converted as a user would.

The fixtures in ``corpus/promptflow/`` are unchanged files of microsoft/promptflow (MIT, commit 6e76ef49b;
see corpus/ATTRIBUTION.md).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from promptctl.lint import lint
from promptctl.registry.registry import Registry
from tests.lint.conftest import TODAY

SAMPLES = Path(__file__).parent / "corpus" / "promptflow"
META = {"source": "microsoft/promptflow", "commit": "6e76ef49b", "licence": "MIT"}


def _convert(script: Any, name: str, path: str) -> tuple[dict[str, Any], str]:
    converted = script.convert_promptflow((SAMPLES / name).read_text(encoding="utf-8"), path, {**META, "path": path})
    assert converted is not None
    _, head, body = converted[0].split("---\n", 2)
    return yaml.safe_load(head), body


def test_a_chat_history_loop_of_role_lines_becomes_the_conversation_so_far(script: Any) -> None:
    fm, body = _convert(script, "chat.jinja2", "examples/flows/chat/chat-basic/chat.jinja2")
    assert body == ("{% system %}\nYou are a helpful assistant.\n{% endsystem %}\n{% messages chat_history %}\n\n"
                    "{% user %}\n{{question}}\n{% enduser %}\n")
    assert fm["variables"] == {"chat_history": {"type": "messages", "default": []},
                               "question": {"type": "string", "input": True}}
    assert (fm["provider"], fm["model"], fm["models"]) == ("openai", "gpt-4.1-mini", {"anthropic": "claude-sonnet-4-6"})
    assert fm["metadata"]["path"] == "examples/flows/chat/chat-basic/chat.jinja2"


def test_a_prompty_file_keeps_its_parameters_and_its_dynamic_role_loop_becomes_messages(script: Any) -> None:
    fm, body = _convert(script, "chat.prompty", "examples/flex-flows/chat-basic/chat.prompty")
    assert "{% messages chat_history %}" in body and "item.role" not in body
    assert fm["parameters"] == {"temperature": 0.2, "max_tokens": 1024}
    assert fm["description"] == "Basic Chat"
    assert fm["variables"]["question"] == {"type": "string", "input": True}


def test_a_template_without_role_lines_is_a_user_message_a_fragment_is_no_prompt(script: Any) -> None:
    fm, body = _convert(script, "user_intent_zero_shot.jinja2",
                        "examples/flows/standard/customer-intent-extraction/user_intent_zero_shot.jinja2")
    assert body.startswith("{% user %}\nYou are given a list of orders") and body.endswith("{% enduser %}\n")
    assert fm["variables"]["customer_info"]["input"] is True
    assert script.convert_promptflow((SAMPLES / "combine_code.jinja2").read_text(encoding="utf-8"),
                                     "examples/flows/standard/gen-docstring/combine_code.jinja2", META) is None
    fm, body = _convert(script, "system-message.jinja2",
                        "src/promptflow-evals/samples/evaluate-target/askwiki/system-message.jinja2")
    assert body.startswith("{% system %}\nYou are a chatbot")
    assert body.endswith("{% user %}\n{{input}}\n{% enduser %}\n")
    assert fm["variables"]["input"]["input"] is True


def test_the_converted_samples_lint_without_template_errors(script: Any, tmp_path: Path) -> None:
    used: set[str] = set()
    for name, path in (("chat.jinja2", "examples/flows/chat/chat-basic/chat.jinja2"),
                       ("chat.prompty", "examples/flex-flows/chat-basic/chat.prompty"),
                       ("user_intent_zero_shot.jinja2", "examples/flows/standard/x/user_intent_zero_shot.jinja2")):
        text, description = script.convert_promptflow((SAMPLES / name).read_text(encoding="utf-8"), path, META)
        script._write(tmp_path, "promptflow-" + script._slug(name), text, description, used)
    report = lint(Registry(tmp_path), None, today=TODAY, jobs=1)
    assert len(report.checked) == 3
    assert not [f for f in report.findings if f.severity == "error"], report.findings


def test_front_matter_after_blank_lines_is_read_and_iterated_variables_are_lists(script: Any) -> None:
    # the shape of examples/flex-flows/eval-checklist/eval.prompty: a blank line before the front matter
    text = ("\n---\nname: Evaluate based on a checklist\ninputs:\n  examples:\n    type: string\n"
            "  answer:\n    type: string\n---\n\n# system:\nYou score answers.\n\n# user:\n"
            "{% for ex in examples %}\nanswer: {{ex.answer}}\n{% endfor %}\nanswer: {{answer}}\n")
    converted = script.convert_promptflow(text, "examples/flex-flows/eval-checklist/eval.prompty", META)
    assert converted is not None
    _, head, body = converted[0].split("---\n", 2)
    fm = yaml.safe_load(head)
    assert fm["description"] == "Evaluate based on a checklist"
    assert fm["variables"]["examples"]["type"] == "list" and fm["variables"]["answer"]["input"] is True
    assert body.lstrip("\n").startswith("{% system %}\nYou score answers.")
