"""A cache breakpoint that moves is a visible change in `diff` and in snapshot goldens (issue 16 item 5)."""

from __future__ import annotations

from pathlib import Path

from promptctl.diff import diff_versions, request_text
from promptctl.registry.registry import Registry
from tests.conftest import run_cli

HEAD = """---
provider: anthropic
model: claude-sonnet-4-6
models: {openai: gpt-4.1-mini}
variables: {q: {type: string, input: true}}
---
"""
V1 = HEAD + """{% system %}
{% section "rules" %}Answer briefly.{% endsection %}
{% cache %}
{% section "tone" %}Warm.{% endsection %}
{% endsystem %}
{% user %}{{ q }}{% enduser %}
"""
V2 = V1.replace('{% cache %}\n{% section "tone" %}Warm.{% endsection %}\n',
                '{% section "tone" %}Warm.{% endsection %}\n{% cache %}\n')


def project(tmp_path: Path) -> Registry:
    folder = tmp_path / "prompts" / "p"
    folder.mkdir(parents=True)
    (folder / "v1.j2").write_text(V1, encoding="utf-8")
    (folder / "v2.j2").write_text(V2, encoding="utf-8")
    return Registry(tmp_path / "prompts")


def test_a_moved_breakpoint_changes_claudes_request_and_the_template(tmp_path: Path) -> None:
    registry = project(tmp_path)
    old, new = registry.load("p", 1), registry.load("p", 2)
    result = diff_versions(old, new, providers=["anthropic", "openai"], variables={"q": "hi"})
    assert result.changed and "{% cache %}" in result.template
    claude, openai = result.requests
    assert claude.changed
    assert "-[cache breakpoint]" in claude.diff and "+[cache breakpoint]" in claude.diff
    assert not openai.changed  # OpenAI receives the same request: only the template diff shows the move
    # a snapshot golden records Claude's body, whose blocks change with the breakpoint
    assert claude.body_old != claude.body_new
    assert request_text(claude.body_old).count("[cache breakpoint]") == 1


def test_diff_command_shows_the_breakpoint_line(tmp_path: Path) -> None:
    project(tmp_path)
    result = run_cli("diff", "p@1", "p@2", "--var", "q=hi", cwd=tmp_path)
    assert "[cache breakpoint]" in result.stdout, result.stdout + result.stderr


def test_diff_cost_says_what_it_assumes_and_is_the_cold_price_of_that(tmp_path: Path) -> None:
    """The cost per call prices the input and 256 output tokens (capped by max_tokens) with no prompt cache."""
    from promptctl.tokens.estimate import DEFAULT_TYPICAL_OUTPUT
    from promptctl.tokens.pricing import cost_of
    from promptctl.types import Usage

    registry = project(tmp_path)
    result = diff_versions(registry.load("p", 1), registry.load("p", 2), providers=["openai"], variables={"q": "hi"})
    [openai] = result.requests
    assert openai.output_tokens_old == openai.output_tokens_new == DEFAULT_TYPICAL_OUTPUT["direct"] == 256
    cold = cost_of(Usage(input_tokens=openai.input_tokens_old or 0, output_tokens=256), "openai", "gpt-4.1-mini", None)
    assert openai.cost_old_usd == cold.usd
    shown = run_cli("diff", "p@1", "p@2", "--var", "q=hi", "--provider", "openai", cwd=tmp_path).stdout
    assert "256 output tokens, no prompt cache)" in shown
