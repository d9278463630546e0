"""Golden files: stable YAML, exact round trips, normalisation, no credentials."""

from __future__ import annotations

import re

import pytest

from promptctl.errors import InputError
from promptctl.evaluation.snapshots.golden import (
    HEADER,
    canonical,
    load_yaml,
    normalise_text,
    read_golden,
    render_golden,
    scrub,
    unified_diff,
    write_golden,
)

TRICKY = {
    "b": "line one\nline two\n",
    "a": "trailing space \nnext",
    "c": ["NO", "1.10", "2025-05-14", "null", "", "\n", " leading", "tab\tinside", "ünïcødé €", "x" * 300],
    "d": {"z": 1, "y": 1.5, "x": None, "w": True},
    "e": "ends with blank lines\n\n\n",
}


def test_render_is_sorted_lf_block_scalars_and_round_trips_exactly():
    text = render_golden(TRICKY)
    assert text.startswith(HEADER)
    assert "\r" not in text
    body = text[len(HEADER):]
    assert [line.split(":")[0] for line in body.splitlines() if line and not line.startswith((" ", "-", "..."))] == [
        "a", "b", "c", "d", "e"]
    assert "b: |\n  line one\n  line two\n" in body
    assert "x" * 300 in body  # never folded
    assert load_yaml(body) == TRICKY


def test_render_is_deterministic():
    assert render_golden(TRICKY) == render_golden(dict(reversed(list(TRICKY.items()))))


def test_normalisation_crlf_and_trailing_whitespace():
    assert normalise_text("a  \r\nb\t\rc \n") == "a\nb\nc\n"
    assert canonical({"m": "x \r\ny"}) == canonical({"m": "x\ny"})
    assert canonical({"m": "x y"}) != canonical({"m": "x  y"})  # inner whitespace is significant
    assert unified_diff({"m": "a\r\n"}, {"m": "a\n"}, "a", "b") == ""


def test_read_golden_accepts_crlf_and_rejects_other_files(tmp_path):
    path = tmp_path / "g.yaml"
    doc = {"format": 1, "prompt": {}, "requests": {"openai": {"body": {"m": "x\ny"}}}, "recorded": {}, "checks": []}
    write_golden(path, doc)
    path.write_bytes(path.read_bytes().replace(b"\n", b"\r\n"))
    assert read_golden(path)["requests"]["openai"]["body"]["m"] == "x\ny"
    path.write_text("just: text\n")
    with pytest.raises(InputError, match="not a promptctl golden file"):
        read_golden(path)


def test_write_golden_reports_whether_the_file_changed(tmp_path):
    path = tmp_path / "sub" / "g.yaml"
    doc = {"format": 1, "prompt": {}, "requests": {}, "recorded": {}, "checks": []}
    assert write_golden(path, doc) is True
    assert write_golden(path, doc) is False
    assert write_golden(path, {**doc, "case": "x"}) is True


def test_scrub_drops_headers_and_keys_anywhere():
    body = {"model": "m", "extra_headers": {"Authorization": "Bearer x"}, "nested": [{"api_key": "k", "ok": 1}],
            "project_id": "p"}
    assert scrub(body) == {"model": "m", "nested": [{"ok": 1}]}


def test_credentials_are_never_written(recorded, cli, monkeypatch):
    secret = "sk-test-0123456789abcdef"
    monkeypatch.setenv("OPENAI_API_KEY", secret)
    recorded.edit(recorded.suite, "variables: {name: Grace, plan: pro}", f"variables: {{name: '{secret}', plan: pro}}")
    before = recorded.golden("grace").read_text()

    result = cli("snapshot", "record", "--case", "grace")

    assert result.code == 2
    assert "refusing to write" in result.err and "$OPENAI_API_KEY" in result.err
    assert secret not in result.err + result.out
    assert recorded.golden("grace").read_text() == before


def test_custom_secret_variables_are_guarded_too(recorded, cli, monkeypatch):
    monkeypatch.setenv("MY_SERVICE_TOKEN", "tok-abcdefgh12345")
    recorded.edit(recorded.suite, "Hi Grace, thanks", "Hi Grace tok-abcdefgh12345, thanks")
    result = cli("snapshot", "record", "--case", "grace")
    assert result.code == 2 and "$MY_SERVICE_TOKEN" in result.err


def test_recorded_golden_has_no_timestamps_run_ids_or_latency(recorded):
    text = recorded.golden("ada").read_text()
    assert not re.search(r"\d{4}-\d\d-\d\dT\d\d:\d\d", text)
    assert not re.search(r"\b[0-9a-f]{32}\b", text)  # run ids
    assert "latency" not in text and "run_id" not in text and "request_id" not in text
    doc = read_golden(recorded.golden("ada"))
    assert doc["recorded"]["provider"] == "fake" and "scripted reply" in doc["recorded"]["note"]
    assert set(doc) == {"format", "case", "prompt", "variables", "requests", "recorded", "checks"}
    assert set(doc["requests"]) == {"anthropic", "openai", "watsonx"}
    assert doc["requests"]["anthropic"]["body"]["system"].startswith("<role>")
