"""The batch layer alone: splitting at the providers' limits, stored batches found again on resume, batch prices,
``retry-after`` parsing, and the refusals."""

from __future__ import annotations

import asyncio

import pytest

from promptctl.errors import InputError
from promptctl.providers.base import BatchLimits, retry_after_of
from promptctl.providers.fake import FakeProvider
from promptctl.providers.openai import OpenAIProvider
from promptctl.session import Session
from promptctl.session.batch import Batcher, _split, _Waiting, retry_as_call
from promptctl.store import batches as batch_store
from promptctl.store.runs import RunStore
from promptctl.testing import LoopbackLLMServer
from promptctl.tokens.pricing import cost_of
from promptctl.types import Exchange, ProviderRequest, Usage


def request(i: int, model: str = "gpt-4o-mini") -> ProviderRequest:
    body = {"model": model, "messages": [{"role": "user", "content": f"question {i}"}]}
    return ProviderRequest("openai", model, dict(body), body)


def test_calls_are_split_at_the_request_and_size_limits_and_by_model():
    class Small(OpenAIProvider):
        batch_limits = BatchLimits(max_requests=3, max_bytes=10_000, one_model=True)

    loop = asyncio.new_event_loop()
    try:
        waiting = [_Waiting(Exchange(request(i, "a" if i < 7 else "b")), loop.create_future()) for i in range(9)]
        parts = _split(Small(), waiting)
        assert [len(p) for p in parts] == [3, 3, 1, 2]  # model a: 7 in parts of 3; model b: 2
        assert {w.exchange.request.model for w in parts[-1]} == {"b"}
        Small.batch_limits = BatchLimits(max_requests=100, max_bytes=500)
        assert all(len(p) <= 2 for p in _split(Small(), waiting))  # about 200 bytes a line: 2 per 500 bytes
    finally:
        loop.close()


def test_batch_prices_come_from_genai_prices_else_the_configured_factor():
    usage = Usage(input_tokens=1_000_000, output_tokens=1_000_000)
    standard = cost_of(usage, "openai", "gpt-4o-mini").usd
    batch = cost_of(usage, "openai", "gpt-4o-mini", batch=True)
    assert batch.usd == pytest.approx(standard / 2) and batch.source == "genai-prices" and batch.note is None

    class Config:
        prices = {"openai:my-model": {"input_per_mtok": 1.0, "output_per_mtok": 3.0, "batch_factor": 0.4}}

    custom = cost_of(usage, "openai", "my-model", Config(), batch=True)  # type: ignore[arg-type]
    assert custom.usd == pytest.approx(4.0 * 0.4) and "x 0.4 (batch)" in (custom.price or "")


def test_retry_after_headers_in_milliseconds_seconds_or_a_date():
    assert retry_after_of({"retry-after-ms": "250"}) == 0.25
    assert retry_after_of({"retry-after": "2"}) == 2.0
    assert retry_after_of({"retry-after": "Wed, 21 Oct 2015 07:28:00 GMT"}) is None  # in the past
    assert retry_after_of({"retry-after": "soon"}) is None and retry_after_of({}) is None
    assert retry_after_of({"retry-after": "100000"}) is None  # beyond 600 s: ignored


def test_which_failed_items_are_retried_as_ordinary_calls():
    from promptctl.errors import ProviderError

    assert retry_as_call(ProviderError("expired", provider="anthropic"))
    assert retry_as_call(ProviderError("overloaded", provider="openai", status=500))
    assert retry_as_call(ProviderError("rate", provider="openai", status=429))
    assert not retry_as_call(ProviderError("bad", provider="openai", status=400))


def test_providers_without_a_batch_api_are_refused():
    with pytest.raises(InputError, match="provider 'fake' has no batch API"):
        FakeProvider(["x"]).check_batch()


def test_an_interrupted_submission_is_found_by_its_metadata_and_not_sent_again(tmp_path, monkeypatch):
    """Killed between the provider's reply and the store's write: the batch row has no provider id yet."""
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test")
    monkeypatch.setenv("PROMPTCTL_BATCH_POLL_S", "0.01")
    store = RunStore(f"sqlite:///{tmp_path / 'runs.db'}")

    async def scenario(server: LoopbackLLMServer) -> list[str]:
        client = OpenAIProvider({"base_url": server.base_url})
        requests = [request(i) for i in range(3)]
        key = batch_store.create(store, work_id="run1", provider="openai", model="gpt-4o-mini",
                                 items=[(f"r{i}", r.at(client.endpoint).fingerprint()) for i, r in enumerate(requests)])
        await client.submit_batch([(f"r{i}", r) for i, r in enumerate(requests)], key=key)  # the id is never stored
        batcher = Batcher(store, "run1", settle_s=0.05)
        session = Session(None, provider=client, batch=batcher, close_given=True)
        ctx = session.context("openai")
        async with session:
            done = await asyncio.gather(*(ctx.call(r) for r in requests))
        await batcher.aclose()
        assert batcher.batches[0].resumed
        return [c.text for c in done]

    with LoopbackLLMServer(lambda body: "answer to " + body["messages"][0]["content"], batch_polls=1) as server:
        texts = asyncio.run(scenario(server))
        creates = [r for r in server.requests if r.method == "POST" and r.path.endswith("/batches")]
        listed = [r for r in server.requests if r.method == "GET" and r.path.endswith("/batches")]
    assert texts == ["answer to question 0", "answer to question 1", "answer to question 2"]
    assert len(creates) == 1 and len(listed) == 1  # found through batches.list and its metadata
    row = batch_store.of_work(store, "run1")[0]
    assert row["status"] == "ended" and row["provider_batch_id"].startswith("batch_")
