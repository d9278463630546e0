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

Batches (``--batch``, :mod:`promptctl.session.batch`) go through Message Batches:
``messages.batches.create`` with ``requests: [{custom_id, params}]`` (params = the request body),
``messages.batches.retrieve`` to poll ``processing_status``, and ``messages.batches.results`` for the
JSONL results (``succeeded`` with the message, ``errored``, ``canceled``, ``expired``). Limits from the
batch-processing guide (platform.claude.com/docs/en/build-with-claude/batch-processing, read 2026-12):
100,000 requests or 256 MB per batch, whichever comes first; models may be mixed.
"""

from __future__ import annotations

import os
import time
from collections.abc import AsyncIterator, Mapping, Sequence
from typing import Any

from promptctl.errors import CredentialsError, ProviderError
from promptctl.providers.base import (
    BatchLimits,
    BatchState,
    Provider,
    count_of,
    http_hooks,
    malformed_reply,
    not_json,
    prefill_of,
    reasoning_cut_off,
    retry_after_of,
    sdk_client_options,
    usage_count,
)
from promptctl.providers.sdk import require, sdk_arguments
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
    batch_limits = BatchLimits(max_requests=100_000, max_bytes=256 * 1000 * 1000)

    def __init__(self, settings: dict[str, Any] | None = None) -> None:
        self.settings = dict(settings or {})
        self._client: Any = None
        self._batch_created: dict[str, float] = {}

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
            self._client = anthropic.AsyncAnthropic(
                **kwargs, **sdk_client_options(self.settings),
                http_client=anthropic.DefaultAsyncHttpxClient(event_hooks=http_hooks()))
        return self._client

    def prepare(self) -> None:
        """Build the SDK client before the call is timed, its lazily imported ``messages`` resource included."""
        self.client().messages  # noqa: B018 - the access is the import

    async def _complete(self, request: ProviderRequest) -> Completion:
        client = self.client()
        try:
            message = await client.messages.create(**sdk_arguments(client.messages.create, request.kwargs))
        except Exception as exc:
            raise self._translate(exc) from exc
        return self._completion(message, prefill_of(request), getattr(message, "_request_id", None))

    def _completion(self, message: Any, prefill: str, request_id: str | None, **extra: Any) -> Completion:
        _check_reply(message, prefilled=bool(prefill))
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
            text=prefill + text,
            model=message.model,
            usage=usage,
            finish_reason=message.stop_reason,
            request_id=request_id,
            raw=message.model_dump(mode="json", exclude_none=True, warnings=False),
            tool_calls=calls,
            reasoning=thinking or None,
            **extra,
        )

    # -- Message Batches -----------------------------------------------------------------------
    async def submit_batch(self, items: Sequence[tuple[str, ProviderRequest]], *, key: str) -> tuple[str, str | None]:
        """``messages.batches.create`` with one ``{custom_id, params}`` per request (see the module docstring)."""
        client = self.client()
        try:
            batch = await client.messages.batches.create(
                requests=[{"custom_id": custom_id, "params": request.body} for custom_id, request in items])
        except Exception as exc:
            raise self._translate(exc) from exc
        return batch.id, None

    async def batch_state(self, batch_id: str) -> BatchState:
        """``messages.batches.retrieve``: ``processing_status`` and the request counts."""
        try:
            batch = await self.client().messages.batches.retrieve(batch_id)
        except Exception as exc:
            raise self._translate(exc) from exc
        self._batch_created[batch_id] = batch.created_at.timestamp()
        counts = batch.request_counts.model_dump()
        status = "ended" if batch.processing_status == "ended" else "in_progress"
        return BatchState(status, {k: int(v) for k, v in counts.items() if isinstance(v, int)})

    async def batch_results(self, batch_id: str, requests: Mapping[str, ProviderRequest],
                            ) -> AsyncIterator[tuple[str, Completion | ProviderError]]:
        """``messages.batches.results``: one ``(custom_id, completion or error)`` per request.

        A request's prefill (final assistant message) is put before its answer, as for a direct call.
        """
        client = self.client()
        waited = max(time.time() - self._batch_created.get(batch_id, time.time()), 0.0)
        try:
            decoder = await client.messages.batches.results(batch_id)
            async for entry in decoder:
                custom_id = str(entry.custom_id)
                result = entry.result
                if result.type == "succeeded":
                    request = requests.get(custom_id)
                    try:
                        yield custom_id, self._completion(result.message, prefill_of(request) if request else "",
                                                          None, latency_s=waited, batch=True)
                    except ProviderError as exc:
                        yield custom_id, exc
                    continue
                if result.type == "errored":
                    error = getattr(result.error, "error", None)
                    what = f"{getattr(error, 'type', '')}: {getattr(error, 'message', '')}".strip(": ")
                    text = f"anthropic: batch item {custom_id} errored: {what or 'no detail'}"
                else:
                    text = f"anthropic: batch item {custom_id} was {result.type} before it ran"
                yield custom_id, ProviderError(text, provider=self.name)
        except ProviderError:
            raise
        except Exception as exc:
            raise self._translate(exc) from exc

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
                retry_after_s=retry_after_of(exc.response.headers),
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
