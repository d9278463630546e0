"""Conversation history (``{% messages %}``, variables of type ``messages``) and ``{% cache %}`` in templates."""

from __future__ import annotations

import pytest

from promptctl.errors import TemplateError, VariableError
from promptctl.registry.frontmatter import parse_version_text
from promptctl.templating.environment import render_prompt
from promptctl.templating.prompt import CacheBreak, Message, Section, ToolCall, ToolResult
from promptctl.templating.variables import VariableSpec, validate_variables

SOURCE = """{% system %}You are a support agent.{% endsystem %}
{% messages history %}
{% user %}{{ question }}{% enduser %}"""
HISTORY = [
    {"role": "user", "content": "My deploy failed."},
    {"role": "assistant", "content": "Which app?"},
    {"role": "user", "content": "{{ 7*7 }} </input>"},
    {"role": "assistant", "content": "Noted.  "},
]
SPECS = {"history": VariableSpec(type="messages"), "question": VariableSpec(input=True)}


def render(source: str, **values: object):  # type: ignore[no-untyped-def]
    checked = validate_variables(SPECS, values, where="t@1")
    return render_prompt(source, checked, where="t@1")


def test_history_is_inserted_as_messages_where_the_template_places_it() -> None:
    prompt = render(SOURCE, history=HISTORY, question="And now?")
    assert prompt.messages == (
        Message("system", ("You are a support agent.",)),
        Message("user", ("My deploy failed.",)),
        Message("assistant", ("Which app?",)),
        Message("user", ("{{ 7*7 }} </input>",)),  # a value: never parsed as a template, kept byte for byte
        Message("assistant", ("Noted.  ",)),
        Message("user", ("And now?",)),
    )


def test_an_empty_history_inserts_nothing() -> None:
    prompt = render(SOURCE, history=[], question="Hi")
    assert [m.role for m in prompt.messages] == ["system", "user"]


def test_history_given_as_json_text_like_a_var_option() -> None:
    prompt = render(SOURCE, history='[{"role": "user", "content": "hi"}]', question="Hi")
    assert prompt.messages[1] == Message("user", ("hi",))


def test_a_validated_history_is_plain_data() -> None:
    checked = validate_variables(SPECS, {"history": HISTORY[:1], "question": "q"}, where="t@1")
    assert checked["history"] == [{"role": "user", "content": "My deploy failed."}]


@pytest.mark.parametrize(("history", "expected"), [
    ([{"role": "bot", "content": "hi"}], "message 0, role: must be 'system', 'user' or 'assistant'"),
    ([{"role": "user"}], "message 0, content: missing"),
    ([{"role": "user", "content": "a"}, {"role": "user", "content": 3}], "message 1, content"),
    ([{"role": "user", "contents": "a"}], "message 0"),
    ("not a list", "must be a list"),
    ([{"role": "user", "content": [{"type": "tool_call", "id": "c1", "name": "f", "arguments": {}}]}],
     "a tool_call part belongs in an assistant message"),
    ([{"role": "user", "content": [{"type": "image_url", "image_url": {"url": "https://x/y.png"}}]}],
     "a image_url part in a history is not supported"),
])
def test_an_invalid_history_is_a_variable_error_naming_the_message(history: object, expected: str) -> None:
    with pytest.raises(VariableError) as exc:
        render(SOURCE, history=history, question="q")
    assert "variable 'history' is invalid" in exc.value.message and expected in exc.value.message
    assert "(declared type: messages)" in exc.value.message


def test_an_undeclared_history_is_validated_when_rendered() -> None:
    with pytest.raises(TemplateError, match=r"t@1: line 2: variable 'history' is not a conversation history: "
                                            r"message 0, role"):
        render_prompt(SOURCE, {"history": [{"role": "robot", "content": "x"}], "question": "q"}, where="t@1")


def test_the_messages_tag_cannot_go_inside_a_message() -> None:
    with pytest.raises(TemplateError, match=r": line 1: \{% messages history %\} cannot go inside a message"):
        render_prompt("{% user %}{% messages history %}{% enduser %}", {"history": []}, where="t@1")


def test_the_messages_tag_needs_a_variable() -> None:
    with pytest.raises(TemplateError, match="needs the variable holding the history"):
        render_prompt("{% messages %}", {}, where="t@1")


def test_tool_calls_and_results_in_neutral_openai_and_anthropic_spellings() -> None:
    neutral = [
        {"role": "user", "content": "Weather in Paris?"},
        {"role": "assistant", "content": [{"type": "tool_call", "id": "call_1", "name": "get_weather",
                                           "arguments": {"city": "Paris"}}]},
        {"role": "user", "content": [{"type": "tool_result", "tool_call_id": "call_1", "content": "18 C"}]},
    ]
    openai = [
        {"role": "user", "content": "Weather in Paris?"},
        {"role": "assistant", "content": None, "refusal": None, "tool_calls": [
            {"id": "call_1", "type": "function",
             "function": {"name": "get_weather", "arguments": '{"city": "Paris"}'}}]},
        {"role": "tool", "tool_call_id": "call_1", "content": "18 C"},
    ]
    anthropic = [
        {"role": "user", "content": "Weather in Paris?"},
        {"role": "assistant", "content": [{"type": "tool_use", "id": "call_1", "name": "get_weather",
                                           "input": {"city": "Paris"}}]},
        {"role": "user", "content": [{"type": "tool_result", "tool_use_id": "call_1",
                                      "content": [{"type": "text", "text": "18 C"}]}]},
    ]
    expected = (
        Message("user", ("Weather in Paris?",)),
        Message("assistant", (ToolCall("call_1", "get_weather", {"city": "Paris"}),)),
        Message("user", (ToolResult("call_1", "18 C"),)),
    )
    for history in (neutral, openai, anthropic):
        prompt = render_prompt("{% messages history %}", {"history": history}, where="t@1")
        assert prompt.messages == expected


def test_tool_call_arguments_must_be_a_json_object() -> None:
    bad = [{"role": "assistant", "tool_calls": [{"id": "c", "function": {"name": "f", "arguments": "{oops"}}]}]
    with pytest.raises(TemplateError, match="arguments must be a JSON object"):
        render_prompt("{% messages history %}", {"history": bad}, where="t@1")


def test_a_messages_variable_is_declared_in_front_matter() -> None:
    text = "---\nvariables:\n  history:\n    type: messages\n    default: []\n---\n{% messages history %}\n"
    front_matter, _, _ = parse_version_text(text, where="p/v1.j2")
    assert front_matter.variables["history"].type == "messages"
    assert front_matter.variables["history"].default == []


# -- {% cache %} ------------------------------------------------------------------------------------------------


def test_cache_inside_a_message_marks_the_text_before_it() -> None:
    source = "{% system %}{% section 'instructions' %}Long rules.{% endsection %}{% cache %}{% endsystem %}" \
             "{% user %}{{ question }}{% enduser %}"
    prompt = render_prompt(source, {"question": "Hi"}, where="t@1")
    assert prompt.messages[0] == Message("system", (Section("instructions", ("Long rules.",)), CacheBreak()))


def test_cache_between_messages_ends_the_message_before_it() -> None:
    source = "{% system %}Rules.{% endsystem %}\n{% messages history %}\n{% cache ttl='1h' %}\n" \
             "{% user %}{{ question }}{% enduser %}"
    prompt = render_prompt(source, {"history": HISTORY[:2], "question": "Hi"}, where="t@1")
    assert prompt.messages[2] == Message("assistant", ("Which app?", CacheBreak(ttl="1h")))
    assert prompt.messages[3] == Message("user", ("Hi",))


def test_cache_in_a_template_without_message_tags() -> None:
    prompt = render_prompt("Stable text.\n{% cache %}\n{{ question }}", {"question": "Hi"}, where="t@1")
    assert prompt.messages == (Message("user", ("Stable text.", CacheBreak(), "Hi")),)


@pytest.mark.parametrize(("source", "expected"), [
    ("{% user %}a{% cache ttl='2h' %}{% enduser %}", r": line 1: cache ttl '2h' is not one of 5m, 1h"),
    ("{% user %}a{% cache lifetime='1h' %}{% enduser %}", r"unknown \{% cache %\} option 'lifetime'"),
    ("{% cache %}{% user %}a{% enduser %}", "text or sections outside any message tag"),
])
def test_cache_tag_errors(source: str, expected: str) -> None:
    with pytest.raises(TemplateError, match=expected):
        render_prompt(source, {}, where="t@1")
