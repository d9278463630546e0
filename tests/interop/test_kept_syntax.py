"""Source-template syntax an import could not convert stays visible after the import: lint's TXT001 reports it.

The importer keeps a Handlebars helper with no Jinja2 equivalent (``{{list ingredients}}`` in firebase/genkit's
``js/testapps/prompt-file/prompts/recipe.prompt``) as text in ``{% raw %}``, marked with
:data:`promptctl.templating.literal.NOT_CONVERTED`; an author's own ``{% raw %}`` carries no marker and is not
reported.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from promptctl.interop import read_source
from promptctl.lint import lint
from promptctl.registry.registry import Registry
from promptctl.templating.literal import NOT_CONVERTED, kept_not_converted

from .conftest import FIXTURES, import_into, messages

RECIPE = FIXTURES / "genkit-tree" / "js" / "testapps" / "prompt-file" / "prompts" / "recipe.prompt"
TODAY = date(2026, 12, 7)


def _txt001(registry: Registry, name: str) -> list[str]:
    report = lint(registry, [f"{name}@1"], today=TODAY, jobs=1)
    return [f.message for f in report.findings if f.rule == "TXT001"]


def test_a_helper_kept_as_text_is_marked_and_lint_reports_it_with_the_fix(registry: Registry):
    [row] = import_into(registry, RECIPE)
    version = registry.get("recipe@1")
    assert f"{NOT_CONVERTED}{{%+ raw %}}{{{{list ingredients}}}}{{%+ endraw +%}}" in version.body
    assert any("helper 'list'" in f.message for f in row.findings if f.kind == "reported")
    # the marker renders nothing: the text is sent exactly as before
    rendered = messages(registry, "recipe@1", {"food": "soup", "ingredients": ["leek"]})[0][1]
    assert rendered.endswith("Make sure to include the following ingredients:\n{{list ingredients}}")
    [message] = _txt001(registry, "recipe")
    assert "'{{list ingredients}}'" in message and "rewrite it in Jinja2" in message
    assert "delete the 'promptctl import: not converted' comment" in message
    report = lint(registry, ["recipe@1"], today=TODAY, jobs=1)
    [finding] = [f for f in report.findings if f.rule == "TXT001"]
    assert finding.severity == "warning"
    assert NOT_CONVERTED in Path(finding.file).read_text().split("\n")[finding.line - 1]  # the marker's line


def test_a_jinja_tag_in_a_handlebars_file_and_an_unknown_block_are_marked(registry: Registry, tmp_path: Path):
    path = tmp_path / "mixed.prompt"
    path.write_text("Hello {{upper name}}.\n{% if vip %}Be extra polite.{% endif %}\n"
                    "{{#list items}}{{this}}{{/list}}\n")
    [prompt] = read_source(path)
    kept = [expression for _, expression in kept_not_converted(prompt.versions[0].body)]
    assert kept == ["{{upper name}}", "{% if vip %}", "{% endif %}", "{{#list items}}", "{{this}}",
                    "{{/list}}"]
    assert sum("a Jinja2 tag in a Handlebars template" in f.message for f in prompt.findings) == 2
    import_into(registry, path)
    [message] = _txt001(registry, "mixed")
    assert "'{{upper name}}' (and 5 more)" in message


def test_an_authors_own_raw_block_is_not_reported(registry: Registry):
    folder = registry.root / "doc"
    folder.mkdir()
    (folder / "v1.j2").write_text("---\n---\n{% user %}\nExplain this Handlebars line: {% raw %}{{list ingredients}}"
                                  "{% endraw %}\n{% enduser %}\n")
    assert _txt001(registry, "doc") == []
