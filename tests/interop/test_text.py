"""Text and markdown files, fabric patterns, CSV collections, and derived prompt names."""

from __future__ import annotations

import re

from promptctl.interop.model import derive_name
from promptctl.registry.registry import NAME_RE, Registry

from .conftest import FIXTURES, import_into, messages

FABRIC = FIXTURES / "fabric" / "patterns"


def test_fabric_patterns_become_a_system_message_and_the_input(registry: Registry, tmp_path):
    rows = import_into(registry, FABRIC)
    assert sorted(r.name for r in rows) == ["create_summary", "extract_insights", "summarize"]
    system = (FABRIC / "summarize" / "system.md").read_text().strip()
    got = messages(registry, "summarize@1", {"input": "A long article."})
    assert got[0][0] == "system" and got[0][1].startswith(system.splitlines()[0])
    assert got[1] == ("user", "A long article.")
    assert registry.get("summarize@1").front_matter.variables["input"].input
    # a pattern ending in its own "# INPUT" section gets that section as the user message (same text, input
    # kept out of the system prompt); one that places {{input}} mid-text gets it there, not a second message
    ending = messages(registry, "extract_insights@1", {"input": "TEXT"})
    assert [role for role, _ in ending] == ["system", "user"] and ending[1][1] == "# INPUT\n\nTEXT"
    assert ending[0][1].rstrip().endswith("Ensure you follow ALL these instructions when creating your output.")
    assert any("input section at the end of system.md" in f.message for r in rows for f in r.findings)
    middle = tmp_path / "patterns" / "inline"
    middle.mkdir(parents=True)
    (middle / "system.md").write_text("Summarise this:\n\n{{input}}\n\nin three bullets.\n")
    import_into(registry, middle)
    inline = messages(registry, "inline@1", {"input": "TEXT"})
    assert len(inline) == 1 and "this:\n\nTEXT\n\nin three" in inline[0][1]


def test_csv_collection_with_dollar_placeholders_and_defaults(registry: Registry):
    rows = import_into(registry, FIXTURES / "csv" / "prompts.csv")
    names = [r.name for r in rows]
    assert names == ["shell-simulator", "job-interviewer", "translator", derive_name("客服回复")]
    fm = registry.get("job-interviewer@1").front_matter
    assert fm.variables["Position"].default == "Software Developer"
    assert "for the Software Developer position" in messages(registry, "job-interviewer@1")[0][1]
    assert "for the Staff Engineer position" in messages(registry, "job-interviewer@1",
                                                         {"Position": "Staff Engineer"})[0][1]
    translator = registry.get("translator@1").front_matter.variables
    assert translator["sentence"].required and translator["language"].default == "English"
    assert rows[2].count("converted") == 2  # ${sentence} and ${language:English}, counted in the import table
    assert "{like this}" in messages(registry, "shell-simulator@1")[0][1]
    chinese = rows[3]
    assert chinese.original_name == "客服回复"
    version = registry.get(f"{chinese.name}@1")
    assert version.front_matter.metadata["imported_from"]["name"] == "客服回复"
    assert messages(registry, version.ref, {"question": "在哪？"})[0][1] == "你是Acme的客服。请回答：在哪？"


def test_derived_names_are_valid_stable_and_distinct():
    samples = ["Résumé Écrit", "客服回复", "客服 reply", "Привет мир", "مرحبا", "---", "A" * 300, "Basic Prompt",
               "ticket_triage.v2", "  spaced  out  "]
    names = [derive_name(s) for s in samples]
    assert all(NAME_RE.match(n) for n in names)
    assert names == [derive_name(s) for s in samples]  # stable
    assert len(set(names)) == len(names)
    assert names[0] == "resume-ecrit" and names[7] == "basic-prompt" and names[8] == "ticket_triage.v2"
    assert re.fullmatch(r"prompt-[0-9a-f]{8}", names[1]) and re.fullmatch(r"reply-[0-9a-f]{8}", names[2])


def test_a_mixed_folder_reads_each_file_in_its_own_format(tmp_path):
    import shutil

    from promptctl.interop import read_source

    shutil.copy(FIXTURES / "langfuse" / "support-reply.json", tmp_path)
    shutil.copy(FIXTURES / "prompty" / "v2-basic.prompty", tmp_path)
    shutil.copy(FIXTURES / "dotprompt" / "samples" / "valid-customer-support.prompt", tmp_path)
    shutil.copytree(FABRIC / "summarize", tmp_path / "summarize")
    (tmp_path / "README.md").write_text("not a prompt")
    formats = sorted((p.format, p.name) for p in read_source(tmp_path))
    assert formats == [("dotprompt", "valid-customer-support"), ("fabric", "summarize"), ("langfuse", "support-reply"),
                       ("prompty", "basic-prompt")]
    [pattern] = read_source(FABRIC / "summarize" / "system.md")
    assert (pattern.format, pattern.name) == ("fabric", "summarize")


def test_go_template_keywords_and_jinja_example_names_in_prose_stay_text(registry: Registry, tmp_path):
    # a markdown prompt that documents Go templates and Jinja: {{ end }}, {{ else }} and the loop's {{ x }}
    # are the documented syntax, not placeholders; {{question}} is the one variable
    source = tmp_path / "template-helper.md"
    text = ("Go: {{ if .Enabled }}on{{ else }}off{{ end }}.\n"
            "Jinja: {% for x in xs %}{{ x }}{% endfor %} and {% set y = 1 %}{{ y }}.\n"
            "Question: {{question}}")
    source.write_text(text + "\n")
    import_into(registry, source)
    variables = registry.get("template-helper@1").front_matter.variables
    assert list(variables) == ["question"]
    got = messages(registry, "template-helper@1", {"question": "Why?"})
    assert got == [("user", text.replace("{{question}}", "Why?"))]
