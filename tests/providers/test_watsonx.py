"""WatsonxProvider through the real ibm-watsonx-ai SDK, its httpx traffic answered by respx.

The SDK talks to three hosts (providers.md 4.4): IAM for a token, the data platform for the
project, and the regional ML endpoint. respx is strict: any request to an unmocked URL fails the
test, so nothing can leak to the network.
"""

from __future__ import annotations

import base64
import json
import time
from urllib.parse import parse_qs

import httpx
import pytest
import respx

from promptctl.adapters import adapt
from promptctl.errors import CredentialsError, ProviderError
from promptctl.providers.watsonx import WatsonxProvider
from promptctl.templating.prompt import Message, Prompt
from promptctl.types import Usage

URL = "https://us-south.ml.cloud.ibm.com"
IAM = "https://iam.cloud.ibm.com/identity/token"
PROJECT = "https://api.dataplatform.cloud.ibm.com/v2/projects/p1"
MODEL = "ibm/granite-3-8b-instruct"
PROMPT = Prompt(messages=(Message.text("system", "Be terse."), Message.text("user", "Name a colour.")))

CHAT_REPLY = {
    "id": "chatcmpl-wx-1",
    "model_id": MODEL,
    "model": MODEL,
    "choices": [{"index": 0, "message": {"role": "assistant", "content": "Blue"}, "finish_reason": "stop"}],
    "created": 1739311926,
    "model_version": "1.1.0",
    "created_at": "2025-02-11T22:12:07.243Z",
    "usage": {"completion_tokens": 2, "prompt_tokens": 21, "total_tokens": 23},
}


def _b64(data: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def jwt(lifetime_s: int = 3600) -> str:
    now = int(time.time())
    return ".".join([_b64({"alg": "RS256", "typ": "JWT"}), _b64({"iat": now, "exp": now + lifetime_s}), "c2ln"])


@pytest.fixture
def wx_env(monkeypatch):
    monkeypatch.setenv("WATSONX_APIKEY", "wx-key-1")
    monkeypatch.setenv("WATSONX_URL", URL)
    monkeypatch.setenv("WATSONX_PROJECT_ID", "p1")
    monkeypatch.setenv("WATSONX_MAX_RETRIES", "0")
    monkeypatch.setenv("WATSONX_DELAY_TIME", "0.01")


@pytest.fixture
def wx(wx_env, monkeypatch):
    """A strict respx router with the IAM, project, chat and tokenization routes."""
    # The SDK's transport retries 401/5xx three times with 0.3 s * 2**n sleeps, whatever
    # WATSONX_MAX_RETRIES says; keep the retries (they are real behaviour) but not the waiting.
    from ibm_watsonx_ai._wrappers.httpx.retry_transport import factories

    monkeypatch.setattr(factories, "TRANSPORT_BACKOFF_FACTOR", 0.001)
    with respx.mock(assert_all_mocked=True, assert_all_called=False) as router:
        token = jwt()
        now = int(time.time())
        router.post(IAM, name="iam").respond(
            json={"access_token": token, "refresh_token": "r", "token_type": "Bearer", "expires_in": 3600,
                  "expiration": now + 3600, "scope": "ibm openid"}
        )
        router.get(PROJECT, name="project").respond(
            json={"entity": {"storage": {"type": "bmcos_object_storage"}, "compute": []}}
        )
        router.post(url__startswith=f"{URL}/ml/v1/text/chat", name="chat").respond(json=CHAT_REPLY)
        router.post(url__startswith=f"{URL}/ml/v1/text/tokenization", name="tokenize").respond(
            json={"model_id": MODEL, "result": {"token_count": 11}}
        )
        router.token = token
        yield router


def test_chat_body_text_and_usage(wx, complete):
    request = adapt(PROMPT, "watsonx", MODEL, {"temperature": 0, "max_tokens": 5, "seed": 1, "top_k": 3})
    assert request.warnings == ("watsonx chat does not take parameter 'top_k'; dropped",)

    completion = complete(WatsonxProvider(), request)

    iam = wx["iam"].calls.last.request
    assert parse_qs(iam.content.decode()) == {
        "apikey": ["wx-key-1"], "grant_type": ["urn:ibm:params:oauth:grant-type:apikey"]
    }
    assert wx["project"].called
    chat = wx["chat"].calls.last.request
    assert chat.url.params.get("version")  # the API version date, whatever this SDK release sends
    assert chat.headers["authorization"] == f"Bearer {wx.token}"
    body = json.loads(chat.content)
    assert body == {**request.body, "project_id": "p1"}
    assert body == {
        "model_id": MODEL,
        "messages": [{"role": "system", "content": "Be terse."}, {"role": "user", "content": "Name a colour."}],
        "temperature": 0,
        "max_tokens": 5,
        "seed": 1,
        "project_id": "p1",
    }

    assert completion.text == "Blue"
    assert completion.model == MODEL
    assert completion.finish_reason == "stop"
    assert completion.request_id == "chatcmpl-wx-1"
    assert completion.usage == Usage(input_tokens=21, output_tokens=2)
    assert completion.raw["model_version"] == "1.1.0"


def test_model_is_built_once_per_model_id(wx):
    import asyncio

    provider = WatsonxProvider()
    request = adapt(PROMPT, "watsonx", MODEL)

    async def twice():
        return [await provider.complete(request), await provider.complete(request)]

    assert [c.text for c in asyncio.run(twice())] == ["Blue", "Blue"]
    assert wx["chat"].call_count == 2
    assert wx["iam"].call_count == 1
    assert wx["project"].call_count == 1


def test_bad_request_becomes_provider_error(wx, complete):
    wx["chat"].respond(
        400,
        json={"errors": [{"code": "invalid_input_argument", "message": "Invalid input argument for Model 'x'",
                          "more_info": "https://cloud.ibm.com/apidocs/watsonx-ai"}],
              "trace": "x", "status_code": 400},
    )

    with pytest.raises(ProviderError) as info:
        complete(WatsonxProvider(), adapt(PROMPT, "watsonx", MODEL))

    err = info.value
    assert err.provider == "watsonx"
    assert err.status == 400
    assert err.retryable is False
    assert "Invalid input argument for Model 'x'" in err.message
    assert err.message.startswith("watsonx: HTTP 400")
    assert err.exit_code == 3
    assert wx["chat"].call_count == 1


def test_unauthorised_has_a_hint(wx, complete):
    wx["chat"].respond(
        401,
        json={"errors": [{"code": "authentication_token_expired", "message": "token expired"}],
              "trace": "t", "status_code": 401},
    )

    with pytest.raises(ProviderError) as info:
        complete(WatsonxProvider(), adapt(PROMPT, "watsonx", MODEL))

    assert info.value.status == 401
    assert info.value.retryable is False
    assert "WATSONX_APIKEY" in (info.value.hint or "")
    assert "token expired" in info.value.message
    assert wx["chat"].call_count == 4  # the SDK's transport layer retries a 401 three times


def test_server_error_is_retried_by_the_transport_then_raises(wx, complete):
    wx["chat"].respond(
        500, json={"errors": [{"code": "internal_error", "message": "boom"}], "trace": "t", "status_code": 500}
    )

    with pytest.raises(ProviderError) as info:
        complete(WatsonxProvider(), adapt(PROMPT, "watsonx", MODEL))

    assert wx["chat"].call_count == 4  # transport retries, even with WATSONX_MAX_RETRIES=0
    assert info.value.status == 500
    assert info.value.retryable is True
    assert "boom" in info.value.message


def test_rate_limit_is_retried_by_the_sdk(wx, complete, monkeypatch):
    monkeypatch.setenv("WATSONX_MAX_RETRIES", "2")
    limited = httpx.Response(
        429, json={"errors": [{"code": "token_quota_reached", "message": "slow down"}], "trace": "t",
                   "status_code": 429}
    )
    wx["chat"].side_effect = [limited, limited, httpx.Response(200, json=CHAT_REPLY)]

    completion = complete(WatsonxProvider(), adapt(PROMPT, "watsonx", MODEL))

    assert completion.text == "Blue"
    assert wx["chat"].call_count == 3


def test_rate_limit_after_the_sdk_retries_is_a_retryable_provider_error(wx, complete, monkeypatch):
    monkeypatch.setenv("WATSONX_MAX_RETRIES", "1")
    wx["chat"].respond(
        429, json={"errors": [{"code": "token_quota_reached", "message": "slow down"}], "trace": "t",
                   "status_code": 429}
    )

    with pytest.raises(ProviderError) as info:
        complete(WatsonxProvider(), adapt(PROMPT, "watsonx", MODEL))

    assert wx["chat"].call_count == 2
    assert info.value.status == 429
    assert info.value.retryable is True
    assert "slow down" in info.value.message


def test_count_tokens_uses_the_tokenization_endpoint(wx, count_tokens):
    assert count_tokens(WatsonxProvider(), adapt(PROMPT, "watsonx", MODEL)) == 11

    body = json.loads(wx["tokenize"].calls.last.request.content)
    assert body["model_id"] == MODEL
    assert body["input"] == "Be terse.\nName a colour."
    assert body["project_id"] == "p1"
    assert not wx["chat"].called


@pytest.mark.parametrize("missing", ["WATSONX_APIKEY", "WATSONX_PROJECT_ID"])
def test_missing_credentials_fail_before_any_http_call(wx, complete, monkeypatch, missing):
    monkeypatch.delenv(missing)

    with pytest.raises(CredentialsError) as info:
        complete(WatsonxProvider(), adapt(PROMPT, "watsonx", MODEL))

    assert missing in info.value.message
    assert info.value.exit_code == 3
    assert wx.calls.call_count == 0


def test_api_key_alias_and_config_project(wx, complete, monkeypatch):
    monkeypatch.delenv("WATSONX_APIKEY")
    monkeypatch.delenv("WATSONX_PROJECT_ID")
    monkeypatch.setenv("WATSONX_API_KEY", "wx-key-alias")
    wx.get("https://api.dataplatform.cloud.ibm.com/v2/projects/p-cfg").respond(
        json={"entity": {"storage": {"type": "bmcos_object_storage"}, "compute": []}}
    )

    completion = complete(WatsonxProvider({"project_id": "p-cfg"}), adapt(PROMPT, "watsonx", MODEL))

    assert completion.text == "Blue"
    assert parse_qs(wx["iam"].calls.last.request.content.decode())["apikey"] == ["wx-key-alias"]
    assert json.loads(wx["chat"].calls.last.request.content)["project_id"] == "p-cfg"


def test_network_failure_is_a_provider_error(wx, complete):
    wx["chat"].side_effect = httpx.ConnectError("connection refused")

    with pytest.raises(ProviderError) as info:
        complete(WatsonxProvider(), adapt(PROMPT, "watsonx", MODEL))

    assert info.value.status is None
    assert "connection refused" in info.value.message
