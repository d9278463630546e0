"""Batch mode: the calls of a piece of work are sent through the providers' batch APIs, at the batch price.

``ab --batch``, ``eval --batch``, ``snapshot record --batch`` and ``snapshot check --live --batch`` give their
session a :class:`Batcher`; the session then puts a :class:`BatchLayer` where the provider call would be
(``... -> Price -> Validate -> Batch -> Limit -> provider``). Executors, judges and the recorder see no
difference: ``ctx.call(request)`` simply takes longer to return.

How calls become batches:

1. Each call that reaches the layer (a cache miss, within the budget) waits in the batcher's queue for its
   provider. Once no new call has arrived for :attr:`Batcher.settle_s` (every case, trial, self-consistency
   sample and judge call that can be sent now is queued), the queue is split at the provider's limits
   (:class:`~promptctl.providers.base.BatchLimits`: OpenAI 50,000 requests / 200 MB and one model per batch;
   Anthropic 100,000 requests / 256 MB) and each part is submitted as one batch. Calls that only exist once
   earlier answers are in (a judge scoring an output, the next step of a chain) go in a later batch.
2. Before anything is sent, the batch and the fingerprints of its requests are written to the run store
   (:mod:`promptctl.store.batches`); the provider's batch id is written as soon as the provider returns it.
3. The batch is polled (first after :attr:`Batcher.poll_s`, then less often, up to once a minute) until it
   ends; its results are streamed and each waiting call gets its answer, priced at the batch price
   (:func:`promptctl.tokens.pricing.cost_of` with ``batch=True``) and recorded like any call.

Resume (``--resume RUN_ID``, from any process or machine sharing the run store): the batcher reads the
run's stored batches first, and a call whose request fingerprint is in one of them waits for that batch
instead of being submitted again. A batch whose submission was interrupted before its id was stored is
looked up by promptctl's batch key in the provider's batch metadata (OpenAI); where the provider keeps no
metadata (Anthropic) it is submitted again (the window is the few milliseconds between the provider's
reply and the store's write).

Failed items: a request the batch reports as errored with a transient cause (HTTP 408/409/429/5xx, an
overloaded or internal error), expired or cancelled is retried **once as an ordinary call** (through the
concurrency limit, at the standard price, recorded like any call); an item refused as invalid (HTTP 400,
401, 403, 404) is not retried and is reported as that case's error. A batch the provider refuses as a
whole (``failed``) fails every call in it with the provider's reason.
"""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from promptctl.errors import ProviderError
from promptctl.providers.base import BatchState, Provider, Transport
from promptctl.session.layers import Layer, Stats
from promptctl.store import batches as batch_store
from promptctl.types import Completion, Exchange, ProviderRequest

if TYPE_CHECKING:
    from promptctl.store.runs import RunStore

POLL_ENV = "PROMPTCTL_BATCH_POLL_S"
"""Environment variable: the first poll interval of a batch in seconds (default :data:`DEFAULT_POLL_S`)."""
DEFAULT_POLL_S = 10.0
MAX_POLL_S = 60.0
"""Each wait between polls is 1.5 times the one before, up to once a minute (batches take minutes to 24 h)."""
_TRANSIENT = (408, 409, 429)

Result = Completion | ProviderError


@dataclass
class BatchProgress:
    """One batch as the progress display shows it.

    Attributes:
        key: promptctl's id of the batch (the ``batches`` row).
        provider: Provider name.
        provider_batch_id: The provider's id, once known.
        requests: Requests in the batch.
        status: ``submitting``, ``in_progress``, ``ended``, ``failed``, ``expired`` or ``cancelled``.
        done: Requests answered.
        failed: Requests the batch did not answer (errored, expired, cancelled).
        resumed: The batch was submitted by an earlier process (found in the run store).
    """

    key: str
    provider: str
    provider_batch_id: str | None
    requests: int
    status: str = "submitting"
    done: int = 0
    failed: int = 0
    resumed: bool = False

    def describe(self) -> str:
        """E.g. ``openai batch_abc: in_progress, 100 submitted, 40 done, 0 failed``."""
        name = self.provider_batch_id or self.key[:12]
        return (f"{self.provider} {name}: {self.status}{' (resumed)' if self.resumed else ''}, {self.requests} "
                f"submitted, {self.done} done, {self.failed} failed")


@dataclass
class _Waiting:
    exchange: Exchange
    future: asyncio.Future[Result]


@dataclass
class _Batch:
    progress: BatchProgress
    client: Provider
    waiting: dict[str, _Waiting] = field(default_factory=dict)
    reading: bool = False


class Batcher:
    """Collects the calls of one piece of work into provider batches, submits, stores, polls and answers them.

    One batcher serves every session of the work (an A/B run's variants and judge, a snapshot record's
    cases). See the module docstring for the life of a call.

    Args:
        store: The run store the batches are written to (None: nothing is stored, no resume).
        work_id: The run the batches belong to (the A/B or evaluation run id): what ``--resume`` looks up.
        poll_s: First poll interval (seconds); default ``PROMPTCTL_BATCH_POLL_S`` or 10.
        settle_s: How long the queue must stay unchanged before it is submitted (seconds).
        on_change: Called with the batch whenever its status or counts change (progress display).

    Attributes:
        batches: Every batch of this work seen by this process (submitted now or resumed), in order.
    """

    def __init__(self, store: RunStore | None, work_id: str | None, *, poll_s: float | None = None,
                 settle_s: float = 0.2, on_change: Callable[[BatchProgress], None] | None = None) -> None:
        self.store = store
        self.work_id = work_id or ""
        self.poll_s = poll_s if poll_s is not None else float(os.environ.get(POLL_ENV) or DEFAULT_POLL_S)
        self.settle_s = settle_s
        self.on_change = on_change
        self.batches: list[BatchProgress] = []
        self._queue: dict[str, list[tuple[Provider, _Waiting]]] = {}
        self._known: dict[str, list[tuple[_Batch, str]]] | None = None
        self._stored: list[dict[str, Any]] = []
        self._resumed: dict[str, _Batch] = {}
        self._last = 0.0
        self._flusher: asyncio.Task[None] | None = None
        self._tasks: set[asyncio.Task[None]] = set()

    # -- entry point ---------------------------------------------------------------------------
    async def send(self, client: Provider, exchange: Exchange) -> Result:
        """Queue one call (or attach it to a stored batch that holds it) and wait for its result.

        Returns:
            The completion, or the item's :class:`ProviderError` (not raised: the layer decides).

        Raises:
            ProviderError: The batch could not be submitted or read (the error of the whole batch).
        """
        client.check_batch()
        loop = asyncio.get_running_loop()
        waiting = _Waiting(exchange, loop.create_future())
        if not self._attach(client, waiting):
            self._queue.setdefault(client.name, []).append((client, waiting))
        self._last = loop.time()
        if self._flusher is None or self._flusher.done():
            self._flusher = asyncio.create_task(self._flush_when_settled())
        limits = client.batch_limits
        queued = self._queue.get(client.name, [])
        if limits is not None and len(queued) >= limits.max_requests:
            self._submit_queue(client.name)
        return await waiting.future

    # -- resume --------------------------------------------------------------------------------
    def _attach(self, client: Provider, waiting: _Waiting) -> bool:
        """Attach the call to a stored batch of this work holding its request; False when none does."""
        if self._known is None:
            self._load()
        assert self._known is not None
        entries = self._known.get(waiting.exchange.request.fingerprint())
        while entries:
            batch, custom_id = entries.pop(0)
            if batch.reading or batch.progress.provider != client.name:
                continue
            batch.client = client
            batch.waiting[custom_id] = waiting
            return True
        return False

    def _load(self) -> None:
        """Read the stored batches of this work that may still hold answers."""
        self._known = {}
        if self.store is None or not self.work_id:
            return
        for row in batch_store.of_work(self.store, self.work_id):
            if row["status"] not in ("submitting", "in_progress", "ended"):
                continue
            progress = BatchProgress(row["id"], row["provider"], row["provider_batch_id"], row["requests"],
                                     row["status"], resumed=True)
            batch = _Batch(progress, client=None)  # type: ignore[arg-type]  # set when a call attaches
            self._resumed[row["id"]] = batch
            for custom_id, fingerprint in row["items"]:
                self._known.setdefault(fingerprint, []).append((batch, custom_id))

    # -- submission ----------------------------------------------------------------------------
    async def _flush_when_settled(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            await asyncio.sleep(self.settle_s)
            if loop.time() - self._last >= self.settle_s:
                break
        for name in list(self._queue):
            self._submit_queue(name)
        for batch in self._resumed.values():
            if batch.waiting and not batch.reading:
                batch.reading = True
                self._spawn(self._resume(batch), list(batch.waiting.values()))

    def _submit_queue(self, name: str) -> None:
        queued = self._queue.pop(name, [])
        if not queued:
            return
        client = queued[0][0]
        for part in _split(client, [w for _, w in queued]):
            self._spawn(self._submit(client, part), part)

    def _spawn(self, coro: Any, waiting: list[_Waiting]) -> None:
        """Run ``coro`` as a task; if it ends on an exception, the calls it was to answer get that exception."""
        async def guarded() -> None:
            try:
                await coro
            except asyncio.CancelledError:
                raise
            except BaseException as exc:  # noqa: BLE001 - a failed submission or poll must not leave calls hanging
                error = exc if isinstance(exc, Exception) else RuntimeError(str(exc))
                for w in waiting:
                    if not w.future.done():
                        w.future.set_exception(error)

        task = asyncio.create_task(guarded())
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _submit(self, client: Provider, part: list[_Waiting]) -> None:
        items = [(f"r{n}", w) for n, w in enumerate(part)]
        models = {w.exchange.request.model for w in part}
        model = models.pop() if len(models) == 1 else "*"
        key = ""
        if self.store is not None:
            key = await asyncio.to_thread(
                batch_store.create, self.store, work_id=self.work_id, provider=client.name, model=model,
                items=[(c, w.exchange.request.fingerprint()) for c, w in items])
        else:
            import uuid

            key = uuid.uuid4().hex
        batch = _Batch(BatchProgress(key, client.name, None, len(items)), client, dict(items))
        self.batches.append(batch.progress)
        self._changed(batch.progress)
        try:
            provider_id, file_id = await client.submit_batch(
                [(c, w.exchange.request) for c, w in items], key=key)
        except ProviderError as exc:
            self._store(batch, status="failed", error=str(exc))
            batch.progress.status = "failed"
            self._changed(batch.progress)
            self._fail(batch, exc)
            return
        batch.progress.provider_batch_id = provider_id
        batch.progress.status = "in_progress"
        self._store(batch, provider_batch_id=provider_id, input_file_id=file_id, status="in_progress")
        self._changed(batch.progress)
        await self._wait_and_read(batch)

    async def _resume(self, batch: _Batch) -> None:
        """Wait for a batch an earlier process submitted (finding its id first if it was never stored)."""
        self.batches.append(batch.progress)
        progress = batch.progress
        if progress.provider_batch_id is None:
            found = await batch.client.find_batch(progress.key)
            if found is None:  # never reached the provider (as far as it can tell): submit these calls again
                self._store(batch, status="failed", error="submission interrupted before the provider's id was "
                            "stored; submitted again")
                progress.status = "failed"
                self._changed(progress)
                waiting = list(batch.waiting.values())
                batch.waiting.clear()
                for part in _split(batch.client, waiting):
                    await self._submit(batch.client, part)
                return
            progress.provider_batch_id = found
            self._store(batch, provider_batch_id=found, status="in_progress")
        self._changed(progress)
        await self._wait_and_read(batch)

    # -- polling and results ---------------------------------------------------------------------
    async def _wait_and_read(self, batch: _Batch) -> None:
        progress = batch.progress
        assert progress.provider_batch_id is not None
        delay = self.poll_s
        state = BatchState("in_progress")
        try:
            while True:
                state = await batch.client.batch_state(progress.provider_batch_id)
                if state.status != progress.status and state.status != "ended":
                    progress.status = state.status
                    self._changed(progress)
                if state.done:
                    break
                await asyncio.sleep(delay)
                delay = min(delay * 1.5, max(MAX_POLL_S, self.poll_s))
            if state.status == "failed":
                self._store(batch, status="failed", counts=state.counts, error=state.error)
                progress.status = "failed"
                self._changed(progress)
                reason = state.error or "no reason given"
                self._fail(batch, ProviderError(
                    f"{progress.provider}: batch {progress.provider_batch_id} failed: {reason}",
                    provider=progress.provider, retryable=False,
                    hint="the provider refused the batch as a whole; run without --batch to see each request's error"))
                return
            await self._read(batch, state)
        except ProviderError as exc:
            self._fail(batch, exc)

    async def _read(self, batch: _Batch, state: BatchState) -> None:
        progress = batch.progress
        assert progress.provider_batch_id is not None
        requests: dict[str, ProviderRequest] = {c: w.exchange.request for c, w in batch.waiting.items()}
        # read every result before answering any call: answered calls run (record, score) at each await of the
        # download, which would stall it for minutes on a large batch until the server drops the connection
        results = [item async for item in batch.client.batch_results(progress.provider_batch_id, requests)]
        for custom_id, result in results:
            waiting = batch.waiting.pop(custom_id, None)
            if waiting is None or waiting.future.done():
                continue
            if isinstance(result, ProviderError):
                progress.failed += 1
            else:
                progress.done += 1
            waiting.future.set_result(result)
        for custom_id, waiting in batch.waiting.items():
            progress.failed += 1
            if not waiting.future.done():
                waiting.future.set_result(ProviderError(
                    f"{progress.provider}: batch {progress.provider_batch_id} has no result for request {custom_id}",
                    provider=progress.provider))
        batch.waiting.clear()
        progress.status = "ended"
        self._store(batch, status="ended", counts=state.counts)
        self._changed(progress)

    def _fail(self, batch: _Batch, exc: ProviderError) -> None:
        for waiting in batch.waiting.values():
            if not waiting.future.done():
                waiting.future.set_exception(exc)
        batch.waiting.clear()

    def _store(self, batch: _Batch, **values: Any) -> None:
        if self.store is not None:
            batch_store.update(self.store, batch.progress.key, **values)

    def _changed(self, progress: BatchProgress) -> None:
        if self.on_change is not None:
            self.on_change(progress)

    async def aclose(self) -> None:
        """Stop polling (an interrupted run: its batches stay stored and ``--resume`` picks them up)."""
        for task in list(self._tasks) + ([self._flusher] if self._flusher is not None else []):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)


def _split(client: Provider, waiting: list[_Waiting]) -> list[list[_Waiting]]:
    """Calls split into batches within the provider's limits (by model first where a batch takes one model)."""
    limits = client.batch_limits
    assert limits is not None
    groups: dict[str, list[_Waiting]] = {}
    for w in waiting:
        groups.setdefault(w.exchange.request.model if limits.one_model else "", []).append(w)
    parts: list[list[_Waiting]] = []
    for group in groups.values():
        part: list[_Waiting] = []
        size = 0
        for w in group:
            line = _line_bytes(w.exchange.request)
            if part and (len(part) >= limits.max_requests or size + line > limits.max_bytes):
                parts.append(part)
                part, size = [], 0
            part.append(w)
            size += line
        if part:
            parts.append(part)
    return parts


def _line_bytes(request: ProviderRequest) -> int:
    """About what the request takes in a batch file (its JSON body plus the line's envelope), in bytes."""
    import json

    return len(json.dumps(request.body, ensure_ascii=False, separators=(",", ":")).encode("utf-8")) + 120


def retry_as_call(error: ProviderError) -> bool:
    """Whether a failed batch item is retried once as an ordinary call (see the module docstring)."""
    if error.status is None:
        return True  # expired, cancelled, an errored item without a status, no result
    return error.status in _TRANSIENT or error.status >= 500


class BatchLayer(Layer):
    """Sends each call through the :class:`Batcher` instead of calling the provider directly.

    Args:
        inner: The transport below (the concurrency limit and the provider): failed items retried as ordinary
            calls go there.
        client: The provider whose batch API is used.
        batcher: The batcher shared by the work's sessions.
        stats: Counters (a batch answer counts as a live call).
    """

    def __init__(self, inner: Transport, client: Provider, batcher: Batcher, stats: Stats) -> None:
        super().__init__(inner)
        self.client = client
        self.batcher = batcher
        self.stats = stats

    async def send(self, exchange: Exchange) -> Completion:
        """Wait for the call's batch result; retry a transiently failed item once as an ordinary call."""
        started = time.perf_counter()
        result = await self.batcher.send(self.client, exchange)
        if isinstance(result, Completion):
            self.stats.live_calls += 1
            if not result.latency_s:
                result = _with_latency(result, time.perf_counter() - started)
            return result
        if retry_as_call(result):
            self.stats.batch_retries += 1
            return await self.inner.send(exchange)
        raise result


def _with_latency(completion: Completion, seconds: float) -> Completion:
    import dataclasses

    return dataclasses.replace(completion, latency_s=seconds)
