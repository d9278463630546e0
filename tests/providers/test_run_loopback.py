"""promptctl.session.run.arun end to end: registry version -> adapter -> real openai SDK -> loopback -> run store."""

from __future__ import annotations

import asyncio
import json
import textwrap

import pytest

from promptctl.adapters import build_request
from promptctl.config import ProjectConfig
from promptctl.errors import ProviderError
from promptctl.providers.openai import OpenAIProvider
from promptctl.registry.registry import Registry
from promptctl.session.run import arun
from promptctl.store.runs import RunStore
from promptctl.testing import ServerUsage, openai_error
from promptctl.types import Usage

VERSION = textwrap.dedent(
    """\
    ---
    description: Greet someone
    provider: openai
    model: gpt-4o-mini
    parameters: {temperature: 0, max_tokens: 40}
    variables:
      name: {type: string}
    ---
    {% system %}You are brief.{% endsystem %}
    {% user %}Say hello to {{ name }}.{% enduser %}
    """
)


@pytest.fixture
def version(tmp_path):
    folder = tmp_path / "prompts" / "greet"
    folder.mkdir(parents=True)
    (folder / "v1.j2").write_text(VERSION, encoding="utf-8")
    return Registry(tmp_path).get("greet@1")


@pytest.fixture
def store(tmp_path):
    runs = RunStore(f"sqlite:///{tmp_path / 'runs.db'}")
    yield runs
    runs.close()


@pytest.fixture
def config(tmp_path, server):
    return ProjectConfig(
        root=tmp_path, prompts_dir=tmp_path / "prompts",
        providers={"openai": {"base_url": server.base_url, "max_retries": 0}},
    )


def test_run_is_recorded_with_usage_and_latency(version, store, config, server, monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test")
    server.replies = ["Hello, Ada!"]
    server.usage = ServerUsage(input_tokens=25, output_tokens=4, cached_input_tokens=8)
    server.latency_s = 0.05

    result = asyncio.run(arun(version, {"name": "Ada"}, config=config, store=store))

    expected = build_request(version.front_matter, version.prompt({"name": "Ada"}), where=version.display)
    [wire] = server.requests
    assert wire.body == expected.body
    assert wire.body["messages"][-1] == {"role": "user", "content": "Say hello to Ada."}
    assert wire.body["temperature"] == 0 and wire.body["max_tokens"] == 40

    assert result.output == "Hello, Ada!"
    assert result.provider == "openai" and result.model == "gpt-4o-mini"
    assert result.usage == Usage(input_tokens=25, output_tokens=4, cached_input_tokens=8)
    assert result.latency_s >= 0.05
    assert result.run_id is not None

    run = store.get(result.run_id)
    assert run["status"] == "ok"
    assert run["error"] is None
    assert run["output"] == "Hello, Ada!"
    assert run["prompt_name"] == "greet" and run["prompt_version"] == 1 and run["draft"]
    assert run["prompt_sha256"] == version.sha256
    assert (run["provider"], run["model"]) == ("openai", "gpt-4o-mini")
    assert (run["input_tokens"], run["output_tokens"], run["cached_input_tokens"]) == (25, 4, 8)
    assert run["latency_s"] >= 0.05
    assert run["request"] == expected.body
    assert run["variables"] == {"name": "Ada"}

    [call] = store.calls_of(result.run_id)
    assert call["seq"] == 1
    assert call["output"] == "Hello, Ada!"
    assert (call["input_tokens"], call["output_tokens"], call["cached_input_tokens"]) == (25, 4, 8)
    assert call["latency_s"] >= 0.05
    assert call["request_id"] == "req_loopback_000001"
    # keyed by the server too: the loopback server is not OpenAI's own API
    assert call["fingerprint"] == expected.at(server.base_url).fingerprint() != expected.fingerprint()
    assert call["error"] is None
    assert json.dumps(call["request"])  # stored as JSON
    assert "sk-test" not in json.dumps(run) + json.dumps(call)  # credentials never reach the store


def test_failed_call_is_recorded_as_an_error(version, store, config, server, monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test")
    server.add_faults(openai_error(500, "The server had an error", type="server_error"))

    with pytest.raises(ProviderError) as info:
        asyncio.run(arun(version, {"name": "Ada"}, config=config, store=store))

    assert info.value.status == 500
    assert len(server.requests) == 1  # max_retries 0 from the config
    [run] = store.recent()
    assert run["status"] == "error"
    assert "HTTP 500" in run["error"]
    assert run["output"] is None
    assert run["input_tokens"] == 0
    [call] = store.calls_of(run["id"])
    assert call["output"] is None
    assert "The server had an error" in call["error"]
    assert call["request_id"] == "req_loopback_000001"


def test_provider_instance_and_no_store(version, server, monkeypatch):
    monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test")
    server.replies = ["Hi."]

    result = asyncio.run(arun(version, {"name": "Bo"}, provider=OpenAIProvider({"max_retries": 0})))

    assert result.output == "Hi."
    assert result.run_id is None
    assert [c.completion.text for c in result.calls] == ["Hi."]
    assert result.to_dict()["usage"] == ServerUsage().to_dict()


def test_dry_run_sends_nothing(version, store, config, server):
    result = asyncio.run(arun(version, {"name": "Ada"}, config=config, store=store, dry_run=True))

    assert result.dry_run and result.output == ""
    assert server.requests == []
    assert store.recent() == []


def test_prepare_imports_the_sdk_resource_so_the_first_call_s_latency_is_the_call(config):
    provider = OpenAIProvider(config.providers["openai"])
    provider.prepare()
    client = provider.client()
    assert "chat" in vars(client) and "completions" in vars(client.chat)  # the SDK's lazy cached properties


def test_a_run_s_latency_leaves_out_building_the_sdk_client(version, store, config, server, monkeypatch):
    """The first run of a process printed the SDK's import (6 s on a busy machine) as the model's latency."""
    import time

    class SlowStart(OpenAIProvider):
        def prepare(self) -> None:
            time.sleep(0.4)  # stands for importing the SDK and building its client
            super().prepare()

    monkeypatch.setenv("OPENAI_API_KEY", "sk-test")
    server.replies = ["Hi."]
    provider = SlowStart(config.providers["openai"])
    result = asyncio.run(arun(version, {"name": "Bo"}, provider=provider, store=store))

    assert provider.setup_s >= 0.4
    assert result.latency_s < provider.setup_s  # the call on loopback takes milliseconds
    assert store.recent()[0]["latency_s"] == pytest.approx(result.latency_s)
