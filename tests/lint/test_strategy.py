"""STRAT: chain-of-thought on a label; self-consistency temperature, extractor and cost gate."""

from __future__ import annotations

from tests.lint.conftest import GOOD, Project, edit

LABEL = """output:
  format: json
  schema: {type: object, properties: {label: {type: string, enum: [spam, ham]}}, required: [label]}
"""


def test_strat001_cot_on_single_enum(project: Project) -> None:
    text = edit(GOOD, "parameters:", LABEL + "strategy: cot\nparameters:")
    assert "STRAT001" in project.rules(text)


def test_strat001_direct_on_single_enum_passes(project: Project) -> None:
    text = edit(GOOD, "parameters:", LABEL + "strategy: direct\nparameters:")
    assert "STRAT001" not in project.rules(text)


def test_strat001_cot_with_reasoning_field_passes(project: Project) -> None:
    schema = ("output:\n  format: json\n  schema: {type: object, properties: {reasoning: {type: string}, "
              "label: {type: string, enum: [spam, ham]}}}\n")
    text = edit(GOOD, "parameters:", schema + "strategy: cot\nparameters:")
    assert "STRAT001" not in project.rules(text)


CONSISTENCY = 'strategy: {name: consistency, samples: 5, answer_marker: "Answer:"}\nparameters:'


def test_strat002_consistency_at_temperature_zero(project: Project) -> None:
    text = edit(GOOD, "parameters: {temperature: 0.2", "parameters: {temperature: 0")
    text = edit(text, "parameters:", CONSISTENCY)
    findings = project.found(text, "STRAT002")
    assert findings and findings[0].severity == "error" and "temperature 0" in findings[0].message


def test_strat002_consistency_without_temperature(project: Project) -> None:
    text = edit(GOOD, "parameters: {temperature: 0.2, max_tokens: 400}", "parameters: {max_tokens: 400}")
    text = edit(text, "parameters:", CONSISTENCY)
    assert "not set" in project.found(text, "STRAT002")[0].message


def test_strat002_consistency_with_temperature_passes(project: Project) -> None:
    text = edit(GOOD, "parameters: {temperature: 0.2", "parameters: {temperature: 0.7")
    text = edit(text, "parameters:", CONSISTENCY)
    assert "STRAT002" not in project.rules(text)


def test_strat002_reasoning_model_samples_anyway(project: Project) -> None:
    text = edit(GOOD, "provider: anthropic\nmodel: claude-sonnet-4-6\nmodels:\n  openai: gpt-4.1-mini",
                "provider: openai\nmodel: o4-mini")
    text = edit(text, "parameters: {temperature: 0.2, max_tokens: 400}", "parameters: {max_tokens: 400}")
    text = edit(text, "parameters:", CONSISTENCY)
    assert "STRAT002" not in project.rules(text)


def test_strat003_consistency_without_extractor(project: Project) -> None:
    text = edit(GOOD, "parameters: {temperature: 0.2", "parameters: {temperature: 0.7")
    text = edit(text, "parameters:", "strategy: {name: consistency, samples: 5}\nparameters:")
    assert "STRAT003" in project.rules(text)


def test_strat003_answer_line_instruction_passes(project: Project) -> None:
    text = edit(GOOD, "parameters: {temperature: 0.2", "parameters: {temperature: 0.7")
    text = edit(text, "parameters:", "strategy: {name: consistency, samples: 5}\nparameters:")
    text = edit(text, "Reply in at most three sentences of plain text.",
                "Reply in at most three sentences, then end with a line\nAnswer: <yes|no>")
    assert "STRAT003" not in project.rules(text)


def test_strat003_extractor_option_passes(project: Project) -> None:
    text = edit(GOOD, "parameters: {temperature: 0.2", "parameters: {temperature: 0.7")
    text = edit(text, "parameters:", CONSISTENCY)
    assert "STRAT003" not in project.rules(text)


def test_strat004_many_samples_without_gate(project: Project) -> None:
    text = edit(GOOD, "parameters: {temperature: 0.2", "parameters: {temperature: 0.7")
    text = edit(text, "parameters:", CONSISTENCY.replace("samples: 5", "samples: 25"))
    findings = project.found(text, "STRAT004")
    assert findings and "25 self-consistency samples" in findings[0].message


def test_strat004_costly_samples_without_gate(project: Project) -> None:
    text = edit(GOOD, "{temperature: 0.2, max_tokens: 400}", "{temperature: 0.7, max_tokens: 4000}")
    text = edit(text, "model: claude-sonnet-4-6", "model: claude-opus-4-6")
    text = edit(text, "parameters:", 'strategy: {name: consistency, samples: 8, answer_marker: "Answer:"}\nparameters:')
    findings = project.found(text, "STRAT004")
    assert findings and "anthropic:claude-opus-4-6" in findings[0].message and "$" in findings[0].message


def test_strat004_gate_passes(project: Project) -> None:
    text = edit(GOOD, "parameters: {temperature: 0.2", "parameters: {temperature: 0.7")
    text = edit(text, "parameters:", 'strategy: {name: consistency, samples: 25, answer_marker: "Answer:", '
                "early_stop: true}\nparameters:")
    assert "STRAT004" not in project.rules(text)


def test_strat004_cheap_samples_pass(project: Project) -> None:
    text = edit(GOOD, "parameters: {temperature: 0.2", "parameters: {temperature: 0.7")
    text = edit(text, "parameters:", CONSISTENCY)
    assert "STRAT004" not in project.rules(text)
