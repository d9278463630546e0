"""FakeProvider: scripted, callable and failing replies, and the request history."""

from __future__ import annotations

import pytest

from promptctl.adapters import adapt
from promptctl.errors import ProviderError
from promptctl.providers import get_provider
from promptctl.providers.fake import FakeProvider
from promptctl.templating.prompt import Message, Prompt
from promptctl.types import Usage


def request_for(text: str, model: str = "fake-model"):
    prompt = Prompt(messages=(Message.text("system", "be brief"), Message.text("user", text)))
    return adapt(prompt, "fake", model, {"temperature": 0})


def test_scripted_replies_in_order_then_the_last_repeats(complete):
    fake = FakeProvider(["one", "two words"])

    texts = [complete(fake, request_for(f"question {i}")).text for i in range(4)]

    assert texts == ["one", "two words", "two words", "two words"]
    assert [r.messages[-1]["content"] for r in fake.requests] == [f"question {i}" for i in range(4)]


def test_completion_fields(complete):
    fake = FakeProvider(["three word reply"])
    request = request_for("count these four words", model="fake-xl")

    completion = complete(fake, request)

    assert request.provider == "fake"
    assert completion.model == "fake-xl"
    assert completion.finish_reason == "stop"
    assert completion.request_id == "fake-1"
    # words: "be brief" (2) + "count these four words" (4) in, "three word reply" (3) out
    assert completion.usage == Usage(input_tokens=6, output_tokens=3)
    assert completion.raw == {"reply": "three word reply"}
    assert completion.latency_s >= 0


def test_callable_replies_see_the_request(complete):
    fake = FakeProvider(lambda req: req.messages[-1]["content"].upper() + f" @{req.parameters['temperature']}")

    assert complete(fake, request_for("shout")).text == "SHOUT @0"
    assert complete(fake, request_for("again")).text == "AGAIN @0"
    assert len(fake.requests) == 2


def test_exception_reply_is_wrapped_in_a_provider_error(complete):
    boom = RuntimeError("backend down")
    fake = FakeProvider(["fine", boom])

    assert complete(fake, request_for("a")).text == "fine"
    with pytest.raises(ProviderError) as info:
        complete(fake, request_for("b"))

    assert info.value.provider == "fake"
    assert "backend down" in info.value.message
    assert info.value.__cause__ is boom
    assert info.value.exit_code == 3
    assert len(fake.requests) == 2  # the failed request is in the history too


def test_provider_error_reply_is_raised_as_is(complete):
    err = ProviderError("quota gone", provider="fake", status=429, retryable=False)
    fake = FakeProvider([err])

    with pytest.raises(ProviderError) as info:
        complete(fake, request_for("x"))

    assert info.value is err


def test_no_script_echoes_the_last_message(complete):
    fake = FakeProvider()
    assert complete(fake, request_for("echo me")).text == "echo me"


def test_empty_script_replies_with_empty_text(complete):
    assert complete(FakeProvider([]), request_for("x")).text == ""


def test_replies_from_the_environment(complete, monkeypatch):
    monkeypatch.setenv("PROMPTCTL_FAKE_REPLIES", '["from env", "second"]')
    fake = get_provider("fake")

    assert isinstance(fake, FakeProvider)
    assert [complete(fake, request_for(q)).text for q in ("a", "b", "c")] == ["from env", "second", "second"]


def test_fake_cannot_count_tokens(count_tokens):
    with pytest.raises(NotImplementedError, match="fake"):
        count_tokens(FakeProvider(["x"]), request_for("x"))


def test_env_replies_are_validated(monkeypatch) -> None:
    import pytest

    from promptctl.errors import InputError
    from promptctl.providers.fake import FakeProvider

    for bad in ("oops", '"hello"', '{"a": 1}', "[]", '[{"foo": 1}]', '[{"error": "x", "status": "529"}]'):
        monkeypatch.setenv("PROMPTCTL_FAKE_REPLIES", bad)
        with pytest.raises(InputError) as exc:
            FakeProvider()
        assert "PROMPTCTL_FAKE_REPLIES" in exc.value.message and exc.value.hint
    monkeypatch.setenv("PROMPTCTL_FAKE_REPLIES", '["ok", {"error": "overloaded", "status": 529}]')
    fake = FakeProvider()
    assert fake.replies[0] == "ok" and fake.replies[1].status == 529
