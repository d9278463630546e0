"""TOOL001-003: tool definitions without a description, with untyped or undeclared parameters."""

from __future__ import annotations

import json

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
