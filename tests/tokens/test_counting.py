"""Counting with tiktoken by the OpenAI cookbook method; encodings by model; pathological text."""

from __future__ import annotations

import time

import pytest

from promptctl.tokens import count_openai_messages, count_text, encoding_for_model
from promptctl.tokens.counting import _count_in_pieces
from promptctl.tokens.offline import get_encoding

# openai/openai-cookbook examples/How_to_count_tokens_with_tiktoken.ipynb (@c81359cd), section 6: the API
# reported 124 prompt tokens for gpt-4o / gpt-4o-mini and 129 for gpt-4-0613 / gpt-4 / gpt-3.5-turbo.
COOKBOOK_MESSAGES = [
    {
        "role": "system",
        "content": "You are a helpful, pattern-following assistant that translates corporate jargon "
        "into plain English.",
    },
    {"role": "system", "name": "example_user", "content": "New synergies will help drive top-line growth."},
    {"role": "system", "name": "example_assistant", "content": "Things working well together will increase revenue."},
    {
        "role": "system",
        "name": "example_user",
        "content": "Let's circle back when we have more bandwidth to touch base on opportunities "
        "for increased leverage.",
    },
    {
        "role": "system",
        "name": "example_assistant",
        "content": "Let's talk later when we're less busy about how to do better.",
    },
    {
        "role": "user",
        "content": "This late pivot means we don't have time to boil the ocean for the client deliverable.",
    },
]

# Same notebook, section 7: 101 prompt tokens (gpt-4o, gpt-4o-mini) and 105 (gpt-4, gpt-3.5-turbo) per the API.
COOKBOOK_TOOLS = [
    {
        "type": "function",
        "function": {
            "name": "get_current_weather",
            "description": "Get the current weather in a given location",
            "parameters": {
                "type": "object",
                "properties": {
                    "location": {"type": "string", "description": "The city and state, e.g. San Francisco, CA"},
                    "unit": {
                        "type": "string",
                        "description": "The unit of temperature to return",
                        "enum": ["celsius", "fahrenheit"],
                    },
                },
                "required": ["location"],
            },
        },
    }
]
COOKBOOK_TOOL_MESSAGES = [
    {"role": "system", "content": "You are a helpful assistant that can answer to questions about the weather."},
    {"role": "user", "content": "What's the weather like in San Francisco?"},
]


@pytest.mark.parametrize(("model", "encoding", "expected"), [
    ("gpt-4o", "o200k_base", 124),
    ("gpt-4o-mini", "o200k_base", 124),
    ("gpt-4-0613", "cl100k_base", 129),
    ("gpt-4", "cl100k_base", 129),
    ("gpt-3.5-turbo", "cl100k_base", 129),
])
def test_cookbook_example_conversation(model: str, encoding: str, expected: int) -> None:
    count = count_openai_messages(COOKBOOK_MESSAGES, model)
    assert count.tokens == expected
    assert count.encoding == encoding
    assert count.quality == "exact" and not count.notes


def test_cookbook_legacy_gpt_35_turbo_0301() -> None:
    # the notebook's earlier revision: 4 tokens per message, -1 per name; the API reported 127
    assert count_openai_messages(COOKBOOK_MESSAGES, "gpt-3.5-turbo-0301").tokens == 127


@pytest.mark.parametrize(("model", "expected"), [("gpt-4o", 101), ("gpt-4o-mini", 101), ("gpt-4", 105)])
def test_cookbook_tools_example(model: str, expected: int) -> None:
    count = count_openai_messages(COOKBOOK_TOOL_MESSAGES, model, tools=COOKBOOK_TOOLS)
    assert count.tokens == expected
    assert count.quality == "approximate"  # the cookbook calls its tool formula an estimate


def test_chinese_sentence_is_four_cl100k_tokens() -> None:
    assert count_text("这是一个测试", "cl100k_base") == (4, False)


def test_cl100k_reference_vector() -> None:
    assert get_encoding("cl100k_base").encode("tiktoken is great!") == [83, 1609, 5963, 374, 2294, 0]


@pytest.mark.parametrize(("model", "encoding"), [
    ("o1", "o200k_base"),
    ("o3-mini", "o200k_base"),
    ("gpt-4o", "o200k_base"),
    ("gpt-4o-2024-08-06", "o200k_base"),
    ("gpt-4.1-mini", "o200k_base"),
    ("gpt-5", "o200k_base"),
    ("ft:gpt-4o-mini-2024-07-18:acme::abc123", "o200k_base"),
    ("gpt-4-0613", "cl100k_base"),
    ("gpt-4-turbo", "cl100k_base"),
    ("gpt-3.5-turbo-0125", "cl100k_base"),
    ("gpt-35-turbo", "cl100k_base"),
])
def test_encoding_by_model_most_specific_prefix(model: str, encoding: str) -> None:
    assert encoding_for_model(model) == (encoding, True)


def test_unknown_model_is_approximate_and_names_the_encoding() -> None:
    assert encoding_for_model("llama3.2:latest") == ("o200k_base", False)
    count = count_openai_messages(COOKBOOK_MESSAGES, "llama3.2:latest")
    assert count.tokens == 124
    assert count.quality == "approximate"
    assert count.encoding == "o200k_base"
    assert any("o200k_base" in note and "llama3.2:latest" in note for note in count.notes)


@pytest.mark.parametrize("text", ["<|endoftext|>", "a <|im_start|>system<|im_end|> b", "<|fim_prefix|>"])
def test_special_token_lookalikes_are_ordinary_text(text: str) -> None:
    tokens, approximate = count_text(text, "cl100k_base")
    assert not approximate
    assert tokens == len(get_encoding("cl100k_base").encode(text, disallowed_special=()))
    assert tokens > 1  # counted as characters, not as the one special token
    count = count_openai_messages([{"role": "user", "content": text}], "gpt-4o")
    assert count.quality == "exact"


def test_a_million_identical_characters_is_exact_and_bounded() -> None:
    from promptctl.tokens.offline import get_encoding

    get_encoding("o200k_base")  # loading the encoding is not what is bounded here
    start = time.perf_counter()
    tokens, approximate = count_text("a" * 1_000_000, "o200k_base")
    elapsed = time.perf_counter() - start
    assert (tokens, approximate) == (125_000, False)
    # about 0.3 s idle (tiktoken 0.14 is linear on long runs); a quadratic tokeniser would take hours, so the bound
    # only needs to be far above what a busy machine makes of 0.3 s (the figure itself: benchmarks/bench_tokens.py)
    assert elapsed < 60, elapsed


def test_a_million_spaces_does_not_crash_and_is_flagged() -> None:
    # raw tiktoken 0.14 raises "Max stack size exceeded for backtracking" on this under o200k_base
    with pytest.raises(ValueError):
        get_encoding("o200k_base").encode(" " * 1_000_000, disallowed_special=())
    start = time.perf_counter()
    tokens, approximate = count_text(" " * 1_000_000, "o200k_base")
    assert approximate
    assert 1_000 < tokens < 200_000
    assert time.perf_counter() - start < 60  # about 1 s idle; the bound only catches a hang (see above)
    count = count_openai_messages([{"role": "user", "content": "x" + " " * 1_000_000 + "y"}], "gpt-4o")
    assert count.quality == "approximate"
    assert any("pieces" in note for note in count.notes)


def test_splitting_after_newlines_is_exact() -> None:
    # the boundary used for pathological text must not change the count of normal text
    text = "\n".join(
        f"  line {i}: déjà vu, 这是 {i * 7} <|endoftext|> ```code()``` \t end." for i in range(3000)
    ) + "\n\n\nlast"
    for name in ("o200k_base", "cl100k_base"):
        enc = get_encoding(name)
        assert _count_in_pieces(enc, text) == len(enc.encode(text, disallowed_special=()))


def test_content_parts_and_unknown_fields() -> None:
    parts = [{"role": "user", "content": [{"type": "text", "text": "hello world"}]}]
    assert count_openai_messages(parts, "gpt-4o").tokens == count_openai_messages(
        [{"role": "user", "content": "hello world"}], "gpt-4o"
    ).tokens
    image = [{"role": "user", "content": [{"type": "image_url", "image_url": {"url": "data:,"}}]}]
    # the image part is left to promptctl.tokens.media (its formula), not counted as JSON text
    assert count_openai_messages(image, "gpt-4o").tokens == count_openai_messages(
        [{"role": "user", "content": ""}], "gpt-4o").tokens
    tool = [{"role": "user", "content": [{"type": "input_audio", "input_audio": {"data": "AAAA"}}]}]
    assert count_openai_messages(tool, "gpt-4o").quality == "approximate"
