"""A new user's first tool-using prompt (trial of issue 19): what `run` prints and how errors read."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from promptctl.testing import LoopbackLLMServer
from promptctl.testing.server import ScriptedReply, ToolCall
from tests.conftest import run_cli

TOOLS = [
    {"name": "get_weather", "description": "Current weather for a city",
     "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}},
    {"name": "get_forecast", "description": "Forecast for the next days",
     "parameters": {"type": "object", "properties": {"city": {"type": "string"}, "days": {"type": "integer"}},
                    "required": ["city", "days"]}},
]

PROMPT = """---
provider: openai
model: gpt-4.1-mini
tools: tools.json
tool_choice: auto
variables:
  question: {type: string, input: true}
---
{% system %}You are a weather assistant. Use the tools; never guess the weather.{% endsystem %}
{% user %}{{ question }}{% enduser %}
"""


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("weather")
    assert run_cli("init", cwd=root).returncode == 0
    folder = root / "prompts" / "weather"
    folder.mkdir(parents=True)
    (folder / "v1.j2").write_text(PROMPT)
    (folder / "tools.json").write_text(json.dumps(TOOLS))
    return root


def test_run_prints_the_tool_calls_of_a_reply_without_text(project: Path, server: LoopbackLLMServer) -> None:
    server.replies = [ScriptedReply(tool_calls=(ToolCall({"city": "Bergen", "days": 2}, name="get_forecast",
                                                         id="call_7"),))]
    result = run_cli("run", "weather@1", "Bergen, the next two days?", "--provider", "openai", cwd=project,
                     env=server.env())
    assert result.returncode == 0, result.stderr
    assert result.stdout == '[tool call get_forecast {"city": "Bergen", "days": 2} id call_7]\n'


def test_run_prints_text_then_tool_calls_from_a_fake_script_written_as_an_object(project: Path) -> None:
    script = [{"text": "Checking.", "tool_calls": [{"name": "get_weather", "arguments": {"city": "Zürich"}}]}]
    result = run_cli("run", "weather@1", "Zürich?", "--provider", "fake", cwd=project,
                     env={"PROMPTCTL_FAKE_REPLIES": json.dumps(script)})
    assert result.returncode == 0, result.stderr
    assert result.stdout == 'Checking.\n[tool call get_weather {"city": "Zürich"} id call_fake_1]\n'


def test_a_fake_script_item_of_another_shape_names_the_accepted_shapes(project: Path) -> None:
    result = run_cli("run", "weather@1", "Oslo?", "--provider", "fake", cwd=project,
                     env={"PROMPTCTL_FAKE_REPLIES": '[{"txt": "hi"}]'})
    assert result.returncode == 2
    assert "expected a reply text, a {text, tool_calls} object or an {error, status} object" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize(("line", "message"), [
    ("tool_choice: requird", "front matter field 'tool_choice' is 'requird', which is not one of auto, none, "
                             "required"),
    ("reasoning: high", "front matter field 'reasoning' must be a mapping (e.g. {key: value}), not 'high'"),
])
def test_a_front_matter_error_names_the_field_not_pydantic_internals(
        project: Path, line: str, message: str) -> None:
    folder = project / "prompts" / "weather"
    (folder / "v2.j2").write_text(PROMPT.replace("tool_choice: auto", line))
    try:
        result = run_cli("render", "weather@2", "--var", "question=x", cwd=project)
    finally:
        (folder / "v2.j2").unlink()
    assert result.returncode == 2
    assert message in result.stderr
    assert "literal[" not in result.stderr and "ReasoningSpec" not in result.stderr


# --- run --tool-results: one more round with the tool calls answered (issue 19 item 2) ------------------------


def test_tool_results_answer_the_call_and_the_second_reply_is_the_output_openai(
    project: Path, server: LoopbackLLMServer, tmp_path: Path
) -> None:
    server.replies = [ScriptedReply(tool_calls=(ToolCall({"city": "Bergen"}, name="get_weather", id="call_7"),)),
                      "It is 4 C and raining in Bergen."]
    results = tmp_path / "results.yaml"
    results.write_text("get_weather: {temp_c: 4, sky: rain}\n")
    result = run_cli("run", "weather@1", "Weather in Bergen?", "--provider", "openai", "--tool-results",
                     str(results), "--json", cwd=project, env=server.env())
    assert result.returncode == 0, result.stderr
    record = json.loads(result.stdout)
    assert record["output"] == "It is 4 C and raining in Bergen."
    assert record["details"]["tool_round"]["tool_calls"] == [
        {"id": "call_7", "name": "get_weather", "arguments": {"city": "Bergen"}}]
    assert len(server.requests) == 2
    second = server.requests[1].body["messages"]
    assert second[-2] == {"role": "assistant", "content": None, "tool_calls": [
        {"id": "call_7", "type": "function", "function": {"name": "get_weather", "arguments": '{"city": "Bergen"}'}}]}
    assert second[-1] == {"role": "tool", "tool_call_id": "call_7", "content": '{"temp_c": 4, "sky": "rain"}'}
    assert server.requests[1].body["tools"] == server.requests[0].body["tools"]
    assert record["details"]["tool_round"]["results"] == [
        {"tool_call_id": "call_7", "content": '{"temp_c": 4, "sky": "rain"}', "is_error": False}]
    shown = run_cli("log", "show", record["run_id"], cwd=project)
    assert shown.returncode == 0, shown.stderr
    round_text = shown.stdout.split("=== tool round", 1)[1].split("=== output", 1)[0]
    assert '[tool call get_weather {"city": "Bergen"} id call_7]' in round_text
    assert '[tool result of call_7] {"temp_c": 4, "sky": "rain"}' in round_text


def test_tool_results_by_call_id_reach_claude_as_a_tool_result_block(
    project: Path, server: LoopbackLLMServer, tmp_path: Path
) -> None:
    server.replies = [ScriptedReply(tool_calls=(ToolCall({"city": "Oslo"}, name="get_weather", id="toolu_3"),)),
                      "Sunny in Oslo."]
    results = tmp_path / "results.json"
    results.write_text(json.dumps([{"id": "toolu_3", "content": "sunny, 12 C"}]))
    result = run_cli("run", "weather@1", "Oslo?", "--model", "anthropic:claude-sonnet-4-5", "--tool-results",
                     str(results), cwd=project, env=server.env())
    assert result.returncode == 0, result.stderr
    assert result.stdout == "Sunny in Oslo.\n"
    turns = server.requests[1].body["messages"]
    assert turns[-2]["role"] == "assistant"
    assert turns[-2]["content"][-1] == {"type": "tool_use", "id": "toolu_3", "name": "get_weather",
                                        "input": {"city": "Oslo"}}
    assert turns[-1] == {"role": "user", "content": [{"type": "tool_result", "tool_use_id": "toolu_3",
                                                      "content": "sunny, 12 C"}]}


def test_a_tool_call_without_a_result_is_one_error_line_after_the_first_call_only(
    project: Path, server: LoopbackLLMServer, tmp_path: Path
) -> None:
    server.replies = [ScriptedReply(tool_calls=(ToolCall({"city": "Rome", "days": 3}, name="get_forecast",
                                                         id="call_1"),)), "unused"]
    results = tmp_path / "results.yaml"
    results.write_text("get_weather: sunny\n")
    result = run_cli("run", "weather@1", "Rome?", "--provider", "openai", "--tool-results", str(results),
                     cwd=project, env=server.env())
    assert result.returncode == 2
    assert "no result for the model's call of 'get_forecast' (id call_1)" in result.stderr
    assert "given: get_weather" in result.stderr and "Traceback" not in result.stderr
    assert len(server.requests) == 1


def test_a_reply_without_tool_calls_is_the_output_with_a_warning(project: Path, server: LoopbackLLMServer,
                                                                  tmp_path: Path) -> None:
    server.replies = ["I cannot check the weather."]
    results = tmp_path / "results.yaml"
    results.write_text("get_weather: sunny\n")
    result = run_cli("run", "weather@1", "Rome?", "--provider", "openai", "--tool-results", str(results),
                     cwd=project, env=server.env())
    assert result.returncode == 0
    assert result.stdout == "I cannot check the weather.\n"
    assert "the model made no tool call: --tool-results was not used" in result.stderr


def test_a_tool_results_file_that_is_not_a_mapping_or_list_is_refused(project: Path, tmp_path: Path) -> None:
    results = tmp_path / "results.yaml"
    results.write_text("just text\n")
    result = run_cli("run", "weather@1", "Rome?", "--provider", "fake", "--tool-results", str(results),
                     cwd=project)
    assert result.returncode == 2
    assert "tool results must be a mapping or a list, not str" in result.stderr


def test_a_dry_run_with_tool_results_says_the_answer_round_is_not_priced(project: Path, tmp_path: Path) -> None:
    results = tmp_path / "results.yaml"
    results.write_text("get_weather: {temp_c: 4}\n")
    result = run_cli("run", "weather@1", "Rome?", "--provider", "openai", "--tool-results", str(results),
                     "--dry-run", cwd=project)
    assert result.returncode == 0, result.stderr
    assert "--tool-results: priced as the first call only" in result.stdout + result.stderr
