"""The response cache answers identical requests from the run store, with no provider call."""

from __future__ import annotations

import asyncio
from pathlib import Path

from promptctl import render
from promptctl.providers.fake import FakeProvider
from promptctl.registry.registry import Registry
from promptctl.session.run import arun
from promptctl.store.runs import RunStore


def _version(tmp_path: Path):
    folder = tmp_path / "prompts" / "p"
    folder.mkdir(parents=True)
    (folder / "v1.j2").write_text("---\nprovider: openai\nmodel: gpt-4o-mini\n---\nSay {{ word }}\n")
    return Registry(tmp_path / "prompts").get("p@1")


def test_second_identical_run_is_served_from_cache(tmp_path: Path) -> None:
    version = _version(tmp_path)
    store = RunStore(f"sqlite:///{tmp_path / 'runs.db'}")
    fake = FakeProvider(["first", "second"])
    one = asyncio.run(arun(version, {"word": "hi"}, provider=fake, store=store, cache=True))
    two = asyncio.run(arun(version, {"word": "hi"}, provider=fake, store=store, cache=True))
    other = asyncio.run(arun(version, {"word": "bye"}, provider=fake, store=store, cache=True))
    assert (one.output, two.output, other.output) == ("first", "first", "second")
    assert len(fake.requests) == 2
    assert two.calls[0].completion.cached and two.cost_usd == 0.0
    assert two.usage == one.usage
    [call] = store.calls_of(two.run_id)
    assert call["cached"] is True and call["cost_usd"] == 0.0
    uncached = asyncio.run(arun(version, {"word": "hi"}, provider=fake, store=store))
    assert uncached.output == "second" and len(fake.requests) == 3


def test_salt_separates_deliberate_repeats(tmp_path: Path) -> None:
    version = _version(tmp_path)
    request = render(version, "openai", word="x")
    from dataclasses import replace

    assert request.fingerprint() != replace(request, cache_salt="sample:1").fingerprint()
    assert (
        replace(request, cache_salt="sample:1").fingerprint() == replace(request, cache_salt="sample:1").fingerprint()
    )
