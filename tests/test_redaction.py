"""Credentials never leave in error texts (issue 12, item 1): unit tests of the redaction itself."""

from __future__ import annotations

import pytest

from promptctl.errors import InputError, ProviderError
from promptctl.redaction import redact, register_secret


def test_known_credentials_from_the_environment_are_redacted(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WATSONX_APIKEY", "Zq9-unshaped-ibm-cloud-key-0123456789")
    text = "watsonx: HTTP 401: invalid key Zq9-unshaped-ibm-cloud-key-0123456789 for project"
    assert redact(text) == "watsonx: HTTP 401: invalid key *** for project"


def test_a_key_read_through_api_key_env_is_redacted() -> None:
    register_secret("ollama-local-secret-value-42")
    assert redact("proxy said: ollama-local-secret-value-42 rejected") == "proxy said: *** rejected"
    register_secret("short")  # placeholders under 8 characters are not secrets
    assert redact("a short text") == "a short text"


@pytest.mark.parametrize(("text", "expected"), [
    ("Incorrect API key provided: sk-live-Abc123def456ghi789. You can find your API key at "
     "https://platform.openai.com/account/api-keys.",
     "Incorrect API key provided: sk-***. You can find your API key at https://platform.openai.com/account/api-keys."),
    ("Incorrect API key provided: sk-proj-abcd************wxyz.", "Incorrect API key provided: sk-proj-***."),
    ("invalid x-api-key: sk-ant-api03-AbCdEfGhIjKlMnOp", "invalid x-api-key: sk-ant-***"),
    ("upstream headers: {'authorization': 'Bearer eyJhbGciOi.payload.sig'}",
     "upstream headers: {'authorization': 'Bearer ***'}"),
    ('{"api_key": "9f8e7d6c5b4a39281706"}', '{"api_key": "***"}'),
    ("x-api-key=abcdefghijklmnop&model=m", "x-api-key=***&model=m"),
    ("hint: export OPENAI_API_KEY=sk-... or set OPENAI_BASE_URL",
     "hint: export OPENAI_API_KEY=sk-... or set OPENAI_BASE_URL"),
    ("openai: cannot reach http://admin:hunter2pass@127.0.0.1:1/v1/: Connection error.",
     "openai: cannot reach http://admin:***@127.0.0.1:1/v1/: Connection error."),
    ("see http://127.0.0.1:8080/v1/a@b", "see http://127.0.0.1:8080/v1/a@b"),
    ("risk-assessment@2 failed: max_tokens=4000 reached", "risk-assessment@2 failed: max_tokens=4000 reached"),
])
def test_key_shaped_text_is_redacted_and_ordinary_text_is_not(text: str, expected: str) -> None:
    assert redact(text) == expected


@pytest.mark.parametrize("text", [
    "pa\u017f\u017fword=hunter2hunter2", "ap\u0131_key: abcdefghijkl", "\u017fecret=abcdefghijklmn",
    "x-ap\u0131-key: abcdefghijkl", "BEARER abcdefghijk", "id_to\u212aen=abcdefghijkl",
])
def test_the_marker_prefilter_skips_nothing_the_shapes_would_redact(text: str) -> None:
    """A case-insensitive shape matches dotless i and long s as ASCII letters; the prefilter must let them through."""
    from promptctl.redaction import _SHAPES

    expected = text
    for pattern, replacement in _SHAPES:
        expected = pattern.sub(replacement, expected)
    assert expected != text and redact(text) == expected


def test_every_promptctl_error_redacts_its_message_and_hint(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-0123456789abcdef")
    exc = ProviderError("openai: HTTP 401: Incorrect API key provided: sk-test-0123456789abcdef.", provider="openai",
                        status=401, hint="the key sk-test-0123456789abcdef was refused")
    assert "0123456789" not in str(exc) and "0123456789" not in (exc.hint or "")
    assert str(exc) == "openai: HTTP 401: Incorrect API key provided: ***."
    assert "0123456789" not in str(InputError("bad Bearer abcdefghijklmnopqrstuvwxyz"))


@pytest.mark.parametrize("text", [
    "your key sk-proj-" + "Z" * 40, "sk-ant-api03-" + "Q7" * 20, "Incorrect API key provided: sk-proj-********abcd.",
    "sk-" + "a" * 20, "sk-svcacct-" + "x" * 20, "Authorization: Bearer abcdefghijkl", "https://u:secretpass@h/x",
    '{"api_key": "abcdefghijk"}', "AKIAABCDEFGHIJKLMNOP", "ghp_" + "a" * 36, "eyJhbGciOiJIUzI1.eyJzdWIiOiIx.abcdefghij",
])
def test_redacting_twice_changes_nothing(text: str) -> None:
    """The run store redacts what it writes and a report redacts what it shows: ``sk-proj-***`` stays as it is."""
    once = redact(text)
    assert once != text and redact(once) == once
