"""``ab --batch`` / ``eval --batch`` through the real SDKs against the loopback server's batch endpoints, kill -9
and ``--resume``, and adaptive concurrency against a server that answers 429 above 8 concurrent requests."""

from __future__ import annotations

import json
import os
import re
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from promptctl.testing import LoopbackLLMServer, openai_error
from tests.conftest import is_sdk_env, run_cli

from .conftest import write_qa_project
from .test_ab_cli import VERSION, reply  # v2 gets every third case wrong

CASES = 50


def qa_project(root: Path, provider: str = "openai", model: str = "gpt-4o-mini", cases: int = CASES) -> Path:
    text = VERSION.replace("provider: openai", f"provider: {provider}").replace("model: gpt-4o-mini", f"model: {model}")
    return write_qa_project(root, text, cases)


@pytest.fixture(scope="module")
def server():
    with LoopbackLLMServer(reply, max_lifetime_s=300, batch_polls=2) as srv:
        yield srv


def cli(project: Path, server: LoopbackLLMServer, *args: str, db: str = "runs.db"):
    env = {**server.env(), "PROMPTCTL_DATABASE_URL": f"sqlite:///{project / db}", "PROMPTCTL_BATCH_POLL_S": "0.01"}
    return run_cli(*args, cwd=project, env=env)


def comparable(result: dict) -> dict:
    keep = ("mean", "ci95", "passed", "pass_rate", "completed", "errors", "tokens")
    return {"comparisons": result["comparisons"], "cases": result["cases"],
            "variants": [{k: v[k] for k in keep} for v in result["variants"]]}


def batch_creates(server: LoopbackLLMServer) -> list[str]:
    return [r.path for r in server.requests if r.method == "POST" and r.path.endswith("batches")]


@pytest.mark.parametrize(("provider", "model", "cases"),
                         [("openai", "gpt-4o-mini", CASES), ("anthropic", "claude-haiku-4-5", 12)])
def test_ab_batch_has_the_direct_verdict_at_half_the_cost(tmp_path, server, provider, model, cases):
    project = qa_project(tmp_path, provider, model, cases)
    args = ("ab", "qa@1", "qa@2", "-d", "cases.jsonl", "-s", "contains", "--json")
    direct = cli(project, server, *args, "--no-cache", db="direct.db")
    assert direct.returncode == 0, direct.stderr
    before = len(server.requests)
    batched = cli(project, server, *args, "--no-cache", "--batch", db="batch.db")
    assert batched.returncode == 0, batched.stderr
    one, two = json.loads(direct.stdout), json.loads(batched.stdout)
    assert comparable(two) == comparable(one)
    assert two["variants"][1]["passed"] == cases - len(range(0, cases, 3))
    if cases == CASES:
        assert two["comparisons"][0]["winner"] == "A"
    assert two["cost_usd"]["models"] == pytest.approx(one["cost_usd"]["models"] / 2, rel=1e-9)
    assert one["cost_usd"]["models"] > 0
    sent = server.requests[before:]
    # one batch for every call (both variants use the same model), no direct call
    assert not any(r.path.endswith(("/chat/completions", "/messages")) for r in sent)
    creates = [r for r in sent if r.method == "POST" and r.path.endswith("batches")]
    assert len(creates) == 1
    n = 2 * cases
    assert re.search(rf"batch {provider} \S+: ended, {n} submitted, {n} done, 0 failed", batched.stderr)
    assert "1 batch" in batched.stderr
    # the batch and its 100 requests are in the run store
    con = sqlite3.connect(project / "batch.db")
    status, requests, provider_id = con.execute("select status, requests, provider_batch_id from batches").fetchone()
    assert (status, requests) == ("ended", n) and provider_id
    assert con.execute("select count(*) from batch_items").fetchone()[0] == n


def test_eval_batch_retries_a_failed_item_once_as_a_direct_call(tmp_path, server):
    project = qa_project(tmp_path, cases=6)
    calls = {"n": 0}

    def flaky(body: dict):
        calls["n"] += 1
        text = json.dumps(body)
        if "[case 2]" in text and calls["n"] <= 6:  # the batch's answer for case 2 fails (the direct retry works)
            return openai_error(500, "The server had an error", type="server_error")
        if "[case 4]" in text:  # refused as invalid: reported, never retried
            return openai_error(400, "Invalid request", type="invalid_request_error")
        return "yes"

    server.replies = flaky
    try:
        before = len(server.requests)
        run = cli(project, server, "eval", "qa@1", "-d", "cases.jsonl", "-s", "contains", "--batch", "--json")
    finally:
        server.replies = reply
    assert run.returncode == 0, run.stderr
    result = json.loads(run.stdout)
    records = {r["case_id"]: r for r in result["records"]}
    assert records["q02"]["status"] == "ok" and records["q02"]["passed"]
    assert records["q04"]["status"] == "error" and "HTTP 400" in records["q04"]["error"]
    sent = server.requests[before:]
    direct = [r for r in sent if r.path.endswith("/chat/completions")]
    assert len(direct) == 1 and "[case 2]" in json.dumps(direct[0].body)  # the one retry
    assert "4 done, 2 failed" in run.stderr


def test_kill_9_after_the_batch_was_created_then_resume_waits_for_the_same_batch(tmp_path):
    project = qa_project(tmp_path, cases=20)
    with LoopbackLLMServer(reply, max_lifetime_s=120, batch_polls=10**9) as server:  # never ends until told
        env = {k: v for k, v in os.environ.items() if not is_sdk_env(k)}
        env.update(server.env(), PROMPTCTL_DATABASE_URL=f"sqlite:///{project / 'runs.db'}",
                   PROMPTCTL_BATCH_POLL_S="0.02")
        proc = subprocess.Popen([sys.executable, "-m", "promptctl", "ab", "qa@1", "qa@2", "-d", "cases.jsonl", "-s",
                                 "contains", "--batch"], cwd=project, env=env, stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL)
        db = project / "runs.db"
        deadline = time.monotonic() + 60
        stored = None
        try:
            while time.monotonic() < deadline and proc.poll() is None and stored is None:
                polled = [r for r in server.requests if r.method == "GET" and "/batches/" in r.path]
                if polled:  # created, its id stored, and polled: kill before any result is read
                    stored = sqlite3.connect(db).execute(
                        "select provider_batch_id from batches where provider_batch_id is not null").fetchone()
                time.sleep(0.01)
        finally:
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)
        assert stored is not None, "the batch was never created"
        batch_id = stored[0]
        assert not any(r.path.endswith("/content") for r in server.requests)  # no result read before the kill
        run_id = sqlite3.connect(db).execute("select id from ab_runs").fetchone()[0]
        assert "waiting" in cli(project, server, "runs").stdout  # promptctl runs shows the batch run as waiting
        shown = cli(project, server, "runs", "show", run_id[:12])
        assert shown.returncode == 2
        assert shown.stderr.startswith(f"error: run {run_id[:12]} has no result yet (waiting for 1 provider batch)")
        assert f"hint: finish it with: promptctl ab --resume {run_id}" in shown.stderr
        server.batches.polls = 0  # the provider finishes the batch
        resumed = cli(project, server, "ab", "--resume", run_id[:12], "--json")
        assert resumed.returncode == 0, resumed.stderr
        result = json.loads(resumed.stdout)
        assert result["status"] == "completed" and result["variants"][1]["passed"] == 20 - 7
        assert len(batch_creates(server)) == 1  # the server saw one create
        assert any(r.path.endswith(f"/batches/{batch_id}") for r in server.requests)
        assert "(resumed)" in resumed.stderr and not any(r.path.endswith("/chat/completions") for r in server.requests)


def test_a_comparison_across_two_providers_goes_in_one_batch_each(tmp_path, server):
    project = qa_project(tmp_path, cases=4)
    run = cli(project, server, "ab", "qa@1", "qa@2::anthropic:claude-haiku-4-5", "-d", "cases.jsonl", "-s",
              "contains", "--batch", "--no-cache")
    assert run.returncode == 0, run.stderr
    assert re.search(r"batch openai \S+: ended, 4 submitted, 4 done", run.stderr)
    assert re.search(r"batch anthropic \S+: ended, 4 submitted, 4 done", run.stderr)
    assert ", 2 batches" in run.stderr and "batchs" not in run.stderr


def test_watsonx_and_fake_refuse_batch_before_anything_is_sent(tmp_path, server):
    project = qa_project(tmp_path, cases=2)
    run = cli(project, server, "eval", "qa@1", "-d", "cases.jsonl", "-s", "contains", "--batch", "-p", "fake")
    assert run.returncode == 2 and run.stderr.startswith("error: --batch: provider 'fake' has no batch API")
    # refused before credentials are asked for (none are set here): no setting would make it take batches
    run = run_cli("eval", "qa@1::watsonx:ibm/granite-3-8b-instruct", "-d", "cases.jsonl", "-s", "contains",
                  "--batch", cwd=project, env={"PROMPTCTL_DATABASE_URL": f"sqlite:///{project / 'w.db'}"})
    assert run.returncode == 2, run.stderr
    assert run.stderr.startswith("error: --batch: watsonx.ai has batch inference") and "Traceback" not in run.stderr
    assert "hint: run without --batch" in run.stderr


def test_concurrency_64_against_a_server_limiting_8_settles_near_8_with_no_failed_case(tmp_path):
    project = qa_project(tmp_path, cases=80)
    with LoopbackLLMServer(reply, latency_s=0.02, max_lifetime_s=120, rate_limit_above=8,
                           retry_after_s=0.02) as server:
        run = cli(project, server, "ab", "qa@1", "qa@2", "-d", "cases.jsonl", "-s", "contains", "-c", "64")
        assert run.returncode == 0, run.stderr
        assert "160/160 done, 0 errors" in run.stderr
        found = re.search(r"(\d+) rate-limited \(429\) replies retried, concurrency settled at ([\d.]+) \(now (\d+)\)",
                          run.stderr)
        assert found, run.stderr
        retried, settled, now = int(found.group(1)), float(found.group(2)), int(found.group(3))
        assert retried == server.rate_limited > 0
        # the limit came down from 64 towards 8 (how close over 160 calls depends on the machine's load: a starved
        # client keeps fewer calls at the server than its limit allows, gets no 429 and grows the limit back)
        assert settled <= 32 and now <= 48, run.stderr


def test_the_limit_cuts_once_per_burst_and_grows_back_while_calls_succeed():
    import asyncio

    from promptctl.session.layers import Concurrency

    async def scenario() -> list[float]:
        limit = Concurrency(64)
        seen = [limit.limit]
        sent = [await limit.acquire() for _ in range(20)]
        for at in sent:  # a burst of 429s for requests sent together: one cut
            limit.rate_limited(at, None)
            limit.release(succeeded=False)
        seen.append(limit.limit)
        again = await limit.acquire()
        limit.rate_limited(again, 0.05)  # a request sent after the cut cuts again, and pauses new calls
        limit.release(succeeded=False)
        seen.append(limit.limit)
        start = asyncio.get_running_loop().time()
        await limit.acquire()
        seen.append(asyncio.get_running_loop().time() - start)
        limit.release(succeeded=True)
        for _ in range(2000):  # +1/limit per success: about (64^2 - 31^2) / 2 successes back to 64
            await limit.acquire()
            limit.release(succeeded=True)
        seen.append(limit.limit)
        return seen

    start, after_burst, after_second, paused, grown = asyncio.run(scenario())
    assert start == 64 and after_burst == pytest.approx(64 * 0.7) and after_second == pytest.approx(64 * 0.49)
    assert paused >= 0.04  # retry-after honoured
    assert grown == 64  # grown back to --concurrency while calls succeed


def test_the_session_settles_near_8_against_a_server_limiting_8(monkeypatch):
    import asyncio

    from promptctl.providers.openai import OpenAIProvider
    from promptctl.session import Session
    from promptctl.types import ProviderRequest

    async def run(server: LoopbackLLMServer) -> Session:
        client = OpenAIProvider({"base_url": server.base_url})
        session = Session(None, provider=client, concurrency=64, close_given=True)
        ctx = session.context("openai")
        bodies = [{"model": "gpt-4o-mini", "messages": [{"role": "user", "content": f"[case {i}]"}]}
                  for i in range(300)]
        async with session:
            await asyncio.gather(*(ctx.call(ProviderRequest("openai", b["model"], b, b)) for b in bodies))
        return session

    monkeypatch.setenv("OPENAI_API_KEY", "sk-test")
    with LoopbackLLMServer("yes", latency_s=0.05, rate_limit_above=8, retry_after_s=0.02) as server:
        session = asyncio.run(run(server))
    assert session.stats.rate_limited == server.rate_limited > 0
    assert session.limit is not None and session.limit.lowest <= 9  # cut down to the server's limit
    # settled: mean calls in flight over the last 200 starts; about 8 on an idle machine (sawtooth 6-11), higher
    # when the machine is so loaded that the client, not the server, is the bottleneck
    assert session.stats.settled is not None and 4 <= session.stats.settled <= 20
