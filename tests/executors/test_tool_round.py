"""The tool-results round: results matched to calls, the conversation continued with a free tool choice."""

from __future__ import annotations

import pytest

from promptctl.errors import InputError
from promptctl.executors.base import ExecutorResult
from promptctl.executors.tool_round import answers, continued
from promptctl.templating.prompt import Message, Prompt, Tool, ToolResult, ToolSet
from promptctl.types import ToolCall

CALLS = (ToolCall("call_1", "get_weather", {"city": "Paris"}), ToolCall("call_2", "get_weather", {"city": "Rome"}))


def test_results_by_id_win_over_results_by_name_and_keep_call_order() -> None:
    got = answers(CALLS, {"get_weather": {"temp_c": 9}, "call_2": "rain"})
    assert got == (ToolResult("call_1", '{"temp_c": 9}'), ToolResult("call_2", "rain"))
    listed = answers(CALLS[:1], [{"name": "get_weather", "content": "boom", "is_error": True}])
    assert listed == (ToolResult("call_1", "boom", is_error=True),)


def test_a_list_item_without_id_or_name_is_an_input_error() -> None:
    with pytest.raises(InputError, match="tool result 1 needs 'id' or 'name'"):
        answers(CALLS, [{"content": "x"}])


def test_the_continued_prompt_appends_the_call_turn_and_results_and_frees_a_forced_choice() -> None:
    tool = Tool("get_weather", "Weather.", {"type": "object", "properties": {"city": {"type": "string"}}})
    prompt = Prompt(messages=(Message("user", ("Paris and Rome?",)),),
                    tools=ToolSet((tool,), choice="tool", forced="get_weather"))
    first = ExecutorResult(output="Checking both.", tool_calls=list(CALLS))
    results = answers(CALLS, {"get_weather": "9 C"})
    out = continued(prompt, first, results)
    assert out.messages[-2] == Message("assistant", ("Checking both.", *CALLS))
    assert out.messages[-1] == Message("user", results)
    assert out.tools is not None and out.tools.choice == "auto" and out.tools.forced is None
    assert prompt.tools is not None and prompt.tools.choice == "tool"  # the version's prompt is unchanged


def test_tool_results_that_are_neither_a_mapping_nor_a_list_are_refused_before_any_call() -> None:
    from pathlib import Path

    import promptctl
    from promptctl.providers.fake import FakeProvider

    version = promptctl.Registry(Path(__file__).parents[2] / "prompts").get("order-status")
    with pytest.raises(TypeError, match="tool_results must be a mapping"):
        promptctl.run(version, {"message": "Hi"}, provider=FakeProvider(), tool_results="garbage")
