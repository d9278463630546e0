"""OpenAI provider over ``openai.AsyncOpenAI`` (also any OpenAI-compatible server).

Credentials and endpoint, in order: config ``[providers.openai]``
(``api_key_env`` names the variable holding the key, ``base_url``), then the
SDK's own variables ``OPENAI_API_KEY`` and ``OPENAI_BASE_URL``. A server other
than api.openai.com (Ollama, vLLM, llama.cpp) needs no key: a placeholder is
sent, which those servers ignore. Retries and timeouts are the SDK's (2 retries
with exponential backoff on 408/409/429/5xx, honouring ``retry-after`` up to
120 s); ``max_retries`` and ``timeout`` (seconds) may be set in config.
A 429 with ``code == "insufficient_quota"`` is reported as not retryable.
"""

from __future__ import annotations

import os
from typing import Any

from promptctl.errors import CredentialsError, ProviderError
from promptctl.providers.base import (
    Provider,
    malformed_reply,
    not_json,
    parsed_arguments,
    reasoning_cut_off,
    sdk_client_options,
)
from promptctl.providers.sdk import require
from promptctl.redaction import register_secret
from promptctl.types import Completion, ProviderRequest, ToolCall, Usage

_OPENAI_HOST = "api.openai.com"


class OpenAIProvider(Provider):
    """Calls ``chat.completions.create`` on the async OpenAI client.

    Args:
        settings: Config ``[providers.openai]``: ``base_url``, ``api_key_env``, ``timeout`` (s), ``max_retries``.
    """

    name = "openai"
    sdk_module = "openai"

    def __init__(self, settings: dict[str, Any] | None = None) -> None:
        self.settings = dict(settings or {})
        self._client: Any = None

    def _credentials(self) -> tuple[str, str | None]:
        key_env = str(self.settings.get("api_key_env", "OPENAI_API_KEY"))
        base_url = self.settings.get("base_url") or os.environ.get("OPENAI_BASE_URL") or None
        key = os.environ.get(key_env)
        register_secret(key)  # redacted from every error text from now on (also under a custom api_key_env)
        if not key:
            if base_url and _OPENAI_HOST not in base_url:
                key = "unused"  # local OpenAI-compatible servers ignore the key
            else:
                raise CredentialsError(
                    f"no OpenAI API key: {key_env} is not set",
                    provider=self.name,
                    hint=f"export {key_env}=sk-... or set OPENAI_BASE_URL for a local OpenAI-compatible server",
                )
        return key, base_url

    def check_credentials(self) -> None:
        """Build the SDK client, which needs the API key (:class:`CredentialsError` without one); no network."""
        self.client()

    def client(self) -> Any:
        """The ``openai.AsyncOpenAI`` client, built on first use."""
        if self._client is None:
            openai = require("openai", "openai")
            key, base_url = self._credentials()
            self._client = openai.AsyncOpenAI(api_key=key, base_url=base_url, **sdk_client_options(self.settings))
        return self._client

    def prepare(self) -> None:
        """Build the SDK client before the call is timed."""
        self.client()

    async def _complete(self, request: ProviderRequest) -> Completion:
        client = self.client()
        openai = require("openai", "openai")
        try:
            response = await client.chat.completions.create(**request.kwargs)
        except openai.APIStatusError as exc:
            code = getattr(exc, "code", None)
            retryable = not (exc.status_code == 429 and code == "insufficient_quota")
            raise ProviderError(
                f"openai: HTTP {exc.status_code}: {exc.message}",
                provider=self.name,
                status=exc.status_code,
                request_id=exc.request_id,
                retryable=retryable,
                hint=_hint(exc.status_code, code),
            ) from exc
        except openai.APIConnectionError as exc:
            raise ProviderError(
                f"openai: cannot reach {client.base_url}: {exc}",
                provider=self.name,
                hint="check OPENAI_BASE_URL and that the server is running",
            ) from exc
        except ValueError as exc:  # the SDK could not decode the body (malformed JSON, an empty body)
            raise malformed_reply(self.name, f"the reply is not valid JSON ({exc})") from exc
        _check_reply(response)
        return _completion(response)

    async def aclose(self) -> None:
        """Close the SDK client."""
        if self._client is not None:
            await self._client.close()
            self._client = None


def _hint(status: int, code: str | None) -> str | None:
    if status == 401:
        return "check OPENAI_API_KEY"
    if code == "insufficient_quota":
        return "the account's quota is exhausted; retrying will not help"
    if status == 429:
        return "rate limited after the SDK's retries; lower --concurrency or try later"
    if status == 404:
        return "check the model id (--model) and base URL"
    return None


def _check_reply(response: Any) -> None:
    """Refuse a 200 reply that is not a usable chat completion.

    Raises:
        ProviderError: An HTML page or other non-JSON body, no ``choices``, a ``null`` content without tool
            calls or refusal, or an empty text whose finish reason is not ``stop`` (exit 3).
    """
    if isinstance(response, str | bytes) or not hasattr(response, "choices"):
        raise malformed_reply("openai", not_json(response))
    if not response.choices:
        raise malformed_reply("openai", "the reply has no choices")
    choice = response.choices[0]
    message = getattr(choice, "message", None)
    if message is None:
        raise malformed_reply("openai", "the reply's choice has no message")
    if getattr(message, "tool_calls", None) or getattr(message, "refusal", None):
        return
    if not message.content and choice.finish_reason == "length":
        details = getattr(response.usage, "completion_tokens_details", None)
        reasoning = getattr(details, "reasoning_tokens", None) or 0
        if reasoning > 0 or _reasoning_text(message):
            raise reasoning_cut_off("openai", getattr(response.usage, "completion_tokens", None), reasoning)
    if message.content is None:
        raise malformed_reply("openai", f"the message content is null (finish reason {choice.finish_reason!r})")
    if message.content == "" and choice.finish_reason != "stop":
        raise malformed_reply("openai", f"an empty text with finish reason {choice.finish_reason!r}")


def _completion(response: Any) -> Completion:
    choice = response.choices[0] if response.choices else None
    text = (choice.message.content or "") if choice is not None else ""
    usage = Usage()
    if response.usage is not None:
        u = response.usage
        prompt_details = getattr(u, "prompt_tokens_details", None)
        completion_details = getattr(u, "completion_tokens_details", None)
        usage = Usage(
            input_tokens=u.prompt_tokens or 0,
            output_tokens=u.completion_tokens or 0,
            cached_input_tokens=(getattr(prompt_details, "cached_tokens", None) or 0) if prompt_details else 0,
            cache_write_tokens=(getattr(prompt_details, "cache_write_tokens", None) or 0) if prompt_details else 0,
            reasoning_tokens=(getattr(completion_details, "reasoning_tokens", None) or 0)
            if completion_details
            else 0,
        )
    raw = response.model_dump(mode="json", exclude_none=True, warnings=False)
    message = choice.message if choice is not None else None
    calls = tuple(
        ToolCall(id=str(call.id), name=str(call.function.name), arguments=parsed_arguments(call.function.arguments))
        for call in (getattr(message, "tool_calls", None) or []) if getattr(call, "function", None) is not None
    )
    return Completion(
        text=text,
        model=response.model,
        usage=usage,
        finish_reason=choice.finish_reason if choice is not None else None,
        request_id=getattr(response, "_request_id", None),
        raw=raw,
        tool_calls=calls,
        reasoning=_reasoning_text(message) if message is not None else None,
    )


def _reasoning_text(message: Any) -> str | None:
    """Reasoning text an OpenAI-compatible server returns beside the answer, or None.

    vLLM and DeepSeek send ``reasoning_content``, Ollama and OpenRouter ``reasoning``; OpenAI's own Chat
    Completions returns none.
    """
    for key in ("reasoning_content", "reasoning"):
        value = getattr(message, key, None)
        if value is None and getattr(message, "model_extra", None):
            value = message.model_extra.get(key)
        if isinstance(value, str) and value:
            return value
    return None
