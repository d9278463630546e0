"""``snapshot record`` and ``update --rerecord``: one call per case, through the response cache."""

from __future__ import annotations

import json

import pytest

from promptctl.evaluation.snapshots.golden import read_golden
from promptctl.testing import LoopbackLLMServer, ServerUsage

ADA = '{"greeting": "Hello Ada!", "vip": false}'
GRACE = '{"greeting": "Hi Grace!", "vip": true}'


def _reply(body: dict) -> str:
    return GRACE if "Grace" in json.dumps(body) else ADA


@pytest.fixture
def server():
    with LoopbackLLMServer(_reply, usage=ServerUsage(input_tokens=120, output_tokens=12), max_lifetime_s=60) as srv:
        yield srv


def test_record_with_a_real_provider_goes_through_the_response_cache(project, cli, server):
    (project.root / "promptctl.toml").write_text(
        f'[providers.openai]\nbase_url = "{server.base_url}"\nmax_retries = 0\n', encoding="utf-8")

    first = cli("snapshot", "record", "--provider", "openai")

    assert first.code == 0, first.out + first.err
    assert len(server.requests) == 2  # one call per case
    doc = read_golden(project.golden("ada"))
    assert doc["recorded"]["provider"] == "openai" and doc["recorded"]["model"] == "gpt-4.1-mini"
    assert doc["recorded"]["output"] == ADA and "note" not in doc["recorded"]
    assert doc["recorded"]["usage"]["input_tokens"] == 120 and doc["recorded"]["usage"]["output_tokens"] == 12
    assert doc["recorded"]["cost_usd"] > 0  # list price of the reported usage
    # the request the model answered is exactly the snapshotted openai request
    assert server.requests[0].body["messages"] == doc["requests"]["openai"]["body"]["messages"]

    again = cli("snapshot", "update", "--rerecord", "--provider", "openai")
    assert again.code == 0, again.err
    assert "unchanged  greet@1::ada with openai:gpt-4.1-mini" in again.out
    assert cli("snapshot", "record", "--provider", "openai").code == 0
    assert len(server.requests) == 2  # answered from the run store: no new call
    check = cli("snapshot", "check")
    assert check.code == 0 and "ok    greet@1::ada::openai" in check.out and "::fake" not in check.out


def test_rerecord_without_provider_uses_the_provider_the_golden_file_was_recorded_with(project, cli, server):
    (project.root / "promptctl.toml").write_text(
        f'[providers.openai]\nbase_url = "{server.base_url}"\nmax_retries = 0\n', encoding="utf-8")
    assert cli("snapshot", "record", "--provider", "openai").code == 0
    project.edit(project.version, "concise", "cheerful")  # a new request: the cache cannot answer it

    again = cli("snapshot", "update", "--rerecord", "--case", "ada")  # no --provider

    assert again.code == 0, again.err
    assert "greet@1::ada with openai:gpt-4.1-mini" in again.out
    assert read_golden(project.golden("ada"))["recorded"]["provider"] == "openai"
    assert len(server.requests) == 3  # recorded again with openai, not with the suite's fake provider


def test_fake_replies_come_from_the_suite_and_are_never_cached(recorded, cli):
    recorded.edit(recorded.suite, "Hello Ada, welcome", "Welcome aboard Ada, hello")

    result = cli("snapshot", "update", "--rerecord", "--case", "ada")

    assert result.code == 0
    assert "updated  greet@1::ada with fake:fake-model" in result.out and "(recorded output)" in result.out
    assert "Welcome aboard Ada" in read_golden(recorded.golden("ada"))["recorded"]["output"]


def test_update_without_rerecord_keeps_the_output(recorded, cli):
    recorded.edit(recorded.suite, "Hello Ada, welcome", "Welcome aboard Ada, hello")
    recorded.edit(recorded.version, "concise", "cheerful")
    result = cli("snapshot", "update", "greet", "--case", "ada")
    assert result.code == 0
    doc = read_golden(recorded.golden("ada"))
    assert "Hello Ada, welcome" in doc["recorded"]["output"]
    assert doc["recorded"]["prompt_sha256"] != doc["prompt"]["sha256"]  # honest: recorded against older bytes
    check = cli("snapshot", "check", "--json", "--case", "ada")
    assert json.loads(check.out)["passed"] is True
    assert cli("snapshot", "check", "--case", "grace").code == 1  # not updated: still needs re-recording


def test_record_writes_the_golden_file_but_exits_1_when_a_check_fails(project, cli):
    project.edit(project.suite, '"vip": true}', '"vip": "yes"}')
    result = cli("snapshot", "record")
    assert result.code == 1
    assert "check failing: exact true on field 'vip'" in result.out
    assert "recorded 2 cases; 1 fails its checks: greet@1::grace" in result.err
    assert project.golden("grace").exists()
    assert cli("snapshot", "check").code == 1


def test_fake_without_a_reply_is_an_input_error(project, cli):
    line = """    record_with: {reply: '{"greeting": "Hi Grace, thanks for being a Pro customer!", "vip": true}'}\n"""
    project.edit(project.suite, line, "")
    result = cli("snapshot", "record", "--case", "grace")
    assert result.code == 2
    assert "records with the fake provider but has no reply" in result.err


def test_record_without_credentials_is_a_provider_error(project, cli):
    result = cli("snapshot", "record", "--provider", "anthropic", "--case", "ada")
    assert result.code == 3
    assert "ANTHROPIC_API_KEY" in result.err
    assert not project.golden("ada").exists()


def test_record_and_live_check_with_batch_send_every_case_in_one_provider_batch(project, cli, server, monkeypatch):
    (project.root / "promptctl.toml").write_text(
        f'[providers.openai]\nbase_url = "{server.base_url}"\nmax_retries = 0\n', encoding="utf-8")
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test")
    monkeypatch.setenv("PROMPTCTL_BATCH_POLL_S", "0.01")

    first = cli("snapshot", "record", "--provider", "openai", "--batch")

    assert first.code == 0, first.out + first.err
    creates = [r for r in server.requests if r.method == "POST" and r.path.endswith("/batches")]
    assert len(creates) == 1 and not any(r.path.endswith("/chat/completions") for r in server.requests)
    assert "ended, 2 submitted, 2 done, 0 failed" in first.err
    doc = read_golden(project.golden("ada"))
    assert doc["recorded"]["output"] == ADA and doc["recorded"]["provider"] == "openai"
    assert read_golden(project.golden("grace"))["recorded"]["output"] == GRACE
    # recording again is answered from the run store (the batch's answers are ordinary call rows)
    assert cli("snapshot", "record", "--provider", "openai", "--batch").code == 0
    assert len([r for r in server.requests if r.path.endswith("/batches")]) == 1

    live = cli("snapshot", "check", "--live", "--trials", "2", "--batch")
    assert live.code == 0, live.out + live.err
    creates = [r for r in server.requests if r.method == "POST" and r.path.endswith("/batches")]
    assert len(creates) == 2 and "ended, 4 submitted, 4 done, 0 failed" in live.err  # 2 cases x 2 trials
    assert cli("snapshot", "check", "--batch").code == 2  # --batch only applies with --live
