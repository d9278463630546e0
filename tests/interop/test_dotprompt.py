"""Dotprompt: its own spec tests as the reference for the Handlebars conversion, Picoschema, files, export."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from promptctl import render
from promptctl.adapters.base import markdown_text
from promptctl.interop import dotprompt, read_source
from promptctl.interop.handlebars import convert_handlebars
from promptctl.interop.schemas import picoschema_to_json_schema
from promptctl.registry.registry import Registry
from promptctl.templating.environment import render_prompt

from .conftest import FIXTURES, import_into, messages, requests

SPEC = FIXTURES / "dotprompt" / "spec"
ROLES = {"model": "assistant"}


def _spec_cases() -> list[Any]:
    cases = []
    for path in sorted(SPEC.glob("*.yaml")):
        if path.name == "picoschema.yaml":
            continue
        for suite in yaml.safe_load(path.read_text()):
            for test in suite.get("tests", []):
                cases.append(pytest.param(suite, test, id=f"{path.stem}-{suite['name']}-{test['desc'][:30]}"))
    return cases


def _expected(test: dict[str, Any]) -> list[tuple[str, str]]:
    out = []
    for m in test["expect"].get("messages", []):
        text = "".join(part.get("text", "") or _media_text(part.get("media")) for part in m["content"])
        out.append((ROLES.get(m["role"], m["role"]), "\n".join(line.rstrip() for line in text.split("\n")).strip()))
    return out


@pytest.mark.parametrize(("suite", "test"), _spec_cases())
def test_dotprompt_spec(suite: dict[str, Any], test: dict[str, Any]):
    """Every spec test renders the reference's text, or its construct is reported by line (never dropped)."""
    partials = {**(suite.get("partials") or {}), **(suite.get("resolverPartials") or {})}
    conversion = convert_handlebars(suite["template"], where="spec", partials=partials.get)
    reported = [f for f in conversion.findings if f.kind == "reported"]
    data = {**(suite.get("data") or {}), **(test.get("data") or {})}
    if reported:
        # {{media}} of a content type in a variable, video or audio, {{json this}}: no promptctl equivalent.
        # Each is reported at its line and stays in the body (as a comment or literal text).
        assert all(f.where.startswith("spec:") and int(f.where.split(":")[1]) >= 1 for f in reported)
        for finding in reported:
            assert finding.message.split("kept as ")[-1].split(": ", 1)[-1][:10] in conversion.body
        return
    # History given at run time without a {{history}} tag is appended by Dotprompt's runtime, not by the
    # template: compare the template's own messages.
    history = _expected({"expect": {"messages": data.get("messages") or []}})
    values = {**((test.get("options") or {}).get("input", {}).get("default") or {}), **(data.get("input") or {})}
    if conversion.history:  # {{history}} -> {% messages history %}: the spec's messages are its value
        values["history"] = data.get("messages") or []
        history = []
    if conversion.media:  # promptctl sends https URLs by reference; the spec's http:// URLs stand for them
        values = {k: v.replace("http://", "https://") if k in conversion.media else v for k, v in values.items()}
        test = yaml.safe_load(yaml.safe_dump(test).replace("http://", "https://"))
    prompt = render_prompt(conversion.body, values, where=suite["name"])
    expected = [m for m in _expected(test) if m not in history]
    got = [(m.role, "".join(_media_text({"url": p.url}) if hasattr(p, "url") else markdown_text([p])
                            for p in m.parts)) for m in prompt.messages]
    assert got == expected


def _media_text(media: dict[str, Any] | None) -> str:
    return f"[media {media['url']}]" if media else ""


def test_the_spec_covers_each_if_unless_role_partials_and_whitespace():
    bodies = [convert_handlebars(s["template"], where="x", partials={**(s.get("partials") or {}),
                                                                      **(s.get("resolverPartials") or {})}.get).body
              for p in SPEC.glob("*.yaml") if p.name != "picoschema.yaml" for s in yaml.safe_load(p.read_text())]
    joined = "\n".join(bodies)
    for construct in ("for item in", "if not", "{% system %}", "{% assistant %}", "loop.last", "{%- ", "==",
                      "{% with name = username %}"):
        assert construct in joined


def _pico_cases() -> list[Any]:
    out = []
    for suite in yaml.safe_load((SPEC / "picoschema.yaml").read_text()):
        for test in suite["tests"]:
            for key in ("input", "output"):
                if key in test["expect"]:
                    out.append(pytest.param(suite, key, test["expect"][key].get("schema"), id=f"{suite['name']}-{key}"))
    return out


@pytest.mark.parametrize(("suite", "key", "expected"), _pico_cases())
def test_picoschema_spec(suite: dict[str, Any], key: str, expected: Any):
    from promptctl.interop.common import split_front_matter

    front, _, _ = split_front_matter(suite["template"], "spec")
    schemas = suite.get("schemas") or {}
    assert picoschema_to_json_schema((front.get(key) or {}).get("schema"), schemas.get) == expected


EACH_PROMPT = """---
model: openai/gpt-4.1-mini
config:
  temperature: 0.3
  maxOutputTokens: 200
input:
  schema:
    greetings(array, the greetings to join): string
    title?: string
output:
  schema:
    joined: string, the joined greetings
---
{{#if title}}{{title}}: {{/if}}{{#each greetings}}{{this}}{{#unless @last}}, {{/unless}}{{/each}}
"""


def test_each_with_a_picoschema_input_renders_the_reference_text(registry: Registry, tmp_path: Path):
    """The unicode_iteration spec template, with a Picoschema input: the spec's expected text."""
    suite = next(s for s in yaml.safe_load((SPEC / "unicode.yaml").read_text()) if s["name"] == "unicode_iteration")
    assert "{{#each greetings}}{{this}}{{#unless @last}}, {{/unless}}{{/each}}" in suite["template"]
    test = suite["tests"][0]
    path = tmp_path / "greet.prompt"
    path.write_text(EACH_PROMPT)
    [row] = import_into(registry, path)
    version = registry.get("greet@1")
    fm = version.front_matter
    assert (fm.provider, fm.model, fm.parameters.as_dict()) == ("openai", "gpt-4.1-mini",
                                                               {"temperature": 0.3, "max_tokens": 200})
    assert fm.variables["greetings"].type == "list" and fm.variables["greetings"].required
    assert fm.variables["greetings"].description == "the greetings to join"
    assert fm.variables["title"].default == ""
    assert fm.output is not None and fm.output.json_schema == {
        "type": "object", "properties": {"joined": {"type": "string", "description": "the joined greetings"}},
        "required": ["joined"], "additionalProperties": False}
    assert fm.strategy.name == "structured"  # Dotprompt asks for and validates the schema: so does promptctl
    got = messages(registry, "greet@1", test["data"]["input"])
    assert got == _expected(test) == [("user", "Hello, 你好, こんにちは, 안녕하세요, مرحبا")]
    assert messages(registry, "greet@1", {"greetings": ["a"], "title": "T"}) == [("user", "T: a")]


def test_real_samples_import_with_every_unconvertible_construct_reported_by_line(registry: Registry):
    rows = import_into(registry, FIXTURES / "dotprompt" / "samples")
    by_name = {r.name: r for r in rows}
    helpers = by_name["05-handlebars-helpers"]
    where = {f.where.rsplit(":", 1)[-1]: f.message for f in helpers.findings if f.kind == "reported"}
    assert "add" in where["49"] and "(gt metadata.version 1)" in where["71"] and "json" in where["79"]
    history = by_name["07-multi-turn-history"]
    assert any("{{history}}" in f.message and f.where.endswith(":38") for f in history.findings)
    body = registry.get("07-multi-turn-history@1").body
    assert "{% messages history %}\n{% user %}" in body  # {{history}}, then the new message
    support = messages(registry, "valid-customer-support@1", {"name": "Ann", "email": "a@x", "company": "Initech"})
    assert support[0] == ("system", "You are a helpful customer support assistant for Acme Corp.\n"
                                    "Always be polite and professional.")
    assert support[1][1].startswith("Hello, my name is Ann and I work at Initech.")


def test_partials_are_inlined_from_files_and_a_missing_one_is_reported(registry: Registry, tmp_path: Path):
    (tmp_path / "_signature.prompt").write_text("Regards, {{sender}}")
    (tmp_path / "mail.prompt").write_text("Hi {{name}}.\n{{> signature sender=me}}\n{{> missing}}\n")
    [row] = import_into(registry, tmp_path / "mail.prompt")
    assert messages(registry, "mail@1", {"name": "Bo", "me": "Ada"})[0][1].startswith("Hi Bo.\nRegards, Ada")
    assert [f.where.endswith(":3") for f in row.findings if f.kind == "reported"] == [True]


def test_export_then_import_gives_the_same_rendered_requests(registry: Registry, tmp_path: Path):
    path = tmp_path / "greet.prompt"
    path.write_text(EACH_PROMPT)
    import_into(registry, path)
    import_into(registry, FIXTURES / "dotprompt" / "samples" / "valid-customer-support.prompt")
    out = tmp_path / "out"
    out.mkdir()
    cases = {"greet@1": {"greetings": ["a", "b"], "title": "T"},
             "valid-customer-support@1": {"name": "Ann", "email": "a@x", "company": "Initech"}}
    for ref in cases:
        text, notes = dotprompt.export(registry.get(ref))
        (out / f"{ref.split('@')[0]}.prompt").write_text(text)
    (tmp_path / "b").mkdir()
    again = Registry(tmp_path / "b")
    import_into(again, out)
    for ref, values in cases.items():
        assert requests(again, ref, values) == requests(registry, ref, values)
    assert again.get("greet@1").front_matter.output == registry.get("greet@1").front_matter.output
    assert read_source(out / "greet.prompt")[0].versions[0].front_matter["model"] == "gpt-4.1-mini"


def test_broken_handlebars_is_kept_and_reported_not_swallowed(tmp_path: Path):
    path = tmp_path / "broken.prompt"
    path.write_text("---\nmodel: gemini-2.5-flash\n---\nType here: {{\n\n{{! a comment }}\n{{#if x}}open\n"
                    "{{/each}}\n")
    [prompt] = read_source(path)
    findings = {f.where.rsplit(":", 1)[1]: f for f in prompt.findings if f.where.count(":")}
    assert findings["4"].kind == "escaped"  # the lone '{{' stays text; the comment after it is still a comment
    assert "closes the block opened at line 7" in findings["8"].message
    body = prompt.versions[0].body
    assert "{#+ a comment +#}" not in body and "{# a comment #}" in body


GENKIT = FIXTURES / "genkit-tree"


def test_a_named_input_schema_declares_what_the_template_reads_so_it_renders(registry: Registry):
    # real: firebase/genkit go/samples/basic-prompts/prompts/recipe.prompt (input: {schema: RecipeRequest})
    [row] = import_into(registry, GENKIT / "go" / "samples" / "basic-prompts" / "prompts" / "recipe.prompt")
    variables = registry.get("recipe@1").front_matter.variables
    assert {n: v.type for n, v in variables.items()} == {
        "cuisine": "string", "dietaryRestrictions": "list", "dish": "string", "maxPrepMinutes": "string",
        "servingSize": "string"}
    assert "'RecipeRequest' is registered in code" in (variables["cuisine"].description or "")
    assert variables["cuisine"].required and not variables["dietaryRestrictions"].required  # {{#if}} tests it
    [note] = [f for f in row.findings if "the template reads" in f.message]
    assert note.kind == "reported" and "which the input schema does not declare" in note.message
    assert "'RecipeRequest' is registered in code" in note.message
    values = {"cuisine": "Thai", "dish": "curry", "servingSize": "2", "maxPrepMinutes": "30"}
    assert messages(registry, "recipe@1", values)[1][1].startswith("Create a Thai curry recipe for 2 people")
    with_diet = messages(registry, "recipe@1", {**values, "dietaryRestrictions": ["vegan", "nut-free"]})
    assert "Dietary restrictions: vegan, nut-free." in with_diet[1][1]


def test_a_variable_a_picoschema_leaves_out_is_declared_and_reported(registry: Registry, tmp_path: Path):
    path = tmp_path / "greet.prompt"
    path.write_text("---\ninput:\n  schema:\n    name: string\n---\nHello {{name}} from {{user.city}}.\n")
    [row] = import_into(registry, path)
    variables = registry.get("greet@1").front_matter.variables
    assert variables["name"].type == "string" and variables["user"].type == "object"
    assert "does not declare it" in (variables["user"].description or "")
    assert any("the template reads user, which the input schema does not declare" in f.message for f in row.findings)
    assert messages(registry, "greet@1", {"name": "Bo", "user": {"city": "Oslo"}}) == [
        ("user", "Hello Bo from Oslo.")]


def test_media_with_a_variable_url_becomes_an_image_tag_and_an_image_variable(registry: Registry):
    # real: firebase/genkit go/samples/prompts/prompts/media.prompt ("Analyze the provided image", {{media}})
    [row] = import_into(registry, GENKIT / "go" / "samples" / "prompts" / "prompts" / "media.prompt")
    version = registry.get("media@1")
    assert version.front_matter.variables["imageUrl"].type == "image"
    assert "{% image imageUrl %}" in version.body
    assert any(f.kind == "converted" and "{% image imageUrl %}" in f.message for f in row.findings)
    assert not any("media" in f.message for f in row.findings if f.kind == "reported")
    png = Path(__file__).resolve().parents[2] / "fixtures" / "invoice-extraction" / "invoice.png"
    request = render(version, "openai", "gpt-4.1-mini", imageUrl=str(png))
    [message] = request.body["messages"]
    kinds = [part["type"] for part in message["content"]]
    assert kinds == ["text", "image_url"] and message["content"][1]["image_url"]["url"].startswith(
        "data:image/png;base64,")


def test_media_that_does_not_map_is_reported_as_not_converted(tmp_path: Path):
    path = tmp_path / "m.prompt"
    path.write_text('---\ninput:\n  schema:\n    doc: string\n    clip: string\n---\n'
                    '{{role "system"}}\nSee {{media url=doc}}\n{{role "user"}}\n'
                    '{{media url=doc contentType="application/pdf"}}\n'
                    '{{media url=clip contentType="video/mp4"}}\n'
                    '{{media url="https://example.com/a.png"}}\n')
    [prompt] = read_source(path)
    body = prompt.versions[0].body
    assert '{% document doc %}' in body and '{% image \'https://example.com/a.png\' %}' in body
    loud = [f for f in prompt.findings if "NOT CONVERTED" in f.message]
    assert [f.where.rsplit(":", 1)[1] for f in loud] == ["8", "11"]
    assert "system message" in loud[0].message and "video/mp4" in loud[1].message
    assert "{# dotprompt: {{media url=clip" in body
    assert prompt.versions[0].front_matter["variables"]["doc"]["type"] == "document"
    assert prompt.versions[0].front_matter["variables"]["clip"]["type"] == "string"


def test_a_parenthetical_scalar_type_is_refused_as_dotprompt_refuses_it_and_the_prompt_still_renders(
        registry: Registry, tmp_path: Path):
    # google/dotprompt js/src/picoschema.ts, python/dotpromptz picoschema.py, go, java: "parenthetical types must
    # be 'object' or 'array'" for name(number); accepting it would import a file Genkit itself does not load
    with pytest.raises(Exception, match=r"reference implementation rejects this schema too.*'package_count\?: "
                                        r"number'"):
        picoschema_to_json_schema({"package_count?(number)": "integer"})
    assert picoschema_to_json_schema({"tags?(array, the tags)": "string", "kind(enum)": ["a"]}) is not None
    path = tmp_path / "summarize.prompt"
    path.write_text("---\ninput:\n  schema:\n    repo: string\n    package_count?(number): integer\n---\n"
                    "Summarize {{repo}} ({{package_count}} packages).\n")
    [row] = import_into(registry, path)
    reported = [f.message for f in row.findings if f.kind == "reported"]
    assert any("input schema kept in metadata.dotprompt_input_schema" in m and "not 'number'" in m for m in reported)
    assert any("could not be converted" in m and "package_count" in m for m in reported)
    assert messages(registry, "summarize@1", {"repo": "genkit", "package_count": "12"}) == [
        ("user", "Summarize genkit (12 packages).")]
