"""TOOL001-006: tool definitions without a description, with untyped or undeclared parameters; reasoning settings
a model refuses (issue 19 item 6)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from promptctl.lint import LintSettings, lint
from promptctl.lint.model import RULES
from promptctl.registry.registry import Registry
from tests.lint.conftest import GOOD, TODAY, Project, edit
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


def test_tool004_thinking_with_a_forced_tool_choice_not_prov006(project: Project) -> None:
    text = CLAUDE.format(tools=_tool(TYPED)).replace(
        "variables:", "reasoning: {budget_tokens: 2048}\ntool_choice: {name: get_order_status}\nvariables:")
    project.write("orders", text)
    found = project.lint(["orders@1"])
    [finding] = [f for f in found if f.rule == "TOOL004"]
    assert "with tool_choice: {name: get_order_status}: Claude refuses a forced tool choice" in finding.message
    assert "tool_choice: auto" in finding.fix and not [f for f in found if f.rule == "PROV006"]


def test_tool004_thinking_with_a_forced_tool_of_a_tools_file(project: Project) -> None:
    text = CLAUDE.format(tools="").replace("tools:\n", "tools: tools.json\n").replace(
        "variables:", "reasoning: {budget_tokens: 2048}\ntool_choice: required\nvariables:")
    folder = project.write("orders", text).parent
    (folder / "tools.json").write_text(json.dumps([{"name": "get_order_status", "description": "d",
                                                    "parameters": TYPED}]))
    [finding] = [f for f in project.lint(["orders@1"]) if f.rule == "TOOL004"]
    assert "with tool_choice: required: Claude refuses" in finding.message


@pytest.mark.parametrize(("base", "front", "rule", "message"), [
    (TOOLS, "reasoning: {effort: low}", "TOOL005", "gpt-4.1-mini has no reasoning settings"),
    (CLAUDE.replace("{{max_tokens: 4000}}", "{{max_tokens: 4000, temperature: 0.2}}"),
     "reasoning: {budget_tokens: 2048}", "TOOL006", "parameters.temperature (0.2) with extended thinking"),
])
def test_reasoning_settings_the_model_refuses_are_tool_findings(project: Project, base: str, front: str, rule: str,
                                                                message: str) -> None:
    project.write("orders", base.format(tools=_tool(TYPED)).replace("variables:", f"{front}\nvariables:"))
    found = project.lint(["orders@1"])
    [finding] = [f for f in found if f.rule == rule]
    assert message in finding.message and not [f for f in found if f.rule == "PROV006"]


WITH_TOOLS = edit(GOOD, "variables:", """tools:
  - name: get_order_status
    description: Look up an order by its id; returns its status and items.
    parameters: {type: object, properties: {order_id: {type: string}}, required: [order_id]}
variables:""")

THINKING = edit(edit(WITH_TOOLS, "parameters: {temperature: 0.2, max_tokens: 400}",
                     "parameters: {max_tokens: 4000}\nreasoning: {budget_tokens: 2048}"),
                "variables:", "tool_choice: {name: get_order_status}\nvariables:")


def test_tool004_thinking_with_a_forced_tool_is_a_finding_not_a_prov006(project: Project) -> None:
    project.write("p", THINKING)
    project.publish("p")
    found = project.lint(["p"])
    [finding] = [f for f in found if f.rule == "TOOL004"]
    assert finding.severity == "error" and finding.fix == RULES["TOOL004"].fix
    assert finding.message == ("anthropic:claude-sonnet-4-6: reasoning.budget_tokens (extended thinking) with "
                               "tool_choice: {name: get_order_status}: Claude refuses a forced tool choice while "
                               "thinking")
    assert finding.line == THINKING.splitlines().index("tool_choice: {name: get_order_status}") + 1
    assert not [f for f in found if f.rule in ("PROV006", "LOAD001", "LOAD002", "LOAD003")]


def test_tool004_thinking_with_tool_choice_auto_passes(project: Project) -> None:
    assert project.found(edit(THINKING, "tool_choice: {name: get_order_status}", "tool_choice: auto"),
                         "TOOL004") == []


def test_tool005_reasoning_on_a_model_without_reasoning(project: Project) -> None:
    text = edit(GOOD, "variables:", "reasoning: {effort: low}\nvariables:")  # claude-sonnet-4-6 + gpt-4.1-mini
    project.write("p", text)
    project.publish("p")
    findings = project.lint(["p"])
    [finding] = [f for f in findings if f.rule == "TOOL005"]
    assert finding.severity == "error" and finding.fix == RULES["TOOL005"].fix
    assert finding.message == "openai:gpt-4.1-mini has no reasoning settings, so reasoning: cannot be applied"
    assert finding.line == text.splitlines().index("  openai: gpt-4.1-mini") + 1  # a secondary target: its model
    assert not [f for f in findings if f.rule == "PROV006"]


def test_tool005_a_reasoning_model_passes(project: Project) -> None:
    text = edit(edit(GOOD, "variables:", "reasoning: {effort: low}\nvariables:"), "openai: gpt-4.1-mini",
                "openai: o4-mini")
    text = edit(text, "parameters: {temperature: 0.2, max_tokens: 400}", "parameters: {max_tokens: 400}")
    assert project.found(text, "TOOL005") == []


def test_tool006_temperature_with_thinking(project: Project) -> None:
    text = edit(GOOD, "parameters: {temperature: 0.2, max_tokens: 400}",
                "parameters: {temperature: 0.2, max_tokens: 4000}\nreasoning: {budget_tokens: 2048}")
    project.write("p", text)
    project.publish("p")
    findings = project.lint(["p"])
    [finding] = [f for f in findings if f.rule == "TOOL006"]
    assert finding.severity == "error" and finding.fix == RULES["TOOL006"].fix
    assert finding.message == ("anthropic:claude-sonnet-4-6: parameters.temperature (0.2) with extended thinking "
                               "(reasoning.budget_tokens): Claude refuses it")
    assert finding.line == 7
    assert not [f for f in findings if f.rule == "PROV006"]


def test_tool006_temperature_1_with_thinking_passes(project: Project) -> None:
    text = edit(GOOD, "parameters: {temperature: 0.2, max_tokens: 400}",
                "parameters: {temperature: 1, max_tokens: 4000}\nreasoning: {budget_tokens: 2048}")
    assert project.found(text, "TOOL006") == []


def test_the_order_status_example_is_clean(tmp_path: Path) -> None:
    repo = Path(__file__).resolve().parents[2]
    shutil.copytree(repo / "prompts" / "order-status", tmp_path / "prompts" / "order-status")
    result = lint(Registry(tmp_path / "prompts"), ["order-status"], settings=LintSettings(), today=TODAY, jobs=1)
    assert result.checked and [f.format() for f in result.findings if f.severity != "info"] == []
