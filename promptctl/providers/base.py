"""The provider interface: one abstract method, a normalised completion and usage.

Providers wrap the official SDKs' async clients and import the SDK only when
the first call needs it. Errors are translated once, inside each provider, into
:class:`~promptctl.errors.ProviderError` (carrying provider, HTTP status and
request id) or :class:`~promptctl.errors.CredentialsError`.
"""

from __future__ import annotations

import abc
import contextvars
import os
import re
import time
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from promptctl.errors import InputError, ProviderError
from promptctl.limits import DEFAULT_CALL_TIMEOUT_S
from promptctl.types import Completion, Exchange, ProviderRequest, TokenCount, Usage

__all__ = ["BatchLimits", "BatchState", "Completion", "Provider", "Transport", "Usage", "checked_usage", "count_of",
           "malformed_reply", "prefill_of", "sdk_client_options", "storable_text", "usage_count"]


class Transport(abc.ABC):
    """Something that takes one call and returns its completion: a provider, or a session layer around one.

    The one method is :meth:`send`, in the style of httpx transports: a session layer
    (:mod:`promptctl.session`) is a transport that wraps another, and a provider is the innermost one.
    Executors only ever see a transport, through :class:`~promptctl.executors.base.CallContext`.
    """

    name: str = "provider"

    @abc.abstractmethod
    async def send(self, exchange: Exchange) -> Completion:
        """Make one call.

        Raises:
            CredentialsError: Credentials or endpoint are missing (exit 3).
            ProviderError: The call failed (exit 3).
            BudgetExceeded: A budget layer refused the call (nothing was sent).
        """

    async def count_tokens(self, request: ProviderRequest) -> int:
        """Exact input tokens of a request from the provider's count endpoint.

        Raises:
            NotImplementedError: The provider has no count endpoint.
        """
        raise NotImplementedError(f"provider '{self.name}' cannot count tokens")

    async def aclose(self) -> None:  # noqa: B027 - optional hook
        """Release the SDK client's connections."""


# The variables that point a provider's SDK at another server (an OpenAI-compatible server, a proxy, a gateway).
ENDPOINT_ENV = {"openai": "OPENAI_BASE_URL", "anthropic": "ANTHROPIC_BASE_URL"}
_OWN_HOSTS = {"openai": "api.openai.com", "anthropic": "api.anthropic.com"}


def endpoint_of(name: str, settings: dict[str, Any] | None = None) -> str:
    """The server a provider's calls go to when it is not the provider's own API, else ``""``.

    It is part of the response-cache key (:meth:`promptctl.types.ProviderRequest.at`): two
    OpenAI-compatible servers that serve the same model name give different answers, so one never
    answers from the other's cache. The provider's own API gives ``""``, so keys made before this
    existed stay valid.

    Args:
        name: Provider name.
        settings: Its ``[providers.NAME]`` config (``base_url`` wins over the environment variable).
    """
    env = ENDPOINT_ENV.get(name)
    if env is None:
        return ""
    url = str((settings or {}).get("base_url") or os.environ.get(env) or "").strip().rstrip("/")
    return "" if not url or _OWN_HOSTS[name] in url else url


@dataclass(frozen=True)
class BatchLimits:
    """What one provider batch may hold (from the provider's API reference).

    Attributes:
        max_requests: Requests per batch.
        max_bytes: Size of the batch's requests, serialised as JSON lines (bytes).
        one_model: Every request of a batch must name the same model (OpenAI).
    """

    max_requests: int
    max_bytes: int
    one_model: bool = False


@dataclass(frozen=True)
class BatchState:
    """Where a submitted batch is.

    Attributes:
        status: ``in_progress`` (also validating, finalizing, cancelling), ``ended`` (results can be read),
            ``failed`` (the provider refused the whole batch), ``expired`` or ``cancelled`` (with no results
            to read).
        counts: The provider's request counts (``succeeded``/``completed``, ``errored``/``failed`` ...).
        error: Why the batch failed, or None.
    """

    status: str
    counts: dict[str, int] = field(default_factory=dict)
    error: str | None = None

    @property
    def done(self) -> bool:
        """True once the batch will not change any more."""
        return self.status != "in_progress"


class Provider(Transport):
    """A client for one provider. Subclasses implement :meth:`_complete` only.

    Optional abilities (token counting, provider batches) are separate methods that raise
    :class:`NotImplementedError` (counting) or :class:`~promptctl.errors.InputError` (batches) naming the
    provider when it lacks them.

    Class attributes:
        name: The provider's name (``openai``).
        sdk_module: The SDK's import name (``openai``, ``anthropic``, ``ibm_watsonx_ai``), or None; imported
            ahead of a concurrent run so the import does not stall calls in flight.
    """

    name: str = "provider"
    sdk_module: str | None = None
    setup_s: float = 0.0
    """Seconds this client spent in :meth:`prepare` (building the SDK client, its imports), which a run's
    latency leaves out as every call's does."""

    @property
    def endpoint(self) -> str:
        """The non-default server this client calls (:func:`endpoint_of` of its settings), or ``""``."""
        return endpoint_of(self.name, getattr(self, "settings", None))

    async def send(self, exchange: Exchange) -> Completion:
        """:meth:`complete` the exchange's request (a provider is the innermost transport)."""
        return await self.complete(exchange.request)

    # -- provider batches (optional; see promptctl.session.batch) ---------------------------------
    batch_limits: BatchLimits | None = None
    """What one batch may hold, or None when the provider has no batch API promptctl submits to."""

    def batch_refusal(self) -> str:
        """Why ``--batch`` cannot be used with this provider (the error's text)."""
        return f"provider '{self.name}' has no batch API"

    def check_batch(self) -> None:
        """Raise :class:`~promptctl.errors.InputError` (exit 2) unless this provider takes batches."""
        if self.batch_limits is None:
            raise InputError(f"--batch: {self.batch_refusal()}",
                             hint="run without --batch, or compare on an openai or anthropic model")

    async def submit_batch(self, items: Sequence[tuple[str, ProviderRequest]], *, key: str) -> tuple[str, str | None]:
        """Submit requests as one provider batch.

        Args:
            items: ``(custom_id, request)`` pairs, within :attr:`batch_limits`.
            key: promptctl's id of the batch, attached as metadata where the provider keeps it
                (:meth:`find_batch`).

        Returns:
            ``(provider batch id, uploaded input file id or None)``.

        Raises:
            InputError: The provider has no batch API (exit 2).
            ProviderError, CredentialsError: The submission failed (exit 3).
        """
        self.check_batch()
        raise NotImplementedError

    async def batch_state(self, batch_id: str) -> BatchState:
        """The state of a submitted batch (one retrieve call).

        Raises:
            ProviderError: The call failed.
        """
        self.check_batch()
        raise NotImplementedError

    def batch_results(self, batch_id: str, requests: Mapping[str, ProviderRequest],
                      ) -> AsyncIterator[tuple[str, Completion | ProviderError]]:
        """The results of an ended batch, streamed: ``(custom_id, completion or the item's error)``.

        Args:
            batch_id: The provider's batch id.
            requests: The requests still awaited, by custom id (some providers need them to read an answer).

        Items the provider reports nothing for are absent.

        Raises:
            ProviderError: Reading the results failed.
        """
        self.check_batch()
        raise NotImplementedError

    async def find_batch(self, key: str) -> str | None:
        """The provider id of the batch submitted with promptctl's ``key``, when the provider can tell (else None).

        Used on resume for a batch whose submission was interrupted before its id was stored.
        """
        return None

    def check_credentials(self) -> None:
        """Raise :class:`~promptctl.errors.CredentialsError` when this client cannot authenticate (no network).

        The default checks nothing (providers without credentials, such as ``fake``).
        """

    def token_count(self, request: ProviderRequest, tokens: int) -> TokenCount:
        """What :meth:`count_tokens`'s ``tokens`` mean for ``request``: the count, its quality and method."""
        return TokenCount(tokens=tokens, quality="exact", method=f"{self.name} count endpoint")

    async def complete(self, request: ProviderRequest) -> Completion:
        """Send a request and return the completion, with ``latency_s`` measured around the call.

        Raises:
            CredentialsError: Credentials or endpoint are missing (exit 3).
            ProviderError: The call failed after the SDK's retries, or took longer than :meth:`timeout_s`
                (exit 3).
        """
        import asyncio  # here: rendering needs no event loop

        began = time.perf_counter()
        self.prepare()  # build the SDK client (imports, credentials) outside the call's time limit
        self.setup_s += time.perf_counter() - began
        timeout = self.timeout_s(request)
        start = time.perf_counter()
        try:
            async with asyncio.timeout(timeout):
                completion = await self._complete(request)
        except TimeoutError:
            raise ProviderError(
                f"{self.name}: no reply within {timeout:g} s (the per-call timeout)",
                provider=self.name,
                hint=f"the endpoint may be hung or overloaded; try again, or set timeout (seconds) in "
                f"[providers.{self.name}] of promptctl.toml",
            ) from None
        latency = time.perf_counter() - start
        return Completion(
            text=storable_text(completion.text),
            model=storable_text(completion.model),
            usage=checked_usage(self.name, completion.usage),
            finish_reason=storable_text(completion.finish_reason),
            request_id=completion.request_id,
            latency_s=latency,
            raw=completion.raw,
            cached=completion.cached,
            tool_calls=completion.tool_calls,
            reasoning=storable_text(completion.reasoning),
        )

    def prepare(self) -> None:  # noqa: B027 - optional hook
        """Build what a call needs before it is timed (the SDK client); may raise :class:`CredentialsError`."""

    def timeout_s(self, request: ProviderRequest) -> float:
        """The time limit of one call (seconds), SDK retries included.

        Config ``[providers.<name>] timeout`` when set, else the request's default from its model profile
        (:data:`~promptctl.limits.DEFAULT_CALL_TIMEOUT_S`, longer for reasoning models).
        """
        configured = getattr(self, "settings", {}).get("timeout")
        if configured is not None:
            return float(configured)
        return request.timeout_s or DEFAULT_CALL_TIMEOUT_S

    @abc.abstractmethod
    async def _complete(self, request: ProviderRequest) -> Completion:
        """Send ``request`` through the SDK and return its completion (latency filled in by the caller)."""


def reasoning_cut_off(provider: str, output_tokens: int | None, reasoning_tokens: int | None) -> ProviderError:
    """The :class:`ProviderError` for a reply cut off at ``max_tokens`` with no visible output: reasoning used it all.

    Exit 3; not retryable: the same request does the same.

    Args:
        provider: Provider name.
        output_tokens: Output tokens the reply used (tokens), when reported.
        reasoning_tokens: Of which reasoning (tokens), when reported.
    """
    spent = ""
    if output_tokens:
        spent = f" ({reasoning_tokens or output_tokens:,} of {output_tokens:,} output tokens went to reasoning)"
    return ProviderError(
        f"{provider}: the reply was cut off at max_tokens with no visible output: reasoning used the whole "
        f"output budget{spent}",
        provider=provider,
        retryable=False,
        hint="raise parameters.max_tokens (it covers reasoning and answer), or lower reasoning.effort / "
        "reasoning.budget_tokens",
    )
RATE_LIMITED: contextvars.ContextVar[Callable[[float | None, float | None], None] | None] = contextvars.ContextVar(
    "promptctl_rate_limited", default=None)
"""Who is told of every HTTP 429 a call receives, its SDK's own retries included (the session's concurrency
limit sets it around each call: :class:`promptctl.session.layers.Limit`). Called with the reply's
``retry-after`` in seconds (or None) and when the refused attempt was sent (``time.monotonic()``, or None)."""
_SENT_AT = "promptctl_sent_at"


def http_hooks() -> dict[str, list[Callable[..., Any]]]:
    """The event hooks (httpx) for an SDK's HTTP client: each 429 response is reported to :data:`RATE_LIMITED`.

    The hooks run inside the task making the call, so they reach the limit layer of that very call; each
    attempt is stamped with the time it was sent. When a limit layer is listening, the 429 is also marked
    ``x-should-retry: false`` (the SDKs' own switch), so the SDK hands it back at once: the limit layer frees the
    call's slot, waits out ``retry-after`` and sends it again, instead of the SDK sleeping inside the slot.
    """
    async def on_request(request: Any) -> None:
        request.extensions[_SENT_AT] = time.monotonic()

    async def on_response(response: Any) -> None:
        if response.status_code == 429:
            observer = RATE_LIMITED.get()
            if observer is not None:
                observer(retry_after_of(response.headers), response.request.extensions.get(_SENT_AT))
                response.headers["x-should-retry"] = "false"

    return {"request": [on_request], "response": [on_response]}


MAX_RETRY_AFTER_S = 600.0
"""The longest ``retry-after`` honoured (seconds); a larger or malformed value is ignored."""


def retry_after_of(headers: Any) -> float | None:
    """The wait a rate-limited reply asks for, in seconds: ``retry-after-ms``, else ``retry-after``.

    ``retry-after`` may be seconds or an HTTP date (RFC 9110 section 10.2.3); ``retry-after-ms`` is the
    OpenAI and Anthropic APIs' millisecond variant. Returns None when absent, malformed, negative or above
    :data:`MAX_RETRY_AFTER_S`.
    """
    if headers is None:
        return None
    seconds: float | None = None
    try:
        ms = headers.get("retry-after-ms")
        if ms is not None:
            seconds = float(ms) / 1000
        else:
            value = headers.get("retry-after")
            if value is None:
                return None
            try:
                seconds = float(value)
            except ValueError:
                import email.utils

                parsed = email.utils.parsedate_to_datetime(value)
                seconds = parsed.timestamp() - time.time()
    except (TypeError, ValueError, AttributeError):
        return None
    if seconds is None or seconds != seconds or not 0 <= seconds <= MAX_RETRY_AFTER_S:
        return None
    return seconds


def malformed_reply(provider: str, what: str) -> ProviderError:
    """The :class:`ProviderError` for a reply that arrived but cannot be used (exit 3, retryable).

    Args:
        provider: Provider name.
        what: What was wrong, e.g. ``the reply is not valid JSON``.
    """
    return ProviderError(
        f"{provider}: malformed reply: {what}",
        provider=provider,
        hint="the provider (or a proxy in front of it) sent an unusable reply; try again, and check the base URL",
    )


MAX_USAGE_TOKENS = 2**53
"""The largest token count a reply's usage may report (JSON's exact-integer range; SQLite stores it)."""

_SURROGATES = re.compile("[\ud800-\udfff]")


def checked_usage(provider: str, usage: Usage) -> Usage:
    """``usage`` when every count is a whole number of tokens in ``[0, 2**53]`` (floats such as ``12.0`` allowed).

    Raises:
        ProviderError: A count is text, negative, fractional, infinite or too large (a broken proxy or server);
            the reply is unusable for pricing and recording (exit 3, never cached).
    """
    return Usage(**{key: usage_count(provider, key, value) for key, value in asdict(usage).items()})


def usage_count(provider: str, key: str, value: Any) -> int:
    """One token count of a reply's usage, checked as :func:`checked_usage` describes (``None`` is 0).

    Raises:
        ProviderError: The count is not a whole number of tokens in ``[0, 2**53]`` (exit 3).
    """
    if value is None:
        return 0
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_USAGE_TOKENS:
        raise malformed_reply(provider, f"the reply's usage has no valid {key} (got {str(value)[:40]!r})")
    return value


def storable_text(text: Any) -> Any:
    r"""``text`` with lone UTF-16 surrogates (a JSON ``\\ud800`` escape) replaced by U+FFFD.

    Such text cannot be stored or printed as UTF-8; anything other than a string is returned as it is.
    """
    return _SURROGATES.sub("\ufffd", text) if isinstance(text, str) else text


def parsed_arguments(text: Any) -> Any:
    """A tool call's arguments: JSON text parsed (a mapping), or the text itself when it is not valid JSON."""
    import json

    if not isinstance(text, str):
        return text if text is not None else {}
    if not text.strip():
        return {}
    try:
        return json.loads(text)
    except (ValueError, RecursionError):
        return text


def not_json(reply: Any) -> str:
    """What was wrong with a reply the SDK could not parse as JSON: an HTML page, other text, or another type."""
    if isinstance(reply, bytes):
        reply = reply.decode("utf-8", "replace")
    if isinstance(reply, str):
        if reply.lstrip().startswith("<"):
            return "the reply is an HTML page, not JSON (a proxy or login page in front of the API?)"
        return "the reply is text, not JSON" if reply.strip() else "the reply is empty"
    return f"the reply is not the API's JSON object (got {type(reply).__name__})"


def count_of(provider: str, value: Any) -> int:
    """A count endpoint's token count, checked: a non-negative integer.

    Raises:
        ProviderError: The reply has no such count (exit 3).
    """
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise malformed_reply(provider, f"the count endpoint's reply has no token count (got {type(value).__name__})")
    return value


def prefill_of(request: ProviderRequest) -> str:
    """The final assistant message's text when the request ends with a prefill, else ``""``."""
    messages = request.body.get("messages") or []
    if messages and messages[-1].get("role") == "assistant" and isinstance(messages[-1].get("content"), str):
        return str(messages[-1]["content"])
    return ""


def sdk_client_options(settings: dict[str, Any]) -> dict[str, Any]:
    """The SDK client's own ``timeout`` (seconds, per attempt) and ``max_retries``, when the config sets them.

    :meth:`Provider.complete` also bounds the whole call (all attempts) by the same ``timeout``.
    """
    options: dict[str, Any] = {}
    if "timeout" in settings:
        options["timeout"] = float(settings["timeout"])
    if "max_retries" in settings:
        options["max_retries"] = int(settings["max_retries"])
    return options
