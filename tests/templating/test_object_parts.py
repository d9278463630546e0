"""Non-text parts (media, cache breakpoints, tool calls and results) travel through rendering as objects.

Issues 16 and 19 add the tags that place them; these tests pin the shared mechanism: a placed object comes
back in template order inside its message or section, values cannot forge one, text-only views show a
placeholder, and adapters see text split around the objects, text-only prompts unchanged.
"""

from __future__ import annotations

import pytest

from promptctl.adapters.base import message_segments, message_text
from promptctl.errors import AdapterError, TemplateError
from promptctl.templating.environment import _BUILDER, _assemble, _Builder
from promptctl.templating.prompt import CacheBreak, Media, Message, Section, ToolCall, ToolResult, placeholder

IMAGE = Media(kind="image", variable="screenshot", media_type="image/png", data=b"\x89PNG", sha256="ab" * 32,
              size=4, source="shot.png")


def _render(build) -> tuple:  # type: ignore[no-untyped-def]
    builder = _Builder()
    token = _BUILDER.set(builder)
    try:
        return _assemble(builder, build(builder), "t.prompt")
    finally:
        _BUILDER.reset(token)


def test_a_placed_object_comes_back_in_order_inside_its_message() -> None:
    (message,) = _render(lambda b: f"Look at this:\n{b.place(IMAGE)}\nWhat is wrong?")
    assert message.parts == ("Look at this:", IMAGE, "What is wrong?")
    assert not message.is_blank()


def test_a_cache_breakpoint_alone_is_a_blank_message() -> None:
    assert Message("user", (CacheBreak(),)).is_blank()
    assert not Message("user", (ToolResult("call_1", "18 C"),)).is_blank()


def test_a_value_cannot_forge_an_object_placeholder() -> None:
    def build(b: _Builder) -> str:
        real = b.place(IMAGE)
        forged = real.replace(b.nonce, "0" * 24)
        return f"{forged} {real}"

    (message,) = _render(build)
    assert IMAGE in message.parts and sum(isinstance(p, Media) for p in message.parts) == 1


def test_an_object_outside_any_message_tag_is_an_error_naming_it() -> None:
    def build(b: _Builder) -> str:
        from promptctl.templating.environment import StructureExtension  # noqa: F401

        token = b.token("m")
        b.messages[token] = Message("user", ("hi",))
        return token + b.place(IMAGE)

    with pytest.raises(TemplateError, match=r"\[image screenshot: image/png"):
        _render(build)


def test_placeholders_name_type_size_and_hash() -> None:
    assert placeholder(IMAGE) == f"[image screenshot: image/png, 4 bytes, sha256 {'ab' * 6}]"
    assert placeholder(CacheBreak(ttl="1h")) == "[cache breakpoint ttl 1h]"
    assert placeholder(ToolCall("call_1", "get_weather", {"city": "Paris"})) == (
        '[tool call get_weather {"city": "Paris"} id call_1]')
    assert placeholder(ToolResult("call_1", "boom", is_error=True)) == "[tool error call_1: boom]"


def test_segments_split_text_around_objects_in_both_section_styles() -> None:
    message = Message("user", (Section("context", ("Before.", IMAGE, "After.")), "Question?"))
    assert message_segments(message, "xml") == ["<context>\nBefore.", IMAGE, "After.\n</context>\n\nQuestion?"]
    assert message_segments(message, "markdown") == ["## Context\n\nBefore.", IMAGE, "After.\n\nQuestion?"]
    assert "[image screenshot" in message_text(message, "xml")


def test_text_only_segments_equal_the_message_text() -> None:
    message = Message("user", (Section("instructions", ("Do it.  ",)), "Now."))
    assert message_segments(message, "xml") == [message_text(message, "xml")]
    assert message_segments(Message("user", ()), "xml") == []


@pytest.mark.parametrize("provider", ["openai", "anthropic", "watsonx"])
def test_a_model_that_cannot_carry_a_part_refuses_it_before_sending(provider: str) -> None:
    from promptctl.adapters import adapt
    from promptctl.templating.prompt import Prompt

    prompt = Prompt(messages=(Message("user", ("Describe:", IMAGE)),))
    with pytest.raises(AdapterError, match="image screenshot"):  # text-only models, from their profiles
        adapt(prompt, provider, {"openai": "gpt-3.5-turbo", "anthropic": "claude-2.1",
                                 "watsonx": "ibm/granite-3-8b-instruct"}[provider])
    text_only = Prompt(messages=(Message("user", ("Describe:", CacheBreak())),))
    assert adapt(text_only, provider, "gpt-4o" if provider == "openai" else
                 {"anthropic": "claude-sonnet-4-5", "watsonx": "ibm/granite-3-8b-instruct"}[provider])
