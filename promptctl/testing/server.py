"""A loopback HTTP server that speaks the OpenAI and Anthropic APIs, for tests and benchmarks.

The real SDKs are pointed at it through their usual settings (``OPENAI_BASE_URL``,
``ANTHROPIC_BASE_URL``, or config ``base_url``), so a test exercises the whole
client stack: the SDK's request building, headers, retries, response parsing
and error mapping, with nothing leaving the machine.

Endpoints (matched on the path's end, so any base-path prefix works):

- ``POST .../chat/completions``: an OpenAI ``ChatCompletion`` with ``usage`` (including
  ``prompt_tokens_details.cached_tokens`` and ``completion_tokens_details.reasoning_tokens``)
  and an ``x-request-id`` header.
- ``POST .../messages``: an Anthropic ``Message`` and a ``request-id`` header.
- ``POST .../messages/count_tokens``: ``{"input_tokens": N}``.
- The OpenAI Files and Batch API and Anthropic Message Batches (:mod:`promptctl.testing.batches`): each
  request of a batch is answered by the reply script when the batch ends, after ``batch_polls``
  retrieves that answer ``in_progress``.

With ``rate_limit_above=N`` the server answers ``429`` (with ``retry-after-ms``/``retry-after``, in each
API's error shape) to a chat or messages request that arrives while N others are being handled, like a
provider's concurrency limit.

A reply is a text, a :class:`Fault`, or a :class:`ScriptedReply` carrying tool calls (OpenAI
``message.tool_calls`` / Anthropic ``tool_use`` blocks, as instructor's ``TOOLS`` mode expects) and
token log-probabilities (OpenAI ``choices[].logprobs.content``).

Example::

    with LoopbackLLMServer(replies=["Hello!"], latency_s=0.2) as server:
        client = openai.OpenAI(base_url=server.base_url, api_key="sk-test")
        client.chat.completions.create(model="gpt-4o-mini", messages=[...])
        assert server.requests[0].body["model"] == "gpt-4o-mini"

The server binds ``127.0.0.1`` on a free port, serves each connection in its own
thread (so concurrent requests overlap, latency included), and is bounded: it
answers at most ``max_requests`` requests (then ``503``) and shuts itself down
after ``max_lifetime_s`` seconds even if nobody stops it.
"""

from __future__ import annotations

import ipaddress
import itertools
import json
import socket
import sys
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field, replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

from promptctl.testing.batches import BatchService
from promptctl.testing.prompt_cache import PromptCache
from promptctl.types import LOOPBACK_REQUEST_ID_PREFIX

__all__ = [
    "BAD_REPLIES",
    "Fault",
    "LoopbackLLMServer",
    "RecordedRequest",
    "ScriptedReply",
    "ServerUsage",
    "ToolCall",
    "anthropic_error",
    "bad_reply",
    "openai_error",
]

_REASONS = {429: "Too Many Requests", 529: "Overloaded"}


@dataclass(frozen=True)
class Fault:
    """A canned HTTP response returned instead of a normal reply (an error to inject).

    Attributes:
        status: HTTP status code, e.g. ``429``, ``500`` or ``529``.
        headers: Extra response headers, e.g. ``{"retry-after-ms": "10"}``. A request-id header is
            added unless given here.
        body: The response body: JSON-ready data (sent as ``application/json``), or ``str``/``bytes``
            (sent as ``text/plain`` unless ``content_type`` says otherwise).
        content_type: The ``content-type`` header, overriding the default above: e.g. ``application/json``
            with a body that is not JSON, or ``text/html`` for a proxy's error page.
    """

    status: int
    headers: Mapping[str, str] = field(default_factory=dict)
    body: Any = None
    content_type: str | None = None


@dataclass(frozen=True)
class ToolCall:
    """A tool (function) call in a scripted reply.

    Attributes:
        arguments: The call's arguments: JSON-ready data, or a JSON text sent as is (which may be invalid
            JSON, to test repair loops).
        name: The tool's name; ``None`` takes the tool the request forces with ``tool_choice`` (what
            instructor's ``TOOLS`` mode sends), else the request's first tool, else ``"tool"``.
        id: The call id; default ``call_<n>`` (OpenAI) or ``toolu_<n>`` (Anthropic).
    """

    arguments: Any
    name: str | None = None
    id: str | None = None


@dataclass(frozen=True)
class ScriptedReply:
    """A reply with more than text.

    Attributes:
        text: The assistant's text (OpenAI ``message.content``, an Anthropic ``text`` block), or None.
        tool_calls: Tool calls: OpenAI ``message.tool_calls`` (finish reason ``tool_calls``), Anthropic
            ``tool_use`` content blocks (stop reason ``tool_use``).
        logprobs: ``(token, logprob)`` pairs sent as OpenAI ``choices[].logprobs.content`` (natural log).
            Anthropic has no log-probabilities; they are ignored there.
        finish_reason: Overrides the finish (stop) reason.
        reasoning: Reasoning text: an Anthropic ``thinking`` block (with a ``signature``) before the answer;
            OpenAI ``message.reasoning_content``, as OpenAI-compatible reasoning servers (vLLM, DeepSeek)
            send it (OpenAI's own API returns only ``completion_tokens_details.reasoning_tokens``).
        usage: The usage of this reply, overriding the server's (e.g. all output tokens in reasoning).
    """

    text: str | None = None
    tool_calls: tuple[ToolCall, ...] = ()
    logprobs: tuple[tuple[str, float], ...] | None = None
    finish_reason: str | None = None
    reasoning: str | None = None
    usage: ServerUsage | None = None


FaultLike = Fault | tuple[int, Mapping[str, str], Any]
Reply = str | Fault | ScriptedReply
ReplySource = Sequence[Reply] | Callable[[dict[str, Any]], Reply]


def openai_error(
    status: int,
    message: str = "error",
    *,
    code: str | None = None,
    type: str | None = None,  # noqa: A002 - the field's name in the API
    retry_after_ms: int | None = None,
    headers: Mapping[str, str] | None = None,
) -> Fault:
    """An OpenAI-style error response: ``{"error": {"message", "type", "param", "code"}}``.

    Args:
        status: HTTP status code.
        message: ``error.message``.
        code: ``error.code``, e.g. ``rate_limit_exceeded`` or ``insufficient_quota``.
        type: ``error.type``, e.g. ``requests`` or ``invalid_request_error``.
        retry_after_ms: If given, sent as the ``retry-after-ms`` header (milliseconds).
        headers: More response headers.

    Returns:
        The :class:`Fault`.
    """
    all_headers = dict(headers or {})
    if retry_after_ms is not None:
        all_headers["retry-after-ms"] = str(retry_after_ms)
    body = {"error": {"message": message, "type": type, "param": None, "code": code}}
    return Fault(status, all_headers, body)


def anthropic_error(
    status: int,
    type: str,  # noqa: A002 - the field's name in the API
    message: str = "error",
    *,
    error_code: str | None = None,
    retry_after_s: float | None = None,
    headers: Mapping[str, str] | None = None,
) -> Fault:
    """An Anthropic-style error response: ``{"type": "error", "error": {"type", "message"}}``.

    Args:
        status: HTTP status code, e.g. ``529``.
        type: ``error.type``, e.g. ``overloaded_error`` or ``rate_limit_error``.
        message: ``error.message``.
        error_code: If given, ``error.details.error_code`` (e.g. ``enforced_spend_limit_reached``).
        retry_after_s: If given, sent as the ``retry-after`` header (seconds).
        headers: More response headers.

    Returns:
        The :class:`Fault`.
    """
    all_headers = dict(headers or {})
    if retry_after_s is not None:
        all_headers["retry-after"] = f"{retry_after_s:g}"
    error: dict[str, Any] = {"type": type, "message": message}
    if error_code is not None:
        error["details"] = {"error_code": error_code}
    return Fault(status, all_headers, {"type": "error", "error": error})


BAD_REPLIES = ("malformed_json", "empty_body", "html", "no_choices", "content_null", "empty_truncated", "bad_usage",
               "huge_usage")
"""The kinds of unusable 200 replies :func:`bad_reply` builds."""


def bad_reply(kind: str, api: str = "openai", *, model: str = "loopback-model") -> Fault:
    """A reply with status 200 that is not a usable completion, as a broken server or proxy sends.

    Args:
        kind: One of :data:`BAD_REPLIES`: ``malformed_json`` (``{bad}`` sent as JSON), ``empty_body``
            (no bytes, sent as JSON), ``html`` (a proxy's HTML page), ``no_choices`` (OpenAI ``choices: []``;
            Anthropic ``content: []``), ``content_null`` (OpenAI ``message.content: null``; Anthropic
            ``content: null``), ``bad_usage`` / ``huge_usage`` (a text answer whose usage reports the input
            tokens as ``"abc"`` / ``10**30``), ``empty_truncated`` (an empty text with finish reason ``length`` /
            stop reason ``max_tokens``).
        api: ``openai`` or ``anthropic``: the shape of the JSON kinds.
        model: The model the JSON kinds report.

    Returns:
        The :class:`Fault` (queue it with :meth:`LoopbackLLMServer.add_faults`, or use it as a reply).

    Raises:
        ValueError: An unknown ``kind`` or ``api``.
    """
    if api not in ("openai", "anthropic"):
        raise ValueError(f"unknown api {api!r}: openai or anthropic")
    if kind == "malformed_json":
        return Fault(200, body=b"{bad}", content_type="application/json")
    if kind == "empty_body":
        return Fault(200, body=b"", content_type="application/json")
    if kind == "html":
        return Fault(200, body="<html><body><h1>Gateway</h1><p>Please sign in.</p></body></html>",
                     content_type="text/html; charset=utf-8")
    usage = ServerUsage(input_tokens=10, output_tokens=0)
    if kind in ("bad_usage", "huge_usage"):
        count: Any = "abc" if kind == "bad_usage" else 10**30
        if api == "openai":
            return Fault(200, body={"id": "chatcmpl-bad", "object": "chat.completion", "created": int(time.time()),
                                    "model": model, "choices": [{"index": 0, "finish_reason": "stop", "message": {
                                        "role": "assistant", "content": "an answer"}}],
                                    "usage": {**usage.openai(), "prompt_tokens": count}})
        return Fault(200, body={"id": "msg_bad", "type": "message", "role": "assistant", "model": model,
                                "content": [{"type": "text", "text": "an answer"}], "stop_reason": "end_turn",
                                "stop_sequence": None, "usage": {**usage.anthropic(), "input_tokens": count}})
    if api == "openai":
        message: dict[str, Any] = {"role": "assistant", "content": None if kind == "content_null" else ""}
        choice = {"index": 0, "message": message, "finish_reason": "length" if kind == "empty_truncated" else "stop"}
        choices = {"no_choices": [], "content_null": [choice], "empty_truncated": [choice]}
        if kind not in choices:
            raise ValueError(f"unknown bad reply {kind!r}: one of {', '.join(BAD_REPLIES)}")
        return Fault(200, body={"id": "chatcmpl-bad", "object": "chat.completion", "created": int(time.time()),
                                "model": model, "choices": choices[kind], "usage": usage.openai()})
    contents: dict[str, Any] = {"no_choices": [], "content_null": None,
                                "empty_truncated": [{"type": "text", "text": ""}]}
    if kind not in contents:
        raise ValueError(f"unknown bad reply {kind!r}: one of {', '.join(BAD_REPLIES)}")
    return Fault(200, body={"id": "msg_bad", "type": "message", "role": "assistant", "model": model,
                            "content": contents[kind],
                            "stop_reason": "max_tokens" if kind == "empty_truncated" else "end_turn",
                            "stop_sequence": None, "usage": usage.anthropic()})


@dataclass(frozen=True)
class ServerUsage:
    """Token usage the server reports, in promptctl's normalised terms (all counts in tokens).

    The server writes it in each API's own shape: OpenAI ``prompt_tokens = input_tokens`` with
    ``cached_tokens`` and ``reasoning_tokens`` details; Anthropic ``input_tokens`` *excluding* the
    cache (``input_tokens - cached_input_tokens - cache_write_tokens``) plus
    ``cache_read_input_tokens`` and ``cache_creation_input_tokens``. The field names match
    :class:`promptctl.providers.base.Usage`, so ``asdict(server_usage)`` is what a provider
    should report.

    Attributes:
        input_tokens: All input tokens, cached ones included.
        output_tokens: All output tokens, reasoning included.
        cached_input_tokens: Input tokens read from the prompt cache.
        cache_write_tokens: Input tokens written to the prompt cache.
        reasoning_tokens: Hidden reasoning tokens (OpenAI only).
    """

    input_tokens: int = 9
    output_tokens: int = 3
    cached_input_tokens: int = 0
    cache_write_tokens: int = 0
    reasoning_tokens: int = 0

    def __post_init__(self) -> None:
        if self.cached_input_tokens + self.cache_write_tokens > self.input_tokens:
            raise ValueError("cached_input_tokens + cache_write_tokens cannot exceed input_tokens")
        if self.reasoning_tokens > self.output_tokens:
            raise ValueError("reasoning_tokens cannot exceed output_tokens")

    def openai(self) -> dict[str, Any]:
        """The OpenAI ``CompletionUsage`` JSON."""
        prompt_details: dict[str, int] = {"cached_tokens": self.cached_input_tokens}
        if self.cache_write_tokens:
            prompt_details["cache_write_tokens"] = self.cache_write_tokens
        return {
            "prompt_tokens": self.input_tokens,
            "completion_tokens": self.output_tokens,
            "total_tokens": self.input_tokens + self.output_tokens,
            "prompt_tokens_details": prompt_details,
            "completion_tokens_details": {"reasoning_tokens": self.reasoning_tokens},
        }

    def anthropic(self) -> dict[str, Any]:
        """The Anthropic ``Usage`` JSON (``input_tokens`` excludes cache reads and writes)."""
        return {
            "input_tokens": self.input_tokens - self.cached_input_tokens - self.cache_write_tokens,
            "output_tokens": self.output_tokens,
            "cache_creation_input_tokens": self.cache_write_tokens,
            "cache_read_input_tokens": self.cached_input_tokens,
        }

    def to_dict(self) -> dict[str, int]:
        """The counts as a plain dict (same keys as ``promptctl.providers.base.Usage.to_dict()``)."""
        return asdict(self)


@dataclass(frozen=True)
class RecordedRequest:
    """One request the server received.

    Attributes:
        method: HTTP method.
        path: URL path without the query string, e.g. ``/v1/chat/completions``.
        query: The raw query string (``""`` when none).
        headers: Request headers with lower-case names.
        body: The parsed JSON body, or ``None`` when the body was empty or not JSON.
        raw: The body bytes as received.
        received_at: ``time.monotonic()`` when the request arrived (seconds).
    """

    method: str
    path: str
    query: str
    headers: dict[str, str]
    body: Any
    raw: bytes
    received_at: float


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    request_queue_size = 128
    owner: LoopbackLLMServer

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that went away (killed, timed out) is not an error of the server: no traceback is printed.

        Printing one from many handler threads at once is also what made Python 3.11 raise "AST constructor
        recursion depth mismatch" (its traceback module parses source lines; ``ast`` is not thread-safe there).
        """
        if isinstance(sys.exc_info()[1], OSError):
            return
        super().handle_error(request, client_address)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as the SDKs' connection pools expect
    # TCP_NODELAY: headers and body go out in two writes; with Nagle's algorithm the body waits for the
    # client's delayed ACK of the headers (~40 ms on Linux), which would add to every reply's latency.
    disable_nagle_algorithm = True
    server: _HTTPServer
    timeout = 60  # idle keep-alive connections are dropped after this many seconds

    def setup(self) -> None:
        super().setup()
        self.server.owner._track(self.connection, add=True)

    def finish(self) -> None:
        try:
            super().finish()
        finally:
            self.server.owner._track(self.connection, add=False)

    def do_POST(self) -> None:  # noqa: N802 - http.server's naming
        self.server.owner._handle(self)

    def do_GET(self) -> None:  # noqa: N802
        self.server.owner._handle(self)

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        """Silence the default stderr access log."""


class LoopbackLLMServer:
    """An OpenAI- and Anthropic-compatible HTTP server on ``127.0.0.1``, run in a background thread.

    Use it as a context manager (or call :meth:`start` and :meth:`stop`). Every request is recorded
    in :attr:`requests`. Replies come from ``replies``; errors queued with ``faults`` (or
    :meth:`add_faults`) are returned first, one per request, in order.

    Args:
        replies: Reply texts used in order, the last one repeated; or a callable taking the request's
            JSON body and returning the text. A reply may also be a :class:`Fault`, returned as is, or a
            :class:`ScriptedReply` (tool calls, log-probabilities).
        usage: Token usage to report on every reply (a :class:`ServerUsage` or a mapping of its fields).
        latency_s: Seconds to sleep in the handler thread before answering each request (faults
            included); concurrent requests overlap. May be changed while the server runs.
        faults: Responses to return before normal replies: :class:`Fault` objects or
            ``(status, headers, body)`` tuples. Each is used once, by the next API request of any kind.
        count_tokens: What ``/messages/count_tokens`` answers: a fixed count, or a callable taking the
            request's JSON body. Default: the number of whitespace-separated words in ``system`` and the
            messages' text.
        prompt_cache: Model the providers' prompt caches (:mod:`promptctl.testing.prompt_cache`): input
            tokens are then counted from the request (characters / 4), and a repeated prefix is reported as
            cached input (OpenAI ``prompt_tokens_details.cached_tokens``; Anthropic
            ``cache_read_input_tokens`` and ``cache_creation_input_tokens`` at ``cache_control``
            breakpoints); ``usage`` still gives the output and reasoning tokens. Off by default.
        prompt_cache_minimum: The shortest prefix the modelled caches take (tokens).
        max_requests: Requests answered at most over the server's life (:meth:`clear` does not reset
            it); later ones get ``503``.
        max_lifetime_s: Seconds after :meth:`start` at which the server shuts itself down.
        host: IPv4 loopback address to bind (``127.0.0.0/8``).
        batch_polls: Retrieves of a batch that answer ``in_progress`` before it ends.
        rate_limit_above: Answer 429 to a chat or messages request arriving while this many are being
            handled (None: never).
        retry_after_s: The ``retry-after`` (seconds; also sent as ``retry-after-ms``) of those 429 replies.

    Attributes:
        batches: The :class:`~promptctl.testing.batches.BatchService` (uploaded files, created batches).
        rate_limited: 429 replies sent because of ``rate_limit_above``.

    Raises:
        ValueError: ``host`` is not an IPv4 loopback address.
    """

    def __init__(
        self,
        replies: ReplySource | Reply = ("Hello!",),
        *,
        usage: ServerUsage | Mapping[str, int] | None = None,
        latency_s: float = 0.0,
        faults: Iterable[FaultLike] = (),
        count_tokens: int | Callable[[dict[str, Any]], int] | None = None,
        prompt_cache: bool = False,
        prompt_cache_minimum: int = 1024,
        max_requests: int = 100_000,
        max_lifetime_s: float = 600.0,
        host: str = "127.0.0.1",
        batch_polls: int = 2,
        rate_limit_above: int | None = None,
        retry_after_s: float = 0.05,
    ) -> None:
        if not _is_ipv4_loopback(host):
            raise ValueError(f"the loopback server binds IPv4 loopback addresses (127.0.0.0/8) only, not {host!r}")
        self.replies = replies
        self.usage = usage  # the setter normalises
        self.latency_s = float(latency_s)
        self.count_tokens = count_tokens
        self.prompt_cache = PromptCache(minimum=prompt_cache_minimum) if prompt_cache else None
        self.max_requests = int(max_requests)
        self.max_lifetime_s = float(max_lifetime_s)
        self.host = host
        self._faults: deque[Fault] = deque()
        self.add_faults(*faults)
        self._lock = threading.Lock()
        self._requests: list[RecordedRequest] = []
        self._replies_used = 0
        self._total = 0
        self._seq = itertools.count(1)
        self._in_flight = 0
        self._max_in_flight = 0
        self._connections: set[socket.socket] = set()
        self._server: _HTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._timer: threading.Timer | None = None
        self.batches = BatchService(self._answer, polls=batch_polls)
        self.rate_limit_above = rate_limit_above
        self.retry_after_s = float(retry_after_s)
        self.rate_limited = 0

    # -- settings that may change while the server runs --------------------------------------
    @property
    def replies(self) -> ReplySource:
        """The reply script: a sequence of texts/faults, or a callable (a single text is wrapped)."""
        return self._replies

    @replies.setter
    def replies(self, value: ReplySource | Reply) -> None:
        self._replies: ReplySource = (value,) if isinstance(value, str | Fault | ScriptedReply) else value

    @property
    def usage(self) -> ServerUsage:
        """The usage reported on every reply (assign a :class:`ServerUsage` or a mapping of its fields)."""
        return self._usage

    @usage.setter
    def usage(self, value: ServerUsage | Mapping[str, int] | None) -> None:
        self._usage = value if isinstance(value, ServerUsage) else ServerUsage(**dict(value or {}))

    # -- lifecycle ---------------------------------------------------------------------------
    def start(self) -> LoopbackLLMServer:
        """Bind a free port and serve in a daemon thread.

        Returns:
            The server itself.
        """
        if self._server is not None:
            raise RuntimeError("the server is already running")
        server = _HTTPServer((self.host, 0), _Handler)
        server.owner = self
        self._server = server
        # stop() waits for the serving loop's next look at its shutdown flag: every 0.01 s (0.05 s cost a test suite
        # ~25 ms per server on average; a look costs microseconds)
        self._thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.01}, name="loopback-llm-server", daemon=True
        )
        self._thread.start()
        self._timer = threading.Timer(self.max_lifetime_s, self._expire)
        self._timer.daemon = True
        self._timer.start()
        return self

    def stop(self) -> None:
        """Stop serving, close open connections and the socket, and join the thread. Idempotent."""
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        self._shutdown()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def _expire(self) -> None:
        """The lifetime timer ran out: shut down as :meth:`stop` would (the thread ends by itself)."""
        self._shutdown()

    def _shutdown(self) -> None:
        with self._lock:
            server, self._server = self._server, None
            connections = list(self._connections)
        if server is None:
            return
        server.shutdown()
        server.server_close()
        for conn in connections:
            try:
                conn.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def __enter__(self) -> LoopbackLLMServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- addresses ---------------------------------------------------------------------------
    @property
    def port(self) -> int:
        """The bound TCP port."""
        if self._server is None:
            raise RuntimeError("the server is not running")
        return int(self._server.server_address[1])

    @property
    def url(self) -> str:
        """``http://127.0.0.1:PORT`` (no path)."""
        return f"http://{self.host}:{self.port}"

    @property
    def base_url(self) -> str:
        """The OpenAI base URL, ``http://127.0.0.1:PORT/v1``."""
        return self.url + "/v1"

    @property
    def anthropic_base_url(self) -> str:
        """The Anthropic base URL, ``http://127.0.0.1:PORT`` (the SDK adds ``/v1/messages``)."""
        return self.url

    def env(self, api_key: str = "sk-test") -> dict[str, str]:
        """Environment variables pointing both SDKs here.

        Args:
            api_key: Value for ``OPENAI_API_KEY`` and ``ANTHROPIC_API_KEY``.

        Returns:
            ``OPENAI_BASE_URL``, ``OPENAI_API_KEY``, ``ANTHROPIC_BASE_URL`` and ``ANTHROPIC_API_KEY``.
        """
        return {
            "OPENAI_BASE_URL": self.base_url,
            "OPENAI_API_KEY": api_key,
            "ANTHROPIC_BASE_URL": self.anthropic_base_url,
            "ANTHROPIC_API_KEY": api_key,
        }

    # -- scripting and inspection ------------------------------------------------------------
    def add_faults(self, *faults: FaultLike) -> None:
        """Queue responses to return before normal replies, one per request, in order.

        Args:
            *faults: :class:`Fault` objects or ``(status, headers, body)`` tuples.
        """
        for fault in faults:
            item = fault if isinstance(fault, Fault) else Fault(int(fault[0]), dict(fault[1] or {}), fault[2])
            self._faults.append(item)

    @property
    def pending_faults(self) -> int:
        """Queued faults not yet returned."""
        return len(self._faults)

    @property
    def requests(self) -> list[RecordedRequest]:
        """A snapshot of every request received so far, in arrival order."""
        with self._lock:
            return list(self._requests)

    @property
    def max_concurrent(self) -> int:
        """The largest number of requests that were being handled at the same time."""
        return self._max_in_flight

    def clear(self) -> None:
        """Forget recorded requests and restart the reply script (queued faults are kept)."""
        with self._lock:
            self._requests.clear()
            self._replies_used = 0
            self._max_in_flight = 0

    # -- request handling --------------------------------------------------------------------
    def _track(self, conn: socket.socket, *, add: bool) -> None:
        with self._lock:
            if add:
                self._connections.add(conn)
            else:
                self._connections.discard(conn)

    def _handle(self, handler: _Handler) -> None:
        parts = urlsplit(handler.path)
        path = parts.path.rstrip("/") or "/"
        raw = _read_body(handler)
        try:
            body = json.loads(raw) if raw else None
        except ValueError:
            body = None
        headers = {k.lower(): v for k, v in handler.headers.items()}
        record = RecordedRequest(handler.command, path, parts.query, headers, body, raw, time.monotonic())
        flavor = _flavor(handler.command, path)
        with self._lock:
            self._requests.append(record)
            self._total += 1
            count = self._total
            self._in_flight += 1
            self._max_in_flight = max(self._max_in_flight, self._in_flight)
            limited = (self.rate_limit_above is not None and flavor in ("chat", "messages")
                       and self._in_flight > self.rate_limit_above)
            self.rate_limited += limited
        try:
            request_id = f"{LOOPBACK_REQUEST_ID_PREFIX}{next(self._seq):06d}"
            id_header = "request-id" if flavor in ("messages", "count_tokens") else "x-request-id"
            if count > self.max_requests:
                _send_json(handler, 503, {"error": {"message": "loopback server request limit reached"}},
                           {id_header: request_id})
                return
            if limited:
                _send_fault(handler, self._rate_limit_fault(flavor), {id_header: request_id})
                return
            if flavor is None:
                routed = self.batches.route(handler.command, path, headers, raw, self.url)
                if routed is None:
                    _send_json(handler, 404, {"error": {"message": f"no route for {handler.command} {path}"}},
                               {id_header: request_id})
                elif isinstance(routed[1], bytes):
                    _send(handler, routed[0], routed[1], routed[2], {id_header: request_id})
                else:
                    _send_json(handler, routed[0], routed[1], {"request-id": request_id, "x-request-id": request_id})
                return
            if self.latency_s > 0:
                time.sleep(self.latency_s)
            fault = self._next_fault()
            if fault is None and flavor == "count_tokens":
                _send_json(handler, 200, {"input_tokens": self._count(body)}, {id_header: request_id})
                return
            if fault is None and isinstance(body, dict) and body.get("stream"):
                fault = Fault(400, {}, {"error": {"message": "the loopback server does not stream"}})
            if fault is None:
                reply = self._next_reply(body if isinstance(body, dict) else {})
                if isinstance(reply, Fault):
                    fault = reply
                else:
                    data = body if isinstance(body, dict) else {}
                    payload = (_chat_completion if flavor == "chat" else _message)(
                        request_id, data, reply, self._usage_of(flavor, data)
                    )
                    _send_json(handler, 200, payload, {id_header: request_id})
                    return
            _send_fault(handler, fault, {id_header: request_id})
        except OSError:  # the client went away mid-answer
            handler.close_connection = True
        except Exception as exc:  # a failing reply callable: answer 500 rather than hang the client
            try:
                _send_json(handler, 500, {"error": {"message": f"loopback server: {type(exc).__name__}: {exc}"}}, {})
            except OSError:
                handler.close_connection = True
        finally:
            with self._lock:
                self._in_flight -= 1

    def _usage_of(self, flavor: str, body: dict[str, Any]) -> ServerUsage:
        """The usage to report: ``usage``, with input and cache counts from the prompt cache when it is on."""
        if self.prompt_cache is None:
            return self.usage
        use = (self.prompt_cache.openai if flavor == "chat" else self.prompt_cache.anthropic)(body)
        return replace(self.usage, input_tokens=use.input_tokens, cached_input_tokens=use.cached_tokens,
                       cache_write_tokens=use.written_tokens)
    def _rate_limit_fault(self, flavor: str | None) -> Fault:
        headers = {"retry-after-ms": str(int(self.retry_after_s * 1000)), "retry-after": f"{self.retry_after_s:g}"}
        if flavor == "messages":
            return anthropic_error(429, "rate_limit_error", "Number of concurrent connections has exceeded your "
                                   "rate limit", retry_after_s=self.retry_after_s)
        return Fault(429, headers, {"error": {"message": "Rate limit reached for requests", "type": "requests",
                                              "param": None, "code": "rate_limit_exceeded"}})

    def _answer(self, api: str, body: dict[str, Any]) -> tuple[int, Any]:
        """One request of a batch answered as a direct call would be: ``(status, JSON payload)``."""
        request_id = f"{LOOPBACK_REQUEST_ID_PREFIX}{next(self._seq):06d}"
        reply = self._next_reply(body)
        if isinstance(reply, Fault):
            return reply.status, reply.body
        usage = self._usage_of(api, body)
        return 200, (_chat_completion if api == "chat" else _message)(request_id, body, reply, usage)

    def _next_fault(self) -> Fault | None:
        try:
            return self._faults.popleft()
        except IndexError:
            return None

    def _next_reply(self, body: dict[str, Any]) -> Reply:
        if callable(self.replies):
            return self.replies(body)
        with self._lock:
            index = self._replies_used
            self._replies_used += 1
        if not self.replies:
            return ""
        return self.replies[min(index, len(self.replies) - 1)]

    def _count(self, body: Any) -> int:
        if isinstance(self.count_tokens, int):
            return self.count_tokens
        if callable(self.count_tokens):
            return int(self.count_tokens(body if isinstance(body, dict) else {}))
        return _word_count(body)


def _is_ipv4_loopback(host: str) -> bool:
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    return address.version == 4 and address.is_loopback


def _flavor(method: str, path: str) -> str | None:
    if method != "POST":
        return None
    if path.endswith("/chat/completions"):
        return "chat"
    if path.endswith("/messages/count_tokens"):
        return "count_tokens"
    if path.endswith("/messages"):
        return "messages"
    return None


def _read_body(handler: _Handler) -> bytes:
    if handler.headers.get("transfer-encoding", "").lower() == "chunked":
        chunks: list[bytes] = []
        while True:
            size = int(handler.rfile.readline().split(b";")[0].strip() or b"0", 16)
            if size == 0:
                handler.rfile.readline()
                return b"".join(chunks)
            chunks.append(handler.rfile.read(size))
            handler.rfile.readline()
    length = int(handler.headers.get("content-length") or 0)
    return handler.rfile.read(length) if length else b""


def _send(handler: _Handler, status: int, data: bytes, content_type: str, headers: Mapping[str, str]) -> None:
    handler.send_response(status, _REASONS.get(status))
    handler.send_header("content-type", content_type)
    handler.send_header("content-length", str(len(data)))
    for name, value in headers.items():
        handler.send_header(name, value)
    handler.end_headers()
    handler.wfile.write(data)
    handler.wfile.flush()


def _send_json(handler: _Handler, status: int, payload: Any, headers: Mapping[str, str]) -> None:
    _send(handler, status, json.dumps(payload).encode("utf-8"), "application/json", headers)


def _send_fault(handler: _Handler, fault: Fault, default_headers: Mapping[str, str]) -> None:
    lower = {k.lower() for k in fault.headers}
    headers = {k: v for k, v in default_headers.items() if k.lower() not in lower}
    headers.update(fault.headers)
    if isinstance(fault.body, bytes | str):
        data = fault.body.encode("utf-8") if isinstance(fault.body, str) else fault.body
        _send(handler, fault.status, data, fault.content_type or "text/plain; charset=utf-8", headers)
    else:
        data = json.dumps(fault.body if fault.body is not None else {}).encode("utf-8")
        _send(handler, fault.status, data, fault.content_type or "application/json", headers)


def _tool_name(call: ToolCall, body: dict[str, Any]) -> str:
    """The tool a call names: its own, else the one ``tool_choice`` forces, else the first tool."""
    if call.name:
        return call.name
    choice = body.get("tool_choice")
    if isinstance(choice, dict):
        name = (choice.get("function") or {}).get("name") or choice.get("name")
        if name:
            return str(name)
    for tool in body.get("tools") or []:
        if isinstance(tool, dict):
            name = (tool.get("function") or {}).get("name") or tool.get("name")
            if name:
                return str(name)
    return "tool"


def _arguments_text(arguments: Any) -> str:
    return arguments if isinstance(arguments, str) else json.dumps(arguments)


def _chat_completion(
    request_id: str, body: dict[str, Any], reply: str | ScriptedReply, usage: ServerUsage
) -> dict[str, Any]:
    n = body.get("n") or 1
    scripted = reply if isinstance(reply, ScriptedReply) else ScriptedReply(text=reply)
    message: dict[str, Any] = {"role": "assistant", "content": scripted.text}
    if scripted.reasoning is not None:
        message["reasoning_content"] = scripted.reasoning
    usage = scripted.usage or usage
    finish = "stop"
    if scripted.tool_calls:
        message["tool_calls"] = [
            {
                "id": call.id or f"call_{request_id}_{k}",
                "type": "function",
                "function": {"name": _tool_name(call, body), "arguments": _arguments_text(call.arguments)},
            }
            for k, call in enumerate(scripted.tool_calls)
        ]
        finish = "tool_calls"
    choice: dict[str, Any] = {"message": message, "finish_reason": scripted.finish_reason or finish}
    if scripted.logprobs is not None:
        choice["logprobs"] = {
            "content": [
                {"token": token, "logprob": logprob, "bytes": list(token.encode("utf-8")), "top_logprobs": []}
                for token, logprob in scripted.logprobs
            ]
        }
    return {
        "id": f"chatcmpl-{request_id}",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": body.get("model") or "loopback-model",
        "choices": [{"index": i, **choice} for i in range(int(n))],
        "usage": usage.openai(),
    }


def _message(request_id: str, body: dict[str, Any], reply: str | ScriptedReply, usage: ServerUsage) -> dict[str, Any]:
    scripted = reply if isinstance(reply, ScriptedReply) else ScriptedReply(text=reply)
    content: list[dict[str, Any]] = []
    usage = scripted.usage or usage
    if scripted.reasoning is not None:
        content.append({"type": "thinking", "thinking": scripted.reasoning, "signature": "loopback-signature"})
    if scripted.text is not None or not (scripted.tool_calls or scripted.reasoning is not None):
        content.append({"type": "text", "text": scripted.text or ""})
    for k, call in enumerate(scripted.tool_calls):
        arguments = json.loads(call.arguments) if isinstance(call.arguments, str) else call.arguments
        content.append(
            {"type": "tool_use", "id": call.id or f"toolu_{request_id}_{k}", "name": _tool_name(call, body),
             "input": arguments}
        )
    return {
        "id": f"msg_{request_id}",
        "type": "message",
        "role": "assistant",
        "model": body.get("model") or "loopback-model",
        "content": content,
        "stop_reason": scripted.finish_reason or ("tool_use" if scripted.tool_calls else "end_turn"),
        "stop_sequence": None,
        "usage": usage.anthropic(),
    }


def _word_count(body: Any) -> int:
    if not isinstance(body, dict):
        return 0
    texts: list[str] = []

    def collect(content: Any) -> None:
        if isinstance(content, str):
            texts.append(content)
        elif isinstance(content, list):
            for block in content:
                if isinstance(block, dict) and isinstance(block.get("text"), str):
                    texts.append(block["text"])

    collect(body.get("system"))
    for message in body.get("messages") or []:
        if isinstance(message, dict):
            collect(message.get("content"))
    return sum(len(t.split()) for t in texts)
