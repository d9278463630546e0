"""Snapshot record, check and update: the library behind ``promptctl snapshot`` and the pytest plugin.

Per case, ``check``:

1. resolves the suite's reference to the version now pinned (the lock entry in ``promptctl.lock`` when
   the reference is locked, else what the registry resolves it to) and compares it with the golden
   file's ``prompt.version``/``prompt.sha256``: a published version whose bytes changed is
   ``modified``; a changed draft, or a reference that moved to another version, ``needs re-record``;
2. re-renders the request for every listed provider and compares it with the golden one after
   normalisation (:func:`~promptctl.evaluation.snapshots.golden.normalise`); a difference is shown as
   a unified diff of the readable (YAML) form;
3. replays the recorded output through the suite's checks (``--live``: re-runs the model K times
   instead, pass@k with a threshold); a failing check fails the case, and check results that differ
   from the golden file's (an added or edited check that still passes) make the file out of date.

Nothing in ``check`` opens a network connection, reads a credential or opens the run store (unless
``live``). Results are per test item ``name@version::case::provider``: one item per rendered
provider (its request), plus the checks, which belong to the item of the provider that recorded the
output (an extra ``::fake`` item when the fake provider recorded it and is not rendered for).
"""

from __future__ import annotations

import asyncio
import hashlib
import time
import warnings
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from promptctl.errors import InputError, IntegrityError, PromptctlError, ProviderError, StructuredOutputError
from promptctl.evaluation.snapshots.golden import (
    GOLDEN_FORMAT,
    canonical,
    jsonable,
    read_golden,
    scrub,
    unified_diff,
    write_golden,
)
from promptctl.evaluation.snapshots.project import (
    Pin,
    ProviderFactory,
    Rendered,
    SnapshotProject,
    Target,
    case_providers,
    case_where,
    display_path,
    render_case,
    run_checks,
)
from promptctl.evaluation.snapshots.results import (
    CaseChange,
    CaseResult,
    CheckReport,
    CheckResult,
    LiveOptions,
    LiveResult,
)
from promptctl.evaluation.snapshots.suite import Case, Suite
from promptctl.types import tool_call_output

if TYPE_CHECKING:
    from promptctl.session.batch import Batcher, BatchProgress
    from promptctl.store.runs import RunStore

__all__ = [
    "arecord",
    "arecord_case",
    "check",
    "check_case",
    "describe_changes",
    "golden_doc",
    "orphan_goldens",
    "planned_recorder",
    "record",
    "recording_provider",
    "update",
    "update_case",
]


# -- check ----------------------------------------------------------------------------------------------
def check_case(
    project: SnapshotProject,
    target: Target,
    case: Case,
    *,
    live: LiveOptions | None = None,
    store: RunStore | None = None,
    provider_factory: ProviderFactory | None = None,
    live_outputs: list[str] | BaseException | None = None,
) -> CaseResult:
    """Check one case against its golden file (see the module docstring).

    ``live_outputs``: the live trials' outputs already made (``--live --batch``: every case's trials in the same
    provider batches), or the error that ended them; None runs the trials now.

    Errors in the case (a template error, an invalid check) are reported in ``CaseResult.error``,
    not raised; an unresolvable reference is, and so is a live trial's :class:`ProviderError` (missing
    credentials, an outage: the check stops rather than repeat it for every case), except a
    :class:`StructuredOutputError` (the model answered, never validly), which fails the case.
    """
    pin = project.pin(target.ref)
    golden_path = project.golden_path(target.suite.name, case.id)
    result = CaseResult(prompt=pin.display, case=case.id, golden=golden_path)
    result.providers = case_providers(case, pin)
    try:
        golden = read_golden(golden_path)
    except FileNotFoundError:
        golden = None
    except InputError as exc:
        result.error, result.invalid = exc.message, True
        return result
    try:
        result.recorder = planned_recorder(project, pin, case, golden)
    except PromptctlError:
        result.recorder = result.providers[0]  # no provider to record with: the rendering error says why
    if pin.problem:
        result.pin_problem = ("modified", pin.problem)
    try:
        rendered = render_case(project, pin, case)
    except PromptctlError as exc:
        result.error, result.invalid = exc.message, isinstance(exc, InputError)
        return result
    if golden is None:
        result.not_recorded = True
        return result
    _compare_pin(result, pin, golden)
    display = display_path(project, golden_path)
    for provider, request in rendered.requests.items():
        old = golden["requests"].get(provider)
        new = {"model": request.model, "body": scrub(request.body)}
        old_name = f"{display} [{provider}] (golden)"
        new_name = f"{pin.display} [{provider}] (rendered now)"
        result.request_diffs[provider] = unified_diff(old, new, old_name, new_name) if old is not None else (
            unified_diff({}, new, f"{display} [{provider}] (not in the golden file)", new_name)
        )
    dropped = sorted(set(golden["requests"]) - set(rendered.requests))
    if dropped:
        result.stale.append(f"the golden file has requests for {', '.join(dropped)}, which the suite no longer lists")
    if canonical(golden.get("variables", {})) != canonical(jsonable(rendered.variables)):
        result.stale.append("the case's variables changed")
    output = str(golden["recorded"].get("output", ""))
    try:
        result.checks = run_checks(project, pin, case, output, rendered.variables)
        if live is not None:
            result.live = _run_live(project, target, pin, case, rendered, live, store, provider_factory, golden,
                                    live_outputs)
    except StructuredOutputError as exc:  # the model answered, never validly: this case fails, the check goes on
        result.error = exc.message
        return result
    except ProviderError:  # credentials, quota, outage: every other case would fail the same way; stop (exit 3)
        raise
    except PromptctlError as exc:
        result.error, result.invalid = exc.message, isinstance(exc, InputError)
        return result
    current = [c.to_dict() for c in result.checks]
    if canonical(golden["checks"]) != canonical(current):
        result.stale.append(
            "the suite's checks or their results changed since the golden file was written:\n"
            + unified_diff(golden["checks"], current, "checks (golden)", "checks (now)").rstrip()
        )
    recorded_sha = golden["recorded"].get("prompt_sha256")
    if recorded_sha and recorded_sha != golden["prompt"].get("sha256"):
        result.notes.append(
            f"the output was recorded against sha256 {str(recorded_sha)[:12]} and kept by 'snapshot update'; "
            "re-record it with: promptctl snapshot update --rerecord"
        )
    return result


def _compare_pin(result: CaseResult, pin: Pin, golden: Mapping[str, Any]) -> None:
    recorded = golden.get("prompt", {})
    version, sha = recorded.get("version"), str(recorded.get("sha256", ""))
    if result.pin_problem is not None or (version == pin.version.number and sha == pin.sha256):
        return
    name = pin.version.name
    if version == pin.version.number and pin.version.is_draft:
        message = (
            f"draft {pin.display} changed since it was recorded (sha256 {sha[:12]} -> {pin.sha256[:12]}); "
            f"approve with: promptctl snapshot update {pin.ref}"
        )
    elif version == pin.version.number:
        message = (
            f"{pin.display} was recorded as an earlier draft (sha256 {sha[:12]}, published as {pin.sha256[:12]}); "
            f"approve with: promptctl snapshot update {pin.ref}"
        )
    elif pin.ref == pin.display:
        message = (
            f"recorded against {name}@{version} (sha256 {sha[:12]}), checked against {pin.display} "
            f"(sha256 {pin.sha256[:12]}); approve with: promptctl snapshot update {pin.ref}"
        )
    else:
        message = (
            f"recorded against {name}@{version} (sha256 {sha[:12]}), but {pin.ref} now resolves to {pin.display} "
            f"(sha256 {pin.sha256[:12]}{', ' + pin.source if pin.source != 'registry' else ''}); "
            f"approve with: promptctl snapshot update {pin.ref}"
        )
    result.pin_problem = ("needs re-record", message)


def planned_recorder(project: SnapshotProject, pin: Pin, case: Case, golden: Mapping[str, Any] | None) -> str:
    """The provider whose output a case replays: the golden file's, else the one it would be recorded with."""
    if golden is not None and golden.get("recorded", {}).get("provider"):
        return str(golden["recorded"]["provider"])
    return recording_provider(project, pin, case, None)


def recording_provider(project: SnapshotProject, pin: Pin, case: Case, override: str | None) -> str:
    """``override``, else the case's ``record_with.provider``, else the prompt's own (config precedence)."""
    from promptctl.adapters import resolve_target

    chosen = override or case.record_with.provider
    if chosen:
        return chosen
    return resolve_target(pin.version.front_matter, None, None, project.config, where=pin.version.display)[0]


def check(
    project: SnapshotProject,
    refs: Sequence[str] = (),
    case_ids: Sequence[str] = (),
    *,
    live: LiveOptions | None = None,
    store: RunStore | None = None,
    provider_factory: ProviderFactory | None = None,
    on_batch: Callable[[BatchProgress], None] | None = None,
) -> CheckReport:
    """Check every case of the selected suites (see the module docstring).

    Args:
        project: The project.
        refs: References selecting suites (and versions); default every suite.
        case_ids: Only these cases (default all).
        live: Re-run the model instead of replaying (needs the provider's credentials); with ``live.batch``
            every case's trials go in the same provider batches first (:mod:`promptctl.session.batch`).
        store: Run store for live calls.
        provider_factory: Clients for live trials (tests inject scripted providers here).
        on_batch: Told of every change of a provider batch (``live.batch``).

    Returns:
        The :class:`CheckReport`; ``report.passed`` decides the exit code.

    Raises:
        InputError, ReferenceNotFound: A reference, suite or ``--case`` id is invalid.
        ProviderError: ``live``: a provider or credentials error (the check stops at the first one).
    """
    start = time.perf_counter()
    report = CheckReport(live=live is not None)
    targets = project.targets(refs)
    made: dict[tuple[str, str], list[str] | BaseException] = {}
    if live is not None and live.batch:
        made = asyncio.run(_live_in_batches(project, targets, case_ids, live, store, provider_factory, on_batch))
    for target in targets:
        for case in _select(target.suite, case_ids, targets):
            case_start = time.perf_counter()
            result = check_case(project, target, case, live=live, store=store, provider_factory=provider_factory,
                                live_outputs=made.get((target.ref, case.id)))
            result.elapsed_s = time.perf_counter() - case_start
            report.cases.append(result)
    if not case_ids:
        report.orphans = orphan_goldens(project, [t.suite for t in targets])
    report.elapsed_s = time.perf_counter() - start
    return report


async def _live_in_batches(
    project: SnapshotProject, targets: Sequence[Target], case_ids: Sequence[str], live: LiveOptions,
    store: RunStore | None, provider_factory: ProviderFactory | None,
    on_batch: Callable[[BatchProgress], None] | None,
) -> dict[tuple[str, str], list[str] | BaseException]:
    """Every live trial of every checkable case at once, through one batcher: outputs (or the error) by case.

    Cases that cannot be checked live (no golden file, a rendering error) are left to :func:`check_case`. The
    batches are stored under a key of their own (live trials are never answered from an earlier batch).
    """
    import uuid

    from promptctl.session.batch import Batcher

    batcher = Batcher(store, f"snapshot-live:{uuid.uuid4().hex}", on_change=on_batch)
    keys: list[tuple[str, str]] = []
    trials: list[Any] = []
    for target in targets:
        for case in _select(target.suite, case_ids, targets):
            pin = project.pin(target.ref)
            try:
                golden = read_golden(project.golden_path(target.suite.name, case.id))
                rendered = render_case(project, pin, case)
            except (FileNotFoundError, PromptctlError):
                continue
            provider = live.provider or str(golden.get("recorded", {}).get("provider") or "") or None
            for _ in range(live.trials):
                keys.append((target.ref, case.id))
                trials.append(_record_output(project, target, pin, case, rendered.variables, provider, store,
                                             provider_factory, cache=False, batch=batcher))
    try:
        done = await asyncio.gather(*trials, return_exceptions=True)
    finally:
        await batcher.aclose()
    out: dict[tuple[str, str], list[str] | BaseException] = {}
    for key, item in zip(keys, done, strict=True):
        have = out.setdefault(key, [])
        if isinstance(item, BaseException):
            if not isinstance(item, Exception):
                raise item
            out[key] = item
        elif isinstance(have, list):
            have.append(str(item["output"]))
    return out


def _select(suite: Suite, case_ids: Sequence[str], targets: Sequence[Target]) -> list[Case]:
    if not case_ids:
        return list(suite.cases)
    known = {c.id for t in targets for c in t.suite.cases}
    unknown = [c for c in case_ids if c not in known]
    if unknown:
        raise InputError(f"no case {', '.join(repr(u) for u in unknown)} in the selected suites",
                         hint=f"cases: {', '.join(sorted(known)) or 'none'}")
    return [c for c in suite.cases if c.id in case_ids]


def orphan_goldens(project: SnapshotProject, suites: Sequence[Suite]) -> list[Path]:
    """Golden files of the given suites whose case no longer exists."""
    out = []
    for suite in suites:
        folder = project.snapshots_dir / suite.name
        ids = {c.id for c in suite.cases}
        if folder.is_dir():
            out.extend(sorted(p for p in folder.glob("*.yaml") if p.stem not in ids))
    return out


# -- recording ------------------------------------------------------------------------------------------
async def _record_output(
    project: SnapshotProject,
    target: Target,
    pin: Pin,
    case: Case,
    variables: Mapping[str, Any],
    provider: str | None,
    store: RunStore | None,
    provider_factory: ProviderFactory | None,
    *,
    cache: bool = True,
    batch: Batcher | None = None,
) -> dict[str, Any]:
    """Call the model once for a case and return the golden file's ``recorded`` part.

    With ``batch``, the call goes through that batcher (a provider batch, at the batch price); the fake
    provider's scripted replies never do.

    The fake provider answers with the case's scripted ``record_with.reply`` and is never cached (the
    reply lives in the suite, so editing it takes effect). Other providers go through
    :func:`promptctl.session.run.arun` with ``cache=True`` and the run store, so a request already answered is
    not sent again.
    """
    from promptctl.session import price
    from promptctl.session.run import arun

    chosen = recording_provider(project, pin, case, provider)
    client: Any = provider_factory(chosen, case) if provider_factory is not None else None
    scripted = False
    if client is None and chosen == "fake":
        reply = case.record_with.reply
        if reply is None:
            raise InputError(
                f"{case_where(project, pin, case)} records with the fake provider but has no reply",
                hint="add record_with: {provider: fake, reply: \"...\"}, or record with --provider "
                "openai|anthropic|watsonx",
            )
        from promptctl.providers.fake import FakeProvider

        client, scripted = FakeProvider([reply]), True
    # record_with.model belongs to record_with.provider: an overriding --provider uses its own default model
    model = case.record_with.model if provider is None or provider == case.record_with.provider else None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = await arun(
            pin.version, variables, provider=client if client is not None else chosen, model=model,
            strategy=target.suite.strategy, config=project.config, store=store,
            cache=cache and store is not None and not scripted, batch=None if scripted else batch,
        )
    cost: float | None = 0.0
    for call in result.calls:
        if call.completion is None:
            continue
        usd = price(call.completion, call.request, project.config)  # list price, a cached answer's too
        cost = None if usd is None or cost is None else cost + usd
    recorded: dict[str, Any] = {
        "provider": result.request.provider,
        "model": result.request.model,
        "output": tool_call_output(result.output, result.tool_calls),
        "usage": result.usage.to_dict(),
        "cost_usd": None if cost is None else round(cost, 10),
        "prompt_sha256": pin.sha256,
        "strategy": result.strategy,
    }
    if scripted:
        recorded["note"] = (
            f"scripted reply of the fake provider, from {display_path(project, target.suite.path)} "
            f"(record_with.reply); not a model output. Usage is the fake's word count."
        )
    return recorded


def golden_doc(pin: Pin, case: Case, rendered: Rendered, recorded: Mapping[str, Any],
               checks: Sequence[CheckResult]) -> dict[str, Any]:
    """The golden file's content for a case."""
    return {
        "format": GOLDEN_FORMAT,
        "case": case.id,
        "prompt": {"name": pin.version.name, "version": pin.version.number, "sha256": pin.sha256},
        "variables": jsonable(rendered.variables),
        "requests": {p: {"model": r.model, "body": scrub(r.body)} for p, r in sorted(rendered.requests.items())},
        "recorded": dict(recorded),
        "checks": [c.to_dict() for c in checks],
    }


def _refuse_untrusted(pin: Pin) -> None:
    if pin.problem:
        raise IntegrityError(
            pin.problem, path=str(pin.version.path),
            hint="restore the file from version control; publish changes as a new version, then update the snapshots",
        )


async def arecord_case(
    project: SnapshotProject,
    target: Target,
    case: Case,
    *,
    provider: str | None = None,
    store: RunStore | None = None,
    provider_factory: ProviderFactory | None = None,
    batch: Batcher | None = None,
) -> CaseChange:
    """Render a case for its providers, call the model once, run the checks and write the golden file.

    Raises:
        IntegrityError: The pinned version's bytes changed (a modified published version or lock mismatch).
        PromptctlError: Rendering, credentials or provider errors (nothing is written for this case).
    """
    pin = project.pin(target.ref)
    _refuse_untrusted(pin)
    rendered = render_case(project, pin, case)
    recorded = await _record_output(project, target, pin, case, rendered.variables, provider, store,
                                    provider_factory, batch=batch)
    checks = run_checks(project, pin, case, recorded["output"], rendered.variables)
    doc = golden_doc(pin, case, rendered, recorded, checks)
    path = project.golden_path(target.suite.name, case.id)
    old = _read_or_none(path)
    change = CaseChange(pin.display, case.id, path, recorded_with=f"{recorded['provider']}:{recorded['model']}")
    change.changes, change.diff = describe_changes(project, old, doc)
    change.written = write_golden(path, doc, extra_env=project.credential_env())
    change.failing = [c.describe() for c in checks if not c.passed]
    return change


async def arecord(
    project: SnapshotProject,
    refs: Sequence[str] = (),
    case_ids: Sequence[str] = (),
    *,
    provider: str | None = None,
    store: RunStore | None = None,
    provider_factory: ProviderFactory | None = None,
    batch: bool = False,
    on_batch: Callable[[BatchProgress], None] | None = None,
) -> list[CaseChange]:
    """Record every selected case (see :func:`arecord_case`), one model call per case, in order.

    With ``batch``, every case is recorded at once and their calls go in the same provider batches
    (:mod:`promptctl.session.batch`), stored under this project's key: a record killed while waiting is run
    again and waits for the same batches (each case's golden file is written once its answer is in).
    ``on_batch`` is told of every change of a batch (progress).

    Raises:
        PromptctlError: The first error of a case (in batch mode, once every other case is recorded).
    """
    targets = project.targets(refs)
    selected = [(target, case) for target in targets for case in _select(target.suite, case_ids, targets)]
    if not batch:
        return [await arecord_case(project, target, case, provider=provider, store=store,
                                   provider_factory=provider_factory) for target, case in selected]
    from promptctl.session.batch import Batcher

    batcher = Batcher(store, "snapshot-record:" + hashlib.sha256(str(project.root).encode()).hexdigest()[:32],
                      on_change=on_batch)
    try:
        done = await asyncio.gather(*(arecord_case(project, target, case, provider=provider, store=store,
                                                   provider_factory=provider_factory, batch=batcher)
                                      for target, case in selected), return_exceptions=True)
    finally:
        await batcher.aclose()
    for item in done:
        if isinstance(item, BaseException):
            raise item
    return [item for item in done if isinstance(item, CaseChange)]


def record(
    project: SnapshotProject, refs: Sequence[str] = (), case_ids: Sequence[str] = (), **options: Any
) -> list[CaseChange]:
    """Synchronous :func:`arecord` (not inside a running event loop)."""
    return asyncio.run(arecord(project, refs, case_ids, **options))


# -- update -----------------------------------------------------------------------------------------------
def _read_or_none(path: Path) -> dict[str, Any] | None:
    try:
        return read_golden(path)
    except FileNotFoundError:
        return None


def describe_changes(
    project: SnapshotProject, old: Mapping[str, Any] | None, new: Mapping[str, Any]
) -> tuple[list[str], str]:
    """What differs between two golden documents: change lines and unified diffs."""
    if old is None:
        return ["created"], ""
    changes: list[str] = []
    diffs: list[str] = []
    o, n = old.get("prompt", {}), new["prompt"]
    if (o.get("version"), o.get("sha256")) != (n["version"], n["sha256"]):
        changes.append(f"pin {o.get('name')}@{o.get('version')} sha256 {str(o.get('sha256'))[:12]} -> "
                       f"{n['name']}@{n['version']} sha256 {n['sha256'][:12]}")
    if canonical(old.get("variables", {})) != canonical(new["variables"]):
        changes.append("variables")
        diffs.append(unified_diff(old.get("variables", {}), new["variables"], "variables (before)",
                                  "variables (after)"))
    for provider in sorted(set(old.get("requests", {})) | set(new["requests"])):
        a, b = old.get("requests", {}).get(provider), new["requests"].get(provider)
        if a is None:
            changes.append(f"request for {provider} added")
        elif b is None:
            changes.append(f"request for {provider} removed")
        elif canonical(a) != canonical(b):
            changes.append(f"request for {provider}")
            diffs.append(unified_diff(a, b, f"{provider} (before)", f"{provider} (after)"))
    if canonical(old.get("recorded", {}).get("output")) != canonical(new["recorded"].get("output")):
        changes.append("recorded output")
        diffs.append(unified_diff(old.get("recorded", {}).get("output", ""), new["recorded"].get("output", ""),
                                  "output (before)", "output (after)"))
    if canonical(old.get("checks", [])) != canonical(new["checks"]):
        changes.append("checks")
        diffs.append(unified_diff(old.get("checks", []), new["checks"], "checks (before)", "checks (after)"))
    return changes, "".join(diffs)


def update_case(
    project: SnapshotProject,
    target: Target,
    case: Case,
    *,
    providers: Sequence[str] | None = None,
    checks: bool = True,
    rerecord: bool = False,
    provider: str | None = None,
    store: RunStore | None = None,
    provider_factory: ProviderFactory | None = None,
) -> CaseChange:
    """Rewrite a case's golden file: re-render requests and re-run checks (re-record only with ``rerecord``).

    Args:
        project: The project.
        target: The suite and reference.
        case: The case.
        providers: Update only these providers' requests (default all; then requests of providers the
            suite no longer lists are removed).
        checks: Re-run the checks on the (kept or re-recorded) output.
        rerecord: Call the model again (through the response cache) instead of keeping the output; without
            ``provider``, with the provider the golden file was recorded with.
        provider: Provider for re-recording (default the case's ``record_with`` or the prompt's own).
        store: Run store for re-recording.
        provider_factory: Clients for re-recording (tests).

    The read-modify-write happens under a file lock in ``.promptctl/locks/`` so that pytest-xdist workers
    updating items of the same case do not lose each other's changes.

    Raises:
        IntegrityError: The pinned version's bytes changed.
        InputError: The case was never recorded (run ``snapshot record``), or the suite is invalid.
        PromptctlError: Rendering errors; provider errors when re-recording.
    """
    from filelock import FileLock

    pin = project.pin(target.ref)
    _refuse_untrusted(pin)
    rendered = render_case(project, pin, case)
    path = project.golden_path(target.suite.name, case.id)
    lock_dir = project.root / ".promptctl" / "locks"
    lock_dir.mkdir(parents=True, exist_ok=True)
    with FileLock(str(lock_dir / f"{target.suite.name}.{case.id}.lock")):
        old = _read_or_none(path)
        if old is None and not rerecord:
            raise InputError(
                f"{display_path(project, path)} does not exist: nothing to update",
                hint=f"record it first: promptctl snapshot record {pin.ref} --case {case.id}",
            )
        recorded = dict(old["recorded"]) if old is not None else {}
        if rerecord:
            # Without --provider, record again with the provider the golden file was made with (it may have been
            # recorded with `snapshot record --provider X`), not the suite's or the prompt's default.
            again = provider or (str(recorded["provider"]) if recorded.get("provider") else None)
            recorded = asyncio.run(_record_output(project, target, pin, case, rendered.variables, again, store,
                                                  provider_factory))
        doc = golden_doc(pin, case, rendered, recorded, [])
        if old is not None and providers is not None:
            kept = {p: v for p, v in old["requests"].items() if p not in providers}
            doc["requests"] = dict(sorted({**kept, **{p: doc["requests"][p] for p in providers
                                                       if p in doc["requests"]}}.items()))
        results = run_checks(project, pin, case, str(recorded.get("output", "")), rendered.variables)
        doc["checks"] = [c.to_dict() for c in results] if checks or old is None else old["checks"]
        change = CaseChange(pin.display, case.id, path,
                            recorded_with=f"{recorded['provider']}:{recorded['model']}" if rerecord else None)
        change.changes, change.diff = describe_changes(project, old, doc)
        change.written = write_golden(path, doc, extra_env=project.credential_env())
    change.failing = [c.describe() for c in results if not c.passed]
    return change


def update(
    project: SnapshotProject,
    refs: Sequence[str] = (),
    case_ids: Sequence[str] = (),
    *,
    rerecord: bool = False,
    provider: str | None = None,
    store: RunStore | None = None,
    provider_factory: ProviderFactory | None = None,
    remove_orphans: bool = True,
) -> tuple[list[CaseChange], list[Path]]:
    """Update the selected cases (default all) and, when all cases are updated, delete orphan golden files.

    Returns:
        (one :class:`CaseChange` per case, the orphan files removed).

    Raises:
        See :func:`update_case`.
    """
    targets = project.targets(refs)
    changes = [
        update_case(project, target, case, rerecord=rerecord, provider=provider, store=store,
                    provider_factory=provider_factory)
        for target in targets
        for case in _select(target.suite, case_ids, targets)
    ]
    removed: list[Path] = []
    if remove_orphans and not case_ids:
        for path in orphan_goldens(project, [t.suite for t in targets]):
            path.unlink()
            removed.append(path)
    return changes, removed


# -- live ----------------------------------------------------------------------------------------------------
def _run_live(
    project: SnapshotProject,
    target: Target,
    pin: Pin,
    case: Case,
    rendered: Rendered,
    live: LiveOptions,
    store: RunStore | None,
    provider_factory: ProviderFactory | None,
    golden: Mapping[str, Any],
    made: list[str] | BaseException | None = None,
) -> LiveResult:
    """Run K live trials of a case (no response cache) and check each output (or check ``made``, run earlier)."""
    provider = live.provider or str(golden.get("recorded", {}).get("provider") or "") or None
    if isinstance(made, BaseException):
        raise made

    async def trials() -> list[str]:
        outputs = []
        for _ in range(live.trials):
            recorded = await _record_output(project, target, pin, case, rendered.variables, provider, store,
                                            provider_factory, cache=False)
            outputs.append(str(recorded["output"]))
        return outputs

    passes = 0
    failures: list[str] = []
    for number, output in enumerate(made if made is not None else asyncio.run(trials()), start=1):
        failing = [c for c in run_checks(project, pin, case, output, rendered.variables) if not c.passed]
        if failing:
            failures.append(f"trial {number}: {failing[0].describe()}")
        else:
            passes += 1
    return LiveResult(live.trials, passes, live.threshold, tuple(failures))

