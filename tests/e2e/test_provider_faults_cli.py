"""Secrets never leave, and a bad reply is a provider error (issue 12, items 1 and 2), through the real SDKs."""

from __future__ import annotations

import json
import re
import sqlite3
from pathlib import Path

import pytest

from promptctl.testing import BAD_REPLIES, LoopbackLLMServer, anthropic_error, bad_reply, openai_error

from .conftest import write_qa_project
from .test_hardening_cli import one_error, run_cli

QA = """---
description: Answers yes/no questions
provider: openai
model: gpt-4o-mini
models: {{anthropic: claude-haiku-4-5}}
parameters: {{temperature: 0, max_tokens: 50}}
variables:
  question: {{type: string, input: true}}
---
{{% system %}}{marker}{{% endsystem %}}
{{% user %}}{{{{ question }}}}{{% enduser %}}
"""
CASES = 8


@pytest.fixture
def qa(tmp_path: Path) -> Path:
    return write_qa_project(tmp_path, QA, CASES, id_format="q{}")


def database_text(path: Path) -> str:
    """Every row of every table of a SQLite file, as text."""
    with sqlite3.connect(path) as conn:
        return "\n".join(conn.iterdump())


def env(server: LoopbackLLMServer, project: Path, **extra: str) -> dict[str, str]:
    return {**server.env(), "PROMPTCTL_DATABASE_URL": f"sqlite:///{project / 'runs.db'}", **extra}


# -- item 1: a 401 that echoes the key ----------------------------------------------------------------------
KEY = "sk-live-4f9a8b7c6d5e4f3a2b1c0d9e"
CUSTOM = "unshaped-gateway-credential-77ab31c9e0"  # not key-shaped: only known because the provider read it


@pytest.mark.parametrize(("key_env", "key"), [("OPENAI_API_KEY", KEY), ("GATEWAY_KEY", CUSTOM)])
def test_a_401_echoing_the_key_leaks_it_nowhere(qa: Path, monkeypatch, capsys, key_env: str, key: str) -> None:
    if key_env != "OPENAI_API_KEY":
        (qa / "promptctl.toml").write_text(f'[providers.openai]\napi_key_env = "{key_env}"\n')
    fault = openai_error(401, f"Incorrect API key provided: {key}. You can find your API key at "
                              "https://platform.openai.com/account/api-keys.", code="invalid_api_key")
    with LoopbackLLMServer(fault, max_lifetime_s=60) as server:
        environment = {**env(server, qa), key_env: key}
        code, out, err = run_cli(qa, monkeypatch, capsys, "run", "qa@1", "--var", "question=hi", env=environment)
        line = one_error(err)
        assert code == 3 and line.startswith("error: openai: HTTP 401: ") and "Incorrect API key provided: ***" in line
        assert server.requests[0].headers["authorization"] == f"Bearer {key}"  # the key was really sent
        code, log_out, log_err = run_cli(qa, monkeypatch, capsys, "log", "--json", env=environment)
        assert code == 0 and json.loads(log_out)[0]["status"] == "error"
        code, ab_out, ab_err = run_cli(qa, monkeypatch, capsys, "ab", "qa@1", "qa@2", "--dataset", "cases.jsonl",
                                       "--scorer", "contains", "--json", "--report", "report.md", env=environment)
    assert code == 3, ab_err
    report = (qa / "report.md").read_text() if (qa / "report.md").exists() else ""
    texts = {"run stderr": err, "log --json": log_out + log_err, "ab --json": ab_out + ab_err, "report": report,
             "run store": database_text(qa / "runs.db")}
    for where, text in texts.items():
        assert key not in text, where
        assert key[8:20] not in text, where  # not even a part of it
    assert "Incorrect API key provided: ***" in texts["run store"]  # the error itself is kept, redacted


def test_a_proxy_echoing_an_anthropic_key_in_a_header_dump_leaks_nothing(qa: Path, monkeypatch, capsys) -> None:
    key = "sk-ant-api03-ZYXWVUTSRQ0987654321abcdef"
    fault = anthropic_error(403, "permission_error", f"forbidden; request headers: x-api-key: {key}")
    with LoopbackLLMServer(fault, max_lifetime_s=60) as server:
        code, _, err = run_cli(qa, monkeypatch, capsys, "run", "qa@1", "--provider", "anthropic", "--var",
                               "question=hi", env={**env(server, qa), "ANTHROPIC_API_KEY": key},)
    assert code == 3 and key not in err and one_error(err).endswith("request headers: x-api-key: ***")
    assert key not in database_text(qa / "runs.db")


def test_a_debug_traceback_is_redacted_too(qa: Path, monkeypatch, capsys) -> None:
    fault = openai_error(401, f"Incorrect API key provided: {KEY}.")
    with LoopbackLLMServer(fault, max_lifetime_s=60) as server:
        code, _, err = run_cli(qa, monkeypatch, capsys, "run", "qa@1", "--var", "question=hi",
                               env={**env(server, qa), "OPENAI_API_KEY": KEY, "PROMPTCTL_DEBUG": "1"})
    assert code == 3 and "Traceback" in err and KEY not in err


# -- item 2: bad replies ------------------------------------------------------------------------------------
@pytest.mark.parametrize("api", ["openai", "anthropic"])
@pytest.mark.parametrize("kind", BAD_REPLIES)
def test_run_a_bad_reply_is_exit_3_the_row_is_error_and_nothing_is_cached(qa: Path, monkeypatch, capsys, api: str,
                                                                          kind: str) -> None:
    with LoopbackLLMServer([bad_reply(kind, api), "yes"], max_lifetime_s=60) as server:
        args = ("run", "qa@1", "--provider", api, "--var", "question=hi")
        code, _, err = run_cli(qa, monkeypatch, capsys, *args, env=env(server, qa))
        assert code == 3, err
        assert one_error(err).startswith(f"error: {api}: malformed reply: ")
        with sqlite3.connect(qa / "runs.db") as conn:
            assert conn.execute("select status from runs").fetchall() == [("error",)]
            assert conn.execute("select count(*) from calls where error is not null").fetchone() == (1,)
        # the provider recovers: the same request is sent again (the bad reply was never cached)
        code, out, err = run_cli(qa, monkeypatch, capsys, *args, env=env(server, qa))
        assert code == 0, err
        assert out.strip() == "yes" and len(server.requests) == 2


@pytest.mark.parametrize("api", ["openai", "anthropic"])
def test_a_lone_surrogate_in_the_answer_is_stored_and_printed(qa: Path, monkeypatch, capsys, api: str) -> None:
    # a JSON "\ud800" escape decodes to a str that UTF-8 (SQLite, stdout) cannot encode
    with LoopbackLLMServer(["a\ud800b"], max_lifetime_s=60) as server:
        code, out, err = run_cli(qa, monkeypatch, capsys, "run", "qa@1", "--provider", api, "--var", "question=hi",
                                 env=env(server, qa))
    assert code == 0, err
    assert out.strip() == "a\ufffdb"
    with sqlite3.connect(qa / "runs.db") as conn:
        assert conn.execute("select status from runs").fetchall() == [("ok",)]


@pytest.mark.parametrize("api", ["openai", "anthropic"])
def test_ab_marks_bad_replies_failed_and_scores_the_rest(qa: Path, monkeypatch, capsys, api: str) -> None:
    bad = {1: "malformed_json", 2: "empty_body", 3: "html", 5: "no_choices", 6: "content_null", 7: "empty_truncated"}

    def reply(body: dict):
        case = int(re.search(r"\[case (\d+)\]", json.dumps(body)).group(1))
        if "Version two" in json.dumps(body) and case in bad:
            return bad_reply(bad[case], api)
        return "yes"

    with LoopbackLLMServer(reply, max_lifetime_s=120) as server:
        args = ("ab", "qa@1", "qa@2", "--dataset", "cases.jsonl", "--scorer", "contains", "--provider", api,
                "--json", "--concurrency", "4")
        code, out, err = run_cli(qa, monkeypatch, capsys, *args, env=env(server, qa))
        assert "Traceback" not in err
        result = json.loads(out)
        assert result["status"] == "completed", err
        first, second = result["variants"]
        assert first["completed"] == CASES and first["errors"] == 0 and first["passed"] == CASES
        assert second["errors"] == len(bad) and second["passed"] == CASES - len(bad)
        sent = len(server.requests)
        # a rerun answers the good cases from the cache and asks again for every bad one
        code, out, err = run_cli(qa, monkeypatch, capsys, *args, env=env(server, qa))
        assert len(server.requests) - sent == len(bad)
    with sqlite3.connect(qa / "runs.db") as conn:
        assert conn.execute("select count(*) from runs where status not in ('ok', 'error')").fetchone() == (0,)


@pytest.mark.parametrize("raised", [RuntimeError("a bug in a provider"), KeyboardInterrupt()])
def test_a_run_row_is_finished_whatever_happens(qa: Path, raised: BaseException) -> None:
    from promptctl.providers.base import Provider
    from promptctl.registry.registry import Registry
    from promptctl.session.run import run
    from promptctl.store.runs import RunStore

    class Broken(Provider):
        name = "fake"

        async def _complete(self, request):  # noqa: ANN001, ANN202 - a test double
            raise raised

    store = RunStore(f"sqlite:///{qa / 'runs.db'}")
    version = Registry(qa / "prompts").get("qa@1")
    with pytest.raises(type(raised)):
        run(version, {"question": "hi"}, provider=Broken(), store=store)
    [row] = store.recent(5)
    assert row["status"] == "error"
    assert row["error"] == (f"{type(raised).__name__}: {raised}" if str(raised) else type(raised).__name__)
