"""CACHE: prompt caching rules (issue 16 item 4)."""

from __future__ import annotations

from promptctl.lint.context import estimate_tokens
from promptctl.tokens.counting import count_text
from tests.lint.conftest import GOOD, Project, edit

RULE = ("Refunds over one hundred dollars, disputed charges and chargebacks go to a billing specialist; explain "
        "the next step, the expected wait and what the customer should prepare before they are contacted.")
INSTRUCTIONS = "\n".join(f"{n}. {RULE}" for n in range(1, 76))  # ~3,000 tokens of fixed text

TODAY_FIRST = f"""---
description: Billing assistant with a long policy
provider: openai
model: gpt-4.1-mini
variables:
  today: {{type: string, description: Today's date}}
  question: {{type: string, input: true}}
---
{{% system %}}
Today is {{{{ today }}}}.
{{% section "instructions" %}}
{INSTRUCTIONS}
{{% endsection %}}
{{% endsystem %}}
{{% user %}}{{% section "input" %}}{{{{ question }}}}{{% endsection %}}{{% enduser %}}
"""


def test_the_instruction_block_is_about_3000_tokens() -> None:
    assert 2800 <= count_text(INSTRUCTIONS, "o200k_base")[0] <= 3200  # lint itself measures characters / 4
    assert estimate_tokens(INSTRUCTIONS) > 1024


def test_cache001_a_date_before_a_3000_token_instruction_block(project: Project) -> None:
    [finding] = project.found(TODAY_FIRST, "CACHE001")
    assert finding.severity == "warning" and finding.line == 10  # the file line of {{ today }}
    assert "the date or time 'today' (line 10) comes before ~3,8" in finding.message
    assert "openai:gpt-4.1-mini caches a repeated prefix of 1,024 tokens or more" in finding.message


def test_cache001_the_date_after_the_instructions_passes(project: Project) -> None:
    moved = edit(edit(TODAY_FIRST, "Today is {{ today }}.\n", ""), "{% endsection %}\n{% endsystem %}",
                 "{% endsection %}\nToday is {{ today }}.\n{% endsystem %}")
    assert project.found(moved, "CACHE001") == []


def test_cache001_an_if_on_a_variable_before_a_cache_breakpoint(project: Project) -> None:
    text = edit(GOOD, '{% section "tone" %}', '{% if plan == "pro" %}Pro customer.{% endif %}\n{% section "tone" %}')
    text = edit(text, "{% endsystem %}", "{% cache %}\n{% endsystem %}")
    [finding] = project.found(text, "CACHE001")
    assert "variable 'plan' (an {% if %} on it)" in finding.message and "comes before the cache breakpoint" in \
        finding.message


def test_cache001_a_short_prompt_without_markers_passes(project: Project) -> None:
    assert project.found(GOOD, "CACHE001") == []


def test_cache001_a_history_before_the_breakpoint(project: Project) -> None:
    text = edit(GOOD, "  question:", "  history: {type: messages, default: []}\n  question:")
    text = edit(text, "{% user %}", "{% messages history %}\n{% cache %}\n{% user %}")
    assert project.found(text, "CACHE001") == []  # a history before its own breakpoint is the cached conversation
    text = edit(text, "{% messages history %}\n{% cache %}", "{% cache %}\n{% messages history %}")
    text = edit(text, "{% enduser %}", "{% cache %}{% enduser %}")
    [finding] = project.found(text, "CACHE001", name="q")
    assert "the conversation history 'history'" in finding.message


def test_cache002_a_prefix_under_the_model_minimum(project: Project) -> None:
    text = edit(GOOD, "{% endsystem %}", "{% cache %}\n{% endsystem %}")
    findings = project.found(text, "CACHE002")
    assert len(findings) == 2
    claude = next(f for f in findings if "anthropic:claude-sonnet-4-6" in f.message)
    assert "under the 2,048-token minimum of anthropic:claude-sonnet-4-6" in claude.message
    assert claude.severity == "warning" and claude.line == text.split("\n").index("{% cache %}") + 1
    gpt = next(f for f in findings if "openai:gpt-4.1-mini" in f.message)
    assert gpt.severity == "info"  # a secondary target (models:)


def test_cache002_a_long_enough_prefix_passes(project: Project) -> None:
    text = edit(GOOD, "Warm and direct.", "Warm and direct.\n" + INSTRUCTIONS)
    text = edit(text, "{% endsystem %}", "{% cache %}\n{% endsystem %}")
    assert project.found(text, "CACHE002") == []


def test_cache003_a_fifth_breakpoint(project: Project) -> None:
    text = edit(GOOD, "Warm and direct.", "A{% cache %}B{% cache %}C{% cache %}D{% cache %}E{% cache %}")
    [finding] = project.found(text, "CACHE003")
    assert finding.severity == "error"
    assert "5 cache breakpoints; Anthropic allows at most 4 per request" in finding.message
    assert "PROV006" not in project.rules(text, name="q")  # reported once, by CACHE003


def test_cache003_four_breakpoints_pass(project: Project) -> None:
    text = edit(GOOD, "Warm and direct.", "A{% cache %}B{% cache %}C{% cache %}D{% cache %}")
    assert project.found(text, "CACHE003") == []


TOOLS = """---
description: Order status agent
provider: openai
model: gpt-4.1-mini
tools:
{tools}
variables:
  question: {{type: string, input: true}}
---
{{% system %}}{{% section "role" %}}You are the order-status agent of Acme Shop.{{% endsection %}}{{% endsystem %}}
{{% user %}}{{% section "input" %}}{{{{ question }}}}{{% endsection %}}{{% enduser %}}
"""


def _tools(*names: str) -> str:
    return "\n".join(f"  - {{name: {n}, description: Look up {n}, parameters: {{type: object, properties: {{}}}}}}"
                     for n in names)


def test_cache004_tools_reordered_since_the_previous_version(project: Project) -> None:
    project.write("orders", TOOLS.format(tools=_tools("lookup_order", "get_weather")))
    project.publish("orders")
    project.write("orders", TOOLS.format(tools=_tools("get_weather", "lookup_order")), number=2)
    [finding] = [f for f in project.lint(["orders@2"]) if f.rule == "CACHE004"]
    assert "reordered since orders@1 (lookup_order, get_weather -> get_weather, lookup_order)" in finding.message
    assert finding.line == 5  # the tools: field


def test_cache004_a_tool_added_at_the_end_passes(project: Project) -> None:
    project.write("orders", TOOLS.format(tools=_tools("lookup_order", "get_weather")))
    project.publish("orders")
    project.write("orders", TOOLS.format(tools=_tools("lookup_order", "get_weather", "cancel_order")), number=2)
    assert not [f for f in project.lint(["orders@2"]) if f.rule == "CACHE004"]


def test_cache001_examples_selected_per_input_before_the_breakpoint(project: Project) -> None:
    from tests.lint.test_fewshot import FEWSHOT

    text = edit(FEWSHOT, '{% section "examples" %}\n{% endsection %}',
                '{% section "examples" %}{% for e in examples %}{{ e.input }} -> {{ e.output }}\n{% endfor %}'
                "{% endsection %}")
    text = edit(text, "{% endsystem %}", "{% cache %}\n{% endsystem %}")
    [finding] = project.found(text, "CACHE001")
    assert "the few-shot examples selected for each input ('examples')" in finding.message
