"""IBM watsonx.ai provider over ``ibm_watsonx_ai.foundation_models.ModelInference`` (Chat API).

The SDK itself does not read ``WATSONX_*`` variables; promptctl reads these
(the convention of LiteLLM and LangChain), each overridable in config
``[providers.watsonx]``:

============================  ====================================================
``WATSONX_APIKEY``            IBM Cloud API key (``WATSONX_API_KEY`` accepted too)
``WATSONX_TOKEN``             a bearer token instead of an API key
``WATSONX_URL``               regional endpoint, e.g. ``https://us-south.ml.cloud.ibm.com``
``WATSONX_PROJECT_ID``        project to bill (or ``WATSONX_SPACE_ID`` for a deployment space)
============================  ====================================================

Config may also set ``platform_url``, ``auth_url`` and ``verify`` (passed to
``Credentials``). Retries are the SDK's (``WATSONX_MAX_RETRIES``, default 10, on
429/503/504/520, delay ``WATSONX_DELAY_TIME``). The SDK is imported only when a
call is made (it loads pandas).
"""

from __future__ import annotations

import asyncio
import os
from typing import Any

from promptctl.errors import CredentialsError, ProviderError
from promptctl.providers.base import (
    Provider,
    count_of,
    malformed_reply,
    not_json,
    parsed_arguments,
    reasoning_cut_off,
    usage_count,
)
from promptctl.providers.sdk import require
from promptctl.redaction import register_secret
from promptctl.types import Completion, ProviderRequest, TokenCount, ToolCall, Usage

DEFAULT_URL = "https://us-south.ml.cloud.ibm.com"


class WatsonxProvider(Provider):
    """Calls ``ModelInference.chat`` (and ``tokenize``) in a worker thread for a watsonx.ai foundation model.

    Args:
        settings: Config ``[providers.watsonx]``: ``url``, ``project_id``, ``space_id``, ``api_key_env``,
            ``platform_url``, ``auth_url``, ``verify``.
    """

    name = "watsonx"
    sdk_module = "ibm_watsonx_ai"

    def batch_refusal(self) -> str:
        """watsonx.ai's batch offer, and why ``--batch`` does not use it."""
        return ("watsonx.ai has batch inference (ibm-watsonx-ai's BatchInference: a JSONL file of "
                "/v1/chat/completions requests run in a project or space), but IBM publishes no batch price or "
                "discount for it, so promptctl does not submit to it")

    def __init__(self, settings: dict[str, Any] | None = None) -> None:
        self.settings = dict(settings or {})
        self._models: dict[str, Any] = {}

    def _setting(self, key: str, *env: str) -> str | None:
        value = self.settings.get(key)
        if value:
            return str(value)
        for name in env:
            if os.environ.get(name):
                return os.environ[name]
        return None

    def _credentials(self) -> tuple[str | None, str | None, str | None, str | None]:
        """``(api_key, token, project_id, space_id)`` from the config, else the environment.

        Raises:
            CredentialsError: No API key/token, or no project or space id.
        """
        key_env = self.settings.get("api_key_env")
        api_key = self._setting("api_key", *([key_env] if key_env else []), "WATSONX_APIKEY", "WATSONX_API_KEY")
        token = self._setting("token", "WATSONX_TOKEN")
        register_secret(api_key)  # redacted from every error text from now on
        register_secret(token)
        if not api_key and not token:
            raise CredentialsError(
                "no watsonx.ai credentials: WATSONX_APIKEY is not set",
                provider=self.name,
                hint="export WATSONX_APIKEY=... (an IBM Cloud API key), WATSONX_URL and WATSONX_PROJECT_ID",
            )
        project_id = self._setting("project_id", "WATSONX_PROJECT_ID")
        space_id = self._setting("space_id", "WATSONX_SPACE_ID")
        if not project_id and not space_id:
            raise CredentialsError(
                "no watsonx.ai project: WATSONX_PROJECT_ID is not set",
                provider=self.name,
                hint="export WATSONX_PROJECT_ID=... (or WATSONX_SPACE_ID for a deployment space)",
            )
        return api_key, token, project_id, space_id

    def check_credentials(self) -> None:
        """Raise :class:`CredentialsError` without an API key or token, or without a project or space id."""
        self._credentials()

    def model(self, model_id: str) -> Any:
        """The ``ModelInference`` for ``model_id``, built on first use.

        Raises:
            CredentialsError: No API key/token, or no project or space id.
        """
        if model_id in self._models:
            return self._models[model_id]
        api_key, token, project_id, space_id = self._credentials()
        wx = require("ibm_watsonx_ai", self.name)
        fm = require("ibm_watsonx_ai.foundation_models", self.name)
        cred_kwargs: dict[str, Any] = {"url": self._setting("url", "WATSONX_URL") or DEFAULT_URL}
        if api_key:
            cred_kwargs["api_key"] = api_key
        else:
            cred_kwargs["token"] = token
        for key in ("platform_url", "auth_url", "verify"):
            if key in self.settings:
                cred_kwargs[key] = self.settings[key]
        try:
            credentials = wx.Credentials(**cred_kwargs)
            inference = fm.ModelInference(
                model_id=model_id,
                credentials=credentials,
                project_id=project_id,
                space_id=None if project_id else space_id,
                validate=False,
            )
        except Exception as exc:
            raise self._translate(exc) from exc
        self._models[model_id] = inference
        return inference

    async def _complete(self, request: ProviderRequest) -> Completion:
        # The first use fetches an IAM token and the project (and imports pandas): keep it off the event loop.
        inference = await asyncio.to_thread(self.model, request.model)
        try:
            # Not ``achat``: in ibm-watsonx-ai 1.8.1 its retry loop calls the sync ``response.close()`` on
            # an async response, so any retried status (429/503/504/520) raises RuntimeError.
            data = await asyncio.to_thread(inference.chat, **request.kwargs)
        except Exception as exc:
            raise self._translate(exc) from exc
        if not isinstance(data, dict):
            raise malformed_reply(self.name, not_json(data))
        if not data.get("choices") or not isinstance(data["choices"][0], dict):
            raise malformed_reply(self.name, "the reply has no choices")
        choices = data["choices"]
        message = choices[0].get("message") or {}
        finish = choices[0].get("finish_reason")
        reasoning = message.get("reasoning_content") if isinstance(message.get("reasoning_content"), str) else None
        if not message.get("tool_calls") and not message.get("content") and finish == "length" and reasoning:
            spent = data.get("usage")
            raise reasoning_cut_off(self.name, spent.get("completion_tokens") if isinstance(spent, dict) else None,
                                    None)
        if not message.get("tool_calls"):
            if message.get("content") is None:
                raise malformed_reply(self.name, f"the message content is null (finish reason {finish!r})")
            if message["content"] == "" and finish != "stop":
                raise malformed_reply(self.name, f"an empty text with finish reason {finish!r}")
        u = data.get("usage")
        u = u if isinstance(u, dict) else {}
        details = u.get("prompt_tokens_details")
        details = details if isinstance(details, dict) else {}
        return Completion(
            text=message.get("content") or "",
            model=data.get("model_id") or data.get("model") or request.model,
            usage=Usage(
                input_tokens=usage_count(self.name, "prompt_tokens", u.get("prompt_tokens")),
                output_tokens=usage_count(self.name, "completion_tokens", u.get("completion_tokens")),
                cached_input_tokens=usage_count(self.name, "cached_tokens", details.get("cached_tokens")),
            ),
            finish_reason=choices[0].get("finish_reason"),
            request_id=data.get("id"),
            raw=data,
            tool_calls=tuple(
                ToolCall(id=str(call.get("id") or f"call_{k}"), name=str((call.get("function") or {}).get("name")),
                         arguments=parsed_arguments((call.get("function") or {}).get("arguments")))
                for k, call in enumerate(message.get("tool_calls") or []) if isinstance(call, dict)
            ),
            reasoning=reasoning or None,
        )

    async def count_tokens(self, request: ProviderRequest) -> int:
        """Input tokens of the request's message text from ``POST /ml/v1/text/tokenization``.

        The tokenizer sees the messages' contents joined by newlines, without the model's chat
        template, so the result is close to (not exactly) what the Chat API bills.
        """
        inference = await asyncio.to_thread(self.model, request.model)
        text = "\n".join(str(m.get("content", "")) for m in request.messages)
        try:
            result = await asyncio.to_thread(inference.tokenize, prompt=text)
        except Exception as exc:
            raise self._translate(exc) from exc
        try:
            count = result["result"]["token_count"]
        except (KeyError, TypeError, IndexError):
            count = None
        return count_of(self.name, count)

    def token_count(self, request: ProviderRequest, tokens: int) -> TokenCount:
        """The tokenize endpoint's tokens plus an estimate of the chat template's framing (3 per message + 3)."""
        framing = 3 * len(request.messages) + 3
        return TokenCount(
            tokens=tokens + framing, quality="approximate",
            method=f"watsonx POST /ml/v1/text/tokenization ({tokens}) + chat framing ({framing})",
            notes=("the tokenize endpoint does not apply the model's chat template; its tokens are estimated",),
        )

    def _translate(self, exc: Exception) -> Exception:
        errors = require("ibm_watsonx_ai.wml_client_error", self.name)
        if isinstance(exc, errors.WMLClientError):
            response = getattr(exc, "response", None)
            status = getattr(response, "status_code", None)
            message = _error_message(response) or str(getattr(exc, "error_msg", exc)).splitlines()[0]
            return ProviderError(
                f"watsonx: {'HTTP ' + str(status) + ': ' if status else ''}{message}",
                provider=self.name,
                status=status,
                retryable=status not in (400, 401, 403, 404),
                hint="check WATSONX_APIKEY, WATSONX_URL and WATSONX_PROJECT_ID" if status in (401, 403) else None,
            )
        if type(exc).__module__.startswith(("httpx", "ssl")) or isinstance(exc, OSError):
            return ProviderError(f"watsonx: cannot reach the API: {exc}", provider=self.name)
        return exc


def _error_message(response: Any) -> str | None:
    """``errors[0].message`` of a watsonx error body, if there is one."""
    try:
        body = response.json()
        return str(body["errors"][0]["message"])
    except Exception:
        return None
