"""The deepeval and graphrag collections of benchmarks/lint_corpus.py: real prompt templates, converted.

The fixtures in ``corpus/deepeval-graphrag/`` are unchanged files: three metric templates of confident-ai/deepeval
(Apache-2.0; ``METRIC.NAME.txt`` for ``deepeval/metrics/METRIC/templates/NAME.txt``) with the shared fragment they
use (``_NAME.txt``), and three prompt modules of microsoft/graphrag (MIT); see corpus/ATTRIBUTION.md.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from promptctl.lint import lint
from promptctl.registry.registry import Registry
from tests.lint.conftest import TODAY

HERE = Path(__file__).parent / "corpus" / "deepeval-graphrag"
DEEPEVAL = {"source": "confident-ai/deepeval", "commit": "a2e0d4cfd", "licence": "Apache-2.0"}
GRAPHRAG = {"source": "microsoft/graphrag", "commit": "6dad6d2b0", "licence": "MIT"}


def _fragment(name: str) -> str | None:
    path = HERE / f"_{name}.txt"
    return path.read_text(encoding="utf-8") if path.is_file() else None


def _split(text: str) -> tuple[dict[str, Any], str]:
    _, head, body = text.split("---\n", 2)
    return yaml.safe_load(head), body


def _deepeval(script: Any, name: str) -> tuple[dict[str, Any], str]:
    converted = script.convert_deepeval((HERE / name).read_text(encoding="utf-8"),
                                        f"deepeval/metrics/x/templates/{name}", DEEPEVAL, _fragment, "SomeMetric")
    assert converted is not None
    return _split(converted[0])


def _graphrag(script: Any, module: str) -> list[tuple[str, dict[str, Any], str]]:
    found = []
    for name, text in script.python_prompts((HERE / module).read_text(encoding="utf-8")):
        converted = script.convert_python_format(text, name, module, GRAPHRAG, name)
        assert converted is not None
        found.append((name, *_split(converted[0])))
    return found


def test_a_deepeval_template_is_one_user_message_with_its_fragment_inlined(script: Any) -> None:
    fm, body = _deepeval(script, "answer_relevancy.generate_verdicts.txt")
    assert body.startswith("{% user %}\nFor the provided list of statements") and body.endswith("{% enduser %}\n")
    assert "_fragments" not in body and "{% if multimodal %}" in body
    assert _fragment("multimodal_input_rules").strip() in body
    assert fm["variables"]["multimodal"]["type"] == "boolean" and fm["variables"]["multimodal"]["default"] is False
    assert fm["variables"]["statements"] == {"type": "string", "input": True}
    assert (fm["provider"], fm["model"], fm["models"]) == ("openai", "gpt-4.1-mini", {"anthropic": "claude-sonnet-4-6"})


def test_an_indexed_variable_is_a_list(script: Any) -> None:
    fm, _ = _deepeval(script, "g_eval.generate_evaluation_results.txt")
    assert fm["variables"]["score_range"]["type"] == "list"


def test_graphrag_system_prompts_take_the_question_as_the_user_message(script: Any) -> None:
    [(name, fm, body)] = _graphrag(script, "global_search_map_system_prompt.py")
    assert name == "MAP_SYSTEM_PROMPT" and body.startswith("{% system %}\n")
    assert body.endswith("{% user %}\n{{ input }}\n{% enduser %}\n")
    assert fm["variables"]["context_data"] == {"type": "string"}  # in the system message: not marked input
    assert fm["variables"]["input"]["input"] is True


def test_graphrag_format_placeholders_become_variables_and_follow_up_turns_are_left_out(script: Any) -> None:
    found = _graphrag(script, "extract_graph.py")
    assert [name for name, _, _ in found] == ["GRAPH_EXTRACTION_PROMPT"]
    _, fm, body = found[0]
    assert "{{ input_text }}" in body and "{{ entity_types }}" in body and "{input_text}" not in body
    assert set(fm["variables"]) == {"input_text", "entity_types"} and body.startswith("{% user %}\n")
    assert fm["variables"]["input_text"] == {"type": "string", "input": True}


def test_the_converted_prompts_load_and_lint(script: Any, tmp_path: Path) -> None:
    texts = [script.convert_deepeval((HERE / n).read_text(encoding="utf-8"), f"deepeval/metrics/x/templates/{n}",
                                     DEEPEVAL, _fragment, "SomeMetric")[0]
             for n in ("answer_relevancy.generate_verdicts.txt", "bias.generate_opinions.txt",
                       "g_eval.generate_evaluation_results.txt")]
    texts += [script.convert_python_format(t, n, m, GRAPHRAG, n)[0]
              for m in ("summarize_descriptions.py", "extract_graph.py")
              for n, t in script.python_prompts((HERE / m).read_text(encoding="utf-8"))]
    used: set[str] = set()
    for i, text in enumerate(texts):
        script._write(tmp_path, f"p{i}", text, "converted", used)
    report = lint(Registry(tmp_path), None, today=TODAY, jobs=1)
    assert len(report.checked) == 5
    assert not [f for f in report.findings if f.rule in ("REG004", "LOAD001", "LOAD005")], report.findings
    # LOAD002 only asks for sample data for the list g_eval indexes (score_range[0]): no template error
    assert {f.ref for f in report.findings if f.rule == "LOAD002"} <= {"p2@1"}
