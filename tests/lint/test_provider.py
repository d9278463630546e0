"""PROV: hard-coded markup, parameters a model refuses, deprecated and retired models, adapter errors."""

from __future__ import annotations

from datetime import date

from promptctl.adapters.profiles import _anthropic_sdk_deprecations, _parse_sdk_date, model_lifecycle, profile
from tests.lint.conftest import GOOD, Project, edit

GPT_ONLY = edit(GOOD, "provider: anthropic\nmodel: claude-sonnet-4-6\nmodels:\n  openai: gpt-4.1-mini",
                "provider: openai\nmodel: gpt-4.1-mini")
INPUT_SECTION = '{% section "input" %}\n{{ question }}\n{% endsection %}'


def test_prov001_markdown_heading_for_claude(project: Project) -> None:
    text = edit(GOOD, '{% section "tone" %}', "## Tone\n{% section \"tone\" %}")
    findings = project.found(text, "PROV001")
    assert findings and "'## Tone'" in findings[0].message
    assert text.split("\n")[findings[0].line - 1] == "## Tone"


def test_prov001_heading_inside_code_fence_passes(project: Project) -> None:
    text = edit(GOOD, "Reply in at most three sentences of plain text.",
                "Reply in at most three sentences, in markdown like:\n```\n## Summary\n...\n```")
    assert "PROV001" not in project.rules(text)


def test_prov001_markdown_for_gpt_only_passes(project: Project) -> None:
    text = edit(GPT_ONLY, '{% section "tone" %}', "## Tone\n{% section \"tone\" %}")
    assert "PROV001" not in project.rules(text)


def test_prov002_xml_tags_for_gpt(project: Project) -> None:
    text = edit(GPT_ONLY, INPUT_SECTION, "<question>\n{{ question }}\n</question>")
    findings = project.found(text, "PROV002")
    assert findings and "<question>" in findings[0].message
    assert text.split("\n")[findings[0].line - 1] == "<question>"


def test_prov002_inline_tag_around_variable(project: Project) -> None:
    text = edit(GPT_ONLY, INPUT_SECTION, "<q>{{ question }}</q>")
    assert "PROV002" in project.rules(text)


def test_prov002_tag_mentioned_in_instructions_passes(project: Project) -> None:
    text = edit(GPT_ONLY, "Reply in at most three sentences of plain text.",
                "Think inside <thinking></thinking> tags, then reply in at most three sentences.")
    assert "PROV002" not in project.rules(text)


def test_prov002_xml_for_claude_only_passes(project: Project) -> None:
    text = edit(GOOD, "models:\n  openai: gpt-4.1-mini\n", "")
    text = edit(text, INPUT_SECTION, "<question>\n{{ question }}\n</question>")
    assert "PROV002" not in project.rules(text)


def test_prov003_sampling_parameters_on_reasoning_model(project: Project) -> None:
    text = edit(GPT_ONLY, "model: gpt-4.1-mini", "model: o3")
    findings = project.found(text, "PROV003")
    assert findings and "'temperature': openai:o3 rejects it" in findings[0].message
    assert text.split("\n")[findings[0].line - 1].startswith("parameters:")


def test_prov003_default_temperature_on_reasoning_model_passes(project: Project) -> None:
    text = edit(GPT_ONLY, "model: gpt-4.1-mini", "model: o3")
    text = edit(text, "temperature: 0.2", "temperature: 1")
    assert "PROV003" not in project.rules(text)


def test_prov003_seed_on_claude(project: Project) -> None:
    text = edit(GOOD, "parameters: {temperature: 0.2, max_tokens: 400}",
                "parameters:\n  temperature: 0.2\n  max_tokens: 400\n  seed: 7")
    findings = project.found(text, "PROV003")
    expected = "parameter 'seed': anthropic:claude-sonnet-4-6 does not accept it (dropped)"
    assert [f.message for f in findings] == [expected]
    assert text.split("\n")[findings[0].line - 1] == "  seed: 7"


def test_prov003_temperature_and_top_p_on_recent_claude(project: Project) -> None:
    text = edit(GOOD, "parameters: {temperature: 0.2", "parameters: {temperature: 0.2, top_p: 0.9")
    messages = [f.message for f in project.found(text, "PROV003")]
    assert any("'temperature' and 'top_p' together" in m for m in messages)


def test_prov003_accepted_parameters_pass(project: Project) -> None:
    text = edit(GOOD, "parameters: {temperature: 0.2", "parameters: {temperature: 0.2, stop: [END]")
    assert "PROV003" not in project.rules(text)


def test_prov004_deprecated_model(project: Project) -> None:
    text = edit(GOOD, "model: claude-sonnet-4-6", "model: claude-sonnet-4-5")
    findings = project.found(text, "PROV004")
    assert findings and "retires on 2026-11-30" in findings[0].message
    assert text.split("\n")[findings[0].line - 1] == "model: claude-sonnet-4-5"


def test_prov005_retired_model(project: Project) -> None:
    text = edit(GOOD, "  openai: gpt-4.1-mini", "  openai: gpt-3.5-turbo")
    findings = project.found(text, "PROV005")
    assert findings and findings[0].severity == "error" and "retired on 2026-10-23" in findings[0].message
    assert text.split("\n")[findings[0].line - 1] == "  openai: gpt-3.5-turbo"


def test_prov004_prov005_current_models_pass(project: Project) -> None:
    rules = project.rules(GOOD)
    assert "PROV004" not in rules and "PROV005" not in rules


def test_deprecated_becomes_retired_after_its_date(project: Project) -> None:
    text = edit(GOOD, "model: claude-sonnet-4-6", "model: claude-sonnet-4-5")
    project.write("p", text)
    project.publish("p")
    from promptctl.lint import lint

    later = lint(project.registry, ["p"], today=date(2026, 12, 1), jobs=1).findings
    assert "PROV005" in {f.rule for f in later} and "PROV004" not in {f.rule for f in later}


def test_prov006_claude_needs_a_user_message(project: Project) -> None:
    text = edit(GOOD, "{% user %}", "{% assistant %}").replace("{% enduser %}", "{% endassistant %}")
    findings = project.found(text, "PROV006")
    assert findings and "Claude needs at least one user message" in findings[0].message


def test_prov006_unknown_provider_under_models(project: Project) -> None:
    text = edit(GOOD, "  openai: gpt-4.1-mini", "  opneai: gpt-4.1-mini")
    assert "PROV006" in project.rules(text)


HISTORY_ONLY = """---
provider: openai
model: gpt-4.1-mini
models: {anthropic: claude-sonnet-4-6}
variables:
  customer: {type: string, description: The customer's name}
  history: {type: messages, default: []}
---
{% system %}
You are the assistant of the Contoso Outdoors shop. Answer briefly and call the customer {{ customer }}.
{% endsystem %}
{% messages history %}
"""


def test_prov006_a_history_block_carries_the_user_turns(project: Project) -> None:
    """A system message and ``{% messages history %}``: lint renders the history empty, the run fills it."""
    assert "PROV006" not in project.rules(HISTORY_ONLY)


def test_prov006_a_history_block_does_not_excuse_what_no_history_fixes(project: Project) -> None:
    # an assistant turn before the history: the conversation starts with the assistant whatever the history holds
    first = HISTORY_ONLY.replace("{% messages history %}",
                                 "{% assistant %}Hello!{% endassistant %}\n{% messages history %}")
    findings = project.found(first, "PROV006")
    assert findings and "starts with an assistant message" in findings[0].message
    # the history read as text inside the system message is no user turn
    text = HISTORY_ONLY.replace("{% endsystem %}\n{% messages history %}",
                                "{% for m in history %}{{ m.content }}\n{% endfor %}{% endsystem %}")
    findings = project.found(text, "PROV006", name="q")
    assert findings and "Claude needs at least one user message" in findings[0].message
    # the current question placed in the system message: the history holds the earlier turns, empty on the first
    asked = HISTORY_ONLY.replace("  history:", "  question: {type: string}\n  history:").replace(
        "{% endsystem %}", "# Question\n{{ question }}\n{% endsystem %}")
    findings = project.found(asked, "PROV006", name="a")
    assert findings and "Claude needs at least one user message" in findings[0].message

def test_prov006_passes(project: Project) -> None:
    assert "PROV006" not in project.rules(GOOD)


def test_sdk_deprecations_are_read_without_importing_anthropic() -> None:
    import sys

    had = "anthropic" in sys.modules
    table = _anthropic_sdk_deprecations()
    assert table["claude-sonnet-4-5"] == date(2026, 11, 30)
    assert had or "anthropic" not in sys.modules
    assert _parse_sdk_date("January 22nd, 2027") == date(2027, 1, 22) and _parse_sdk_date("soon") is None


def test_lifecycle_and_profile_facts() -> None:
    assert model_lifecycle("openai", "gpt-4.1") is None
    assert model_lifecycle("openai", "ft:gpt-3.5-turbo-0613:acme::x1") is not None
    o3 = profile("openai", "o3-mini")
    assert o3.rejects("temperature", 0) and not o3.rejects("temperature", 1)
    assert profile("anthropic", "claude-3-5-haiku-20241022").exclusive_parameters == ()
    assert profile("anthropic", "claude-haiku-4-5").exclusive_parameters == (("temperature", "top_p"),)


def test_prov003_misspelled_parameter(project: Project) -> None:
    text = edit(GPT_ONLY, "temperature: 0.2", "temprature: 0.2")
    findings = project.found(text, "PROV003")
    assert findings
    assert "'temprature' is not one of OpenAI's parameters (did you mean 'temperature'?)" in findings[0].message


def test_prov003_known_parameters_pass(project: Project) -> None:
    assert "PROV003" not in project.rules(GPT_ONLY)


def test_prov007_misspelt_model_under_models(project: Project) -> None:
    text = edit(GOOD, "  openai: gpt-4.1-mini", "  openai: gtp-4o")
    findings = project.found(text, "PROV007")
    assert findings and findings[0].severity == "warning" and "did you mean 'gpt-4o'" in findings[0].message
    assert text.split("\n")[findings[0].line - 1] == "  openai: gtp-4o"


def test_prov007_misspelt_primary_model(project: Project) -> None:
    findings = project.found(edit(GOOD, "model: claude-sonnet-4-6", "model: claude-sonet-4-6"), "PROV007")
    assert findings and "claude-sonet-4-6" in findings[0].message and "anthropic" in findings[0].message


def test_prov007_known_and_far_from_known_models_pass(project: Project) -> None:
    assert "PROV007" not in project.rules(GOOD)
    local = edit(GOOD, "  openai: gpt-4.1-mini", "  openai: my-company-finetune-xyz")
    assert "PROV007" not in project.rules(local, name="q")
