"""TOOL001-003: tool definitions without a description, with untyped or undeclared parameters."""

from __future__ import annotations

import json

import pytest

from tests.lint.conftest import Project
from tests.lint.test_caching import TOOLS


def _tool(parameters: dict[str, object], description: str | None = "Status and carrier of an order") -> str:
    tool = {"name": "get_order_status", "parameters": parameters,
            **({"description": description} if description is not None else {})}
    return "  - " + json.dumps(tool)


TYPED = {"type": "object", "properties": {"order_id": {"type": "string"}}, "required": ["order_id"]}


def test_a_complete_tool_passes_every_tool_rule(project: Project) -> None:
    project.write("orders", TOOLS.format(tools=_tool(TYPED)))
    assert not [f for f in project.lint(["orders@1"]) if f.rule.startswith("TOOL")]


def test_tool001_a_tool_without_a_description(project: Project) -> None:
    project.write("orders", TOOLS.format(tools=_tool(TYPED, description=None)))
    [finding] = [f for f in project.lint(["orders@1"]) if f.rule == "TOOL001"]
    assert finding.message == "tool 'get_order_status' has no description" and finding.line == 5


def test_tool002_a_parameter_without_a_type(project: Project) -> None:
    params = {"type": "object", "properties": {"order_id": {"description": "NW-123456"},
                                               "carrier": {"enum": ["ups", "dhl"]}}}
    project.write("orders", TOOLS.format(tools=_tool(params)))
    [finding] = [f for f in project.lint(["orders@1"]) if f.rule == "TOOL002"]
    assert finding.message == "tool 'get_order_status': parameter(s) without a type: order_id"


def test_tool003_a_required_parameter_missing_from_properties(project: Project) -> None:
    params = {**TYPED, "required": ["order_id", "email"]}
    project.write("orders", TOOLS.format(tools=_tool(params)))
    [finding] = [f for f in project.lint(["orders@1"]) if f.rule == "TOOL003"]
    assert finding.message == "tool 'get_order_status': required parameter(s) not in properties: email"
    assert finding.severity == "error"


def test_the_rules_read_a_tools_file(project: Project) -> None:
    folder = project.write("orders", TOOLS.format(tools="").replace("tools:\n", "tools: tools.json\n")).parent
    (folder / "tools.json").write_text(json.dumps([{"name": "get_order_status", "parameters": TYPED}]))
    assert [f.rule for f in project.lint(["orders@1"]) if f.rule.startswith("TOOL")] == ["TOOL001"]


CLAUDE = TOOLS.replace("provider: openai\nmodel: gpt-4.1-mini\n",
                       "provider: anthropic\nmodel: claude-sonnet-4-6\nparameters: {{max_tokens: 4000}}\n")


def test_prov006_thinking_with_a_forced_tool_choice(project: Project) -> None:
    text = CLAUDE.format(tools=_tool(TYPED)).replace(
        "variables:", "reasoning: {budget_tokens: 2048}\ntool_choice: {name: get_order_status}\nvariables:")
    project.write("orders", text)
    [finding] = [f for f in project.lint(["orders@1"]) if f.rule == "PROV006"]
    assert "cannot be combined with tool_choice: {name: get_order_status}" in finding.message
    assert finding.fix is not None and "tool_choice: auto" in finding.fix


def test_prov006_thinking_with_a_forced_tool_of_a_tools_file(project: Project) -> None:
    text = CLAUDE.format(tools="").replace("tools:\n", "tools: tools.json\n").replace(
        "variables:", "reasoning: {budget_tokens: 2048}\ntool_choice: required\nvariables:")
    folder = project.write("orders", text).parent
    (folder / "tools.json").write_text(json.dumps([{"name": "get_order_status", "description": "d",
                                                    "parameters": TYPED}]))
    [finding] = [f for f in project.lint(["orders@1"]) if f.rule == "PROV006"]
    assert "cannot be combined with tool_choice: required" in finding.message


@pytest.mark.parametrize(("base", "front", "message"), [
    (TOOLS, "reasoning: {effort: low}", "gpt-4.1-mini has no reasoning settings"),
    (CLAUDE.replace("{{max_tokens: 4000}}", "{{max_tokens: 4000, temperature: 0.2}}"),
     "reasoning: {budget_tokens: 2048}", "temperature cannot be set with extended thinking"),
])
def test_prov006_reasoning_settings_the_model_refuses(project: Project, base: str, front: str, message: str) -> None:
    project.write("orders", base.format(tools=_tool(TYPED)).replace("variables:", f"{front}\nvariables:"))
    [finding] = [f for f in project.lint(["orders@1"]) if f.rule == "PROV006"]
    assert message in finding.message
