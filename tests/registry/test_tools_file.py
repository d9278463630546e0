"""Tools in the front matter and in a tools file: validated on load, covered by the version's sha256 (issue 19)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from promptctl.errors import FrontMatterError, IntegrityError
from promptctl.registry.frontmatter import bundle_sha256, content_sha256
from promptctl.registry.lifecycle import verify
from promptctl.registry.registry import Registry
from tests.conftest import run_cli

TOOLS = [{"name": "get_weather", "description": "Weather in a city.",
          "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}}]
VERSION = """---
provider: openai
model: gpt-4.1-mini
tools: tools.json
tool_choice: {name: get_weather}
---
{% user %}Weather in Paris?{% enduser %}
"""


def project(tmp_path: Path, version: str = VERSION, tools: object = TOOLS, name: str = "tools.json") -> Path:
    folder = tmp_path / "prompts" / "weather"
    folder.mkdir(parents=True)
    (folder / "v1.j2").write_text(version, encoding="utf-8")
    if tools is not None:
        (folder / name).write_text(json.dumps(tools, indent=2) if name.endswith(".json") else str(tools),
                                   encoding="utf-8")
    (tmp_path / "promptctl.toml").write_text("")
    return tmp_path


def test_the_tools_file_is_read_and_hashed_with_the_version(tmp_path: Path) -> None:
    root = project(tmp_path)
    version = Registry(root / "prompts").get("weather@1")
    tools = version.prompt().tools
    assert tools is not None and [t.name for t in tools.tools] == ["get_weather"] and tools.forced == "get_weather"
    folder = root / "prompts" / "weather"
    expected = bundle_sha256(content_sha256((folder / "v1.j2").read_bytes()),
                             {"tools.json": content_sha256((folder / "tools.json").read_bytes())})
    assert version.sha256 == expected != content_sha256((folder / "v1.j2").read_bytes())


def test_editing_the_tools_file_of_a_published_version_is_exit_4_naming_it(tmp_path: Path) -> None:
    root = project(tmp_path)
    assert run_cli("publish", "weather", cwd=root).returncode == 0
    assert run_cli("verify", cwd=root).returncode == 0
    tools_file = root / "prompts" / "weather" / "tools.json"
    tools_file.write_text(tools_file.read_text().replace("Weather in a city.", "Weather anywhere."))
    result = run_cli("verify", cwd=root)
    assert result.returncode == 4
    assert f"{tools_file}: the tools file of published weather@1 was modified" in result.stderr
    run = run_cli("render", "weather", cwd=root)
    assert run.returncode == 4 and f"error: {tools_file}: the tools file of published version weather@1 was " \
                                   "modified" in run.stderr
    tools_file.unlink()
    assert [p.message for p in verify(Registry(root / "prompts"))] == [
        f"{tools_file}: the tools file of published weather@1 is missing"]


def test_editing_the_version_file_still_names_the_version_file(tmp_path: Path) -> None:
    root = project(tmp_path)
    Registry(root / "prompts").publish("weather")
    version_file = root / "prompts" / "weather" / "v1.j2"
    version_file.write_text(VERSION.replace("Paris", "Rome"))
    with pytest.raises(IntegrityError, match=f"{version_file}: published version weather@1 was modified"):
        Registry(root / "prompts").get("weather@1")


@pytest.mark.parametrize(("tools", "message"), [
    ([{"name": "get_weather", "parameters": {"type": "object", "properties": {"city": {"type": "strin"}}}}],
     r"tools.json: tool 'get_weather': parameters.properties.city.type: 'strin' is not valid"),
    ([{"name": "get_weather", "parameters": {"type": "object", "required": "city"}}],
     r"tool 'get_weather': parameters.required: 'city' is not of type 'array'"),
    ([{"name": "get_weather", "parameters": {"type": "string"}}],
     r"tool 'get_weather': parameters.type must be 'object'"),
    ([{"name": "get weather"}], r"tool 'get weather': name: Value error, tool name|tool name 'get weather' must be"),
    ([{"description": "no name"}], r"tool 1: name: missing"),
    ([{"name": "get_weather", "colour": "red"}], r"tool 'get_weather': colour: unknown field"),
    ({"name": "get_weather"}, r"a tools file holds a list of tools"),
    ([{"name": "lookup"}], r"tool_choice names 'get_weather', which is not a declared tool \(tools: lookup\)"),
    ([TOOLS[0], TOOLS[0]], r"two tools are named 'get_weather'"),
])
def test_an_invalid_tools_file_names_the_tool_and_field(tmp_path: Path, tools: object, message: str) -> None:
    root = project(tmp_path, tools=tools)
    with pytest.raises(FrontMatterError, match=message):
        Registry(root / "prompts").get("weather@1")


def test_invalid_tools_in_the_front_matter_name_the_tool_and_field(tmp_path: Path) -> None:
    text = VERSION.replace("tools: tools.json", "tools:\n  - name: get_weather\n    parameters:\n      type: object\n"
                                               "      properties: {city: {type: 12}}")
    root = project(tmp_path, text, tools=None)
    result = run_cli("render", "weather@1", cwd=root)
    assert result.returncode == 2
    assert ("v1.j2:4: front matter field 'tools': tool 'get_weather': parameters.properties.city.type: 12 is not "
            "valid under any of the given schemas (not valid JSON Schema)") in result.stderr
    assert "Traceback" not in result.stderr


def test_a_yaml_tools_file_and_a_missing_one(tmp_path: Path) -> None:
    text = VERSION.replace("tools.json", "tools.yaml")
    root = project(tmp_path, text, tools="tools:\n  - name: get_weather\n    parameters: {type: object}\n",
                   name="tools.yaml")
    assert Registry(root / "prompts").get("weather@1").prompt().tools is not None
    (root / "prompts" / "weather" / "tools.yaml").unlink()
    with pytest.raises(FrontMatterError, match=r"tools file .*tools.yaml does not exist"):
        Registry(root / "prompts").get("weather@1")


@pytest.mark.parametrize("name", ["../tools.json", "sub/tools.json", "tools.txt"])
def test_a_tools_file_outside_the_folder_or_of_another_kind_is_refused(tmp_path: Path, name: str) -> None:
    root = project(tmp_path, VERSION.replace("tools.json", name), tools=None)
    with pytest.raises(FrontMatterError, match="must be a list of tools, or the name of a .json or .yaml file"):
        Registry(root / "prompts").get("weather@1")


def test_a_tools_file_named_over_several_lines_is_refused(tmp_path: Path) -> None:
    root = project(tmp_path, VERSION.replace("tools: tools.json", "tools: >-\n  tools.json"))
    with pytest.raises(FrontMatterError, match="write the tools file on one line of its own"):
        Registry(root / "prompts").get("weather@1")
