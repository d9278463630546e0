"""The loopback server itself: concurrency, latency, faults, scripting, bounds."""

from __future__ import annotations

import asyncio
import json
import threading
import time
import urllib.error
import urllib.request

import openai
import pytest

from promptctl.testing import Fault, LoopbackLLMServer, ServerUsage


def post(url: str, body: dict, timeout: float = 5.0) -> tuple[int, dict, object]:
    """(status, headers with lower-case names, JSON body or text) of a POST."""
    req = urllib.request.Request(url, data=json.dumps(body).encode(), method="POST",
                                 headers={"content-type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            status, headers, raw = resp.status, resp.headers, resp.read()
    except urllib.error.HTTPError as exc:
        status, headers, raw = exc.code, exc.headers, exc.read()
    lower = {k.lower(): v for k, v in headers.items()}
    if lower.get("content-type", "").startswith("application/json"):
        return status, lower, json.loads(raw)
    return status, lower, raw.decode()


def test_concurrent_requests_overlap_their_latency():
    # Counted at the server, not timed: each reply waits until all 16 requests are inside their handler
    # threads (after their latency), so a server that answered one request at a time would break the barrier.
    together = threading.Barrier(16, timeout=30)

    def reply(body: dict) -> str:
        together.wait()
        return "Hello!"

    with LoopbackLLMServer(reply, latency_s=0.2) as server:
        client = openai.AsyncOpenAI(base_url=server.base_url, api_key="sk-test", max_retries=0)

        async def burst():
            try:
                return await asyncio.gather(*(
                    client.chat.completions.create(model="gpt-4o-mini", messages=[{"role": "user", "content": str(i)}])
                    for i in range(16)
                ))
            finally:
                await client.close()

        responses = asyncio.run(burst())

    assert len(responses) == 16 and not together.broken
    assert server.max_concurrent == 16
    assert sorted(int(r.body["messages"][0]["content"]) for r in server.requests) == list(range(16))
    assert len({r._request_id for r in responses}) == 16


def test_openai_shape_under_any_prefix_and_headers():
    with LoopbackLLMServer(["hi"], usage=ServerUsage(10, 4, 2, 0, 1)) as server:
        status, headers, body = post(server.url + "/openai/v1/chat/completions", {"model": "m", "n": 2})

    assert status == 200
    assert headers["x-request-id"] == "req_loopback_000001"
    assert body["object"] == "chat.completion"
    assert body["model"] == "m"
    assert [c["message"]["content"] for c in body["choices"]] == ["hi", "hi"]
    assert body["usage"] == {
        "prompt_tokens": 10, "completion_tokens": 4, "total_tokens": 14,
        "prompt_tokens_details": {"cached_tokens": 2}, "completion_tokens_details": {"reasoning_tokens": 1},
    }
    [rec] = server.requests
    assert rec.path == "/openai/v1/chat/completions"
    assert rec.headers["content-type"] == "application/json"


def test_anthropic_shapes():
    usage = ServerUsage(input_tokens=50, output_tokens=5, cached_input_tokens=20, cache_write_tokens=10)
    with LoopbackLLMServer(["ok"], usage=usage) as server:
        _, headers, message = post(server.anthropic_base_url + "/v1/messages", {"model": "claude-x"})
        _, _, count = post(server.anthropic_base_url + "/v1/messages/count_tokens",
                           {"system": "a b", "messages": [{"role": "user", "content": [{"type": "text",
                                                                                        "text": "c d e"}]}]})

    assert headers["request-id"] == "req_loopback_000001"
    assert message["content"] == [{"type": "text", "text": "ok"}]
    assert message["usage"] == {"input_tokens": 20, "output_tokens": 5, "cache_creation_input_tokens": 10,
                                "cache_read_input_tokens": 20}
    assert count == {"input_tokens": 5}


def test_faults_come_first_then_replies_in_order():
    faults = [(429, {"retry-after-ms": "10"}, {"error": {"code": "rate_limit_exceeded"}}), Fault(503, body="busy")]
    with LoopbackLLMServer(["a", "b"], faults=faults) as server:
        url = server.base_url + "/chat/completions"
        limited = post(url, {"model": "m"})
        busy = post(url, {"model": "m"})
        texts = [post(url, {"model": "m"})[2]["choices"][0]["message"]["content"] for _ in range(3)]

    assert limited[0] == 429
    assert limited[1]["retry-after-ms"] == "10"
    assert limited[1]["x-request-id"] == "req_loopback_000001"
    assert limited[2] == {"error": {"code": "rate_limit_exceeded"}}
    assert busy[0] == 503
    assert busy[1]["content-type"].startswith("text/plain")
    assert busy[2] == "busy"
    assert texts == ["a", "b", "b"]
    assert server.pending_faults == 0


def test_settings_can_change_while_running():
    with LoopbackLLMServer() as server:
        url = server.base_url + "/chat/completions"
        server.replies = "single"
        server.usage = {"input_tokens": 7, "output_tokens": 2}
        _, _, body = post(url, {"model": "m"})
        server.clear()
        server.replies = ["x", "y"]
        texts = [post(url, {"model": "m"})[2]["choices"][0]["message"]["content"] for _ in range(2)]

    assert body["choices"][0]["message"]["content"] == "single"
    assert (body["usage"]["prompt_tokens"], body["usage"]["completion_tokens"]) == (7, 2)
    assert texts == ["x", "y"]
    assert len(server.requests) == 2  # cleared before


def test_callable_reply_and_fault_reply():
    def reply(body):
        if body.get("model") == "crash":
            raise KeyError("no script for this")
        if body.get("model") == "bad":
            return Fault(400, {}, {"error": {"message": "bad model"}})
        return body["messages"][-1]["content"][::-1]

    with LoopbackLLMServer(reply) as server:
        url = server.base_url + "/chat/completions"
        ok = post(url, {"model": "m", "messages": [{"role": "user", "content": "abc"}]})
        bad = post(url, {"model": "bad", "messages": []})
        crash = post(url, {"model": "crash"})

    assert ok[2]["choices"][0]["message"]["content"] == "cba"
    assert bad[0] == 400 and bad[2] == {"error": {"message": "bad model"}}
    assert crash[0] == 500 and "KeyError" in crash[2]["error"]["message"]


def test_unknown_route_streaming_and_request_limit():
    with LoopbackLLMServer(max_requests=3) as server:
        missing = post(server.url + "/v1/embeddings", {})
        stream = post(server.base_url + "/chat/completions", {"model": "m", "stream": True})
        fine = post(server.base_url + "/chat/completions", {"model": "m"})
        over = post(server.base_url + "/chat/completions", {"model": "m"})

    assert missing[0] == 404
    assert stream[0] == 400
    assert fine[0] == 200
    assert over[0] == 503
    assert len(server.requests) == 4


def test_stops_by_itself_after_its_lifetime():
    server = LoopbackLLMServer(max_lifetime_s=0.1).start()
    url = server.base_url + "/chat/completions"
    try:
        assert post(url, {"model": "m"})[0] == 200
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            try:
                post(url, {"model": "m"}, timeout=1)
            except OSError:  # connection refused: the socket is closed
                break
            time.sleep(0.05)
        else:
            pytest.fail("the server was still answering 5 s after its 0.1 s lifetime")
        with pytest.raises(RuntimeError):
            _ = server.port
    finally:
        server.stop()
    server.stop()  # idempotent


def test_stop_is_prompt_with_an_open_keep_alive_connection():
    server = LoopbackLLMServer().start()
    client = openai.OpenAI(base_url=server.base_url, api_key="sk-test", max_retries=0)
    client.chat.completions.create(model="m", messages=[{"role": "user", "content": "x"}])
    start = time.perf_counter()
    server.stop()
    assert time.perf_counter() - start < 1.0
    client.close()
    with pytest.raises(RuntimeError):
        _ = server.port


@pytest.mark.parametrize("host", ["0.0.0.0", "10.0.0.1", "example.com", "::1"])
def test_rejects_non_loopback_hosts(host):
    with pytest.raises(ValueError, match="loopback"):
        LoopbackLLMServer(host=host)


def test_binds_another_loopback_address():
    with LoopbackLLMServer(host="127.0.0.2") as server:
        assert server.base_url.startswith("http://127.0.0.2:")
        assert post(server.base_url + "/chat/completions", {"model": "m"})[0] == 200
