"""The session stack's layers: salt, recording, cache, validation, pricing, composed once."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from promptctl.config import ProjectConfig
from promptctl.errors import ProviderError
from promptctl.providers.fake import FakeProvider
from promptctl.session import Session
from promptctl.store.runs import RunStore
from promptctl.types import Completion, ProviderRequest


def _request(text: str = "hi") -> ProviderRequest:
    body = {"model": "fake-model", "messages": [{"role": "user", "content": text}]}
    return ProviderRequest("fake", "fake-model", kwargs=dict(body), body=body)


@pytest.fixture
def store(tmp_path: Path):
    runs = RunStore(f"sqlite:///{tmp_path / 'runs.db'}")
    yield runs
    runs.close()


@pytest.fixture
def config(tmp_path: Path) -> ProjectConfig:
    return ProjectConfig(root=tmp_path, prompts_dir=tmp_path / "prompts",
                         prices={"fake:fake-model": {"input_per_mtok": 1.0, "output_per_mtok": 2.0}})


def test_salt_separates_cache_keys_but_not_what_is_sent(store, config):
    fake = FakeProvider(["one", "two"])
    rows: list[dict] = []
    session = Session(config, store=store, cache=True, provider=fake, sink=rows.append)

    async def go():
        first = await session.context("fake", salt="trial:0").call(_request())
        second = await session.context("fake", salt="trial:1").call(_request())
        return first, second

    first, second = asyncio.run(go())
    assert (first.text, second.text) == ("one", "two")
    assert fake.requests[0].body == fake.requests[1].body == _request().body
    assert rows[0]["fingerprint"] != rows[1]["fingerprint"]
    assert rows[0]["fingerprint"] == _request().salted("trial:0").fingerprint()


def test_cached_answer_costs_nothing_and_repeats_the_row_shape(store, config):
    fake = FakeProvider(["hello there"])
    run_id = store.start_run(ref="x@1", prompt_name="x", prompt_version=1, prompt_sha256="0" * 64, draft=False,
                             provider="fake", model="fake-model", strategy="direct", variables={}, parameters={},
                             request={})

    def write(row):
        store.add_call(run_id, **row)

    async def once():
        session = Session(config, store=store, cache=True, provider=fake, sink=write)
        return await session.context("fake").call(_request())

    live = asyncio.run(once())
    cached = asyncio.run(once())
    assert len(fake.requests) == 1 and cached.cached and cached.text == live.text
    assert live.cost_usd == pytest.approx((1 * 1.0 + 2 * 2.0) / 1e6)  # the fake counts words: 1 in, 2 out
    assert cached.cost_usd == 0.0
    first, second = store.calls_of(run_id)
    assert set(first) == set(second) and (first["cached"], second["cached"]) == (False, True)
    assert second["cost_usd"] == 0.0 and second["input_tokens"] == first["input_tokens"]


def test_a_refused_reply_is_recorded_as_an_error_and_never_cached(store, config):
    fake = FakeProvider(["", "fine"])
    rows: list[dict] = []

    def non_empty(request: ProviderRequest, completion: Completion) -> None:
        if not completion.text:
            raise ProviderError("fake: empty reply", provider="fake")

    def session() -> Session:
        return Session(config, store=store, cache=True, provider=fake, sink=rows.append, validators=[non_empty])

    with pytest.raises(ProviderError, match="empty reply"):
        asyncio.run(session().context("fake").call(_request()))
    assert rows[-1]["error"] == "fake: empty reply" and rows[-1]["output"] is None
    assert asyncio.run(session().context("fake").call(_request())).text == "fine"
    assert len(fake.requests) == 2  # the refused reply was not answered from the cache


def test_the_concurrency_limit_is_shared_by_every_context(config):
    in_flight = [0, 0]

    class Slow(FakeProvider):
        async def _complete(self, request):
            in_flight[0] += 1
            in_flight[1] = max(in_flight[1], in_flight[0])
            await asyncio.sleep(0.01)
            in_flight[0] -= 1
            return await super()._complete(request)

    session = Session(config, concurrency=2, provider=Slow(["ok"]))

    async def go():
        await asyncio.gather(*(session.context("fake", salt=f"trial:{i}").call(_request()) for i in range(6)))

    asyncio.run(go())
    assert in_flight[1] == 2 and session.stats.live_calls == 6


def test_answers_read_in_bulk_equal_those_read_one_at_a_time(store, config, monkeypatch):
    fake = FakeProvider(["first answer", "second answer", "newer answer"])
    run_id = store.start_run(ref="x@1", prompt_name="x", prompt_version=1, prompt_sha256="0" * 64, draft=False,
                             provider="fake", model="fake-model", strategy="direct", variables={}, parameters={},
                             request={})

    def write(row):
        store.add_call(run_id, **row)

    async def call(text: str, session: Session):
        return await session.context("fake").call(_request(text))

    live = Session(config, store=store, cache=False, provider=fake, sink=write)
    asyncio.run(call("a", live))
    asyncio.run(call("b", live))
    asyncio.run(call("a", live))  # a newer answer to the same request: the cache answers with the newest
    fingerprints = [_request(t).fingerprint() for t in ("a", "b", "never asked")]
    bulk = store.cached_calls(fingerprints)
    assert set(bulk) == set(fingerprints[:2])
    assert all(bulk[fp] == store.cached_call(fp) for fp in bulk) and bulk[fingerprints[0]]["output"] == "newer answer"
    # a session given the bulk answers serves them without one query per call
    monkeypatch.setattr(store, "cached_call", lambda fp: pytest.fail("queried although read in bulk"))
    served = Session(config, store=store, cache=True, provider=fake, cached=bulk, uncached={fingerprints[2]})
    a, b = asyncio.run(call("a", served)), asyncio.run(call("b", served))
    assert (a.text, b.text, a.cached, b.cached) == ("newer answer", "second answer", True, True)
    assert len(fake.requests) == 3


def test_a_cached_tool_calling_reply_keeps_its_tool_calls(store, config):
    from promptctl.types import ToolCall

    reply = '{"text": "", "tool_calls": [{"id": "call_1", "name": "get_weather", "arguments": {"city": "Paris"}}]}'
    fake = FakeProvider([reply])
    body = {**_request().body, "tools": [{"type": "function", "function": {"name": "get_weather"}}]}
    request = ProviderRequest("fake", "fake-model", kwargs=dict(body), body=body)
    run_id = store.start_run(ref="x@1", prompt_name="x", prompt_version=1, prompt_sha256="0" * 64, draft=False,
                             provider="fake", model="fake-model", strategy="direct", variables={}, parameters={},
                             request={})

    async def once():
        session = Session(config, store=store, cache=True, provider=fake,
                          sink=lambda row: store.add_call(run_id, **row))
        return await session.context("fake").call(request)

    live, cached = asyncio.run(once()), asyncio.run(once())
    assert len(fake.requests) == 1 and cached.cached
    assert live.tool_calls == cached.tool_calls == (ToolCall("call_1", "get_weather", {"city": "Paris"}),)
    assert cached.text == live.text == ""
