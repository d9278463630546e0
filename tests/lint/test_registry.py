"""REG: labels on drafts, messages, declared and used variables, modified versions; LOAD: unloadable versions."""

from __future__ import annotations

from tests.lint.conftest import GOOD, Project, edit


def test_reg001_label_on_draft_and_on_missing_version(project: Project) -> None:
    project.write("p", GOOD)
    project.publish("p")
    project.write("p", GOOD.replace("Warm and direct.", "Warm."), number=2)
    index = (project.root / "p" / "prompt.yaml")
    kept = [line for line in index.read_text().split("\n") if not line.startswith("labels:")]  # labels: {}
    index.write_text("\n".join(kept).rstrip("\n") + "\nlabels:\n  production: 2\n  staging: 9\n", encoding="utf-8")
    findings = [f for f in project.lint(["p"]) if f.rule == "REG001"]
    assert sorted(f.message for f in findings) == [
        "label 'production' points at draft v2",
        "label 'staging' points at version 9, which does not exist",
    ]
    lines = index.read_text().split("\n")
    assert {lines[f.line - 1].strip() for f in findings} == {"production: 2", "staging: 9"}
    assert all(f.file == str(index) for f in findings)


def test_reg001_label_on_published_passes(project: Project) -> None:
    project.write("p", GOOD)
    project.publish("p")
    project.registry.set_label("p@1", "production")
    assert "REG001" not in {f.rule for f in project.lint()}


def test_reg002_published_without_message(project: Project) -> None:
    project.write("p", GOOD)
    project.publish("p", message=None)
    findings = [f for f in project.lint() if f.rule == "REG002"]
    assert findings and findings[0].file.endswith("prompt.yaml")
    assert "version: 1" in (project.root / "p" / "prompt.yaml").read_text().split("\n")[findings[0].line - 1]


def test_reg002_drafts_and_messages_pass(project: Project) -> None:
    assert "REG002" not in project.rules(GOOD)
    assert "REG002" not in project.rules(GOOD, name="q", publish=False)


def test_reg003_declared_never_used(project: Project) -> None:
    text = edit(GOOD, "variables:\n", "variables:\n  tone: {type: string, default: warm, description: Unused}\n")
    findings = project.found(text, "REG003")
    assert findings and "'tone'" in findings[0].message
    assert text.split("\n")[findings[0].line - 1].strip().startswith("tone:")


def test_reg003_all_used_passes(project: Project) -> None:
    assert "REG003" not in project.rules(GOOD)


def test_reg004_used_never_declared(project: Project) -> None:
    text = edit(GOOD, "Warm and direct.", "Warm and direct. Sign as {{ agent_name }}.")
    findings = project.found(text, "REG004")
    assert findings and findings[0].severity == "error" and "'agent_name'" in findings[0].message
    assert "{{ agent_name }}" in text.split("\n")[findings[0].line - 1]


def test_reg004_loop_variables_and_globals_are_not_undeclared(project: Project) -> None:
    text = edit(GOOD, "Warm and direct.", "{% for i in range(2) %}{{ loop.index }}{{ i }}{% endfor %}"
                "{% set x = 1 %}{{ x }}")
    assert "REG004" not in project.rules(text)


def test_reg005_modified_and_deleted_published_versions(project: Project) -> None:
    path = project.write("p", GOOD)
    project.publish("p")
    path.write_text(GOOD + "\n", encoding="utf-8")
    assert "REG005" in {f.rule for f in project.lint()}
    path.unlink()
    findings = [f for f in project.lint() if f.rule == "REG005"]
    assert findings and "was deleted" in findings[0].message


def test_reg005_intact_passes(project: Project) -> None:
    assert "REG005" not in project.rules(GOOD)


def test_load001_invalid_front_matter(project: Project) -> None:
    findings = project.found("---\nprovider: openai\ntemprature: 0\n---\nhi\n", "LOAD001", publish=False)
    assert findings and "temprature" in findings[0].message and findings[0].severity == "error"


def test_load001_an_invalid_field_is_reported_at_its_line_without_the_files_path(project: Project) -> None:
    """trial-23: ``provider: opneai`` on line 3 was reported at line 1 with the file's absolute path in the message."""
    [finding] = project.found("---\ndescription: x\nprovider: opneai\n---\nhi\n", "LOAD001", publish=False)
    assert finding.line == 3
    assert finding.message.startswith("front matter field 'provider' is 'opneai'"), finding.message


def test_load001_template_syntax_error(project: Project) -> None:
    findings = project.found("---\nprovider: openai\n---\nline one\n{% if x %}\nno end\n", "LOAD001", publish=False)
    assert findings and "syntax error" in findings[0].message


def test_load001_passes(project: Project) -> None:
    assert "LOAD001" not in project.rules(GOOD)


def test_load002_render_failure_is_reported(project: Project) -> None:
    text = edit(GOOD, "Warm and direct.", "Warm and direct. {{ 10 // (plan | length - 4) }}")
    [finding] = project.found(text, "LOAD002")
    # at the failing expression's file line, the reason without the engine's "p@1: line N:" prefix (issue 20)
    assert finding.line == next(i for i, line in enumerate(text.splitlines(), 1) if "10 //" in line)
    assert finding.message == ("render with placeholder values failed (integer division or modulo by zero); "
                               "render-based rules skipped")


def test_load002_passes(project: Project) -> None:
    assert "LOAD002" not in project.rules(GOOD)


def test_load005_calling_a_variable_is_an_error_at_its_line_not_load002_info(project: Project) -> None:
    """``{{ plan() }}`` can never render ('str' object is not callable); it was LOAD002 info (issue 20)."""
    text = edit(GOOD, "Warm and direct.", "Warm and direct.\n{{ plan() }}")
    [finding] = project.found(text, "LOAD005")
    assert finding.severity == "error" and "calls variable 'plan' as a function" in finding.message
    assert finding.line == text.splitlines().index("{{ plan() }}") + 1
    assert "LOAD002" not in project.rules(text, name="q")


def test_load005_passes_methods_filters_macros_and_names_the_template_defines(project: Project) -> None:
    text = edit(GOOD, "Warm and direct.", "Warm and direct. {{ question.strip() }} {{ plan | upper }}"
                "{% macro row(x) %}{{ x }}{% endmacro %}{{ row(plan) }}"
                "{% set question = cycler('a', 'b') %}{{ question.next() }}"
                "{% macro wrap(plan) %}{{ plan() }}{% endmacro %}")
    assert "LOAD005" not in project.rules(text)
    assert "LOAD005" not in project.rules(GOOD, name="q")


def test_load003_unknown_rule_in_front_matter(project: Project) -> None:
    text = edit(GOOD, "variables:", 'lint:\n  disable: {SYS999: "typo"}\nvariables:')
    assert "LOAD003" in project.rules(text)


def test_load003_known_rule_passes(project: Project) -> None:
    text = edit(GOOD, "variables:", 'lint:\n  disable: {SYS005: "machine-facing"}\nvariables:')
    assert "LOAD003" not in project.rules(text)


CHAIN = """---
description: Two-step chain
variables:
  report: {type: string, input: true, description: The report}
strategy:
  name: chain
  steps:
    - id: first
      prompt: step@1
      inputs: {question: report}
    - id: second
      prompt: step@1
      inputs: {question: steps.first.output}
---
"""


def test_chain_versions_skip_template_rules(project: Project) -> None:
    project.write("step", GOOD)
    project.publish("step")
    assert project.rules(CHAIN, name="chain") == []


def test_reg006_chain_step_does_not_resolve(project: Project) -> None:
    project.write("step", GOOD)
    project.publish("step")
    text = CHAIN.replace("prompt: step@1\n      inputs: {question: steps", "prompt: step@7\n      inputs: {question: "
                         "steps")
    findings = project.found(text, "REG006", name="chain")
    assert findings and "chain step 'second': 'step@7' does not resolve" in findings[0].message
    assert text.split("\n")[findings[0].line - 1].strip() == "prompt: step@7"


def test_reg006_published_chain_on_a_draft_step(project: Project) -> None:
    project.write("step", GOOD)
    project.publish("step")
    project.write("step", GOOD, number=2)
    first = "prompt: step@1\n      inputs: {question: report}"
    text = CHAIN.replace(first, first.replace("step@1", "step@2"))
    findings = project.found(text, "REG006", name="chain")
    assert findings and "resolves to draft step@2" in findings[0].message


def test_reg003_chain_variable_no_step_uses(project: Project) -> None:
    project.write("step", GOOD)
    project.publish("step")
    text = CHAIN.replace("variables:\n", "variables:\n  extra: {type: string, description: Unused}\n")
    findings = project.found(text, "REG003", name="chain")
    assert [f.message for f in findings] == ["variable 'extra' is declared but no chain step uses it"]


def test_reg004_a_macro_name_is_not_an_undeclared_variable(project: Project) -> None:
    text = edit(GOOD, "Warm and direct.", "{% macro item(x) %}- {{ x }}{% endmacro %}{{ item(plan) }}Warm and direct.")
    assert "REG004" not in project.rules(text)
    assert "REG004" in project.rules(edit(text, "{{ item(plan) }}", "{{ item(plan) }}{{ other(plan) }}"), name="q")


def test_reg006_a_parsed_field_the_steps_closed_schema_lacks(project: Project) -> None:
    """``steps.ID.parsed.FIELD`` naming a field of no closed output schema: run refuses it before any call, lint
    reports it (trial-21: lint passed the chain whose run then failed)."""
    schema = ("output: {format: json, schema: {type: object, additionalProperties: false, "
              "properties: {label: {type: string}, score: {type: string}}}}\nvariables:")
    project.write("step", edit(GOOD, "variables:", schema))
    project.publish("step")
    text = CHAIN.replace("inputs: {question: steps.first.output}", "inputs: {question: steps.first.parsed.lable}")
    [finding] = project.found(text, "REG006", name="chain")
    assert finding.message == ("chain step 'second' input 'question': 'steps.first.parsed.lable': the output schema "
                               "of step@1 has no field 'lable' (did you mean 'label'?)")
    assert text.split("\n")[finding.line - 1].strip() == "inputs: {question: steps.first.parsed.lable}"
    output = CHAIN.replace("---\n\"\"\"", "").replace("      inputs: {question: steps.first.output}\n---\n",
                                                      "      inputs: {question: steps.first.parsed.label}\n"
                                                      "  output: steps.first.parsed.scor\n---\n")
    assert ["the output schema of step@1 has no field 'scor'" in f.message
            for f in project.found(output, "REG006", name="chain2")] == [True]
    assert project.found(text.replace("lable", "label"), "REG006", name="chain3") == []
    open_schema = edit(GOOD, "variables:", schema.replace("additionalProperties: false, ", ""))
    project.write("step", open_schema, number=2)
    project.publish("step", 2)
    assert project.found(text.replace("step@1", "step@2"), "REG006", name="chain4") == []
