"""Prompty v1 and v2 files: model, inputs, role lines, and what is not converted (reported)."""

from __future__ import annotations

from pathlib import Path

from promptctl import render
from promptctl.interop import read_source
from promptctl.registry.registry import Registry

from .conftest import FIXTURES, import_into, messages

PROMPTY = FIXTURES / "prompty"
SYSTEM_V1 = ("You are an AI assistant who helps people find information.\n"
             "As the assistant, you answer questions briefly, succinctly,\n")


def test_v1_front_matter_and_role_lines(registry: Registry):
    [row] = import_into(registry, PROMPTY / "v1-basic.prompty")
    version = registry.get(row.created[0])
    fm = version.front_matter
    assert (fm.provider, fm.model) == ("openai", "gpt-35-turbo")
    assert set(fm.variables) == {"firstName", "lastName", "question"}
    assert fm.metadata["sample"]["firstName"] == "Jane" and fm.metadata["authors"] == ["sethjuarez", "jietong"]
    got = messages(registry, row.created[0], {"firstName": "Jane", "lastName": "Doe", "question": "Why?"})
    assert [role for role, _ in got] == ["system", "user"]
    assert got[0][1].startswith(SYSTEM_V1) and "You are helping Jane Doe to find answers" in got[0][1]
    assert got[1] == ("user", "Why?")
    # the final user message is exactly {{question}}: the end user's text (run NAME - reads it from stdin)
    assert [n for n, v in fm.variables.items() if v.input] == ["question"]


def test_v2_front_matter_inputs_list_and_options(registry: Registry):
    [row] = import_into(registry, PROMPTY / "v2-basic.prompty")
    fm = registry.get(row.created[0]).front_matter
    assert (fm.provider, fm.model, fm.parameters.as_dict()) == ("openai", "gpt-4",
                                                               {"temperature": 0.7, "max_tokens": 1000})
    assert {n: v.default for n, v in fm.variables.items()} == {
        "firstName": "Jane", "lastName": "Doe", "question": "What is the meaning of life?"}
    assert messages(registry, row.created[0])[1] == ("user", "What is the meaning of life?")
    assert fm.variables["question"].input and not fm.variables["firstName"].input


def test_a_chat_history_loop_with_role_lines_is_reported_by_line_and_kept(tmp_path: Path):
    [prompt] = read_source(PROMPTY / "v1-chat.prompty")
    assert prompt.versions[0].front_matter["variables"]["chat_history"]["type"] == "list"  # from `sample: []`
    [finding] = [f for f in prompt.findings if f.kind == "reported"]
    assert finding.where.endswith("v1-chat.prompty:27") and "chat history loop" in finding.message
    assert "{{item.role}}:" in prompt.versions[0].body


def test_thread_input_and_function_tools_are_converted(registry: Registry):
    [thread] = import_into(registry, PROMPTY / "v2-threaded.prompty")
    assert any("{{conversation}} -> {% messages conversation %}" in f.message for f in thread.findings)
    version = registry.get(thread.created[0])
    assert version.front_matter.variables["conversation"].type == "messages"
    history = [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello!"}]
    body = render(version, "openai", "gpt-4.1-mini", conversation=history, question="Weather?").body
    assert body["messages"] == [{"role": "system", "content": "You are a helpful assistant."}, *history,
                                {"role": "user", "content": "Weather?"}]
    [tools] = import_into(registry, PROMPTY / "v2-tools_function.prompty")
    version = registry.get(tools.created[0])
    assert [t.name for t in version.front_matter.tools] == ["get_current_weather", "create_a_picture"]
    assert any("tools (get_current_weather, create_a_picture) -> tools:" in f.message for f in tools.findings)
    body = render(version, "openai", "gpt-4.1-mini", question="Weather in Paris?").body
    weather = body["tools"][0]["function"]
    assert weather["strict"] is True and weather["parameters"]["required"] == ["location", "unit"]
    assert weather["parameters"]["properties"]["unit"] == {
        "type": ["string", "null"], "description": "Temperature unit", "enum": ["celsius", "fahrenheit", None]}
    claude = render(version, "anthropic", "claude-haiku-4-5", question="Hi").body
    assert claude["tools"][1]["name"] == "create_a_picture"
    # a tool of another kind (MCP) is kept in metadata and reported, with the promptctl construct to use
    [mcp] = import_into(registry, PROMPTY / "v2-tools_mcp.prompty")
    assert [t["kind"] for t in registry.get(mcp.created[0]).front_matter.metadata["prompty_tools"]] == ["mcp"]
    assert any("write them as promptctl tools (tools: in the front matter" in f.message for f in mcp.findings)
    assert not any("(issue " in f.message for f in [*tools.findings, *thread.findings, *mcp.findings])


def test_prompty_function_tools_match_promptys_own_wire_conformance_vectors():
    """Each OpenAI chat vector with tools of Prompty's spec (fixtures/interop/prompty/wire-tool-vectors.json) gives
    the request's ``tools`` exactly as Prompty sends them."""
    import json

    from promptctl.interop.model import ImportedPrompt
    from promptctl.interop.prompty import _tools

    vectors = json.loads((PROMPTY / "wire-tool-vectors.json").read_text(encoding="utf-8"))["vectors"]
    assert [v["name"] for v in vectors] == ["kind_to_json_type_mapping", "tools_bindings_stripped",
                                            "tools_function_wire", "tools_strict_mode"]
    for vector in vectors:
        metadata: dict = {}
        converted = _tools(vector["input"]["tools"], ImportedPrompt("x", "x", "prompty"), "x.prompty", metadata)
        assert converted == vector["expected"]["request_body"]["tools"], vector["name"]
        assert metadata == {}


def test_an_invalid_expression_in_a_prompty_body_is_escaped(tmp_path: Path, registry: Registry):
    path = tmp_path / "n8n.prompty"
    path.write_text("---\nname: n8n helper\ninputs:\n  question: {type: string}\n---\nsystem:\n"
                    "The node reads {{ $json['name'] }}.\nuser:\n{{question}}\n")
    [row] = import_into(registry, path)
    assert row.name == "n8n-helper" and row.count("escaped") == 1
    assert messages(registry, "n8n-helper@1", {"question": "q"}) == [
        ("system", "The node reads {{ $json['name'] }}."), ("user", "q")]


def test_inputs_given_by_reference_and_undeclared_variables_are_reported_and_declared(tmp_path: Path):
    path = tmp_path / "ref.prompty"
    path.write_text("---\nname: file-ref\nmodel:\n  id: gpt-4\n  connection: ${env:CONN}\ninputs: ${file:schema.json}\n"
                    "---\nsystem:\nHelp.\n\nuser:\n{{question}}\n")
    [prompt] = read_source(path)
    fm = prompt.versions[0].front_matter
    assert fm["variables"] == {"question": {"type": "string"}}
    assert fm["metadata"]["prompty_inputs"] == "${file:schema.json}"
    messages = [f.message for f in prompt.findings if f.kind == "reported"]
    assert any("without declaring them" in m for m in messages) and any("prompty_inputs" in m for m in messages)


def test_the_sample_becomes_the_prompts_sample_input_fixture(registry: Registry):
    # Prompty's `sample` is what its tools render with; promptctl's place for it is fixtures/<name>/sample.yaml
    # (what `diff` and snapshot suites read), so the imported prompt renders without typing every --var
    import yaml

    [row] = import_into(registry, PROMPTY / "v1-basic.prompty")
    sample = registry.root.parent / "fixtures" / row.name / "sample.yaml"
    assert row.sample == str(sample)
    values = yaml.safe_load(sample.read_text())
    assert values["firstName"] == "Jane" and set(values) == {"firstName", "lastName", "question"}
    assert "You are helping Jane Doe" in messages(registry, row.created[0], values)[0][1]
    sample.write_text("firstName: Ada\n")  # an edited sample is never overwritten by a re-import
    import_into(registry, PROMPTY / "v1-basic.prompty")
    assert sample.read_text() == "firstName: Ada\n"


def test_outputs_become_the_output_schema_of_a_structured_version(registry: Registry):
    """trial-21: Prompty's `outputs` (the fields of a structured answer) were dropped without a report."""
    [row] = import_into(registry, PROMPTY / "v2-anthropic_structured.prompty")
    version = registry.get(row.created[0])
    fm = version.front_matter
    assert fm.strategy.name == "structured" and fm.output is not None and fm.output.format == "json"
    assert fm.output.json_schema == {
        "type": "object",
        "properties": {"city": {"type": "string", "description": "The city name"},
                       "temperature": {"type": "number", "description": "The temperature in Fahrenheit"}},
        "required": ["city", "temperature"], "additionalProperties": False}
    assert any(f.kind == "converted" and "outputs (city, temperature)" in f.message for f in row.findings)


def test_outputs_nest_and_an_unknown_kind_is_kept_and_reported(tmp_path: Path):
    source = tmp_path / "extract.prompty"
    source.write_text("---\nname: extract\nmodel: {id: gpt-4.1-mini, provider: openai}\noutputs:\n"
                      "  - {name: people, kind: array,\n"
                      "     items: {kind: object, properties: [{name: who, kind: string}]}}\n"
                      "  - {name: note, kind: string, required: false}\n---\nuser:\n{{text}}\n")
    [prompt] = read_source(source)
    schema = prompt.versions[0].front_matter["output"]["schema"]
    assert schema["properties"]["people"] == {"type": "array", "items": {
        "type": "object", "properties": {"who": {"type": "string"}}, "required": ["who"]}}
    assert schema["required"] == ["people"]
    source.write_text(source.read_text().replace("kind: string, required", "kind: image, required"))
    [prompt] = read_source(source)
    fm = prompt.versions[0].front_matter
    assert "output" not in fm and fm["metadata"]["prompty_outputs"][1]["kind"] == "image"
    assert any(f.kind == "reported" and "metadata.prompty_outputs" in f.message for f in prompt.findings)


def test_the_sources_own_metadata_is_kept_and_a_mustache_body_is_reported(tmp_path: Path):
    """trial-21: `metadata: {version, custom_field}` of Prompty's rich_metadata.prompty was dropped silently, and a
    `template: {format: {kind: mustache}}` body was imported as Jinja2 with only per-line escapes to say so."""
    source = tmp_path / "rich.prompty"
    source.write_text("---\nname: rich-metadata\nmetadata:\n  authors: [alice]\n  tags: [production]\n"
                      "  version: \"2.0\"\n  custom_field: hello\nmodel: {id: gpt-4}\n---\nsystem:\nHello world.\n")
    [prompt] = read_source(source)
    metadata = prompt.versions[0].front_matter["metadata"]
    assert metadata["prompty_metadata"] == {"version": "2.0", "custom_field": "hello"}
    assert metadata["authors"] == ["alice"] and prompt.versions[0].front_matter["tags"] == ["production"]
    assert not [f for f in prompt.findings if f.kind == "reported"]
    source.write_text("---\nname: m\nmodel: {id: gpt-4}\ntemplate:\n  format: {kind: mustache}\n---\nuser:\n"
                      "{{#items}}- {{.}}\n{{/items}}\n")
    [prompt] = read_source(source)
    [report] = [f for f in prompt.findings if f.kind == "reported"]
    assert "template format 'mustache': the body is read as Jinja2" in report.message
    assert len([f for f in prompt.findings if f.kind == "escaped"]) == 3
    source.write_text(source.read_text().replace("template:\n  format: {kind: mustache}\n", "template: jinja2\n"))
    [prompt] = read_source(source)
    assert not [f for f in prompt.findings if f.kind == "reported"]
