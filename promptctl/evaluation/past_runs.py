"""Past comparisons and evaluations: list them, read one back, and build its report model.

``promptctl runs`` lists what :func:`list_runs` returns, ``promptctl show-run ID`` prints a stored
result again and ``promptctl report ID --html FILE`` writes :func:`report_for_run` as HTML. Everything
is read from the run store (``ab_runs``, ``ab_results``, ``ab_pairwise``, ``runs``); the dataset and
the prompt files are read again only for what the store does not keep (case tags, variables and
expected values; the prompt diff), and only when their sha256 still matches the run's.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from promptctl.errors import InputError

if TYPE_CHECKING:
    from promptctl.config import ProjectConfig
    from promptctl.registry.registry import Registry
    from promptctl.store.runs import RunStore


def run_kind(spec: dict[str, Any]) -> str:
    """``eval`` for a one-variant run, else ``ab``."""
    return str(spec.get("kind") or ("eval" if len(spec.get("variants") or []) == 1 else "ab"))


def list_runs(store: RunStore, *, limit: int = 20, kind: str | None = None) -> list[dict[str, Any]]:
    """The newest comparisons and evaluations first.

    Args:
        store: The run store.
        limit: Most rows returned.
        kind: ``ab`` or ``eval`` to keep only those, or None for both.

    Returns:
        One dict per run: id, kind, created_at, status, variants (specs), dataset (as given), cases,
        verdict (the headline, or None before a result), cost_usd (total spent, USD, or None). A run still
        ``running`` whose provider batches have not all ended (``--batch``; its process may be gone) has the
        status ``waiting`` and ``batches_waiting`` (their number); resume it with ``--resume``.
    """
    from promptctl.evaluation import ab_store
    from promptctl.evaluation.report_model import verdict
    from promptctl.store.batches import waiting

    ab_store.prepare(store)
    out = []
    for row in ab_store.recent_ab_runs(store, limit=limit if kind is None else max(limit * 5, 100), with_result=True):
        spec = row["spec"] if isinstance(row["spec"], dict) else {}
        this = run_kind(spec)
        if kind is not None and this != kind:
            continue
        result = row.get("result") if isinstance(row.get("result"), dict) else None
        out.append({
            "id": row["id"], "kind": this, "created_at": row["created_at"], "status": row["status"],
            "variants": [v.get("spec") for v in spec.get("variants", [])],
            "dataset": (spec.get("dataset") or {}).get("given"), "cases": (spec.get("dataset") or {}).get("cases"),
            "verdict": verdict(result, this)["headline"] if result else None,
            "cost_usd": ((result.get("cost_usd") or {}).get("total") if result else None),
        })
        if len(out) >= limit:
            break
    pending = waiting(store, [r["id"] for r in out if r["status"] == "running"])
    for r in out:
        if r["id"] in pending:
            r.update(status="waiting", batches_waiting=pending[r["id"]])
    return out


def stored_result(store: RunStore, run_id: str) -> dict[str, Any]:
    """The stored result of a comparison or evaluation, by id or unique prefix (8+ characters).

    Raises:
        InputError: No such run, the prefix is ambiguous, or the run has no result yet (exit 2).
    """
    from promptctl.evaluation import ab_store

    ab_store.prepare(store)
    row = ab_store.get_ab_run(store, run_id)
    if row is None:
        raise InputError(f"no comparison or evaluation '{run_id}' in the run store",
                         hint="promptctl runs lists them (ids are unique from 8 characters)")
    if not isinstance(row.get("result"), dict):
        from promptctl.store.batches import waiting

        command = run_kind(row["spec"] if isinstance(row.get("spec"), dict) else {})
        batches = waiting(store, [row["id"]]).get(row["id"], 0) if row["status"] == "running" else 0
        state = (f"waiting for {batches} provider batch{'es' if batches != 1 else ''}" if batches
                 else f"status {row['status']}")
        raise InputError(f"run {row['id'][:12]} has no result yet ({state})",
                         hint=f"finish it with: promptctl {command} --resume {row['id']}")
    return dict(row["result"])


def report_for_run(store: RunStore, registry: Registry | None, run_id: str, *, config: ProjectConfig | None = None,
                   result: dict[str, Any] | None = None) -> dict[str, Any]:
    """The report model (:mod:`promptctl.evaluation.report_model`) of a stored run.

    Args:
        store: The run store.
        registry: The prompt registry (for the prompt diff), or None.
        run_id: The run's id or unique prefix.
        config: Project config (to find the dataset relative to the project root).
        result: Its result when already at hand (saves reading it again).

    Returns:
        The redacted report model.

    Raises:
        InputError: No such run, or it has no result yet.
    """
    from promptctl.evaluation import ab_store
    from promptctl.evaluation.report_model import build_report

    result = result if result is not None else stored_result(store, run_id)
    full_id = str(result["ab_run_id"])
    row = ab_store.get_ab_run(store, full_id)
    spec = row["spec"] if row is not None and isinstance(row["spec"], dict) else {}
    labels = [v["label"] for v in result["variants"]]
    records, requests = ab_store.records_of(store, full_id, labels)
    return build_report(result, records, requests, cases=_cases(spec, config),
                        judgements=ab_store.judgements_of(store, full_id, labels),
                        prompts=_prompts(spec, registry), kind=run_kind(spec))


def _cases(spec: dict[str, Any], config: ProjectConfig | None) -> list[dict[str, Any]]:
    """The dataset's cases (id, tags, variables, expected) when the file still matches the run's sha256."""
    from promptctl.errors import PromptctlError
    from promptctl.evaluation.datasets import load_dataset

    data = spec.get("dataset") or {}
    candidates = [Path(str(data.get("path", "")))]
    if config is not None and data.get("given"):
        candidates.append(config.root / str(data["given"]))
    for path in candidates:
        if not path.is_file():
            continue
        try:
            dataset = load_dataset(path)
        except PromptctlError:
            return []
        if dataset.sha256 != data.get("sha256"):
            return []
        return [{"id": c.id, "tags": list(c.tags), "variables": c.variables,
                 "expected": c.expected if c.has_expected else None} for c in dataset.cases]
    return []


def _prompts(spec: dict[str, Any], registry: Registry | None) -> list[dict[str, Any] | None]:
    """Per variant: its prompt version's front matter, template and tools, when the file matches the run's hash."""
    from promptctl.errors import PromptctlError

    out: list[dict[str, Any] | None] = []
    for v in spec.get("variants", []):
        info = v.get("prompt") or {}
        version = None
        if registry is not None and info.get("name"):
            try:
                version = registry.get(f"{info['name']}@{info['version']}", allow_modified=True)
            except PromptctlError:
                version = None
        if version is None or version.sha256 != info.get("sha256"):
            out.append(None)
            continue
        front = version.front_matter.model_dump(mode="json", exclude_defaults=True, by_alias=True)
        out.append({"ref": version.ref, "front_matter": front, "template": version.body,
                    "tools": front.get("tools")})
    return out


# -- --compare: a new evaluation against an earlier run ----------------------------------------------------------
def compare_baseline(store: RunStore, target: str) -> dict[str, Any]:
    """The earlier run and variant that ``eval --compare RUN_ID[:LABEL]`` compares against.

    Args:
        store: The run store.
        target: ``RUN_ID`` (an evaluation's only variant, or an ab run's last one) or ``RUN_ID:LABEL``.

    Returns:
        ``{"run_id", "index", "label", "spec", "variant", "trials", "dataset_sha256"}``: the run's full id, the
        variant's index and label in it, the run's stored spec, the variant's spec entry, its trials and its
        dataset's sha256.

    Raises:
        InputError: No such run, no result yet, or no such variant (exit 2).
    """
    from promptctl.evaluation import ab_store

    run_id, _, label = target.partition(":")
    result = stored_result(store, run_id)
    row = ab_store.get_ab_run(store, str(result["ab_run_id"]))
    assert row is not None
    spec = row["spec"] if isinstance(row["spec"], dict) else {}
    labels = [v["label"] for v in spec.get("variants", [])]
    if spec.get("pairwise"):
        raise InputError(f"run {row['id'][:12]} was judged pairwise: it has no per-case scores to compare with",
                         hint="compare with an evaluation or an ab run scored per case")
    if label and label not in labels:
        raise InputError(f"run {row['id'][:12]} has no variant {label!r} (it has {', '.join(labels)})",
                         hint=f"promptctl runs show {row['id'][:12]}")
    index = labels.index(label) if label else len(labels) - 1
    return {"run_id": row["id"], "index": index, "label": labels[index], "spec": spec,
            "variant": spec["variants"][index], "trials": int(spec.get("trials", 1)),
            "dataset_sha256": (spec.get("dataset") or {}).get("sha256")}


def check_comparable(baseline: dict[str, Any], dataset_sha256: str, trials: int | None = None) -> None:
    """Refuse a comparison whose datasets (or trials) differ: cases would not pair up.

    Raises:
        InputError: The dataset's sha256 differs from the earlier run's, or the trials differ (exit 2).
    """
    if baseline["dataset_sha256"] != dataset_sha256:
        raise InputError(f"run {baseline['run_id'][:12]} was made on another dataset (sha256 "
                         f"{str(baseline['dataset_sha256'])[:12]}, this one {dataset_sha256[:12]}): cases would not "
                         "pair up", hint="--compare needs the same dataset file, unchanged")
    if trials is not None and trials != baseline["trials"]:
        raise InputError(f"run {baseline['run_id'][:12]} ran {baseline['trials']} trial(s) per case, this one {trials}",
                         hint=f"use --trials {baseline['trials']}")


def _rows(store: RunStore, run_id: str, index: int, as_index: int) -> list[dict[str, Any]]:
    from promptctl.evaluation import ab_store

    return [{**r, "variant": as_index} for r in ab_store.results_of(store, run_id) if r["variant"] == index]


def compared_result(store: RunStore, baseline: dict[str, Any], result: dict[str, Any]) -> dict[str, Any]:
    """An ab-shaped result comparing ``result``'s variant (B) with the earlier run's variant (A), case by case.

    The statistics are :func:`~promptctl.evaluation.ab_report.build_result`'s, computed from both runs'
    stored case rows, so the comparison is the one ``ab`` would report for the same outputs.

    Args:
        store: The run store holding both runs.
        baseline: :func:`compare_baseline`'s answer.
        result: The new evaluation's result.

    Returns:
        The result dict (``ab_run_id`` is the new run's; ``compared_with`` names the earlier run).
    """
    from promptctl.evaluation.ab_report import build_result

    run_id = str(result["ab_run_id"])
    new_spec = _spec(store, run_id)
    old_variant = {**baseline["variant"], "label": "A",
                   "spec": f"{baseline['variant']['spec']} (run {baseline['run_id'][:8]})"}
    new_variant = {**new_spec["variants"][0], "label": "B"}
    spec = {**new_spec, "variants": [old_variant, new_variant], "kind": "ab"}
    rows = sorted(_rows(store, baseline["run_id"], baseline["index"], 0) + _rows(store, run_id, 0, 1),
                  key=lambda r: (r["case_index"], r["trial"], r["variant"]))
    out = build_result(run_id, spec, rows, status=str(result["status"]), created_at=result.get("created_at"),
                       case_ids=[c["id"] for c in result["cases"]], warnings=result.get("warnings", []))
    out["compared_with"] = {"run_id": baseline["run_id"], "label": baseline["label"]}
    return out


def compared_report(store: RunStore, registry: Registry | None, baseline: dict[str, Any], result: dict[str, Any],
                    *, config: ProjectConfig | None = None) -> dict[str, Any]:
    """The report model of :func:`compared_result`: the earlier run's variant as A, the new evaluation as B."""
    from promptctl.evaluation import ab_store
    from promptctl.evaluation.report_model import build_report

    compared = compared_result(store, baseline, result)
    old_labels = [v["label"] for v in baseline["spec"]["variants"]]
    old, old_requests = ab_store.records_of(store, baseline["run_id"], old_labels)
    new, new_requests = ab_store.records_of(store, str(result["ab_run_id"]), ["B"])
    records = [{**r, "variant": "A"} for r in old if r["variant"] == baseline["label"]] + new
    new_variant = _spec(store, str(result["ab_run_id"]))["variants"][0]
    spec = {**baseline["spec"], "variants": [baseline["variant"], new_variant]}
    return build_report(compared, records, {**old_requests, **new_requests}, cases=_cases(spec, config),
                        prompts=_prompts(spec, registry), kind="ab")


def _spec(store: RunStore, run_id: str) -> dict[str, Any]:
    from promptctl.evaluation import ab_store

    row = ab_store.get_ab_run(store, run_id)
    return row["spec"] if row is not None and isinstance(row["spec"], dict) else {}
