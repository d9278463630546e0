"""Planning an A/B run: variants, scoring, rendering every case, and the cost estimate. Nothing is sent.

See :mod:`promptctl.evaluation.ab` for the whole flow and the variant syntax. :func:`plan_ab` resolves
the variants and renders every request of every case for every variant (a case that does not render
for some variant is reported with its ``FILE:LINE``), resolves each case's scorer, and
:func:`estimate_plan` prices what is still to run. :func:`load_plan` rebuilds the plan of a stored
run, refusing if its dataset or a prompt version changed.

Scorer precedence for a case: ``--scorer``, the case's ``scorer``, the dataset's ``scorer``, the
baseline version's ``metadata.scorer``, else a default: ``json_fields`` when ``expected`` is a JSON
object, ``normalised`` for any other ``expected``, ``judge`` when a judge model is given,
``json_schema`` when the prompt declares JSON output.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from promptctl.errors import InputError, PromptctlError
from promptctl.types import Usage

if TYPE_CHECKING:
    from promptctl.config import ProjectConfig
    from promptctl.evaluation.datasets import Case, Dataset
    from promptctl.evaluation.judges import JudgeTarget, Rubric
    from promptctl.evaluation.scorers import Scorer
    from promptctl.registry.registry import PromptVersion, Registry
    from promptctl.store.runs import RunStore
    from promptctl.types import ProviderRequest

SPEC_VERSION = 1
DEFAULT_CONCURRENCY = 8

_VARIANT_KEYS = ("provider", "model", "strategy")


# -- variants ------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class VariantSpec:
    """A variant as written on the command line (see the module docstring for the syntax).

    Attributes:
        text: The argument as given.
        ref: The prompt reference.
        provider: Provider named by the variant, or None.
        model: Model named by the variant, or None.
        strategy: Strategy override, or None.
        parameters: Parameter overrides.
    """

    text: str
    ref: str
    provider: str | None = None
    model: str | None = None
    strategy: str | None = None
    parameters: dict[str, Any] = field(default_factory=dict)


def parse_variant(text: str) -> VariantSpec:
    """Parse ``REF[::[PROVIDER:]MODEL][::key=value ...]``.

    A bare segment right after the model continues the model id, since fine-tuned OpenAI ids contain
    ``::`` (``REF::openai:ft:gpt-3.5-turbo:acme::abc123``).

    Raises:
        InputError: An empty reference, segment or parameter name, or an unknown provider prefix form.
    """
    from promptctl.types import PROVIDERS

    ref, *segments = text.split("::")
    if not ref.strip():
        raise InputError(f"variant {text!r} has no prompt reference", hint="e.g. support-agent@2::openai:gpt-4.1")
    values: dict[str, Any] = {"provider": None, "model": None, "strategy": None}
    parameters: dict[str, Any] = {}
    last_was_model = False
    for segment in segments:
        if not segment.strip():
            raise InputError(f"variant {text!r} has an empty '::' segment")
        key, eq, value = segment.partition("=")
        if eq and not key.strip():  # `REF::=0.7` was taken for a model named '=0.7'
            raise InputError(f"variant {text!r}: the segment '{segment}' has no parameter name",
                             hint="e.g. REF::temperature=0.7")
        if eq and key.strip().isidentifier():
            key = key.strip()
            last_was_model = key == "model"
            if key in _VARIANT_KEYS:
                values[key] = value.strip()
            else:
                try:
                    parameters[key] = json.loads(value)
                except (ValueError, RecursionError):
                    parameters[key] = value
            continue
        head, colon, rest = segment.partition(":")
        if values["model"] is not None and last_was_model:
            values["model"] += "::" + segment  # fine-tuned ids contain '::' (ft:gpt-3.5-turbo:org::id)
        elif colon and head in PROVIDERS and rest:
            values["provider"], values["model"] = head, rest
        else:
            values["model"] = segment.strip()
        last_was_model = True
    return VariantSpec(text=text, ref=ref.strip(), parameters=parameters, **values)


def check_parameter_names(spec: VariantSpec) -> VariantSpec:
    """``spec``, its parameters checked: names for near misses of known ones, values of numeric parameters.

    See :func:`_check_parameter_name` and :func:`_check_parameter_value`. A new comparison's variants are checked; a
    resumed one's are not (it runs what was started).

    Raises:
        InputError: A near miss, or a value that cannot be the parameter (``temperature=hot``).
    """
    for key, value in spec.parameters.items():
        _check_parameter_name(key, spec.text)
        _check_parameter_value(key, value, spec.text)
    return spec


_NUMBERS = {"temperature": (int, float), "top_p": (int, float), "max_tokens": (int,), "seed": (int,)}
"""The variant parameters whose values must be numbers, as the front matter's ``parameters`` require."""


def _check_parameter_value(key: str, value: Any, text: str) -> None:
    """Refuse ``REF::temperature=hot`` (or an empty value) as the front matter refuses ``temperature: hot``.

    Without it, the text was sent as the value to every case of the comparison, and every call refused by the API.

    Raises:
        InputError: ``temperature`` or ``top_p`` not a number, ``max_tokens`` or ``seed`` not a whole number.
    """
    kinds = _NUMBERS.get(key)
    if kinds is None or (isinstance(value, kinds) and not isinstance(value, bool)):
        return
    what = "a number" if float in kinds else "a whole number"
    example = "0.7" if float in kinds else "256"
    raise InputError(f"variant {text!r}: '{key}' must be {what}, not {value!r}", hint=f"e.g. REF::{key}={example}")


def _check_parameter_name(key: str, text: str) -> None:
    """Refuse a variant parameter that no provider knows and that is a near miss of one that some provider does.

    On the command line a misspelt ``temprature=0.5`` would be sent as is to every case of the comparison, paid for,
    and ignored or refused by the API; a name no provider knows and nothing resembles (a provider's new option) is
    passed through as in the front matter. The known names: :data:`promptctl.adapters.profiles.KNOWN_PARAMETERS`.

    Raises:
        InputError: ``key`` is a near miss: :func:`difflib.get_close_matches` at 0.8 among every provider's known
            parameters (``temprature``, ``max_token``; ``reasoning`` and ``include`` pass).
    """
    import difflib

    from promptctl.adapters.profiles import KNOWN_PARAMETERS

    known = sorted(set().union(*KNOWN_PARAMETERS.values()))
    if key in known:
        return
    close = difflib.get_close_matches(key, known, n=1, cutoff=0.8)  # temprature, max_token; not reasoning, include
    if close:
        raise InputError(f"variant {text!r}: '{key}' is not a parameter any provider takes",
                         hint=f"did you mean '{close[0]}'? (a name no provider knows and nothing resembles is sent "
                              "as is)")


@dataclass
class Variant:
    """A resolved variant: prompt version, target and options.

    Attributes:
        index: 0-based position (0 is the baseline).
        label: ``A``, ``B``, ``C`` ...
        spec: The parsed argument.
        version: The prompt version.
        provider: Provider name.
        model: Model id.
        strategy: Strategy requested (the version's unless overridden).
        executed: Strategy that runs (the name of the resolved executor plan).
        parameters: Parameter overrides.
        salt: Cache salt of this variant's requests (``""`` unless it duplicates an earlier variant).
        plan: The executor plan (:func:`promptctl.executors.strategy.resolve_plan`).
    """

    index: int
    label: str
    spec: VariantSpec
    version: PromptVersion
    provider: str
    model: str
    strategy: str
    executed: str
    parameters: dict[str, Any]
    salt: str = ""
    plan: Any = field(default=None, repr=False)

    @property
    def name(self) -> str:
        """The variant as written (``support-agent@2::openai:gpt-4.1``)."""
        return self.spec.text

    def to_dict(self) -> dict[str, Any]:
        """What the run store keeps of a variant (enough to resume it)."""
        from promptctl.session.run import prompt_info

        return {
            "label": self.label, "spec": self.spec.text, "ref": self.version.ref, "prompt": prompt_info(self.version),
            "provider": self.provider, "model": self.model, "strategy": self.strategy, "executed": self.executed,
            "parameters": self.parameters, "salt": self.salt,
        }


def label_of(index: int) -> str:
    """``A`` ... ``Z``, then ``V27`` ...: the label of the variant at ``index``."""
    return chr(ord("A") + index) if index < 26 else f"V{index + 1}"


# -- scoring ---------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class CaseScoring:
    """How one case is scored: a deterministic scorer, or the rubric judge.

    Attributes:
        spec: The scorer spec that applies.
        scorer: The deterministic scorer, or None for the judge.
        rubric: The judge's rubric, or None.
    """

    spec: str
    scorer: Scorer | None = None
    rubric: Rubric | None = None


EXTRA_SCORERS = ("json_fields", "judge", "pairwise")


def json_fields_scorer(spec: str = "json_fields") -> Scorer:
    """``json_fields``: the output's JSON object matches every key of the expected object.

    Strings compare after :func:`~promptctl.executors.answers.normalise` (case, whitespace, quotes),
    other values by equality. The score is the share of expected keys matched; the case passes when all
    match. An output that is not a JSON object (code fences allowed) scores 0.

    Returns:
        The :class:`~promptctl.evaluation.scorers.Scorer`.
    """
    import re

    from promptctl.evaluation.scorers import Score, Scorer
    from promptctl.executors.answers import normalise

    def same(got: Any, want: Any) -> bool:
        if isinstance(want, str) and isinstance(got, str):
            return normalise(got) == normalise(want)
        return bool(got == want and type(got) is type(want)) or (
            isinstance(got, int | float) and isinstance(want, int | float) and not isinstance(got, bool)
            and not isinstance(want, bool) and got == want)

    def score(output: str, expected: Any, case: Mapping[str, Any]) -> Score:
        if not isinstance(expected, Mapping) or not expected:
            raise InputError(f"json_fields scorer: expected must be a non-empty JSON object, not {expected!r}")
        text = output.strip()
        fenced = re.fullmatch(r"```(?:json)?\s*(.*?)\s*```", text, re.DOTALL)
        try:
            data = json.loads(fenced.group(1) if fenced else text)
        except ValueError:
            return Score(0.0, False, "output is not JSON")
        if not isinstance(data, dict):
            return Score(0.0, False, "output is not a JSON object")
        wrong = [k for k, v in expected.items() if not same(data.get(k), v)]
        value = 1 - len(wrong) / len(expected)
        detail = "all fields match" if not wrong else "; ".join(
            f"{k}: {data.get(k)!r} != {expected[k]!r}" for k in wrong)
        return Score(value, not wrong, detail)

    return Scorer(spec, score)


def resolve_scoring(
    spec: str, *, version: PromptVersion, base: Path, case: Case | None = None, dataset_rubric: str | None = None,
    judge: JudgeTarget | None = None,
) -> CaseScoring:
    """Build the scoring of a case from a spec: the deterministic scorers, ``json_fields`` or ``judge[:FILE]``.

    Args:
        spec: Scorer spec (see :mod:`promptctl.evaluation.scorers`, plus ``json_fields`` and ``judge``).
        version: The baseline version (its output schema serves ``json_schema``).
        base: Folder relative rubric and schema paths are read from.
        case: The case (its ``rubric``).
        dataset_rubric: The dataset's rubric text.
        judge: The judge model (required for ``judge``).

    Raises:
        InputError: Unknown scorer, or ``judge`` without ``--judge``.
    """
    from promptctl.evaluation.judges import load_rubric
    from promptctl.evaluation.scorers import SCORER_NAMES, make_scorer

    name, _, arg = spec.partition(":")
    if name == "json_fields":
        return CaseScoring(spec, json_fields_scorer(spec))
    if name == "judge":
        if judge is None:
            raise InputError(f"scorer '{spec}' needs a judge model", hint="add --judge PROVIDER:MODEL, "
                                                                          "e.g. --judge openai:gpt-4.1")
        if arg:
            rubric = load_rubric(base / arg)
        else:
            text = (case.rubric if case is not None else None) or dataset_rubric
            rubric = load_rubric(None, text=text)
        return CaseScoring(spec, None, rubric)
    if name == "pairwise":
        raise InputError("the pairwise judge compares variants, so it is chosen for the whole run",
                         hint="use --scorer pairwise (or 'scorer: pairwise' at the top of a YAML dataset)")
    output = version.front_matter.output
    schema = output.json_schema if output is not None else None
    try:
        return CaseScoring(spec, make_scorer(spec, output_schema=schema if isinstance(schema, dict) else None,
                                             base=base))
    except InputError as exc:
        if "unknown scorer" in exc.message:
            from promptctl.errors import did_you_mean

            names = (*SCORER_NAMES, *EXTRA_SCORERS)
            close = did_you_mean(name, names)
            listed = f"scorers: {', '.join(names)}"
            raise InputError(exc.message, hint=f"{close} {listed}" if close else listed) from None
        raise


# -- the plan --------------------------------------------------------------------------------------------
@dataclass
class Job:
    """One call-producing unit of work: a variant on a case, one trial.

    Attributes:
        variant: Variant index.
        case: Case index.
        trial: 0-based trial.
        prepared: The rendered request and strategy plan (:class:`promptctl.session.run.Prepared`).
        salt: Cache salt added to every call of this job (``variant:N``, ``trial:K``), or ``""``.
    """

    variant: int
    case: int
    trial: int
    prepared: Any
    salt: str = ""
    endpoint: str = ""

    @property
    def request(self) -> ProviderRequest:
        """The job's (first) request, with the job's salt and endpoint: what the response cache is asked for."""
        return salted(self.prepared.request, self.salt).at(self.endpoint)

    @property
    def key(self) -> tuple[int, int, int]:
        """``(variant, case, trial)``."""
        return self.variant, self.case, self.trial


@dataclass
class ABPlan:
    """Everything an A/B run needs, validated.

    Attributes:
        dataset: The dataset.
        variants: The variants, baseline first.
        prepared: ``prepared[variant][case]``: the rendered request and strategy plan (unsalted).
        scoring: Per case, its :class:`CaseScoring`; empty for a pairwise run.
        pairwise: True when the pairwise judge decides (no per-variant scores).
        pairwise_rubric: Criteria for the pairwise judge, or None.
        judge: The judge model, or None.
        scorer: The run's scorer spec (``--scorer``), or None.
        trials: Repeats of each case.
        alpha: Significance level.
        seed: Resampling seed of the statistics.
        mde: Minimum difference the planning advice sizes for (a share: 0.05 = 5 points).
        config: Project config.
        warnings: Notes for the user (deduplicated).
        judge_run_id: The ``runs`` row the judge's calls are recorded under (created on first use).
        dataset_given: How the dataset path is shown and stored (``given``), or None: the path relative
            to the project root when it is inside it, else as given. A resumed run keeps the original.
        kind: ``ab`` (a comparison) or ``eval`` (one variant evaluated, :func:`plan_eval`).
    """

    dataset: Dataset
    variants: list[Variant]
    prepared: list[list[Any]]
    scoring: list[CaseScoring]
    pairwise: bool = False
    pairwise_rubric: Rubric | None = None
    judge: JudgeTarget | None = None
    scorer: str | None = None
    trials: int = 1
    alpha: float = 0.05
    seed: int = 0
    mde: float = 0.05
    config: ProjectConfig | None = None
    warnings: list[str] = field(default_factory=list)
    judge_run_id: str = ""
    dataset_given: str | None = None
    kind: str = "ab"

    def jobs(self) -> list[Job]:
        """Every job in run order: case by case, trial by trial, variant by variant (pairs complete early)."""
        from promptctl.session import endpoint_for

        endpoints = {v.provider: endpoint_for(v.provider, self.config) for v in self.variants}
        out = []
        for case in range(len(self.dataset.cases)):
            for trial in range(self.trials):
                for variant in self.variants:
                    salt = "|".join(s for s in (variant.salt, f"trial:{trial}" if trial else "") if s)
                    out.append(Job(variant.index, case, trial, self.prepared[variant.index][case], salt,
                                   endpoints[variant.provider]))
        return out

    def request(self, variant: int, case: int) -> ProviderRequest:
        """The unsalted (first) request of a variant on a case."""
        return self.prepared[variant][case].request

    def scorer_counts(self) -> dict[str, int]:
        """How many cases each scorer spec scores (``{"pairwise": n}`` for a pairwise run)."""
        if self.pairwise:
            return {"pairwise": len(self.dataset.cases)}
        counts: dict[str, int] = {}
        for scoring in self.scoring:
            counts[scoring.spec] = counts.get(scoring.spec, 0) + 1
        return counts

    def given_path(self) -> str:
        """The dataset path as shown: :attr:`dataset_given`, else relative to the project root when inside it."""
        if self.dataset_given:
            return self.dataset_given
        path = self.dataset.path
        root = self.config.root if self.config is not None else None
        if root is not None:
            try:
                return path.resolve().relative_to(root.resolve()).as_posix()
            except ValueError:
                pass
        return str(path)

    def spec(self) -> dict[str, Any]:
        """The JSON spec stored with the A/B run (enough to resume it)."""
        return {
            "spec_version": SPEC_VERSION,
            "dataset": {"path": str(self.dataset.path.resolve()), "given": self.given_path(),
                        "sha256": self.dataset.sha256, "format": self.dataset.format,
                        "cases": len(self.dataset.cases)},
            "variants": [v.to_dict() for v in self.variants],
            "scorer": self.scorer, "pairwise": self.pairwise, "scorers": self.scorer_counts(),
            "judge": self.judge.spec if self.judge else None, "trials": self.trials, "alpha": self.alpha,
            "seed": self.seed, "mde": self.mde, "judge_run_id": self.judge_run_id, "kind": self.kind,
        }


def plan_eval(registry: Registry, ref: str, dataset: str | Path, **options: Any) -> ABPlan:
    """Plan an evaluation: one variant on a dataset, with the scorers, trials and judge of :func:`plan_ab`.

    Args:
        registry: The prompt registry.
        ref: The variant (any :func:`parse_variant` spec).
        dataset: The dataset file.
        **options: :func:`plan_ab`'s keyword options.

    Returns:
        The plan (``kind`` ``eval``); it runs, resumes and is stored like a comparison.

    Raises:
        InputError: The pairwise judge (it needs two variants), bad options, unknown references or scorers.
        DatasetError: A bad row, or a case that does not render (``FILE:LINE``).
    """
    plan = plan_ab(registry, [ref], dataset, minimum=1, **options)
    if plan.pairwise:
        raise InputError("the pairwise judge compares two variants; an evaluation has one",
                         hint="use --scorer judge[:RUBRIC.md] for a rubric judge, or promptctl ab for a comparison")
    plan.kind = "eval"
    return plan


MAX_JOBS = 1_000_000
"""The most jobs (cases x variants x trials) one ``ab`` or ``eval`` run plans: past it, planning alone holds
gigabytes and minutes before the first call (``--trials 1000000`` on 30 cases used to hang)."""


def plan_ab(
    registry: Registry,
    variants: Sequence[str],
    dataset: str | Path,
    *,
    config: ProjectConfig | None = None,
    scorer: str | None = None,
    judge: str | None = None,
    provider: str | None = None,
    model: str | None = None,
    trials: int = 1,
    alpha: float = 0.05,
    seed: int = 0,
    allow_modified: bool = False,
    mde: float = 0.05,
    minimum: int = 2,
) -> ABPlan:
    """Resolve, load and render everything; nothing is sent.

    Args:
        registry: The prompt registry.
        variants: Two or more variant specs (the first is the baseline).
        dataset: The dataset file.
        config: Project config.
        scorer: Scorer spec for every case (``--scorer``), overriding the dataset's and the prompt's.
        judge: Judge model ``PROVIDER:MODEL`` for ``judge`` and ``pairwise``.
        provider: Provider for variants that name none.
        model: Model for variants that name none.
        trials: Repeats per case (>= 1).
        alpha: Significance level (0 < alpha < 1).
        seed: Resampling seed.
        allow_modified: Accept published versions whose file changed.
        mde: Minimum difference of the planning advice (a share, 0 < mde <= 1).
        minimum: Fewest variants accepted (1 for :func:`plan_eval`).

    Returns:
        The :class:`ABPlan`.

    Raises:
        InputError: Fewer than two variants, bad options, unknown references or scorers.
        DatasetError: A bad row, or a case that does not render for some variant (``FILE:LINE``).
        IntegrityError: A published version's file changed (without ``allow_modified``).
    """
    from promptctl.evaluation.datasets import load_dataset
    from promptctl.evaluation.judges import parse_judge

    if len(variants) < minimum:
        raise InputError("ab needs at least two variants to compare",
                         hint="e.g. promptctl ab support-agent@1 support-agent@2 --dataset FILE")
    if trials < 1:
        raise InputError(f"--trials must be >= 1, not {trials}")
    if not 0 < alpha < 1:
        raise InputError(f"--alpha must be between 0 and 1, not {alpha}")
    if not 0 < mde <= 1:
        raise InputError(f"--mde must be above 0 and at most 100 points, not {mde * 100:g}", hint="e.g. --mde 5pts")
    data = load_dataset(dataset)
    calls = len(data.cases) * len(variants) * trials
    if calls > MAX_JOBS:
        raise InputError(f"{len(data.cases)} cases x {len(variants)} variants x {trials} trials is {calls:,} calls, "
                         f"over promptctl's limit of {MAX_JOBS:,} in one run",
                         hint="use fewer --trials or split the dataset")
    target = parse_judge(judge) if judge else None
    resolved = [_resolve_variant(registry, i, check_parameter_names(parse_variant(text)), provider, model, config,
                                 allow_modified)
                for i, text in enumerate(variants)]
    plan = _finish_plan(data, resolved, config=config, scorer=scorer, judge=target, trials=trials, alpha=alpha,
                        seed=seed)
    plan.mde = mde
    return plan


def _resolve_variant(
    registry: Registry, index: int, spec: VariantSpec, provider: str | None, model: str | None,
    config: ProjectConfig | None, allow_modified: bool,
) -> Variant:
    from promptctl.adapters import resolve_target

    version = registry.get(spec.ref, allow_modified=allow_modified)
    chosen_provider = spec.provider or provider
    chosen_model = spec.model if spec.model else (model if not spec.provider else None)
    target_provider, target_model = resolve_target(version.front_matter, chosen_provider, chosen_model, config,
                                                   where=version.display)
    strategy = spec.strategy or version.front_matter.strategy.name
    plan = strategy_plan(version, spec.strategy, where=spec.text)
    return Variant(index=index, label=label_of(index), spec=spec, version=version, provider=target_provider,
                   model=target_model, strategy=strategy, executed=plan.name, parameters=dict(spec.parameters),
                   plan=plan)


def strategy_plan(version: PromptVersion, strategy: str | None, *, where: str) -> Any:
    """The executor plan of a variant (:func:`promptctl.executors.strategy.resolve_plan`).

    Raises:
        InputError: An unknown strategy or invalid options; a chain (chains are not compared by ``ab`` yet).
    """
    from promptctl.executors.strategy import resolve_plan

    if strategy == "chain" or (strategy is None and version.front_matter.strategy.name == "chain"):
        raise InputError(f"{where}: ab does not compare chains yet",
                         hint="compare a chain's steps (their prompt versions) instead")
    return resolve_plan(version.front_matter.strategy, strategy, where=where)


def salted(request: ProviderRequest, salt: str) -> ProviderRequest:
    """``request`` with ``salt`` put before its own cache salt (e.g. ``trial:2|sample:3``); unchanged for ``""``."""
    if not salt:
        return request
    return dataclasses.replace(request, cache_salt="|".join(s for s in (salt, request.cache_salt) if s))


def _finish_plan(
    data: Dataset, resolved: list[Variant], *, config: ProjectConfig | None, scorer: str | None,
    judge: JudgeTarget | None, trials: int, alpha: float, seed: int, judge_run_id: str = "",
) -> ABPlan:
    import uuid

    from promptctl.evaluation.datasets import DatasetError
    from promptctl.session.run import prepare

    warnings: list[str] = []
    seen: dict[tuple[Any, ...], int] = {}
    for v in resolved:
        identity = (v.version.sha256, v.provider, v.model, v.executed, json.dumps(v.parameters, sort_keys=True))
        if identity in seen:
            v.salt = v.salt or f"variant:{v.index}"
            warnings.append(f"{v.label} sends the same requests as {label_of(seen[identity])} (an A/A comparison): "
                            "its answers are sampled and cached separately")
        else:
            seen[identity] = v.index
    import warnings as _warnings

    prepared: list[list[Any]] = [[] for _ in resolved]
    pool: dict[str, str] = {}
    for case in data.cases:
        for v in resolved:
            with _warnings.catch_warnings(record=True) as caught:  # rendering notes, deduplicated below
                _warnings.simplefilter("always")
                try:
                    ready = prepare(v.version, case.variables, v.plan, provider=v.provider, model=v.model,
                                    parameters=v.parameters, config=config)
                except PromptctlError as exc:
                    raise DatasetError(data.path, case.line, f"case '{case.id}' for {v.label} ({v.name}): "
                                       f"{exc.message}", hint=_case_hint(exc, data, case)) from None
            for note in [*(str(w.message) for w in caught), *ready.notes]:
                text = f"{v.label} {v.version.ref}: {note}"
                if text not in warnings:
                    warnings.append(text)
            _share_texts(ready.request.body, pool)
            _share_texts(ready.request.kwargs, pool)
            prepared[v.index].append(ready)
    baseline = resolved[0].version
    base = data.path.parent
    run_spec = scorer or data.scorer or _prompt_scorer(baseline)
    pairwise = bool(run_spec and run_spec.partition(":")[0] == "pairwise")
    plan = ABPlan(dataset=data, variants=resolved, prepared=prepared, scoring=[], pairwise=pairwise, judge=judge,
                  scorer=scorer, trials=trials, alpha=alpha, seed=seed, config=config, warnings=warnings,
                  judge_run_id=judge_run_id or (uuid.uuid4().hex if judge else ""))
    if pairwise:
        from promptctl.evaluation.judges import load_rubric

        assert run_spec is not None
        if judge is None:
            raise InputError("the pairwise judge needs a judge model", hint="add --judge PROVIDER:MODEL")
        arg = run_spec.partition(":")[2]
        plan.pairwise_rubric = load_rubric(Path.cwd() / arg) if arg else (
            load_rubric(None, text=data.rubric) if data.rubric else None)
        return plan
    cache: dict[tuple[str, str | None], CaseScoring] = {}
    for case in data.cases:
        spec = scorer or case.scorer or data.scorer or _prompt_scorer(baseline) or _default_scorer(case, judge,
                                                                                                    baseline)
        if spec is None:
            raise DatasetError(data.path, case.line, f"case '{case.id}' has no expected value and no scorer applies",
                               hint="give 'expected', a 'scorer', --scorer, or --judge PROVIDER:MODEL")
        key = (spec, case.rubric)
        try:
            scoring = cache.get(key) or resolve_scoring(spec, version=baseline, base=base if not scorer else Path.cwd(),
                                                        case=case, dataset_rubric=data.rubric, judge=judge)
        except InputError as exc:
            if scorer:  # --scorer's mistake, not the case's
                raise InputError(f"--scorer: {exc.message}", hint=exc.hint) from None
            raise DatasetError(data.path, case.line, f"case '{case.id}': {exc.message}", hint=exc.hint) from None
        cache[key] = scoring
        if scoring.scorer is not None and scoring.scorer.needs_expected and not case.has_expected:
            raise DatasetError(data.path, case.line, f"case '{case.id}' has no 'expected' value, which scorer "
                                                     f"'{spec}' needs", hint="add 'expected' or choose another scorer")
        problem = expected_problem(spec, case.expected) if scoring.scorer is not None and case.has_expected else None
        if problem is not None:
            raise DatasetError(data.path, case.line, f"case '{case.id}': {problem}",
                               hint=f"fix 'expected' in the case, or choose another scorer than '{spec}'")
        plan.scoring.append(scoring)
    return plan


def _case_hint(exc: PromptctlError, data: Dataset, case: Case) -> str | None:
    """The hint of a case that does not render: about the dataset case, not ``--var`` (which ``ab`` has not)."""
    from promptctl.errors import UndefinedVariableError, VariableError, did_you_mean

    where = f"{data.path}:{case.line}"
    if isinstance(exc, UndefinedVariableError):
        typo = next((f"did you mean '{exc.variable}'? case '{case.id}' has '{given}' ({where})"
                     for given in case.variables if did_you_mean(given, [exc.variable])), None)  # {tickt: ...}
        return typo or (
            f"add '{exc.variable}' to the vars of case '{case.id}' ({where}), or give it a default in the front matter")
    if isinstance(exc, VariableError):
        return f"fix the value in the vars of case '{case.id}' ({where}); {exc.hint}" if exc.hint else (
            f"fix the value in the vars of case '{case.id}' ({where})")
    return exc.hint


def expected_problem(spec: str, expected: Any) -> str | None:
    """Why ``expected`` cannot be used by the deterministic scorer ``spec``, or None when it can.

    Checked for every case before anything is sent: ``numeric`` needs a number, ``regex`` without a
    pattern a compilable pattern, ``json_fields`` a non-empty JSON object, ``contains`` text or a list of
    texts, ``exact`` and ``normalised`` text or a number. ``python:``, ``json_schema`` and the judges take
    any value.
    """
    import re

    name, _, arg = spec.partition(":")
    name = {"normalized": "normalised"}.get(name, name)
    scalar = isinstance(expected, str | int | float)  # bool included: compared as its text
    shown = repr(expected) if len(repr(expected)) <= 60 else repr(expected)[:57] + "..."
    if name == "numeric":
        from promptctl.executors.answers import normalise

        if isinstance(expected, bool) or not isinstance(expected, str | int | float):
            return f"expected {shown} is not a number, which scorer '{spec}' needs"
        try:
            float(normalise(str(expected)).rstrip("%"))
        except ValueError:
            return f"expected {shown} is not a number, which scorer '{spec}' needs"
        return None
    if name == "regex" and not arg:
        if not scalar or isinstance(expected, bool):
            return f"expected {shown} is not a regular expression, which scorer 'regex' (without a pattern) needs"
        try:
            re.compile(str(expected), re.MULTILINE)
        except re.error as exc:
            return f"expected {shown} is not a valid regular expression ({exc}), which scorer 'regex' needs"
        return None
    if name == "json_fields":
        if not isinstance(expected, Mapping) or not expected:
            return f"expected {shown} is not a non-empty JSON object, which scorer 'json_fields' needs"
        return None
    if name == "contains":
        if scalar or (isinstance(expected, list) and expected and all(isinstance(e, str | int | float)
                                                                      for e in expected)):
            return None
        return f"expected {shown} is not text or a list of texts, which scorer 'contains' needs"
    if name in ("exact", "normalised") and not scalar:
        return f"expected {shown} is not text or a number, which scorer '{spec}' compares with"
    return None


def _prompt_scorer(version: PromptVersion) -> str | None:
    meta = version.front_matter.metadata or {}
    value = meta.get("scorer") if isinstance(meta, Mapping) else None
    return str(value) if value else None


def _default_scorer(case: Case, judge: JudgeTarget | None, version: PromptVersion) -> str | None:
    if case.has_expected:
        return "json_fields" if isinstance(case.expected, Mapping) else "normalised"
    if judge is not None:
        return "judge"
    output = version.front_matter.output
    if output is not None and getattr(output, "format", None) == "json":
        return "json_schema"
    return None


def load_plan(registry: Registry, store: RunStore, ab_run_id: str, *, config: ProjectConfig | None = None,
              allow_modified: bool = False) -> tuple[str, ABPlan, dict[str, Any]]:
    """Rebuild the plan of a stored A/B run, to resume it.

    Args:
        registry: The prompt registry.
        store: The run store holding the A/B run.
        ab_run_id: Its id or a unique prefix.
        config: Project config.
        allow_modified: Accept published versions whose file changed.

    Returns:
        ``(full id, plan, stored row)``.

    Raises:
        InputError: Unknown id; the dataset or a prompt version changed since the run started.
    """
    from promptctl.evaluation.ab_store import get_ab_run, prepare
    from promptctl.evaluation.datasets import load_dataset
    from promptctl.evaluation.judges import parse_judge

    prepare(store)
    row = get_ab_run(store, ab_run_id)
    if row is None:
        raise InputError(f"no ab or eval run '{ab_run_id}' in {store.url}",
                         hint="the id is printed when an ab or eval run starts, and promptctl runs lists them; check "
                              "PROMPTCTL_DATABASE_URL")
    spec = row["spec"] if isinstance(row["spec"], dict) else json.loads(row["spec"])
    given = str(spec["dataset"]["given"])
    data_path = Path(spec["dataset"]["path"])
    if not data_path.exists():  # the project moved: the path as given, from the project root, else from here
        root_path = config.root / given if config is not None else None
        data_path = root_path if root_path is not None and root_path.exists() else Path(given)
    data = load_dataset(data_path)
    if data.sha256 != spec["dataset"]["sha256"]:
        raise InputError(f"{data_path} changed since A/B run {row['id'][:12]} started; its results cannot be mixed",
                         hint="restore the dataset, or start a new comparison")
    variants = []
    for i, stored in enumerate(spec["variants"]):
        info = stored["prompt"]
        version = registry.get(f"{info['name']}@{info['version']}", allow_modified=allow_modified)
        if version.sha256 != info["sha256"]:
            raise InputError(f"{version.display} changed since A/B run {row['id'][:12]} started "
                             f"(sha256 {info['sha256'][:12]} -> {version.sha256[:12]})",
                             hint="restore the version file, or start a new comparison")
        vs = parse_variant(stored["spec"])
        plan = strategy_plan(version, vs.strategy, where=vs.text)
        variants.append(Variant(
            index=i, label=stored["label"], spec=vs, version=version, provider=stored["provider"],
            model=stored["model"], strategy=stored["strategy"], executed=plan.name,
            parameters=dict(stored["parameters"]), salt=stored.get("salt", ""), plan=plan))
    judge = parse_judge(spec["judge"]) if spec.get("judge") else None
    plan = _finish_plan(data, variants, config=config, scorer=spec.get("scorer"), judge=judge,
                        trials=int(spec["trials"]), alpha=float(spec["alpha"]), seed=int(spec.get("seed", 0)),
                        judge_run_id=spec.get("judge_run_id", ""))
    plan.dataset_given = given
    plan.mde = float(spec.get("mde", 0.05))
    plan.kind = str(spec.get("kind") or "ab")
    return row["id"], plan, row


# -- cost before starting ------------------------------------------------------------------------------
@dataclass
class PlanEstimate:
    """What a run will cost, before it starts (USD; estimates, labelled so).

    Attributes:
        calls: Model calls the run needs (cases x trials x variants, less those already done).
        cached: Of those, answered by the response cache (free).
        judge_calls: Judge calls expected (0 without a judge).
        usd_low: Floor, or None when a model has no price.
        usd_expected: Expected cost, or None.
        usd_high: Ceiling (every call at its output ceiling), or None.
        per_variant: ``{label: {"calls", "cached", "usd_expected"}}``.
        unpriced: ``provider:model`` targets without a price.
        high_by_job: High estimate (USD) of one call of each job, by ``(variant, case, trial)``.
        uncached: Fingerprints of jobs' requests the cache could not answer when estimated.
        cached_calls: The cache's answers to the others (fingerprint -> call row), read in bulk.
    """

    calls: int
    cached: int
    judge_calls: int
    usd_low: float | None
    usd_expected: float | None
    usd_high: float | None
    per_variant: dict[str, dict[str, Any]]
    unpriced: list[str]
    high_by_job: dict[tuple[int, int, int], float | None] = field(default_factory=dict, repr=False)
    uncached: set[str] = field(default_factory=set, repr=False)
    cached_calls: dict[str, dict[str, Any]] = field(default_factory=dict, repr=False)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready view (``estimate: true``)."""
        return {"calls": self.calls, "cached": self.cached, "judge_calls": self.judge_calls,
                "cost_usd": {"low": self.usd_low, "expected": self.usd_expected, "high": self.usd_high},
                "per_variant": self.per_variant, "unpriced": self.unpriced, "estimate": True}


def estimate_plan(plan: ABPlan, store: RunStore | None, *, done: set[tuple[int, int, int]] | None = None,
                  use_cache: bool = True, batch: bool = False) -> PlanEstimate:
    """Price the jobs still to run. No network.

    Cached answers are found by each job's first request; a strategy whose calls carry their own salt
    (self-consistency samples) is counted as live, so its estimate errs high on a rerun. Input tokens
    are counted per distinct request (:func:`~promptctl.tokens.request_tokens.count_request`:
    exact for OpenAI models, labelled estimates otherwise); output per call is the median of this
    prompt's recorded calls, else the strategy default, capped by ``max_tokens``
    (:func:`~promptctl.session.estimate.estimate_cost`). Judge calls are priced at the judge's input
    (case input, rubric, a typical output) plus its output ceiling.

    Args:
        plan: The plan.
        store: The run store (cache lookups and recorded outputs), or None.
        done: Jobs already finished (a resumed run), skipped.
        use_cache: Count cached answers as free.
        batch: Price the calls at the batch price (``--batch``).

    Returns:
        The :class:`PlanEstimate`.
    """
    from promptctl.session.estimate import estimate_cost
    from promptctl.tokens.pricing import cost_of
    from promptctl.tokens.request_tokens import count_request

    jobs = [j for j in plan.jobs() if not done or j.key not in done]
    fingerprints = {j.key: j.request.fingerprint() for j in jobs}
    answers = store.cached_calls(fingerprints.values()) if (store is not None and use_cache) else {}
    cached = set(answers)
    per_variant: dict[str, dict[str, Any]] = {}
    unpriced: list[str] = []
    totals: list[float | None] = [0.0, 0.0, 0.0]
    high_by_job: dict[tuple[int, int, int], float | None] = {}
    counts: dict[tuple[int, int], Any] = {}
    shapes: dict[int, tuple[tuple[int, int, int], tuple[int, int, int]]] = {}

    def shape(v: Variant) -> tuple[tuple[int, int, int], tuple[int, int, int]]:
        """A variant's (output tokens low/expected/ceiling, calls low/expected/high per job), on first need.

        Estimating counts the first request's tokens: a rerun the cache answers whole never loads an encoding.
        """
        if v.index not in shapes:
            consistency = getattr(v.plan, "consistency", None)
            est = estimate_cost(v.version, plan.request(v.index, 0), strategy=v.executed, config=plan.config,
                                history=store, samples=consistency.samples if consistency else None)
            shapes[v.index] = ((est.output_low, est.output_expected, est.output_ceiling),
                               (est.calls_low, est.calls_expected, est.calls_high))
        return shapes[v.index]

    for v in plan.variants:
        per_variant[v.label] = {"calls": 0, "cached": 0, "usd_expected": 0.0}

    def add(index: int, value: float | None) -> None:
        if totals[index] is not None:
            totals[index] = None if value is None else totals[index] + value  # type: ignore[operator]

    def usd(v: Variant, tokens_in: int, tokens_out: int) -> float | None:
        return cost_of(Usage(input_tokens=tokens_in, output_tokens=tokens_out), v.provider, v.model,
                       plan.config, batch=batch).usd

    prices: dict[tuple[int, int], tuple[float | None, ...]] = {}
    judged = 0
    for job in jobs:
        v = plan.variants[job.variant]
        row = per_variant[v.label]
        row["calls"] += 1
        if fingerprints[job.key] in cached:
            row["cached"] += 1
            high_by_job[job.key] = 0.0
        else:
            ck = (job.variant, job.case)
            if ck not in prices:
                count = counts.get(ck) or count_request(plan.request(job.variant, job.case))
                counts[ck] = count
                (low_out, exp_out, ceiling), (n_low, n_exp, n_high) = shape(v)
                call_high = usd(v, count.high, ceiling)
                prices[ck] = (_times(n_low, usd(v, count.low, low_out)), _times(n_exp, usd(v, count.tokens, exp_out)),
                              _times(n_high, call_high), call_high)
            low, exp, high, call_high = prices[ck]
            high_by_job[job.key] = call_high
            if exp is None and v.provider + ":" + v.model not in unpriced:
                unpriced.append(f"{v.provider}:{v.model}")
            add(0, low)
            add(1, exp)
            add(2, high)
            if row["usd_expected"] is not None:
                row["usd_expected"] = None if exp is None else row["usd_expected"] + exp
        if plan.judge is not None and not plan.pairwise:
            judged += 1
    if plan.pairwise:
        judged = 2 * (len(plan.variants) - 1) * len(plan.dataset.cases) * plan.trials
        if done:
            judged = max(judged - 2 * (len(plan.variants) - 1) * len({(c, t) for (_, c, t) in done}), 0)
    if plan.judge is not None and judged:
        jlow, jexp, jhigh = _judge_estimate(plan, {v.index: shape(v)[0] for v in plan.variants}, batch=batch)
        add(0, None if jlow is None else jlow * judged)
        add(1, None if jexp is None else jexp * judged)
        add(2, None if jhigh is None else jhigh * judged)
        if jexp is None:
            unpriced.append(plan.judge.spec)
    return PlanEstimate(
        calls=len(jobs), cached=sum(r["cached"] for r in per_variant.values()), judge_calls=judged,
        usd_low=totals[0], usd_expected=totals[1], usd_high=totals[2], per_variant=per_variant,
        unpriced=unpriced, high_by_job=high_by_job,
        uncached={fp for fp in fingerprints.values() if fp not in cached}, cached_calls=answers,
    )


def _share_texts(value: Any, pool: dict[str, str], shortest: int = 128) -> None:
    """Make equal long strings in ``value`` (dicts and lists, changed in place) one object, kept in ``pool``.

    Every case of a variant renders its own copy of the same system prompt; a 10,000-case comparison would
    otherwise hold 10,000 copies of it per variant (tens of MiB). What is sent and hashed is unchanged.
    """
    items: Any = value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list) else ()
    for key, item in list(items):
        if isinstance(item, str):
            if len(item) >= shortest:
                value[key] = pool.setdefault(item, item)
        elif isinstance(item, dict | list):
            _share_texts(item, pool, shortest)


def _times(n: int, usd: float | None) -> float | None:
    return None if usd is None else n * usd


def _judge_estimate(plan: ABPlan, outputs: dict[int, tuple[int, int, int]], *,
                    batch: bool = False) -> tuple[float | None, ...]:
    """(low, expected, high) USD of one judge call, from the first case and the variants' typical outputs."""
    from promptctl.evaluation.judges import JUDGE_MAX_TOKENS, pairwise_request, rubric_request
    from promptctl.tokens.pricing import cost_of
    from promptctl.tokens.request_tokens import count_request

    assert plan.judge is not None
    case = plan.dataset.cases[0]
    typical = max(o[1] for o in outputs.values())
    if plan.pairwise:
        request = pairwise_request(plan.judge, variables=case.variables, first="", second="")
        extra = 2 * typical
    else:
        rubric = plan.scoring[0].rubric if plan.scoring and plan.scoring[0].rubric else None
        from promptctl.evaluation.judges import load_rubric

        request = rubric_request(plan.judge, rubric or load_rubric(None), variables=case.variables, output="")
        extra = typical
    count = count_request(request)

    target = plan.judge

    def usd(tokens_in: int, tokens_out: int) -> float | None:
        return cost_of(Usage(input_tokens=tokens_in, output_tokens=tokens_out), target.provider, target.model,
                       plan.config, batch=batch).usd

    return usd(count.low, 0), usd(count.tokens + extra, 150), usd(count.high + extra, JUDGE_MAX_TOKENS)
