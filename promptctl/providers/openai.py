"""OpenAI provider over ``openai.AsyncOpenAI`` (also any OpenAI-compatible server).

Credentials and endpoint, in order: config ``[providers.openai]``
(``api_key_env`` names the variable holding the key, ``base_url``), then the
SDK's own variables ``OPENAI_API_KEY`` and ``OPENAI_BASE_URL``. A server other
than api.openai.com (Ollama, vLLM, llama.cpp) needs no key: a placeholder is
sent, which those servers ignore. Retries and timeouts are the SDK's (2 retries
with exponential backoff on 408/409/429/5xx, honouring ``retry-after`` up to
120 s); ``max_retries`` and ``timeout`` (seconds) may be set in config.
A 429 with ``code == "insufficient_quota"`` is reported as not retryable.

Batches (``--batch``, :mod:`promptctl.session.batch`) go through the Batch API: the requests are uploaded
as one JSONL file (``files.create``, purpose ``batch``; one line ``{"custom_id", "method": "POST", "url":
"/v1/chat/completions", "body"}`` per request), then ``batches.create`` with a 24 h completion window and
promptctl's batch key as metadata; ``batches.retrieve`` polls it, and the output and error files
(``files.content``) hold one result line per request. Limits from ``BatchCreateParams.input_file_id``
(openai 3.3.0): 50,000 requests and 200 MB per file; every request of a batch names the same model.
"""

from __future__ import annotations

import dataclasses
import json
import os
import tempfile
import time
from collections.abc import AsyncIterator, Mapping, Sequence
from typing import Any

from promptctl.errors import CredentialsError, ProviderError
from promptctl.providers.base import (
    BatchLimits,
    BatchState,
    Provider,
    checked_usage,
    http_hooks,
    malformed_reply,
    not_json,
    parsed_arguments,
    reasoning_cut_off,
    retry_after_of,
    sdk_client_options,
)
from promptctl.providers.sdk import require, sdk_arguments
from promptctl.redaction import register_secret
from promptctl.types import Completion, ProviderRequest, ToolCall, Usage

_OPENAI_HOST = "api.openai.com"
_BATCH_KEY = "promptctl_batch"
_BATCH_STATES = {"validating": "in_progress", "in_progress": "in_progress", "finalizing": "in_progress",
                 "cancelling": "in_progress", "completed": "ended", "failed": "failed", "expired": "ended",
                 "cancelled": "ended"}
"""OpenAI batch status -> promptctl's. An expired or cancelled batch still has output and error files for the
requests it finished and those it did not (``batch_expired``/``batch_cancelled``), so it is read as ended."""


class OpenAIProvider(Provider):
    """Calls ``chat.completions.create`` on the async OpenAI client.

    Args:
        settings: Config ``[providers.openai]``: ``base_url``, ``api_key_env``, ``timeout`` (s), ``max_retries``.
    """

    name = "openai"
    sdk_module = "openai"
    batch_limits = BatchLimits(max_requests=50_000, max_bytes=200 * 1000 * 1000, one_model=True)

    def __init__(self, settings: dict[str, Any] | None = None) -> None:
        self.settings = dict(settings or {})
        self._client: Any = None
        self._batch_files: dict[str, tuple[str | None, str | None, int | None]] = {}

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
            self._client = openai.AsyncOpenAI(
                api_key=key, base_url=base_url, **sdk_client_options(self.settings),
                http_client=openai.DefaultAsyncHttpxClient(event_hooks=http_hooks()))
        return self._client

    def prepare(self) -> None:
        """Build the SDK client before the call is timed, its lazily imported ``chat.completions`` included.

        The SDK imports a resource's modules on first access (about 0.8 s on a busy 2-core machine), which
        the first call's recorded latency would otherwise include.
        """
        self.client().chat.completions  # noqa: B018 - the access is the import

    async def _complete(self, request: ProviderRequest) -> Completion:
        client = self.client()
        async with self._translated():
            response = await client.chat.completions.create(
                **sdk_arguments(client.chat.completions.create, request.kwargs))
        _check_reply(response)
        return _completion(response)

    def translate(self, exc: BaseException) -> ProviderError | None:
        """The :class:`ProviderError` for an SDK exception (status, request id, ``retry-after``), or None."""
        openai = require("openai", "openai")
        if isinstance(exc, openai.APIStatusError):
            code = getattr(exc, "code", None)
            retryable = not (exc.status_code == 429 and code == "insufficient_quota")
            return ProviderError(
                f"openai: HTTP {exc.status_code}: {exc.message}",
                provider=self.name,
                status=exc.status_code,
                request_id=exc.request_id,
                retryable=retryable,
                hint=_hint(exc.status_code, code),
                retry_after_s=retry_after_of(exc.response.headers),
            )
        if isinstance(exc, openai.APIConnectionError):
            return ProviderError(
                f"openai: cannot reach {self.client().base_url}: {exc}",
                provider=self.name,
                hint="check OPENAI_BASE_URL and that the server is running",
            )
        if isinstance(exc, ValueError):  # the SDK could not decode the body (malformed JSON, an empty body)
            return malformed_reply(self.name, f"the reply is not valid JSON ({exc})")
        return None

    # -- Batch API -----------------------------------------------------------------------------
    async def submit_batch(self, items: Sequence[tuple[str, ProviderRequest]], *, key: str) -> tuple[str, str | None]:
        """Upload the requests as a JSONL file and create a batch over it (see the module docstring)."""
        client = self.client()
        with tempfile.TemporaryFile() as data:  # written line by line and streamed: never the whole file in memory
            for custom_id, request in items:
                data.write(json.dumps({"custom_id": custom_id, "method": "POST", "url": "/v1/chat/completions",
                                       "body": request.body}, ensure_ascii=False, separators=(",", ":"))
                           .encode("utf-8") + b"\n")
            data.seek(0)
            async with self._translated():
                uploaded = await client.files.create(file=(f"promptctl-{key}.jsonl", data, "application/jsonl"),
                                                     purpose="batch")
        async with self._translated():
            batch = await client.batches.create(input_file_id=uploaded.id, endpoint="/v1/chat/completions",
                                                completion_window="24h", metadata={_BATCH_KEY: key})
        return batch.id, uploaded.id

    async def batch_state(self, batch_id: str) -> BatchState:
        """``batches.retrieve``: the status and request counts."""
        async with self._translated():
            batch = await self.client().batches.retrieve(batch_id)
        counts = batch.request_counts.model_dump() if batch.request_counts is not None else {}
        status = _BATCH_STATES.get(batch.status, "in_progress")
        error = None
        if batch.status == "failed":
            errors = [e.message or e.code or "" for e in (batch.errors.data or [])] if batch.errors else []
            error = "; ".join(e for e in errors if e)[:500] or "the batch failed validation"
        self._batch_files[batch_id] = (batch.output_file_id, batch.error_file_id, batch.created_at)
        return BatchState(status, {k: int(v) for k, v in counts.items() if isinstance(v, int)}, error)

    async def batch_results(self, batch_id: str, requests: Mapping[str, ProviderRequest],
                            ) -> AsyncIterator[tuple[str, Completion | ProviderError]]:
        """Stream the output file (answers) and then the error file (requests that failed)."""
        if batch_id not in self._batch_files:
            await self.batch_state(batch_id)
        output_file, error_file, created = self._batch_files[batch_id]
        waited = max(time.time() - created, 0.0) if created else 0.0
        client = self.client()
        for file_id in (output_file, error_file):
            if not file_id:
                continue
            async with self._translated(), client.files.with_streaming_response.content(file_id) as response:
                async for line in response.iter_lines():
                    if line.strip():
                        yield self._batch_item(line, waited)

    def _batch_item(self, line: str, waited: float) -> tuple[str, Completion | ProviderError]:
        openai = require("openai", "openai")
        try:
            item = json.loads(line)
            custom_id = str(item["custom_id"])
        except (ValueError, KeyError, TypeError) as exc:
            raise malformed_reply(self.name, f"a batch result line is not a result ({exc})") from None
        response = item.get("response") or {}
        status = response.get("status_code")
        if status != 200 or item.get("error"):
            error = item.get("error") or (response.get("body") or {}).get("error") or {}
            message = error.get("message") if isinstance(error, dict) else str(error)
            code = error.get("code") if isinstance(error, dict) else None
            return custom_id, ProviderError(
                f"openai: batch item {custom_id}: " + (f"HTTP {status}: " if status else "")
                + f"{message or code or 'no result'}", provider=self.name, status=status,
                request_id=response.get("request_id"), hint=_hint(status or 0, code))
        try:
            completion_obj = openai.types.chat.ChatCompletion.model_validate(response.get("body") or {})
            _check_reply(completion_obj)
            completion = _completion(completion_obj)
        except ProviderError as exc:
            return custom_id, exc
        except ValueError as exc:
            return custom_id, malformed_reply(self.name, f"batch item {custom_id} is not a chat completion ({exc})")
        return custom_id, dataclasses.replace(
            completion, usage=checked_usage(self.name, completion.usage), request_id=response.get("request_id"),
            latency_s=waited, batch=True)

    async def find_batch(self, key: str) -> str | None:
        """The batch created with metadata ``promptctl_batch = key`` among the account's recent batches, or None."""
        async with self._translated():
            async for batch in self.client().batches.list(limit=100):
                if (batch.metadata or {}).get(_BATCH_KEY) == key:
                    return str(batch.id)
        return None

    def _translated(self) -> Any:
        """A context manager turning the SDK's errors into :class:`ProviderError` (as :meth:`_complete` does)."""
        return _Translated(self)

    async def aclose(self) -> None:
        """Close the SDK client."""
        if self._client is not None:
            await self._client.close()
            self._client = None


class _Translated:
    """``async with``: an SDK exception raised inside becomes the provider's :class:`ProviderError`."""

    def __init__(self, provider: OpenAIProvider) -> None:
        self.provider = provider

    async def __aenter__(self) -> None:
        return None

    async def __aexit__(self, kind: Any, exc: BaseException | None, tb: Any) -> bool:
        if exc is None or isinstance(exc, ProviderError):
            return False
        translated = self.provider.translate(exc)
        if translated is None:
            return False
        raise translated from exc


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
