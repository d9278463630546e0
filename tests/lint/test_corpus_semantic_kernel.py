"""The semantic-kernel collection of benchmarks/lint_corpus.py: real Semantic Kernel prompts converted as a user would.

The fixtures in ``corpus/semantic-kernel/`` are unchanged files of microsoft/semantic-kernel (MIT, commit b39d95a344;
see corpus/ATTRIBUTION.md): ``skprompt.txt``/``config.json`` pairs of ``prompt_template_samples/`` (saved as
``NAME.skprompt.txt``/``NAME.config.json``) and YAML prompt files of ``dotnet/samples``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from promptctl.lint import lint
from promptctl.registry.registry import Registry
from tests.lint.conftest import TODAY

SAMPLES = Path(__file__).parent / "corpus" / "semantic-kernel"
META = {"source": "microsoft/semantic-kernel", "commit": "b39d95a344", "licence": "MIT"}
FILES = {
    "Translate": "prompt_template_samples/WriterPlugin/Translate/skprompt.txt",
    "GitHubMemoryQuery": "prompt_template_samples/QAPlugin/GitHubMemoryQuery/skprompt.txt",
    "HandlebarsPrompt": "dotnet/samples/Concepts/Resources/HandlebarsPrompt.yaml",
    "LiquidPrompt": "dotnet/samples/Concepts/Resources/LiquidPrompt.yaml",
    "getIntent": "dotnet/samples/LearnResources/Resources/getIntent.prompt.yaml",
    "AgentWithRagDefinition": "dotnet/samples/Demos/AgentFrameworkWithAspire/ChatWithAgent.ApiService/Resources/"
                              "AgentWithRagDefinition.yaml",
}


def _convert(script: Any, name: str) -> tuple[dict[str, Any], str, str]:
    path = FILES[name]
    if path.endswith("skprompt.txt"):
        loaded = script.load_semantic_kernel(path, (SAMPLES / f"{name}.skprompt.txt").read_text(encoding="utf-8"),
                                             (SAMPLES / f"{name}.config.json").read_text(encoding="utf-8"))
    else:
        loaded = script.load_semantic_kernel(path, (SAMPLES / path.rsplit("/", 1)[-1]).read_text(encoding="utf-8"),
                                             None)
    assert loaded is not None
    converted = script.convert_semantic_kernel(*loaded, {**META, "path": path})
    assert converted is not None
    _, head, body = converted[0].split("---\n", 2)
    return yaml.safe_load(head), body, converted[1]


def test_an_skprompt_is_one_user_message_with_declared_variables_and_its_execution_settings(script: Any) -> None:
    fm, body, description = _convert(script, "Translate")
    assert body == ("{% user %}\nTranslate the input below into {{ language }}\n\n"
                    "MAKE SURE YOU ONLY USE {{ language }}.\n\n{{ input }}\n\nTranslation:\n{% enduser %}\n")
    assert fm["variables"] == {
        "language": {"type": "string", "description": "Language to translate to", "input": True},
        "input": {"type": "string", "description": "Text to translate", "input": True},
    }
    assert fm["parameters"] == {"max_tokens": 2000, "temperature": 0.7, "top_p": 0.0}
    assert description == fm["description"] == "Translate the input into a language of your choice"
    assert (fm["provider"], fm["model"], fm["models"]) == ("openai", "gpt-4.1-mini", {"anthropic": "claude-sonnet-4-6"})
    assert script.load_semantic_kernel("x/openapi.yaml", "openapi: 3.0.1\npaths: {}\n", None) is None


def test_a_plugin_function_call_stays_literal_text(script: Any) -> None:
    fm, body, _ = _convert(script, "GitHubMemoryQuery")
    assert body.startswith("{% user %}\n{% raw %}{{textmemoryskill.recall $input}}\n---\nConsidering only")
    assert "Question: {% endraw %}{{ input }}" in body
    assert list(fm["variables"]) == ["input"]
    assert fm["description"] == "semantic-kernel QAPlugin-GitHubMemoryQuery"  # an empty description in config.json


@pytest.mark.parametrize(("name", "path_var"), [("HandlebarsPrompt", "customer.firstName"),
                                                ("LiquidPrompt", "customer.first_name")])
def test_message_tags_become_messages_and_a_history_loop_becomes_a_messages_variable(
        script: Any, name: str, path_var: str) -> None:
    fm, body, _ = _convert(script, name)
    assert body.startswith("{% system %}\nYou are an AI agent for the Contoso Outdoors products retailer.")
    assert body.endswith("{% endsystem %}\n{% messages history %}\n")
    assert "First Name: {{ " + path_var + " }}" in body and "<message" not in body
    assert fm["variables"] == {"customer": {"type": "object", "description": "Customer details."},
                               "history": {"type": "messages", "default": []}}


def test_nested_few_shot_loops_helpers_and_a_trailing_system_message(script: Any) -> None:
    fm, body, _ = _convert(script, "getIntent")
    assert body.split("{% endsystem %}\n")[0].endswith("Choices: {% endraw %}{{ choices }}.\n")
    assert "{{choices.[0]}}" in body  # an indexed path: literal
    assert "{% messages fewShotExamples %}" in body
    assert "{% raw %}{{ConversationSummaryPlugin.SummarizeConversation history}}{% endraw %}" in body
    assert body.endswith("{% user %}\n{{ request }}\n{% enduser %}\n{% system %}\nIntent:\n{% endsystem %}\n")
    assert fm["variables"]["choices"] == {"type": "string", "description": "The choices for the AI to choose from",
                                          "default": "ContinueConversation, EndConversation"}
    assert fm["variables"]["request"]["input"] is True
    assert fm["parameters"] == {"max_tokens": 10, "temperature": 0}


def test_names_bound_inside_an_unconverted_block_stay_literal(script: Any) -> None:
    fm, body, _ = _convert(script, "AgentWithRagDefinition")
    assert "    Name: {{Name}}\n" in body and fm["variables"] == {}


def test_the_converted_samples_lint_without_template_errors(script: Any, tmp_path: Path) -> None:
    used: set[str] = set()
    for name in FILES:
        path = FILES[name]
        text = (SAMPLES / (f"{name}.skprompt.txt" if path.endswith(".txt") else path.rsplit("/", 1)[-1])).read_text(
            encoding="utf-8")
        config = (SAMPLES / f"{name}.config.json").read_text(encoding="utf-8") if path.endswith(".txt") else None
        converted = script.convert_semantic_kernel(*script.load_semantic_kernel(path, text, config), META)
        script._write(tmp_path, "sk-" + script._slug(name), converted[0], converted[1], used)
    report = lint(Registry(tmp_path), None, today=TODAY, jobs=1)
    assert len(report.checked) == len(FILES)
    errors = {(f.ref.partition("@")[0], f.rule) for f in report.findings if f.severity == "error"}
    # temperature with top_p; a system message + {% messages history %} is no PROV006: the history has the user turns
    assert errors == {("sk-translate", "PROV003"), ("sk-githubmemoryquery", "PROV003")}, errors
