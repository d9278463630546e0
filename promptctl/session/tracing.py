"""OpenTelemetry spans for every model call, run and comparison, with the GenAI semantic conventions.

Optional: ``pip install -e ".[otel]"`` (opentelemetry-sdk and the OTLP/HTTP exporter). Tracing is on when
``OTEL_EXPORTER_OTLP_ENDPOINT`` (or ``OTEL_EXPORTER_OTLP_TRACES_ENDPOINT``) is set, or when the program has
configured an OpenTelemetry SDK tracer provider of its own (library use); ``OTEL_SDK_DISABLED=true``
turns it off. Spans go through the standard OTLP/HTTP exporter, configured by the standard ``OTEL_*``
variables (endpoint, headers, timeout); the service name is ``OTEL_SERVICE_NAME`` or ``promptctl``.

What a span holds follows the OpenTelemetry semantic conventions for generative AI client spans
(https://opentelemetry.io/docs/specs/semconv/gen-ai/gen-ai-spans/, as of semantic conventions 1.37 and
later, where ``gen_ai.provider.name`` replaced ``gen_ai.system``; names checked against the
``opentelemetry-semantic-conventions`` package, schema 1.44.0):

- a call (span kind CLIENT, named ``chat MODEL``): ``gen_ai.operation.name`` (``chat``),
  ``gen_ai.provider.name`` (``openai``, ``anthropic``, ``ibm.watsonx.ai``), ``gen_ai.request.model``,
  ``gen_ai.request.temperature`` / ``top_p`` / ``max_tokens`` / ``seed`` / ``stop_sequences`` when sent,
  ``gen_ai.response.model``, ``gen_ai.response.id``, ``gen_ai.response.finish_reasons``,
  ``gen_ai.usage.input_tokens`` / ``output_tokens`` / ``cache_read.input_tokens`` /
  ``cache_creation.input_tokens`` / ``reasoning.output_tokens``, ``error.type`` on failure; and the prompt:
  ``gen_ai.prompt.name``, ``promptctl.prompt.version``, ``promptctl.prompt.sha256``, ``promptctl.prompt.ref``,
  plus ``promptctl.cost_usd`` (USD at list price), ``promptctl.call.tag`` and ``promptctl.call.step``;
- a run (``run NAME@VERSION``) and an A/B comparison (``ab ID``) are the parent spans of their calls.

Prompt and output text (``gen_ai.system_instructions``, ``gen_ai.input.messages``,
``gen_ai.output.messages``) are included only when asked: ``OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT=true``
for live spans (the variable OpenTelemetry's own GenAI instrumentations read), ``--include-content`` for
``promptctl log export --otlp``. Credentials never are: a request body holds none, no header is read,
and error texts and the included texts are redacted (:func:`promptctl.redaction.redact`).
"""

from __future__ import annotations

import json
import logging
import os
import sys
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from typing import TYPE_CHECKING, Any

from promptctl.redaction import redact, redact_all
from promptctl.session.layers import Layer, call_row

if TYPE_CHECKING:
    from promptctl.providers.base import Transport
    from promptctl.registry.registry import PromptVersion
    from promptctl.types import Completion, Exchange, ProviderRequest

ENDPOINT_VARIABLES = ("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "OTEL_EXPORTER_OTLP_ENDPOINT")
CONTENT_VARIABLE = "OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT"
SCHEMA_URL = "https://opentelemetry.io/schemas/1.44.0"
PROVIDER_NAMES = {"openai": "openai", "anthropic": "anthropic", "watsonx": "ibm.watsonx.ai", "fake": "promptctl.fake"}
"""``gen_ai.provider.name`` of each promptctl provider (the convention's well-known values; ``fake`` is ours)."""

_REQUEST_PARAMETERS = {
    "temperature": "gen_ai.request.temperature", "top_p": "gen_ai.request.top_p", "top_k": "gen_ai.request.top_k",
    "max_tokens": "gen_ai.request.max_tokens", "max_completion_tokens": "gen_ai.request.max_tokens",
    "max_new_tokens": "gen_ai.request.max_tokens", "seed": "gen_ai.request.seed",
    "frequency_penalty": "gen_ai.request.frequency_penalty", "presence_penalty": "gen_ai.request.presence_penalty",
    "stop": "gen_ai.request.stop_sequences", "stop_sequences": "gen_ai.request.stop_sequences",
}
_USAGE = {
    "input_tokens": "gen_ai.usage.input_tokens", "output_tokens": "gen_ai.usage.output_tokens",
    "cached_input_tokens": "gen_ai.usage.cache_read.input_tokens",
    "cache_write_tokens": "gen_ai.usage.cache_creation.input_tokens",
    "reasoning_tokens": "gen_ai.usage.reasoning.output_tokens",
}

_state: dict[str, Any] = {}
_prompt: ContextVar[Mapping[str, Any] | None] = ContextVar("promptctl_trace_prompt", default=None)


# -- attributes (live spans and export share them) --------------------------------------------------------
def prompt_attributes(name: str, version: int | None, sha256: str | None, ref: str | None) -> dict[str, Any]:
    """The prompt's attributes: ``gen_ai.prompt.name`` and promptctl's version, sha256 and reference."""
    out: dict[str, Any] = {"gen_ai.prompt.name": name}
    if version is not None:
        out["promptctl.prompt.version"] = int(version)
    if sha256:
        out["promptctl.prompt.sha256"] = sha256
    if ref:
        out["promptctl.prompt.ref"] = ref
    return out


def call_attributes(row: Mapping[str, Any], *, content: bool = False) -> dict[str, Any]:
    """The GenAI attributes of one call from its ``calls`` row shape (:func:`promptctl.session.call_row`).

    Args:
        row: A call row (live, or read from the run store).
        content: Add the messages sent and the output (opt-in).

    Returns:
        Attribute name -> value (str, int, float, bool or a list of str), without None values.
    """
    provider = str(row.get("provider") or "")
    raw = row.get("request")
    body: Mapping[str, Any] = raw if isinstance(raw, Mapping) else {}
    out: dict[str, Any] = {
        "gen_ai.operation.name": "chat",
        "gen_ai.provider.name": PROVIDER_NAMES.get(provider, provider),
        "gen_ai.request.model": row.get("model"),
        "gen_ai.response.model": row.get("response_model"),
        "gen_ai.response.id": row.get("request_id"),
        "promptctl.cost_usd": row.get("cost_usd"),
        "promptctl.call.cached": bool(row.get("cached")),
        "promptctl.call.tag": row.get("tag"),
        "promptctl.call.step": row.get("step"),
    }
    nested = body.get("parameters")  # watsonx's chat body keeps them at the top too; its generate body nests them
    parameters = {**body, **(nested if isinstance(nested, Mapping) else {})}
    for key, name in _REQUEST_PARAMETERS.items():
        value = parameters.get(key)
        if isinstance(value, str) and name.endswith("stop_sequences"):
            value = [value]
        if isinstance(value, bool) or value is None or not isinstance(value, int | float | list):
            continue
        out[name] = [str(v) for v in value] if isinstance(value, list) else value
    if row.get("error") is None:
        for key, name in _USAGE.items():
            if row.get(key) is not None:
                out[name] = int(row[key])
        if row.get("finish_reason"):
            out["gen_ai.response.finish_reasons"] = [str(row["finish_reason"])]
    if content:
        out.update(content_attributes(body, row.get("output"), row.get("finish_reason")))
    return {k: v for k, v in out.items() if v is not None}


def content_attributes(body: Mapping[str, Any], output: str | None, finish_reason: str | None) -> dict[str, str]:
    """``gen_ai.system_instructions``, ``gen_ai.input.messages`` and ``gen_ai.output.messages`` as JSON strings.

    The shapes are the convention's: ``[{"role": ..., "parts": [{"type": "text", "content": ...}]}]``. The texts
    are redacted (:func:`promptctl.redaction.redact_all`): a credential pasted into a variable (a support
    ticket quoting its API key) or echoed by the model leaves as ``***`` like in every other output.
    """
    system = body.get("system")
    raw = body.get("messages")
    messages: list[Any] = raw if isinstance(raw, list) else []
    out: dict[str, str] = {}
    if system:
        out["gen_ai.system_instructions"] = json.dumps(redact_all(_parts(system)), ensure_ascii=False)
    out["gen_ai.input.messages"] = json.dumps(redact_all(
        [{"role": m.get("role"), "parts": _parts(m.get("content"))} for m in messages if isinstance(m, Mapping)]),
        ensure_ascii=False)
    if output is not None:
        message: dict[str, Any] = {"role": "assistant", "parts": [{"type": "text", "content": output}]}
        if finish_reason:
            message["finish_reason"] = finish_reason
        out["gen_ai.output.messages"] = json.dumps(redact_all([message]), ensure_ascii=False)
    return out


def _parts(content: Any) -> list[dict[str, Any]]:
    if isinstance(content, str):
        return [{"type": "text", "content": content}]
    parts: list[dict[str, Any]] = []
    for block in content if isinstance(content, list) else []:
        if isinstance(block, Mapping) and isinstance(block.get("text"), str):
            parts.append({"type": "text", "content": block["text"]})
        elif isinstance(block, Mapping):
            parts.append({"type": str(block.get("type") or "unknown")})  # images, documents: kind only
    return parts


def error_type(error: BaseException) -> str:
    """``error.type``: the HTTP status for a provider's refusal, else the error's class name."""
    status = getattr(error, "status", None)
    return str(status) if status else type(error).__name__


# -- the live tracer ----------------------------------------------------------------------------------------
def enabled() -> bool:
    """True when an OTLP endpoint is configured (and the SDK is not disabled)."""
    if os.environ.get("OTEL_SDK_DISABLED", "").strip().lower() == "true":
        return False
    return any(os.environ.get(name) for name in ENDPOINT_VARIABLES)


def content_enabled() -> bool:
    """True when live spans may carry prompt and output text (:data:`CONTENT_VARIABLE` is ``true``)."""
    return os.environ.get(CONTENT_VARIABLE, "").strip().lower() == "true"


def tracer() -> Any:
    """The OpenTelemetry tracer of promptctl, or None when tracing is off (nothing is imported then).

    With an OTLP endpoint configured, promptctl makes its own SDK tracer provider with a batch processor and
    the OTLP/HTTP exporter (flushed at exit), unless the program set an SDK provider globally, which is used.

    Raises:
        InputError: An endpoint is configured but the ``otel`` extra is not installed (exit 2).
    """
    if "tracer" in _state:
        return _state["tracer"]
    found = None
    if enabled():
        found = _own_tracer()
    elif "opentelemetry.sdk.trace" in sys.modules:  # the program configured OpenTelemetry itself
        from opentelemetry import trace
        from opentelemetry.sdk.trace import TracerProvider

        provider = trace.get_tracer_provider()
        if isinstance(provider, TracerProvider):
            found = provider.get_tracer("promptctl", _version(), schema_url=SCHEMA_URL)
    _state["tracer"] = found
    return found


def _own_tracer() -> Any:
    try:
        from opentelemetry import trace
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
        from opentelemetry.sdk.resources import Resource
        from opentelemetry.sdk.trace import TracerProvider
        from opentelemetry.sdk.trace.export import BatchSpanProcessor
    except ImportError:
        from promptctl.errors import InputError

        raise InputError(
            "OTEL_EXPORTER_OTLP_ENDPOINT is set but OpenTelemetry is not installed",
            hint="pip install opentelemetry-sdk opentelemetry-exporter-otlp-proto-http (or pip install -e "
                 "\".[otel]\" in a clone of promptctl), or unset OTEL_EXPORTER_OTLP_ENDPOINT",
        ) from None
    provider = trace.get_tracer_provider()
    if not isinstance(provider, TracerProvider):
        resource = Resource.create({"service.name": os.environ.get("OTEL_SERVICE_NAME") or "promptctl",
                                    "service.version": _version()})
        heard = ExporterLog()
        heard.start()
        import atexit

        atexit.register(_report_lost_spans, heard)  # before the provider's own exit hook: so it runs after it
        _state["heard"] = heard
        provider = TracerProvider(resource=resource)
        provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))
        _state["provider"] = provider
    return provider.get_tracer("promptctl", _version(), schema_url=SCHEMA_URL)


def _report_lost_spans(heard: ExporterLog) -> None:
    """At exit, after the provider's last flush: one warning when the collector did not take the spans."""
    heard.stop()
    reason = heard.reason()
    if reason:
        from promptctl.redaction import redact

        endpoint = redact(os.environ.get("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT")
                          or os.environ.get("OTEL_EXPORTER_OTLP_ENDPOINT") or "?")
        sys.stderr.write(f"warning: OpenTelemetry: the collector at {endpoint} did not take this command's spans "
                         f"({reason}); the runs are in the run store: send them with promptctl log export --otlp\n")


def _version() -> str:
    from promptctl import __version__

    return __version__


def flush(timeout_s: float = 10.0) -> bool:
    """Send the spans promptctl's own provider still holds (exit does it too); True when all were sent."""
    provider = _state.get("provider")
    return bool(provider.force_flush(int(timeout_s * 1000))) if provider is not None else True


def reset() -> None:
    """Flush and forget the tracer, so the next :func:`tracer` reads the environment again (tests)."""
    provider = _state.pop("provider", None)
    if provider is not None:
        provider.shutdown()
    heard = _state.pop("heard", None)
    if heard is not None:
        import atexit

        atexit.unregister(_report_lost_spans)
        heard.stop()
    _state.clear()


@contextmanager
def span(name: str, attributes: Mapping[str, Any], *, prompt: Mapping[str, Any] | None = None) -> Iterator[Any]:
    """A parent span (a run, a comparison) around the calls made inside it; a no-op when tracing is off.

    Args:
        name: Span name (``run q@2``, ``ab 1a2b3c4d5e6f``).
        attributes: Its attributes (None values are left out).
        prompt: Prompt attributes (:func:`prompt_attributes`) the call spans inside it carry too.

    Yields:
        The span (set more attributes on it), or None.
    """
    current = tracer()
    if current is None:
        yield None
        return
    token = _prompt.set(prompt) if prompt is not None else None
    values = {k: v for k, v in {**(prompt or {}), **attributes}.items() if v is not None}
    try:
        with current.start_as_current_span(name, attributes=values, record_exception=False,
                                           set_status_on_exception=False) as opened:
            try:
                yield opened
            except BaseException as exc:
                set_error(opened, exc)
                raise
    finally:
        if token is not None:
            _prompt.reset(token)


def set_error(opened: Any, error: BaseException) -> None:
    """Mark ``opened`` (a span or None) as failed with ``error.type`` and the redacted error text."""
    if opened is None:
        return
    from opentelemetry.trace import Status, StatusCode

    opened.set_attribute("error.type", error_type(error))
    opened.set_status(Status(StatusCode.ERROR, redact(str(error))[:500]))


@contextmanager
def run_span(version: PromptVersion, request: ProviderRequest, strategy: str, run_id: str | None,
             origin: str) -> Iterator[Any]:
    """The OpenTelemetry span of one run (``run NAME@VERSION``), parent of its calls; a no-op when tracing is off."""
    if tracer() is None:
        yield None
        return
    prompt = prompt_attributes(version.name, version.number, version.sha256, version.ref)
    with span(f"run {version.name}@{version.number}", {
        "gen_ai.operation.name": "chat", "gen_ai.provider.name": PROVIDER_NAMES.get(request.provider, request.provider),
        "gen_ai.request.model": request.model, "promptctl.run.id": run_id, "promptctl.strategy": strategy,
        "promptctl.origin": origin, "promptctl.prompt.draft": bool(version.is_draft),
    }, prompt=prompt) as opened:
        yield opened


def finish_run_span(opened: Any, usage: Any, cost_usd: float | None, status: str = "ok") -> None:
    """Set a run span's totals: ``gen_ai.usage.*`` of all its calls, ``promptctl.cost_usd``, ``promptctl.status``."""
    if opened is None:
        return
    values = {name: int(getattr(usage, key, 0) or 0) for key, name in _USAGE.items()}
    opened.set_attributes({**values, "promptctl.status": status,
                           **({"promptctl.cost_usd": cost_usd} if cost_usd is not None else {})})


class Trace(Layer):
    """One CLIENT span per call that reaches a provider (below ``Limit``: queueing is not call time).

    Args:
        inner: The transport below.
        tracer: An OpenTelemetry tracer (:func:`tracer`).
        content: Include the messages and the output (opt-in).
    """

    def __init__(self, inner: Transport, tracer: Any, content: bool = False) -> None:
        super().__init__(inner)
        self.tracer = tracer
        self.content = content

    async def send(self, exchange: Exchange) -> Completion:
        """Send the call inside its span; set the reply's attributes or the error."""
        request = exchange.request
        start = {**(_prompt.get() or {}), **call_attributes(
            {"provider": request.provider, "model": request.model, "request": request.body, "tag": exchange.tag,
             "step": exchange.step, "error": "pending"})}
        from opentelemetry.trace import SpanKind

        with self.tracer.start_as_current_span(f"chat {request.model}", kind=SpanKind.CLIENT, attributes=start,
                                               record_exception=False, set_status_on_exception=False) as opened:
            try:
                completion = await self.inner.send(exchange)
            except BaseException as exc:  # a provider's refusal, a time limit, a cancellation
                set_error(opened, exc)
                raise
            opened.set_attributes(call_attributes(call_row(exchange, completion, None), content=self.content))
            return completion


class ExporterLog(logging.Handler):
    """Takes the OTLP exporter's log lines: its retries are not printed one per line.

    The exporter logs each transient failure and its retry delay, then the failure, through :mod:`logging`
    (shown on stderr by logging's last-resort handler). promptctl reports the outcome itself: ``log export`` in
    its one error line, a traced run in one warning at exit (:func:`_own_tracer`), each naming the last reason
    heard (redacted).
    """

    _LOGGER = "opentelemetry.exporter.otlp"

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.messages: list[str] = []
        self._saved: tuple[int, bool] | None = None

    def emit(self, record: logging.LogRecord) -> None:
        """Keep the record's message."""
        self.messages.append(record.getMessage())

    def reason(self) -> str:
        """The first line of the last transient error heard (connection refused, a status code), redacted."""
        import re

        from promptctl.redaction import redact

        for wanted in ("code:", "Transient error", "Failed to export"):
            for message in reversed(self.messages):
                if wanted in message:
                    errno = re.search(r"\[Errno -?\d+\] ([^\"')]+)", message)
                    return redact(errno.group(1) if errno else message.splitlines()[0])[:300].strip()
        return ""

    def start(self) -> None:
        """Route the exporter's logger here (and nowhere else) until :meth:`stop`."""
        logger = logging.getLogger(self._LOGGER)
        self._saved = (logger.level, logger.propagate)
        logger.addHandler(self)
        logger.setLevel(logging.DEBUG)
        logger.propagate = False

    def stop(self) -> None:
        """Give the exporter's logger back its handlers and level."""
        logger = logging.getLogger(self._LOGGER)
        logger.removeHandler(self)
        if self._saved is not None:
            logger.level, logger.propagate = self._saved
