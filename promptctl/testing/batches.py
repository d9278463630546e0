"""The loopback server's batch endpoints: OpenAI Files + Batch API and Anthropic Message Batches.

Wire formats follow the SDKs' own types (openai 3.3.0 ``types/batch.py``, ``types/file_object.py``,
``types/batch_create_params.py``; anthropic 2.14.0 ``types/messages/message_batch.py``,
``message_batch_individual_response.py``) and the API references' result lines:

- ``POST .../files`` (multipart: ``file``, ``purpose``): a ``FileObject``.
- ``POST .../batches`` (``input_file_id``, ``endpoint``, ``completion_window``, ``metadata``): a ``Batch``,
  ``in_progress``; ``GET .../batches`` lists them (newest first); ``GET .../batches/{id}`` answers
  ``in_progress`` for the server's ``batch_polls`` retrieves, then ``completed`` with ``output_file_id``
  (and ``error_file_id`` when a request failed). ``GET .../files/{id}/content`` serves a file's bytes.
  Output lines: ``{"id", "custom_id", "response": {"status_code", "request_id", "body"}, "error": null}``.
- ``POST .../messages/batches`` (``requests: [{custom_id, params}]``): a ``MessageBatch``, ``in_progress``;
  ``GET .../messages/batches/{id}`` answers ``in_progress`` for ``batch_polls`` retrieves, then ``ended``
  with ``results_url`` on this server; ``GET .../messages/batches/{id}/results`` serves JSONL lines
  ``{"custom_id", "result": {"type": "succeeded", "message"} | {"type": "errored", "error"}}``.

Each request of a batch is answered when the batch ends, by the server's reply script, exactly as a direct
call with the same body would be (a :class:`~promptctl.testing.server.Fault` reply makes that item fail).
"""

from __future__ import annotations

import email.parser
import email.policy
import itertools
import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

Answer = Callable[[str, dict[str, Any]], tuple[int, Any]]
"""``answer(api, body) -> (status, payload)``: the server's reply to one request (``api`` ``chat``/``messages``)."""


@dataclass
class _Batch:
    id: str
    api: str  # "openai" or "anthropic"
    requests: list[tuple[str, dict[str, Any]]]
    created: float
    metadata: dict[str, Any] | None = None
    input_file_id: str | None = None
    polls: int = 0
    output_file_id: str | None = None
    error_file_id: str | None = None
    results: list[dict[str, Any]] = field(default_factory=list)
    ended: float | None = None


class BatchService:
    """Files and batches of a :class:`~promptctl.testing.server.LoopbackLLMServer` (thread-safe).

    Args:
        answer: Answers one request of a batch as the server would answer it directly.
        polls: Retrieves that answer ``in_progress`` before a batch ends.
    """

    def __init__(self, answer: Answer, polls: int = 2) -> None:
        self.answer = answer
        self.polls = polls
        self.files: dict[str, bytes] = {}
        self.batches: dict[str, _Batch] = {}
        self._ids = itertools.count(1)
        self._lock = threading.Lock()

    # -- routing ---------------------------------------------------------------------------------
    def route(self, method: str, path: str, headers: dict[str, str], raw: bytes, base: str,
              ) -> tuple[int, Any, str] | None:
        """Serve a batch route: ``(status, payload, content type)``, or None when the path is not one.

        ``payload`` is JSON-ready data for ``application/json``, else bytes.
        """
        parts = path.rstrip("/").split("/")
        if path.endswith("/messages/batches") or "/messages/batches/" in path:
            return self._anthropic(method, parts, raw, base)
        if method == "POST" and path.endswith("/files"):
            return self._upload(headers, raw)
        if method == "GET" and len(parts) >= 3 and parts[-3] == "files" and parts[-1] == "content":
            content = self.files.get(parts[-2])
            if content is None:
                return 404, _openai_error(f"no file {parts[-2]}"), "application/json"
            return 200, content, "application/jsonl"
        if path.endswith("/batches") and method == "POST":
            return self._openai_create(raw)
        if path.endswith("/batches") and method == "GET":
            with self._lock:
                listed = [self._openai_batch(b) for b in reversed(self.batches.values()) if b.api == "openai"]
            return 200, {"object": "list", "data": listed, "has_more": False,
                         "first_id": listed[0]["id"] if listed else None,
                         "last_id": listed[-1]["id"] if listed else None}, "application/json"
        if method == "GET" and len(parts) >= 2 and parts[-2] == "batches":
            batch = self.batches.get(parts[-1])
            if batch is None or batch.api != "openai":
                return 404, _openai_error(f"no batch {parts[-1]}"), "application/json"
            self._poll(batch)
            return 200, self._openai_batch(batch), "application/json"
        return None

    # -- OpenAI ----------------------------------------------------------------------------------
    def _upload(self, headers: dict[str, str], raw: bytes) -> tuple[int, Any, str]:
        message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(
            b"content-type: " + headers.get("content-type", "").encode("latin-1") + b"\r\n\r\n" + raw)
        fields: dict[str, tuple[str | None, bytes]] = {}
        for part in message.iter_parts() if message.is_multipart() else ():
            name = part.get_param("name", header="content-disposition")
            payload = part.get_payload(decode=True)
            if isinstance(name, str) and isinstance(payload, bytes):
                fields[name] = (part.get_filename(), payload)
        if "file" not in fields:
            return 400, _openai_error("the upload has no file part"), "application/json"
        purpose = fields.get("purpose", (None, b""))[1].decode()
        file_id = f"file-loopback{next(self._ids):05d}"
        filename, data = fields["file"]
        with self._lock:
            self.files[file_id] = data
        return 200, {"id": file_id, "object": "file", "bytes": len(data), "created_at": int(time.time()),
                     "filename": filename or "upload.jsonl", "purpose": purpose, "status": "processed"}, \
            "application/json"

    def _openai_create(self, raw: bytes) -> tuple[int, Any, str]:
        body = _json(raw)
        file_id = body.get("input_file_id")
        data = self.files.get(str(file_id))
        if data is None:
            return 400, _openai_error(f"no input file {file_id}"), "application/json"
        if body.get("endpoint") != "/v1/chat/completions" or body.get("completion_window") != "24h":
            return 400, _openai_error("endpoint must be /v1/chat/completions, completion_window 24h"), \
                "application/json"
        requests = []
        for line in data.decode("utf-8").splitlines():
            if line.strip():
                item = json.loads(line)
                if item.get("method") != "POST" or item.get("url") != "/v1/chat/completions":
                    return 400, _openai_error(f"bad request line {item.get('custom_id')}"), "application/json"
                requests.append((str(item["custom_id"]), item["body"]))
        if len({c for c, _ in requests}) != len(requests):
            return 400, _openai_error("custom_id values must be unique within a batch"), "application/json"
        batch = _Batch(f"batch_loopback{next(self._ids):05d}", "openai", requests, time.time(),
                       metadata=body.get("metadata"), input_file_id=str(file_id))
        with self._lock:
            self.batches[batch.id] = batch
        return 200, self._openai_batch(batch), "application/json"

    def _openai_batch(self, batch: _Batch) -> dict[str, Any]:
        ended = batch.ended is not None
        failed = sum(1 for r in batch.results if r["response"]["status_code"] != 200)
        return {
            "id": batch.id, "object": "batch", "endpoint": "/v1/chat/completions", "completion_window": "24h",
            "input_file_id": batch.input_file_id, "created_at": int(batch.created),
            "status": "completed" if ended else "in_progress", "metadata": batch.metadata,
            "output_file_id": batch.output_file_id, "error_file_id": batch.error_file_id,
            "completed_at": int(batch.ended) if batch.ended else None,
            "expires_at": int(batch.created + 86400),
            "request_counts": {"total": len(batch.requests), "completed": len(batch.results) - failed if ended else 0,
                               "failed": failed if ended else 0},
        }

    # -- Anthropic -------------------------------------------------------------------------------
    def _anthropic(self, method: str, parts: list[str], raw: bytes, base: str) -> tuple[int, Any, str]:
        if method == "POST" and parts[-1] == "batches":
            body = _json(raw)
            requests = [(str(r["custom_id"]), r["params"]) for r in body.get("requests") or []]
            if not requests or len({c for c, _ in requests}) != len(requests):
                return 400, _anthropic_error("requests must be non-empty with unique custom_id values"), \
                    "application/json"
            batch = _Batch(f"msgbatch_loopback{next(self._ids):05d}", "anthropic", requests, time.time())
            with self._lock:
                self.batches[batch.id] = batch
            return 200, self._message_batch(batch, base), "application/json"
        results = parts[-1] == "results"
        found = self.batches.get(parts[-2] if results else parts[-1])
        if method != "GET" or found is None or found.api != "anthropic":
            return 404, _anthropic_error("no such message batch"), "application/json"
        if results:
            if found.ended is None:
                return 400, _anthropic_error("the batch has not ended"), "application/json"
            lines = "".join(json.dumps(r) + "\n" for r in found.results)
            return 200, lines.encode("utf-8"), "application/binary"
        self._poll(found)
        return 200, self._message_batch(found, base), "application/json"

    def _message_batch(self, batch: _Batch, base: str) -> dict[str, Any]:
        ended = batch.ended
        kinds = [r["result"]["type"] for r in batch.results]
        created = datetime.fromtimestamp(batch.created, UTC)
        return {
            "id": batch.id, "type": "message_batch",
            "processing_status": "ended" if ended is not None else "in_progress",
            "request_counts": {"processing": 0 if ended is not None else len(batch.requests),
                               "succeeded": kinds.count("succeeded"), "errored": kinds.count("errored"),
                               "canceled": kinds.count("canceled"), "expired": kinds.count("expired")},
            "created_at": created.isoformat().replace("+00:00", "Z"),
            "expires_at": (created + timedelta(hours=24)).isoformat().replace("+00:00", "Z"),
            "ended_at": datetime.fromtimestamp(ended, UTC).isoformat().replace("+00:00", "Z") if ended else None,
            "archived_at": None, "cancel_initiated_at": None,
            "results_url": f"{base}/v1/messages/batches/{batch.id}/results" if ended is not None else None,
        }

    # -- processing ------------------------------------------------------------------------------
    def _poll(self, batch: _Batch) -> None:
        """Count a retrieve; the one after ``polls`` retrieves answers every request and ends the batch."""
        with self._lock:
            batch.polls += 1
            if batch.ended is not None or batch.polls <= self.polls:
                return
        results: list[dict[str, Any]] = []
        for n, (custom_id, body) in enumerate(batch.requests):
            status, payload = self.answer("chat" if batch.api == "openai" else "messages", body)
            request_id = f"req_loopback_batch_{batch.id}_{n:06d}"
            if batch.api == "openai":
                results.append({"id": f"batch_req_{batch.id}_{n}", "custom_id": custom_id,
                                "response": {"status_code": status, "request_id": request_id, "body": payload},
                                "error": None})
            elif status == 200:
                results.append({"custom_id": custom_id, "result": {"type": "succeeded", "message": payload}})
            else:
                error = payload if isinstance(payload, dict) and payload.get("type") == "error" else \
                    _anthropic_error(f"HTTP {status}")
                results.append({"custom_id": custom_id, "result": {"type": "errored", "error": error}})
        with self._lock:
            batch.results = results
            if batch.api == "openai":
                ok = [r for r in results if r["response"]["status_code"] == 200]
                bad = [r for r in results if r["response"]["status_code"] != 200]
                batch.output_file_id = self._file(ok)
                batch.error_file_id = self._file(bad) if bad else None
            batch.ended = time.time()

    def _file(self, lines: list[dict[str, Any]]) -> str:
        file_id = f"file-loopback{next(self._ids):05d}"
        self.files[file_id] = "".join(json.dumps(line) + "\n" for line in lines).encode("utf-8")
        return file_id


def _json(raw: bytes) -> dict[str, Any]:
    try:
        value = json.loads(raw) if raw else {}
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def _openai_error(message: str) -> dict[str, Any]:
    return {"error": {"message": message, "type": "invalid_request_error", "param": None, "code": None}}


def _anthropic_error(message: str) -> dict[str, Any]:
    return {"type": "error", "error": {"type": "invalid_request_error", "message": message}}
