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
