"""The three cases of issue 7, end to end through the CLI."""

from __future__ import annotations

import re

from promptctl.evaluation.snapshots import record
from promptctl.providers.fake import FakeProvider

from .conftest import to_crlf


def test_golden_recorded_on_lf_checkout_passes_on_crlf_checkout(recorded, cli):
    golden_before = recorded.golden("ada").read_bytes()
    assert b"\r" not in golden_before
    for path in (recorded.version, recorded.suite, recorded.prompt_dir / "prompt.yaml", recorded.golden("ada"),
                 recorded.golden("grace"), recorded.root / "fixtures" / "greet" / "ada.yaml"):
        to_crlf(path)
    assert b"\r\n" in recorded.version.read_bytes() and b"\r\n" in recorded.golden("ada").read_bytes()

    result = cli("snapshot", "check")

    assert result.code == 0, result.out + result.err
    assert "8 ok, 0 failing" in result.out
    # the multi-line variable from the CRLF fixture file renders exactly as recorded
    assert "ok    greet@1::ada::anthropic" in result.out


def test_one_word_in_a_draft_fails_check_with_a_diff_per_provider_then_update_passes(recorded, cli):
    recorded.edit(recorded.version, "You are a concise greeter", "You are a cheerful greeter")

    failed = cli("snapshot", "check")

    assert failed.code == 1
    assert "needs re-record" in failed.out and "draft greet@1 changed since it was recorded" in failed.out
    for provider in ("anthropic", "openai", "watsonx"):
        section = failed.out.split(f"=== greet@1::ada::{provider}:")[1].split("\n=== ")[0]
        assert f"+++ greet@1 [{provider}] (rendered now)" in section
        removed = [line for line in section.splitlines() if line.startswith("-") and not line.startswith("---")]
        added = [line for line in section.splitlines() if line.startswith("+") and not line.startswith("+++")]
        assert len(removed) == len(added) == 1, section
        assert "concise" in removed[0] and "cheerful" not in removed[0]
        assert "cheerful" in added[0] and "concise" not in added[0]
    assert failed.err.startswith("error: ")

    updated = cli("snapshot", "update")

    assert updated.code == 0, updated.out + updated.err
    assert re.search(r"updated  greet@1::ada .*\(pin greet@1 sha256 \w+ -> greet@1 sha256 \w+, request for anthropic, "
                     r"request for openai, request for watsonx\)", updated.out)
    assert "+      You are a cheerful greeter for Acme Cloud." in updated.out
    again = cli("snapshot", "check")
    assert again.code == 0, again.out
    assert "8 ok, 0 failing" in again.out


class ScriptedOpenAI(FakeProvider):
    """A scripted stand-in for a real provider (its output is recorded as openai's)."""

    name = "openai"


def test_recorded_output_failing_an_edited_check_fails_without_network(project, cli, no_network, monkeypatch):
    reply = '{"greeting": "Hello Ada, welcome to Acme Cloud!", "vip": false}'
    record(project.snap(), case_ids=["ada"], provider_factory=lambda name, case: ScriptedOpenAI([reply]))
    assert "provider: openai" in project.golden("ada").read_text()
    # No credentials, and a base URL that would refuse a connection if anything tried one.
    monkeypatch.setenv("OPENAI_BASE_URL", "http://127.0.0.1:9/v1")
    project.edit(project.suite, "{scorer: contains, field: greeting, expected: [Ada]}",
                 "{scorer: contains, field: greeting, expected: [Lovelace]}")

    result = cli("snapshot", "check", "--case", "ada")

    assert result.code == 1
    assert "FAIL  greet@1::ada::openai  check failed" in result.out
    assert "check failed: contains [\"Lovelace\"] on field 'greeting': missing ['Lovelace']" in result.out
    for provider in ("anthropic", "watsonx"):
        assert f"ok    greet@1::ada::{provider}" in result.out  # the requests did not change
    assert no_network == []
