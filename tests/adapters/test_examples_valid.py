"""The example prompts in ``prompts/`` are sound: intact, fully declared, and safe with user input.

Checks, for every prompt and every version file:

- each published version loads with its recorded sha256 (``Registry.get`` / ``Registry.load``),
  the latest has the ``production`` label, and ``prompt.yaml`` has a description;
- every declared variable has an explicit type and a description, is read by the template, and
  every variable the template reads is declared (``referenced_variables``);
- ``fixtures/<name>/sample.yaml`` gives every required variable and nothing undeclared;
- user-provided text (``input: true`` variables) lands only inside a section of a user message,
  never in the system prompt and never as bare text;
- a declared JSON output schema is a closed object whose required keys are its properties.

A chain (``strategy: {name: chain}``) has an empty body and no provider of its own: its declared
variables must be read by its steps' inputs, and each input variable must reach a step variable that
the step's prompt marks ``input: true`` (whose own placement is checked above).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from promptctl.registry.registry import PromptVersion, Registry
from promptctl.templating.environment import environment, referenced_variables
from promptctl.templating.prompt import Part, Section
from promptctl.templating.variables import load_mapping

ROOT = Path(__file__).resolve().parents[2]
PROMPTS = ROOT / "prompts"
FIXTURES = ROOT / "fixtures"

REGISTRY = Registry(PROMPTS)
NAMES = REGISTRY.names()
VERSIONS = [(name, number) for name in NAMES for number in REGISTRY.version_numbers(name)]
VERSION_IDS = [f"{n}@{v}" for n, v in VERSIONS]


def _sample(name: str) -> dict[str, Any]:
    path = FIXTURES / name / "sample.yaml"
    return load_mapping(path.read_text(encoding="utf-8"), str(path))


def _load(name: str, number: int) -> PromptVersion:
    return Registry(PROMPTS).load(name, number)


def _is_chain(version: PromptVersion) -> bool:
    return version.front_matter.strategy.name == "chain"


def _chain_uses(version: PromptVersion) -> dict[str, list[tuple[PromptVersion, str]]]:
    """Chain variable -> the (step prompt, step variable) pairs it feeds."""
    from promptctl.executors.chain import ChainSpec

    spec = ChainSpec.from_options(version.front_matter.strategy.options, where=version.ref,
                                  variables=version.front_matter.variables)
    uses: dict[str, list[tuple[PromptVersion, str]]] = {}
    for step in spec.steps:
        step_version = Registry(PROMPTS).get(step.prompt)
        for target, source in step.inputs.items():
            if source.kind == "var":
                uses.setdefault(source.name, []).append((step_version, target))
        for target in step_version.front_matter.variables:
            if target not in step.inputs and target in version.front_matter.variables:
                uses.setdefault(target, []).append((step_version, target))
    return uses


@pytest.mark.parametrize("name", NAMES)
def test_prompt_is_published_and_labelled(name: str) -> None:
    registry = Registry(PROMPTS)
    index = registry.index(name)
    assert index.description and "\n" not in index.description.strip(), "prompt.yaml needs a one-line description"
    latest = registry.get(name)  # raises IntegrityError if the file no longer matches its hash
    assert not latest.is_draft and not latest.modified
    production = registry.get(f"{name}@production")
    assert production.number == latest.number, "the production label should point at the latest version"


@pytest.mark.parametrize(("name", "number"), VERSIONS, ids=VERSION_IDS)
def test_version_loads_with_integrity(name: str, number: int) -> None:
    version = _load(name, number)
    assert not version.modified
    fm = version.front_matter
    assert fm.description, "front matter needs a description"
    if _is_chain(version):
        assert fm.strategy.options.get("steps"), "a chain needs steps"
        assert not version.body.strip(), "a chain's body is never sent: leave it empty"
        return
    assert fm.provider in ("openai", "anthropic", "watsonx") and fm.model


@pytest.mark.parametrize(("name", "number"), VERSIONS, ids=VERSION_IDS)
def test_declared_and_used_variables_match(name: str, number: int) -> None:
    version = _load(name, number)
    declared = set(version.front_matter.variables)
    if _is_chain(version):
        used = set(_chain_uses(version))
    else:
        used = referenced_variables(version.body, where=version.ref) - set(environment().globals)
    assert used - declared == set(), f"{version.ref}: used but not declared: {sorted(used - declared)}"
    assert declared - used == set(), f"{version.ref}: declared but never used: {sorted(declared - used)}"
    for var, spec in version.front_matter.variables.items():
        assert "type" in spec.model_fields_set, f"{version.ref}: variable '{var}' needs an explicit type"
        assert spec.description, f"{version.ref}: variable '{var}' needs a description"


@pytest.mark.parametrize(("name", "number"), VERSIONS, ids=VERSION_IDS)
def test_sample_fits_the_declared_variables(name: str, number: int) -> None:
    version = _load(name, number)
    specs = version.front_matter.variables
    sample = _sample(name)
    assert set(sample) <= set(specs), f"undeclared sample variables: {sorted(set(sample) - set(specs))}"
    missing = sorted(v for v, spec in specs.items() if spec.required and v not in sample)
    assert not missing, f"fixtures/{name}/sample.yaml lacks required variables {missing}"
    version.prompt(sample)  # validates types and renders


def _placements(parts: tuple[Part, ...], marker: str, in_section: bool = False) -> list[bool]:
    """For each text part holding ``marker``: whether it sits inside a section."""
    found: list[bool] = []
    for part in parts:
        if isinstance(part, Section):
            found += _placements(part.parts, marker, True)
        elif isinstance(part, str) and marker in part:  # media and other non-text parts hold no text
            found.append(in_section)
    return found


@pytest.mark.parametrize(("name", "number"), VERSIONS, ids=VERSION_IDS)
def test_user_input_only_inside_user_sections(name: str, number: int) -> None:
    version = _load(name, number)
    inputs = [v for v, spec in version.front_matter.variables.items() if spec.input]
    assert inputs, f"{version.ref} declares no input variable (input: true) for end-user text"
    if _is_chain(version):
        uses = _chain_uses(version)
        for var in inputs:
            for step_version, target in uses[var]:
                assert step_version.front_matter.variables[target].input, (
                    f"{version.ref}: input '{var}' feeds {step_version.ref} variable '{target}', not marked input: true"
                )
        return
    values = _sample(name)
    for var in inputs:
        marker = f"UNTRUSTED-{var.upper()}-7f3a"
        prompt = version.prompt({**values, var: f"before {marker} after"})
        for message in prompt.messages:
            placements = _placements(message.parts, marker)
            if message.role != "user":
                assert not placements, f"{version.ref}: input '{var}' appears in a {message.role} message"
            assert all(placements), f"{version.ref}: input '{var}' appears outside any section"
        assert any(_placements(m.parts, marker) for m in prompt.messages), f"input '{var}' is never rendered"


WITH_SCHEMA = [
    (name, number) for name, number in VERSIONS
    if (out := _load(name, number).front_matter.output) is not None and out.json_schema is not None
]


def test_some_examples_declare_schemas() -> None:
    assert {name for name, _ in WITH_SCHEMA} >= {"ticket-triage", "entity-extraction"}


@pytest.mark.parametrize(("name", "number"), WITH_SCHEMA, ids=[f"{n}@{v}" for n, v in WITH_SCHEMA])
def test_output_schema_is_closed_object(name: str, number: int) -> None:
    output = _load(name, number).front_matter.output
    assert output is not None and output.json_schema is not None
    schema = output.json_schema
    assert output.format == "json"
    assert schema["type"] == "object"
    assert schema.get("additionalProperties") is False
    assert set(schema["required"]) == set(schema["properties"])
