"""A loopback OTLP/HTTP trace receiver that decodes what it is sent (``opentelemetry-proto``), for tests.

It answers ``POST /v1/traces`` (protobuf, optionally gzip) like a collector, decodes each
``ExportTraceServiceRequest`` with the OpenTelemetry protocol's own generated classes, and keeps every span
as a :class:`ReceivedSpan` and every request body as bytes (to search for what must not be there).

Example::

    with OTLPReceiver() as receiver:
        os.environ["OTEL_EXPORTER_OTLP_ENDPOINT"] = receiver.endpoint   # http://127.0.0.1:PORT
        ...
        receiver.spans[0].attributes["gen_ai.request.model"]
"""

from __future__ import annotations

import gzip
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class ReceivedSpan:
    """One decoded span.

    Attributes:
        name: Span name.
        trace_id, span_id, parent_span_id: Hex ids (``parent_span_id`` empty for a root span).
        kind: ``SPAN_KIND_CLIENT``, ``SPAN_KIND_INTERNAL`` ...
        attributes: Attribute name -> Python value (str, int, float, bool, or a list of them).
        status: ``STATUS_CODE_UNSET``, ``STATUS_CODE_OK`` or ``STATUS_CODE_ERROR``.
        status_message: The status description.
        start_ns, end_ns: Start and end (nanoseconds since the epoch).
        resource: The resource's attributes (``service.name`` ...).
        scope: The instrumentation scope's name.
    """

    name: str
    trace_id: str
    span_id: str
    parent_span_id: str
    kind: str
    attributes: dict[str, Any]
    status: str
    status_message: str
    start_ns: int
    end_ns: int
    resource: dict[str, Any] = field(default_factory=dict)
    scope: str = ""


def _value(any_value: Any) -> Any:
    kind = any_value.WhichOneof("value")
    if kind == "array_value":
        return [_value(v) for v in any_value.array_value.values]
    if kind == "kvlist_value":
        return {kv.key: _value(kv.value) for kv in any_value.kvlist_value.values}
    return getattr(any_value, kind) if kind else None


def decode(body: bytes) -> list[ReceivedSpan]:
    """The spans of one OTLP/HTTP protobuf ``ExportTraceServiceRequest`` body."""
    from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
    from opentelemetry.proto.trace.v1.trace_pb2 import Span, Status

    request = ExportTraceServiceRequest()
    request.ParseFromString(body)
    spans: list[ReceivedSpan] = []
    for resource_spans in request.resource_spans:
        resource = {kv.key: _value(kv.value) for kv in resource_spans.resource.attributes}
        for scope_spans in resource_spans.scope_spans:
            for s in scope_spans.spans:
                spans.append(ReceivedSpan(
                    name=s.name, trace_id=s.trace_id.hex(), span_id=s.span_id.hex(),
                    parent_span_id=s.parent_span_id.hex(), kind=Span.SpanKind.Name(s.kind),
                    attributes={kv.key: _value(kv.value) for kv in s.attributes},
                    status=Status.StatusCode.Name(s.status.code), status_message=s.status.message,
                    start_ns=s.start_time_unix_nano, end_ns=s.end_time_unix_nano, resource=resource,
                    scope=scope_spans.scope.name,
                ))
    return spans


class OTLPReceiver:
    """The receiver, on ``127.0.0.1`` and a free port, in a background thread.

    Attributes:
        endpoint: ``http://127.0.0.1:PORT``: the value for ``OTEL_EXPORTER_OTLP_ENDPOINT`` (the exporter adds
            ``/v1/traces``).
        spans: Every span received, in order.
        bodies: Every request body received (decompressed).
        paths: The path of every request.
    """

    def __init__(self) -> None:
        self.spans: list[ReceivedSpan] = []
        self.bodies: list[bytes] = []
        self.paths: list[str] = []
        self._lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - the http.server API
                from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceResponse

                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                if self.headers.get("Content-Encoding") == "gzip":
                    body = gzip.decompress(body)
                with receiver._lock:
                    receiver.paths.append(self.path)
                    receiver.bodies.append(body)
                    if self.path == "/v1/traces":
                        receiver.spans.extend(decode(body))
                status = 200 if self.path == "/v1/traces" else 404
                reply = ExportTraceServiceResponse().SerializeToString() if status == 200 else b""
                self.send_response(status)
                self.send_header("Content-Type", "application/x-protobuf")
                self.send_header("Content-Length", str(len(reply)))
                self.end_headers()
                self.wfile.write(reply)

            def log_message(self, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.endpoint = f"http://127.0.0.1:{self._server.server_address[1]}"
        # a short poll: shutdown() waits for the serving loop's next look (0.5 s by default, on every __exit__)
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.01},
                                        daemon=True)

    def __enter__(self) -> OTLPReceiver:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()

    def named(self, prefix: str) -> list[ReceivedSpan]:
        """The spans whose name starts with ``prefix``."""
        return [s for s in self.spans if s.name.startswith(prefix)]
