"""The import/export commands and the registry conveniences found on the way (publish --all, list)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from promptctl.registry.registry import Registry

from .conftest import FIXTURES, run_cli


@pytest.fixture
def run(tmp_path: Path, monkeypatch, capsys):
    (tmp_path / "prompts").mkdir()
    return lambda *argv: run_cli(monkeypatch, capsys, tmp_path, {}, *argv)


def test_import_prints_the_table_and_findings_then_publish_all(run, tmp_path: Path):
    code, out, err = run("import", str(FIXTURES / "langfuse" / "support-reply.json"),
                         str(FIXTURES / "edge" / "vue-notes.md"))
    assert code == 0, err
    header = out.splitlines()[0].split()
    assert header == ["prompt", "from", "versions", "status", "converted", "escaped", "reported"]
    vue = next(line for line in out.splitlines() if line.startswith("vue-notes"))
    assert vue.split()[-3:] == ["1", "2", "0"] and "draft" in vue  # {{component}} converted, Vue kept
    assert "escaped: " in err and "vue-notes.md:5" in err
    assert "reported: " in err and "not set on draft support-reply@2" in err
    code, out, _ = run("publish", "--all", "-m", "imported")
    assert code == 0
    assert [line.split(" sha256:")[0] for line in out.splitlines()] == [
        "published support-reply@1", "published support-reply@2", "published support-reply@3",
        "published vue-notes@1"]
    index = Registry(tmp_path / "prompts").index("support-reply")
    assert {r.message for r in index.versions} == {"imported"}
    assert run("publish", "--all")[1] == "nothing to publish: no drafts\n"


def test_publish_all_publishes_nothing_when_one_draft_is_bad(run, tmp_path: Path):
    run("import", str(FIXTURES / "edge" / "vue-notes.md"))
    bad = tmp_path / "prompts" / "broken"
    bad.mkdir()
    (bad / "v1.j2").write_text("{% if %}\n")
    code, _, err = run("publish", "--all")
    assert code == 2 and "broken" in err
    assert Registry(tmp_path / "prompts").index("vue-notes").versions == []


def test_publish_needs_a_name_or_all(run):
    code, _, err = run("publish")
    assert code == 2 and "error: publish needs a prompt NAME (or --all)" in err


def test_list_shows_the_front_matter_description_when_the_index_has_none(run, tmp_path: Path):
    folder = tmp_path / "prompts" / "greeter"
    folder.mkdir()
    (folder / "v1.j2").write_text("---\ndescription: Says hello politely\n---\nHello {{ name }}\n")
    code, out, _ = run("list", "--json")
    assert code == 0
    assert json.loads(out)[0]["description"] == "Says hello politely"


def test_list_prints_a_description_with_brackets_as_written(run, tmp_path: Path):
    folder = tmp_path / "prompts" / "triage"
    folder.mkdir()
    (folder / "v1.j2").write_text("---\ndescription: '[bold]Triage[/bold] into [SEV1] to [SEV4]'\n---\nHi\n")
    code, out, _ = run("list")
    assert code == 0
    assert "[bold]Triage[/bold] into [SEV1] to [SEV4]" in out


def test_import_with_publish_then_export_to_a_file(run, tmp_path: Path):
    code, out, err = run("import", "--publish", str(FIXTURES / "langfuse" / "support-reply.json"))
    assert code == 0, err
    assert "label support-reply@production -> 2" in out
    code, out, err = run("export", "support-reply", "--to", "langfuse", "-o", "out.json")
    assert code == 0, err
    exported = json.loads((tmp_path / "out.json").read_text())
    assert [e["version"] for e in exported] == [1, 2, 3]
    code, out, _ = run("export", "support-reply@production", "--to", "dotprompt")
    assert code == 0 and out.startswith("---\nname: support-reply\n") and '{{role "system"}}' in out


def test_bad_input_is_one_error_line(run, tmp_path: Path):
    code, _, err = run("import", "missing.json")
    assert code == 2 and err.startswith("error: missing.json: no such file or folder")
    (tmp_path / "x.json").write_text("{not json")
    code, _, err = run("import", str(tmp_path / "x.json"))
    assert code == 2 and "not valid JSON" in err and "Traceback" not in err
    code, _, err = run("import", "--from", "yaml", str(tmp_path / "x.json"))
    assert code == 2 and "unknown import format 'yaml'" in err
    code, _, err = run("export", "nothing", "--to", "xml")
    assert code == 2 and "unknown export format 'xml'" in err
    code, _, err = run("export", "nothing", "--to", "promptfo")
    assert code == 2 and "hint: did you mean 'promptfoo'? formats: " in err


def test_export_says_a_strategy_stays_behind(run, tmp_path: Path):
    """trial-24: a few-shot classifier exported to promptfoo without its examples, and nothing said so: the
    promptfoo eval then measured a zero-shot prompt."""
    folder = tmp_path / "prompts" / "sentiment"
    folder.mkdir()
    (folder / "v1.j2").write_text("---\nprovider: openai\nmodel: gpt-4.1-mini\nstrategy: {name: fewshot, k: 1}\n"
                                  "examples:\n  - {input: Broke after two days., output: negative}\n"
                                  "variables: {review: {type: string, input: true}}\n---\n{{ review }}\n")
    for to in ("promptfoo", "langfuse", "dotprompt"):
        code, _, err = run("export", "sentiment@1", "--to", to)
        assert code == 0, err
        assert (f"warning: sentiment@1: strategy 'fewshot' is not exported: {to} gets the template alone, "
                "without the few-shot examples") in err


def test_export_refuses_what_langfuse_cannot_express(run, tmp_path: Path):
    folder = tmp_path / "prompts" / "looping"
    folder.mkdir()
    (folder / "v1.j2").write_text("---\n---\n{% for x in items %}{{ x }}{% endfor %}\n")
    code, _, err = run("export", "looping", "--to", "langfuse")
    assert code == 2 and "line 3" in err and "cannot be written as mustache" in err


def test_export_names_a_filter_dotprompt_cannot_express_in_template_words(run, tmp_path: Path):
    """It said "the expression Filter cannot be written as handlebars" (Jinja2's AST class name)."""
    folder = tmp_path / "prompts" / "titled"
    folder.mkdir()
    (folder / "v1.j2").write_text("---\n---\nHello from {{ city | title }}, {{ a + b }}\n")
    code, _, err = run("export", "titled@1", "--to", "dotprompt")
    assert code == 2
    assert err.splitlines()[0] == "error: titled@1: line 3: the filter '| title' cannot be written as handlebars"
    (folder / "v1.j2").write_text("---\n---\nHello {{ a + b }}\n")
    code, _, err = run("export", "titled@1", "--to", "dotprompt")
    assert code == 2 and "line 3: the operator '+' cannot be written as handlebars" in err


def test_export_to_promptfoo_warns_once_for_a_scorer_every_case_uses(run, tmp_path: Path):
    """A dataset-wide json_fields scorer gave one identical warning per case (30 lines for 30 cases)."""
    folder = tmp_path / "prompts" / "route"
    folder.mkdir()
    (folder / "v1.j2").write_text("---\nprovider: openai\nmodel: gpt-4.1-mini\n---\nRoute: {{ ticket }}\n")
    rows = [{"id": f"c{i}", "vars": {"ticket": "x"}, "expected": {"team": "fleet"}, "scorer": "json_fields"}
            for i in range(5)] + [{"id": "odd", "vars": {"ticket": "y"}, "expected": "1", "scorer": "numeric"}]
    (tmp_path / "cases.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    code, out, err = run("export", "route@1", "--to", "promptfoo", "--dataset", str(tmp_path / "cases.jsonl"))
    assert code == 0, err
    warnings = [line for line in err.splitlines() if line.startswith("warning:")]
    assert warnings == [
        f"warning: {tmp_path / 'cases.jsonl'}: 5 cases (c0, c1, c2 and 2 more): scorer 'json_fields' has no promptfoo "
        "assertion; their tests have no check for it",
        f"warning: {tmp_path / 'cases.jsonl'}: case odd: scorer 'numeric' has no promptfoo assertion; the test has no "
        "check for it"]


def test_import_of_a_glob_skips_the_dotprompt_partials_it_names(run, tmp_path: Path):
    # `promptctl import prompts/*.prompt` (the README's example) also names _footer.prompt
    source = tmp_path / "src"
    source.mkdir()
    (source / "chat.prompt").write_text("---\nmodel: openai/gpt-4o\n---\nTell me about {{topic}}. {{>footer}}\n")
    (source / "_footer.prompt").write_text("Thanks!\n")
    code, out, err = run("import", str(source / "_footer.prompt"), str(source / "chat.prompt"))
    assert code == 0, err
    assert [line.split()[0] for line in out.splitlines()[1:]] == ["chat"]
    assert "skipped: " in err and "_footer.prompt: a Dotprompt partial" in err
    assert not (tmp_path / "prompts" / "footer").exists()
    assert "Thanks!" in (tmp_path / "prompts" / "chat" / "v1.j2").read_text()
    code, _, err = run("import", str(source / "_footer.prompt"))
    assert code == 2 and "\nerror: nothing to import: every source is a Dotprompt partial" in err


def test_lint_passes_right_after_importing_real_files(run, tmp_path: Path):
    """Import then lint: escaped template syntax (Vue, n8n) and a fabric pattern's input section are not findings."""
    sources = [FIXTURES / "fabric" / "patterns", FIXTURES / "edge" / "vue-notes.md",
               FIXTURES / "edge" / "n8n-mapping.txt", FIXTURES / "langfuse" / "support-reply.json"]
    code, _, err = run("import", *map(str, sources))
    assert code == 0, err
    assert "escaped: " in err  # the Vue and n8n braces were kept literal in raw blocks
    code, out, err = run("lint")
    assert code == 0, out + err
    assert " TXT001 " not in out and " INJ001 " not in out


CORPUS = Path(__file__).resolve().parents[1] / "lint" / "corpus" / "prompts"


@pytest.mark.parametrize("pattern", ["write_nuclei_template_rule", "sanitize_broken_html_to_markdown"])
def test_template_language_docs_in_a_fabric_pattern_stay_text(run, tmp_path: Path, pattern: str):
    """Nuclei's {{BaseURL}} (20+ names) and Vue's {{ note }} (bound by v-for) in real fabric patterns are text.

    The pattern text is the real system.md (danielmiessler/fabric, MIT), kept in the lint corpus.
    """
    kept = (CORPUS / f"fabric-{pattern.replace('_', '-')}" / "v1.j2").read_text(encoding="utf-8")
    system = kept.split("{% raw %}", 1)[1].split("{% endraw %}", 1)[0]
    assert "{{BaseURL}}" in system or 'v-for="note in notes"' in system
    folder = tmp_path / "src" / "patterns" / pattern
    folder.mkdir(parents=True)
    (folder / "system.md").write_text(system, encoding="utf-8")
    code, _, err = run("import", str(tmp_path / "src" / "patterns"))
    assert code == 0, err
    versions = list((tmp_path / "prompts").glob("*/v1.j2"))
    assert len(versions) == 1, versions
    body = versions[0].read_text(encoding="utf-8")
    assert "BaseURL:" not in body and "note:" not in body.split("\n---", 1)[0]
    assert list(Registry(tmp_path / "prompts").load(versions[0].parent.name, 1).front_matter.variables) == ["input"]
    code, out, err = run("lint")
    assert " CACHE001 " not in out and " REG004 " not in out and " TXT001 " not in out, out
