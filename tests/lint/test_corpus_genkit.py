"""The genkit and contoso collections of benchmarks/lint_corpus.py: real Dotprompt and Prompty files, converted.

The fixtures in ``corpus/genkit/`` are unchanged ``.prompt`` files of firebase/genkit (Apache-2.0) and
``corpus/contoso/chat.prompty`` one of Azure-Samples/contoso-chat (MIT); see corpus/ATTRIBUTION.md.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from promptctl.lint import lint
from promptctl.registry.registry import Registry
from tests.lint.conftest import TODAY

GENKIT = Path(__file__).parent / "corpus" / "genkit"
CONTOSO = Path(__file__).parent / "corpus" / "contoso"
META = {"source": "firebase/genkit", "commit": "77656d5e6", "licence": "Apache-2.0"}


def _partial(name: str) -> str | None:
    path = GENKIT / f"_{name}.prompt"
    return path.read_text(encoding="utf-8") if path.is_file() else None


def _convert(script: Any, name: str) -> tuple[dict[str, Any], str]:
    converted = script.convert_dotprompt((GENKIT / name).read_text(encoding="utf-8"), f"samples/{name}",
                                        {**META, "path": f"samples/{name}"}, _partial)
    assert converted is not None
    _, head, body = converted[0].split("---\n", 2)
    return yaml.safe_load(head), body


def test_role_markers_become_messages_and_the_provider_setup_is_the_other_collections(script: Any) -> None:
    fm, body = _convert(script, "codename.prompt")
    assert body.lstrip("\n").startswith("{% system %}\nYou are a creative release naming assistant.")
    assert "{% user %}" in body and body.endswith("{% enduser %}\n")
    assert (fm["provider"], fm["model"], fm["models"]) == ("openai", "gpt-4.1-mini", {"anthropic": "claude-sonnet-4-6"})
    assert fm["parameters"] == {"temperature": 0.8, "max_tokens": 256}
    assert fm["output"] == {"format": "json"}
    assert fm["variables"]["theme"] == {"type": "string", "input": True}
    assert fm["metadata"]["path"] == "samples/codename.prompt"


def test_a_body_without_roles_is_one_user_message_and_a_partial_is_inlined(script: Any) -> None:
    fm, body = _convert(script, "recipe.robot.prompt")
    assert body.startswith("{% user %}\n") and "Adopt the personality of someone who is" in body
    assert "RoboChef 3000" in body and fm["strategy"] == "structured"
    assert fm["variables"]["food"] == {"type": "string", "input": True}
    assert fm["output"]["schema"]["required"] == ["title", "ingredients", "steps"]


def test_variables_of_a_named_input_schema_are_declared_and_media_is_a_comment(script: Any) -> None:
    fm, body = _convert(script, "recipe.prompt")
    # declared by the importer from the template (a list when iterated, optional when {{#if}} tests it)
    assert {k: v for k, v in fm["variables"]["dietaryRestrictions"].items() if k != "description"} == {
        "type": "list", "default": []}
    assert {k: v for k, v in fm["variables"]["cuisine"].items() if k != "description"} == {
        "type": "string", "input": True}
    assert "'RecipeRequest' is registered in code" in fm["variables"]["cuisine"]["description"]
    assert fm["metadata"]["dotprompt_input_schema"] == "RecipeRequest"
    fm, body = _convert(script, "multi-msg.prompt")  # a content type in a variable: not converted, a comment
    assert "{# dotprompt: {{media url=videoUrl contentType=contentType}} #}" in body
    assert body.startswith("{% system %}\nYou are a great AI assistant that summarizes videos")


def test_the_converted_samples_lint_without_template_errors(script: Any, tmp_path: Path) -> None:
    used: set[str] = set()
    for name in ("codename.prompt", "recipe.robot.prompt", "recipe.prompt", "analyze_bugs.prompt",
                 "answer_accuracy.prompt", "multi-msg.prompt"):
        text, description = script.convert_dotprompt((GENKIT / name).read_text(encoding="utf-8"), f"x/{name}", META,
                                                     _partial)
        script._write(tmp_path, "genkit-" + script._slug(name), text, description, used)
    text, description = script.convert_promptflow((CONTOSO / "chat.prompty").read_text(encoding="utf-8"),
                                                  "src/api/contoso_chat/chat.prompty",
                                                  {"source": "Azure-Samples/contoso-chat", "licence": "MIT"})
    script._write(tmp_path, "contoso-chat-chat", text, description, used)
    assert "{% messages history %}" in text and "{% system %}" in text
    report = lint(Registry(tmp_path), None, today=TODAY, jobs=1)
    assert len(report.checked) == 7
    assert not [f for f in report.findings if f.rule in ("REG004", "LOAD001", "LOAD002", "LOAD005")], report.findings
