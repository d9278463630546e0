"""Anthropic provider over ``anthropic.AsyncAnthropic``.

Credentials: ``ANTHROPIC_API_KEY`` (or ``ANTHROPIC_AUTH_TOKEN``, or the variable
named by config ``[providers.anthropic] api_key_env``); endpoint:
``ANTHROPIC_BASE_URL`` or config ``base_url``. The SDK constructs without a key
and only fails at the first request, so the key is checked before any call.
Retries and timeouts are the SDK's (2 retries on 408/409/429/5xx including 529
``overloaded_error``, honouring ``retry-after``). A 429 whose
``error.details.error_code`` is ``enforced_spend_limit_reached`` is reported as
not retryable. A prefill (final assistant message) is prepended to the
returned text, since the API does not echo it.
"""

from __future__ import annotations

import os
from typing import Any

from promptctl.errors import CredentialsError, ProviderError
from promptctl.providers.base import (
    Provider,
    count_of,
    malformed_reply,
    not_json,
    prefill_of,
    reasoning_cut_off,
    sdk_client_options,
    usage_count,
)
from promptctl.providers.sdk import require
from promptctl.redaction import register_secret
from promptctl.types import Completion, ProviderRequest, TokenCount, ToolCall, Usage


class AnthropicProvider(Provider):
    """Calls ``messages.create`` (and ``messages.count_tokens``) on the async Anthropic client.

    Args:
        settings: Config ``[providers.anthropic]``: ``base_url``, ``api_key_env``, ``timeout`` (s),
            ``max_retries``.
    """

    name = "anthropic"
    sdk_module = "anthropic"

    def __init__(self, settings: dict[str, Any] | None = None) -> None:
        self.settings = dict(settings or {})
        self._client: Any = None

    def check_credentials(self) -> None:
        """Build the SDK client, which needs the API key (:class:`CredentialsError` without one); no network."""
        self.client()

    def client(self) -> Any:
        """The ``anthropic.AsyncAnthropic`` client, built on first use.

        Raises:
            CredentialsError: No API key or auth token in the environment.
        """
        if self._client is None:
            key_env = str(self.settings.get("api_key_env", "ANTHROPIC_API_KEY"))
            key = os.environ.get(key_env)
            token = os.environ.get("ANTHROPIC_AUTH_TOKEN")
            register_secret(key)  # redacted from every error text from now on (also under a custom api_key_env)
            register_secret(token)
            if not key and not token:
                raise CredentialsError(
                    f"no Anthropic API key: {key_env} is not set",
                    provider=self.name,
                    hint=f"export {key_env}=sk-ant-...",
                )
            anthropic = require("anthropic", self.name)
            kwargs: dict[str, Any] = {"api_key": key} if key else {"auth_token": token}
            base_url = self.settings.get("base_url") or os.environ.get("ANTHROPIC_BASE_URL")
            if base_url:
                kwargs["base_url"] = base_url
            self._client = anthropic.AsyncAnthropic(**kwargs, **sdk_client_options(self.settings))
        return self._client

    def prepare(self) -> None:
        """Build the SDK client before the call is timed."""
        self.client()

    async def _complete(self, request: ProviderRequest) -> Completion:
        client = self.client()
        try:
            message = await client.messages.create(**request.kwargs)
        except Exception as exc:
            raise self._translate(exc) from exc
        _check_reply(message, prefilled=bool(prefill_of(request)))
        text = "".join(block.text for block in message.content if getattr(block, "type", None) == "text")
        thinking = "\n\n".join(block.thinking for block in message.content
                                if getattr(block, "type", None) == "thinking" and getattr(block, "thinking", None))
        calls = tuple(ToolCall(id=str(block.id), name=str(block.name), arguments=block.input if block.input is not None
                               else {})
                      for block in message.content if getattr(block, "type", None) == "tool_use")
        u = message.usage
        cache_read = usage_count(self.name, "cache_read_input_tokens", getattr(u, "cache_read_input_tokens", None))
        cache_write = usage_count(self.name, "cache_creation_input_tokens",
                                  getattr(u, "cache_creation_input_tokens", None))
        usage = Usage(
            input_tokens=usage_count(self.name, "input_tokens", u.input_tokens) + cache_read + cache_write,
            output_tokens=usage_count(self.name, "output_tokens", u.output_tokens),
            cached_input_tokens=cache_read,
            cache_write_tokens=cache_write,
        )
        return Completion(
            text=prefill_of(request) + text,
            model=message.model,
            usage=usage,
            finish_reason=message.stop_reason,
            request_id=getattr(message, "_request_id", None),
            raw=message.model_dump(mode="json", exclude_none=True, warnings=False),
            tool_calls=calls,
            reasoning=thinking or None,
        )

    async def count_tokens(self, request: ProviderRequest) -> int:
        """Input tokens from ``POST /v1/messages/count_tokens`` (Anthropic calls it an estimate).

        Raises:
            CredentialsError, ProviderError: As for :meth:`complete`.
        """
        client = self.client()
        allowed = ("model", "messages", "system", "tools", "tool_choice", "thinking")
        try:
            result = await client.messages.count_tokens(**{k: v for k, v in request.kwargs.items() if k in allowed})
        except Exception as exc:
            raise self._translate(exc) from exc
        return count_of(self.name, getattr(result, "input_tokens", None))

    def token_count(self, request: ProviderRequest, tokens: int) -> TokenCount:
        """The count endpoint's tokens, labelled (Anthropic documents the count as an estimate)."""
        return TokenCount(
            tokens=tokens, quality="exact", method="Anthropic POST /v1/messages/count_tokens",
            notes=("Anthropic calls this count an estimate that may differ from billing by a small amount",),
        )

    def _translate(self, exc: Exception) -> Exception:
        anthropic = require("anthropic", self.name)
        if isinstance(exc, anthropic.APIStatusError):
            details = getattr(exc, "error_code", None)
            retryable = details != "enforced_spend_limit_reached"
            return ProviderError(
                f"anthropic: HTTP {exc.status_code} {getattr(exc, 'type', '') or ''}: "
                f"{getattr(exc, 'api_message', None) or exc.message}",
                provider=self.name,
                status=exc.status_code,
                request_id=exc.request_id,
                retryable=retryable,
                hint="check ANTHROPIC_API_KEY" if exc.status_code == 401 else None,
            )
        if isinstance(exc, anthropic.APIConnectionError):
            return ProviderError(
                f"anthropic: cannot reach the API: {exc}",
                provider=self.name,
                hint="check ANTHROPIC_BASE_URL and the network",
            )
        if isinstance(exc, ValueError | anthropic.APIResponseValidationError):  # the SDK's JSON decoding failed
            return malformed_reply(self.name, f"the reply is not valid JSON ({exc})")
        return exc

    async def aclose(self) -> None:
        """Close the SDK client."""
        if self._client is not None:
            await self._client.close()
            self._client = None


_STOPPED = ("end_turn", "stop_sequence")


def _check_reply(message: Any, *, prefilled: bool) -> None:
    """Refuse a 200 reply that is not a usable message.

    Raises:
        ProviderError: An HTML page or other non-JSON body, a ``null`` or (without a prefill) empty
            ``content``, or an empty text whose stop reason is not ``end_turn``/``stop_sequence`` (exit 3).
    """
    if isinstance(message, str | bytes) or not hasattr(message, "content"):
        raise malformed_reply("anthropic", not_json(message))
    if message.content is None:
        raise malformed_reply("anthropic", f"the message content is null (stop reason {message.stop_reason!r})")
    kinds = {getattr(block, "type", None) for block in message.content}
    visible = "".join(getattr(block, "text", "") or "" for block in message.content
                      if getattr(block, "type", None) == "text")
    if (message.stop_reason == "max_tokens" and not visible and not prefilled and "tool_use" not in kinds
            and kinds & {"thinking", "redacted_thinking"}):
        raise reasoning_cut_off("anthropic", getattr(message.usage, "output_tokens", None), None)
    if any(kind != "text" for kind in kinds):
        return  # tool use, thinking: not a text answer to check here
    if not message.content and not prefilled:
        raise malformed_reply("anthropic", f"the message has no content (stop reason {message.stop_reason!r})")
    text = "".join(getattr(block, "text", "") or "" for block in message.content)
    if not text and message.stop_reason not in _STOPPED:
        raise malformed_reply("anthropic", f"an empty text with stop reason {message.stop_reason!r}")
