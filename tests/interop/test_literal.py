"""Text that only looks like template syntax imports as literal text; literal bodies; writing literal braces."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from promptctl.errors import FrontMatterError
from promptctl.registry.registry import Registry
from promptctl.templating.environment import environment, literal_source

from .conftest import FIXTURES, import_into, messages

VUE = '<h2>{{ header ? header : "Notes" }}</h2>'
N8N = "{{ $json['name'] }}"


def test_vue_template_in_a_markdown_prompt_renders_unchanged_beside_a_real_variable(registry: Registry):
    source = FIXTURES / "edge" / "vue-notes.md"
    [row] = import_into(registry, source)
    assert row.created == ["vue-notes@1"]
    assert row.count("escaped") == 2  # the two Vue lines, reported with their lines
    assert {f.where for f in row.findings if f.kind == "escaped"} == {f"{source}:5", f"{source}:6"}
    version = registry.get("vue-notes@1")
    assert list(version.front_matter.variables) == ["component"]
    [(role, content)] = messages(registry, "vue-notes@1", {"component": "<Notes/>"})
    expected = source.read_text().strip().replace("{{component}}", "<Notes/>")
    assert role == "user" and content == expected
    assert VUE in content


def test_n8n_expressions_and_jinja_lookalikes_in_a_text_prompt_render_unchanged(registry: Registry):
    source = FIXTURES / "edge" / "n8n-mapping.txt"
    [row] = import_into(registry, source)
    assert row.count("escaped") == 3
    version = registry.get("n8n-mapping@1")
    assert version.front_matter.variables == {}
    [(_, content)] = messages(registry, "n8n-mapping@1")
    assert content == source.read_text().strip()
    assert N8N in content and "{% raw %}" in content and "{# this #}" in content


def test_n8n_expression_in_a_langfuse_chat_message_stays_text(registry: Registry):
    import_into(registry, FIXTURES / "langfuse" / "support-reply.json")
    system = messages(registry, "support-reply@3", {"company": "Acme", "message": "Hi"})[0][1]
    assert N8N in system and system.startswith("You answer customer emails for Acme.")


def test_literal_front_matter_sends_the_body_exactly_and_refuses_variables(tmp_path: Path):
    folder = tmp_path / "prompts" / "vue-help"
    folder.mkdir(parents=True)
    body = f"Explain {VUE} and {N8N}.\n{{% if x %}} is Jinja, {{# c #}} a comment, {{% endraw %}} too."
    (folder / "v1.j2").write_text(f"---\nliteral: true\ndescription: Literal\n---\n{body}\n")
    registry = Registry(tmp_path / "prompts")
    assert messages(registry, "vue-help@1") == [("user", body)]
    registry.publish("vue-help", 1)  # publishing checks the body as a template: a literal body passes
    (folder / "v2.j2").write_text("---\nliteral: true\nvariables: {x: {type: string}}\n---\n{{ x }}\n")
    with pytest.raises(FrontMatterError, match="cannot use variables"):
        registry.get("vue-help@2")


@pytest.mark.parametrize("text", [
    VUE, N8N, "{% endraw %}", "{%- endraw -%} and {{", "\n{{a}}\n\n", "  {{x}}  \n  {%y%}\n", "plain", '{{ "\\" }}',
])
def test_literal_source_renders_exactly_the_text(text: str):
    assert environment().from_string(literal_source(text)).render() == text


def test_import_json_output_lists_escaped_findings(registry: Registry):
    from tests.conftest import run_cli

    out = run_cli("import", str(FIXTURES / "edge" / "n8n-mapping.txt"), "--json", cwd=registry.root.parent)
    assert out.returncode == 0, out.stderr
    [row] = json.loads(out.stdout)
    assert row["created"] == ["n8n-mapping@1"]
    assert [f["kind"] for f in row["findings"]] == ["escaped"] * 3


def test_show_prints_a_literal_body_as_written(tmp_path: Path, monkeypatch, capsys):
    from .conftest import run_cli

    folder = tmp_path / "prompts" / "vue-help"
    folder.mkdir(parents=True)
    (folder / "v1.j2").write_text(f"---\nliteral: true\n---\nExplain {VUE}\n")
    code, out, _ = run_cli(monkeypatch, capsys, tmp_path, {}, "show", "vue-help@1", "--json")
    assert code == 0 and json.loads(out)["template"] == f"Explain {VUE}\n"


def test_diff_shows_literal_bodies_as_written(tmp_path: Path, monkeypatch, capsys):
    from .conftest import run_cli

    folder = tmp_path / "prompts" / "vue-help"
    folder.mkdir(parents=True)
    (folder / "v1.j2").write_text(f"---\nliteral: true\n---\nExplain {VUE}\n")
    (folder / "v2.j2").write_text(f"---\nliteral: true\n---\nExplain briefly {VUE}\n")
    code, out, err = run_cli(monkeypatch, capsys, tmp_path, {}, "diff", "vue-help@1", "vue-help@2", "--json")
    assert code == 0, err
    template = json.loads(out)["template"]
    assert f"+Explain briefly {VUE}" in template and "raw" not in template
