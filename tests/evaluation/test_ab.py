"""The A/B runner: variants, caching, trials, the budget, errors, resuming, and the stored result."""

from __future__ import annotations

import asyncio
import json
import re
from collections import Counter
from pathlib import Path

import pytest

from promptctl.config import ProjectConfig
from promptctl.errors import BudgetExceeded, InputError, ProviderError
from promptctl.evaluation import ab_store
from promptctl.evaluation.ab import arun_ab, estimate_plan, finish, load_plan, parse_variant, plan_ab
from promptctl.evaluation.ab_report import to_markdown
from promptctl.providers.fake import FakeProvider
from tests.conftest import clean_env

ROOT = Path(__file__).resolve().parents[2]
A = "math-word-problem@1::strategy=direct"
B = "math-word-problem@1::strategy=direct::temperature=0.1"


def dataset(tmp_path: Path, n: int) -> Path:
    path = tmp_path / "cases.jsonl"
    rows = [{"id": f"c{i:03d}", "vars": {"problem": f"[case {i}] What is {i} + {i}?"}, "expected": str(2 * i)}
            for i in range(n)]
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


def case_of(request) -> int:
    return int(re.search(r"\[case (\d+)\]", json.dumps(request.body)).group(1))


def run(plan, store, **options):
    return asyncio.run(arun_ab(plan, store, **options))


def test_parse_variant_syntax():
    v = parse_variant("support-agent@2::openai:gpt-4.1-mini::temperature=0.7::strategy=cot::stop=[\"x\"]")
    assert (v.ref, v.provider, v.model, v.strategy) == ("support-agent@2", "openai", "gpt-4.1-mini", "cot")
    assert v.parameters == {"temperature": 0.7, "stop": ["x"]}
    assert parse_variant("p::llama3.2:latest").model == "llama3.2:latest"  # not a provider prefix: the model
    # fine-tuned OpenAI ids contain '::': a bare segment after the model continues it
    assert parse_variant("p::openai:ft:gpt-3.5-turbo:acme::abc123").model == "ft:gpt-3.5-turbo:acme::abc123"
    assert parse_variant("p::model=ft:gpt-4o:org::x::seed=1").model == "ft:gpt-4o:org::x"
    with pytest.raises(InputError):
        parse_variant("::openai:gpt-4.1")
    with pytest.raises(InputError):
        parse_variant("p::::x")


def test_a_near_miss_parameter_name_in_a_variant_is_refused_before_any_call(registry, tmp_path):
    """trial-23: ``REF::temprature=0.5`` warned, then ran (and paid for) every case with the typo sent as is."""
    path = dataset(tmp_path, 4)
    with pytest.raises(InputError, match=r"'temprature' is not a parameter any provider takes") as info:
        plan_ab(registry, [A, A + "::temprature=0.5"], path, provider="fake")
    assert info.value.hint.startswith("did you mean 'temperature'?")
    plan = plan_ab(registry, [A, A + "::my_option=1::includes=x"], path, provider="fake")  # unlike any: as is
    assert plan.variants[1].parameters == {"my_option": 1, "includes": "x"}
    with pytest.raises(InputError, match=r"reasoning must be a mapping of effort and/or budget_tokens, not 'low'"):
        plan_ab(registry, [A, A + "::reasoning=low"], path, provider="fake")  # promptctl's words, not pydantic's


def test_a_variant_parameter_value_that_is_not_a_number_is_refused_before_any_call(registry, tmp_path):
    """trial-24: ``REF::temperature=hot`` and ``REF::temperature=`` were sent as text to every case (the front
    matter refuses ``temperature: hot``); ``REF::=0.7`` was taken for a model named '=0.7'."""
    path = dataset(tmp_path, 4)
    for variant, message in (("::temperature=hot", "'temperature' must be a number, not 'hot'"),
                             ("::temperature=", "'temperature' must be a number, not ''"),
                             ("::max_tokens=1.5", "'max_tokens' must be a whole number, not 1.5"),
                             ("::seed=true", "'seed' must be a whole number, not True"),
                             ("::=0.7", "the segment '=0.7' has no parameter name")):
        with pytest.raises(InputError, match=re.escape(message)):
            plan_ab(registry, [A, A + variant], path, provider="fake")
    # trial-24: a misspelt provider in a variant was "unknown provider 'opneai' in --model ..." (no --model was given)
    with pytest.raises(InputError, match=re.escape("unknown provider 'opneai' in 'opneai:gpt-4.1-mini'")) as info:
        plan_ab(registry, [A, A + "::opneai:gpt-4.1-mini"], path, provider="fake")
    assert info.value.hint.startswith("did you mean 'openai:gpt-4.1-mini'?")
    plan = plan_ab(registry, [A, A + "::temperature=1::top_p=0.5::max_tokens=64::stop=END"], path, provider="fake")
    assert plan.variants[1].parameters == {"temperature": 1, "top_p": 0.5, "max_tokens": 64, "stop": "END"}


def test_aa_run_end_to_end_with_the_fake_provider(registry, store, tmp_path):
    # A/A: the same prompt twice, a scripted provider passing a fixed 60% of cases for both variants, with
    # independent noise; the runner must not declare a winner.
    def reply(request):
        i = case_of(request)
        return f"Final answer: {2 * i if (i * 7 + 3) % 10 < 6 else -1}"

    fake = FakeProvider(reply)
    plan = plan_ab(registry, [A, A], dataset(tmp_path, 40), provider="fake")
    assert any("A/A" in w for w in plan.warnings) and plan.variants[1].salt == "variant:1"
    result, outcome = run(plan, store, clients={"fake": fake}, concurrency=8)
    assert outcome.status == "completed" and len(fake.requests) == 80
    a, b = result["variants"]
    assert a["passed"] == b["passed"] == 24 and result["metric"] == "pass"
    c = result["comparisons"][0]
    assert c["winner"] is None and c["p_value"] == 1.0 and c["verdict"] == "no significant difference"
    assert [{k: g[k] for k in ("baseline", "candidate", "verdict", "candidate_worse")} for g in result["gates"]] == [
        {"baseline": "A", "candidate": "B", "verdict": "no significant difference", "candidate_worse": False}]
    # the stored result is the returned one, and per-case results are all there
    row = ab_store.get_ab_run(store, result["ab_run_id"])
    assert row["status"] == "completed" and row["result"] == json.loads(json.dumps(result))
    assert len(ab_store.results_of(store, result["ab_run_id"])) == 80
    # every case ran as an ordinary recorded run, with its call
    assert len([r for r in store.recent(200) if r["prompt_name"] == "math-word-problem"]) == 80


def test_rerunning_a_finished_comparison_makes_no_provider_call(registry, store, tmp_path):
    fake = FakeProvider(lambda r: f"Final answer: {2 * case_of(r)}")
    path = dataset(tmp_path, 10)
    first, _ = run(plan_ab(registry, [A, B], path, provider="fake"), store, clients={"fake": fake})
    sent = len(fake.requests)
    assert sent == 20
    plan = plan_ab(registry, [A, B], path, provider="fake")
    estimate = estimate_plan(plan, store)
    assert (estimate.calls, estimate.cached, estimate.usd_expected) == (20, 20, 0.0)
    again, outcome = run(plan, store, clients={"fake": fake})
    assert len(fake.requests) == sent and outcome.progress.live_calls == 0 and outcome.progress.cached == 20
    assert again["ab_run_id"] != first["ab_run_id"]
    for key in ("variants", "comparisons", "cases"):
        if key == "variants":
            strip = [{k: v for k, v in x.items() if k not in ("cost_usd", "cached")} for x in again[key]]
            assert strip == [{k: v for k, v in x.items() if k not in ("cost_usd", "cached")} for x in first[key]]
        else:
            assert again[key] == first[key]
    assert all(v["cached"] == 10 for v in again["variants"])


def test_trials_are_sampled_separately_and_flaky_cases_reported(registry, store, tmp_path):
    seen = Counter()

    def reply(request):
        i = case_of(request)
        seen[(i, request.body.get("temperature"))] += 1
        k = seen[(i, request.body.get("temperature"))]
        if i == 0:
            return "Final answer: 0" if k % 2 else "Final answer: 99"  # flaky: passes trials 1 and 3
        return f"Final answer: {2 * i}"

    fake = FakeProvider(reply)
    plan = plan_ab(registry, [A, B], dataset(tmp_path, 5), provider="fake", trials=3)
    salts = {(j.variant, j.trial): j.salt for j in plan.jobs() if j.case == 0}
    assert salts[(0, 0)] == "" and salts[(0, 2)] == "trial:2"
    result, _ = run(plan, store, clients={"fake": fake}, concurrency=1)
    assert len(fake.requests) == 30  # 2 variants x 5 cases x 3 trials, none answered from the cache
    assert result["metric"] == "score" and result["trials"] == 3
    assert result["variants"][0]["flaky_cases"] == ["c000"]
    assert result["cases"][0]["passes"] == {"A": "2/3", "B": "2/3"}
    assert result["variants"][0]["pass_rate"] == pytest.approx(14 / 15, abs=1e-6)
    # a rerun reuses every trial
    run(plan_ab(registry, [A, B], dataset(tmp_path, 5), provider="fake", trials=3), store, clients={"fake": fake})
    assert len(fake.requests) == 30


def priced(tmp_path: Path) -> ProjectConfig:
    # the fake provider counts words as tokens; at $1,000 per million tokens a word costs $0.001
    price = {"input_per_mtok": 1000.0, "output_per_mtok": 1000.0}
    return ProjectConfig(root=tmp_path, prompts_dir=ROOT / "prompts", prices={"fake:fake-model": price})


def test_max_cost_refuses_to_start_when_the_expected_cost_crosses_it(registry, store, tmp_path):
    fake = FakeProvider(["Final answer: 0"])
    config = priced(tmp_path)
    plan = plan_ab(registry, [A, B], dataset(tmp_path, 10), provider="fake", config=config)
    expected = estimate_plan(plan, store).usd_expected
    assert expected and expected > 0
    with pytest.raises(BudgetExceeded, match="nothing was sent"):
        run(plan, store, clients={"fake": fake}, max_cost=expected / 2)
    assert fake.requests == [] and ab_store.recent_ab_runs(store) == []


def test_max_cost_stops_cleanly_before_crossing_then_resume_finishes(registry, store, tmp_path):
    long_reply = "Final answer: 0 " + "word " * 450  # longer than expected, within the max_tokens ceiling
    fake = FakeProvider(lambda r: long_reply)
    config = priced(tmp_path)
    path = dataset(tmp_path, 10)
    plan = plan_ab(registry, [A, B], path, provider="fake", config=config)
    budget = estimate_plan(plan, store).usd_expected * 1.01
    result, outcome = run(plan, store, clients={"fake": fake}, max_cost=budget, concurrency=2)
    assert outcome.status == "stopped" and isinstance(outcome.error, BudgetExceeded)
    spent = outcome.progress.spent_usd
    assert 0 < spent <= budget
    done = len(ab_store.results_of(store, result["ab_run_id"]))
    assert 0 < done < 20 and result["status"] == "stopped" and result["stopped"]
    assert len(fake.requests) == done  # every call made was recorded; nothing is lost
    # resume with a bigger budget: only the missing cases are sent
    ab_run_id, plan2, _ = load_plan(registry, store, result["ab_run_id"][:12], config=config)
    final, outcome2 = run(plan2, store, ab_run_id=ab_run_id, clients={"fake": fake}, max_cost=100.0)
    assert outcome2.status == "completed" and final["status"] == "completed"
    assert len(fake.requests) == 20
    assert Counter((case_of(r), r.body.get("temperature")) for r in fake.requests).most_common(1)[0][1] == 1


def test_provider_errors_are_counted_excluded_and_retried_on_resume(registry, store, tmp_path):
    failing = {3}

    def reply(request):
        i = case_of(request)
        if i in failing and request.body.get("temperature") == 0.1:
            return ProviderError("fake: HTTP 500", provider="fake", status=500)
        return f"Final answer: {2 * i}"

    fake = FakeProvider(reply)
    path = dataset(tmp_path, 8)
    result, outcome = run(plan_ab(registry, [A, B], path, provider="fake"), store, clients={"fake": fake})
    assert outcome.status == "completed"
    assert result["variants"][1]["errors"] == 1 and result["error_count"] == 1
    assert result["comparisons"][0]["n_pairs"] == 7  # the errored case is left out of the paired test
    assert result["cases"][3]["values"] == {"A": 1.0, "B": None}
    failing.clear()
    ab_run_id, plan, _ = load_plan(registry, store, result["ab_run_id"])
    sent = len(fake.requests)
    final, _ = run(plan, store, ab_run_id=ab_run_id, clients={"fake": fake})
    assert len(fake.requests) == sent + 1  # only the failed case is retried
    assert final["error_count"] == 0 and final["comparisons"][0]["n_pairs"] == 8


def test_fatal_provider_errors_stop_the_run(registry, store, tmp_path):
    from promptctl.errors import CredentialsError

    fake = FakeProvider(lambda r: CredentialsError("no key", provider="fake"))
    result, outcome = run(plan_ab(registry, [A, B], dataset(tmp_path, 6), provider="fake"), store,
                          clients={"fake": fake}, concurrency=1)
    assert outcome.status == "stopped" and isinstance(outcome.error, CredentialsError)
    assert len(fake.requests) == 1


def test_resume_refuses_a_changed_dataset(registry, store, tmp_path):
    path = dataset(tmp_path, 4)
    result, _ = run(plan_ab(registry, [A, B], path, provider="fake"), store,
                    clients={"fake": FakeProvider(["Final answer: 0"])})
    path.write_text(path.read_text() + json.dumps({"vars": {"problem": "[case 9] x"}, "expected": "1"}) + "\n")
    with pytest.raises(InputError, match="changed since"):
        load_plan(registry, store, result["ab_run_id"])
    with pytest.raises(InputError, match="no ab or eval run"):  # trial-24: `eval --resume` said 'no A/B run'
        load_plan(registry, store, "ffffffffffff")


def test_three_variants_are_holm_adjusted_and_reported(registry, store, tmp_path):
    def reply(request):
        i = case_of(request)
        t = request.body.get("temperature")
        good = (t == 0.1) or (t is not None and t != 0.1 and i % 2 == 0) or (t is None and i % 3 == 0)
        return f"Final answer: {2 * i if good else -1}"

    C = "math-word-problem@1::strategy=direct::temperature=0.2"
    plan = plan_ab(registry, [A, B, C], dataset(tmp_path, 30), provider="fake")
    result, _ = run(plan, store, clients={"fake": FakeProvider(reply)})
    comps = result["comparisons"]
    assert [c["candidate"] for c in comps] == ["B", "C"] and all(c["adjustment"] == "holm" for c in comps)
    assert comps[0]["winner"] == "B" and comps[0]["p_adjusted"] >= comps[0]["p_value"]
    report = to_markdown(result)
    assert "| B vs A |" in report and "Holm" in report and "McNemar" in report
    assert report.count("\n| ") >= 5


def test_finish_recomputes_from_stored_rows(registry, store, tmp_path):
    fake = FakeProvider(lambda r: f"Final answer: {2 * case_of(r)}")
    plan = plan_ab(registry, [A, B], dataset(tmp_path, 6), provider="fake")
    result, _ = run(plan, store, clients={"fake": fake})
    again = finish(plan, store, result["ab_run_id"])
    assert {k: v for k, v in again.items() if k != "computed_at"} == {
        k: v for k, v in result.items() if k != "computed_at"}


# -- reported problems: a worker's unexpected exception, credentials, expected values, hints, the report ----------
class _Broken(FakeProvider):
    """Raises a RuntimeError (not a ProviderError) on case 0; the other calls wait, as if in flight."""

    async def _complete(self, request):
        self.requests.append(request)
        if case_of(request) == 0:
            raise RuntimeError("boom from the client")
        await asyncio.sleep(30)
        raise AssertionError("unreachable: the run must cancel this call")


def test_an_unexpected_worker_exception_cancels_the_others_marks_the_run_failed_and_propagates(
        registry, store, tmp_path):
    plan = plan_ab(registry, [A, B], dataset(tmp_path, 6), provider="fake")

    async def bounded():
        return await asyncio.wait_for(arun_ab(plan, store, clients={"fake": _Broken()}, concurrency=4), 10)

    with pytest.raises(RuntimeError, match="boom from the client"):
        asyncio.run(bounded())  # before the fix: the queue never drained and the run hung (TimeoutError here)
    (row,) = ab_store.recent_ab_runs(store)
    stored = ab_store.get_ab_run(store, row["id"])
    assert stored["status"] == "failed" and stored["error"] == "RuntimeError: boom from the client"


def test_a_python_scorer_that_raises_is_a_case_error_not_a_crash(registry, store, tmp_path, monkeypatch):
    (tmp_path / "ab_raising_check.py").write_text(
        "def check(output, expected, case):\n    raise ValueError('bad check')\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    plan = plan_ab(registry, [A, B], dataset(tmp_path, 2), provider="fake", scorer="python:ab_raising_check:check")
    result, outcome = run(plan, store, clients={"fake": FakeProvider(["Final answer: 0"])})
    assert outcome.status == "completed" and result["error_count"] == 4
    assert "ValueError: bad check" in result["errors"][0]["error"]


def test_no_cache_is_stored_with_the_run(registry, store, tmp_path):
    fake = FakeProvider(["Final answer: 0"])
    result, _ = run(plan_ab(registry, [A, B], dataset(tmp_path, 2), provider="fake"), store,
                    clients={"fake": fake}, use_cache=False)
    assert ab_store.get_ab_run(store, result["ab_run_id"])["spec"]["options"] == {"no_cache": True, "batch": False,
                                                                          "concurrency": 8, "max_cost": None}
    ab_run_id, plan, _ = load_plan(registry, store, result["ab_run_id"])
    run(plan, store, ab_run_id=ab_run_id, clients={"fake": fake}, use_cache=True)  # resumed with --cache
    assert ab_store.get_ab_run(store, ab_run_id)["spec"]["options"] == {"no_cache": False, "batch": False,
                                                                        "concurrency": 8, "max_cost": None}


def test_credentials_are_checked_before_anything_is_stored_or_sent(registry, store, tmp_path, monkeypatch):
    from promptctl.errors import CredentialsError
    from promptctl.evaluation.ab import check_credentials

    clean_env(monkeypatch)
    path = dataset(tmp_path, 3)
    plan = plan_ab(registry, [A, B], path, provider="openai")
    with pytest.raises(CredentialsError, match="OPENAI_API_KEY"):
        run(plan, store)
    assert ab_store.recent_ab_runs(store) == []  # nothing stored, nothing sent
    judged = plan_ab(registry, [A, B], path, provider="fake", scorer="judge", judge="anthropic:claude-haiku-4-5")
    with pytest.raises(CredentialsError, match="ANTHROPIC_API_KEY"):
        run(judged, store, clients={"fake": FakeProvider(["Final answer: 0"])})
    watsonx = plan_ab(registry, [A, B], path, provider="watsonx")
    with pytest.raises(CredentialsError, match="WATSONX_APIKEY"):
        check_credentials(watsonx)
    monkeypatch.setenv("WATSONX_API_KEY", "k")
    with pytest.raises(CredentialsError, match="WATSONX_PROJECT_ID"):
        check_credentials(watsonx)
    monkeypatch.setenv("WATSONX_SPACE_ID", "s")
    assert set(check_credentials(watsonx)) == {"watsonx"}  # no network: only the settings are checked
    # a finished comparison reruns from the cache: no provider is called, so no credentials are needed
    fake = FakeProvider(lambda r: f"Final answer: {2 * case_of(r)}")
    run(plan_ab(registry, [A, B], path, provider="fake"), store, clients={"fake": fake})
    assert check_credentials(plan_ab(registry, [A, B], path, provider="fake"),
                             estimate_plan(plan_ab(registry, [A, B], path, provider="fake"), store)) == {}


@pytest.mark.parametrize(("scorer", "expected", "says"), [
    ("numeric:0.01", "four", "'four' is not a number"),
    ("numeric", None, "None is not a number"),
    ("regex", "([unclosed", "not a valid regular expression"),
    ("json_fields", "billing", "not a non-empty JSON object"),
    ("contains", {"a": 1}, "not text or a list of texts"),
    ("exact", ["a", "b"], "not text or a number"),
])
def test_expected_values_the_scorer_cannot_use_are_reported_before_any_call(registry, tmp_path, scorer, expected,
                                                                             says):
    from promptctl.evaluation.datasets import DatasetError

    path = tmp_path / "cases.jsonl"
    rows = [{"id": "ok", "vars": {"problem": "1 + 1"}, "expected": "2"},
            {"id": "bad", "vars": {"problem": "2 + 2"}, "expected": expected}]
    if scorer == "json_fields":
        rows[0]["expected"] = {"answer": "2"}
    elif scorer == "regex":
        rows[0]["expected"] = "2"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    with pytest.raises(DatasetError, match=re.escape(f"{path}:2: case 'bad': ")) as info:
        plan_ab(registry, [A, B], path, provider="fake", scorer=scorer)
    assert says in info.value.message


def test_a_case_missing_a_variable_is_told_to_add_it_to_the_dataset(registry, tmp_path):
    from promptctl.evaluation.datasets import DatasetError

    path = tmp_path / "cases.jsonl"
    path.write_text(json.dumps({"id": "c1", "vars": {}, "expected": "2"}) + "\n", encoding="utf-8")
    with pytest.raises(DatasetError, match="missing variable 'problem'") as info:
        plan_ab(registry, [A, B], path, provider="fake")
    assert "--var" not in info.value.hint
    assert f"add 'problem' to the vars of case 'c1' ({path}:1)" in info.value.hint
    # trial-21: a misspelt key in the case's vars is named, with the variable the template reads
    path.write_text(json.dumps({"id": "c1", "vars": {"problm": "1+1"}, "expected": "2"}) + "\n", encoding="utf-8")
    with pytest.raises(DatasetError, match="missing variable 'problem'") as info:
        plan_ab(registry, [A, B], path, provider="fake")
    assert info.value.hint.startswith(f"did you mean 'problem'? case 'c1' has 'problm' ({path}:1)")


def test_the_dataset_path_stays_as_given_relative_to_the_project_root_after_resume(registry, store, tmp_path,
                                                                                   monkeypatch):
    config = ProjectConfig(root=tmp_path, prompts_dir=ROOT / "prompts")
    dataset(tmp_path, 3)
    (tmp_path / "sub").mkdir()
    monkeypatch.chdir(tmp_path)
    fake = FakeProvider([ProviderError("fake: HTTP 500", provider="fake", status=500), "Final answer: 0"])
    result, _ = run(plan_ab(registry, [A, B], "cases.jsonl", provider="fake", config=config), store,
                    clients={"fake": fake}, concurrency=1)
    assert result["dataset"]["given"] == "cases.jsonl" and result["error_count"] == 1
    monkeypatch.chdir(tmp_path / "sub")  # resumed from elsewhere in the project
    ab_run_id, plan, _ = load_plan(registry, store, result["ab_run_id"], config=config)
    final, _ = run(plan, store, ab_run_id=ab_run_id, clients={"fake": fake})
    assert final["dataset"]["given"] == "cases.jsonl" and final["error_count"] == 0


def test_the_markdown_report_states_each_verdict_once_and_labels_the_list_price(registry, store, tmp_path):
    fake = FakeProvider(lambda r: f"Final answer: {2 * case_of(r)}")
    plan = plan_ab(registry, [A, B], dataset(tmp_path, 1), provider="fake")
    result, _ = run(plan, store, clients={"fake": fake})
    report = to_markdown(result)
    assert "- **no significant difference at alpha 0.05**: B - A = +0.0 points" in report
    assert report.count("no significant difference at alpha 0.05") == 2  # the bullet and the table row
    assert "(1 case, sha256" in report and "1 trial per case" in report and "1 paired case" in report
    assert "list price/case" in report and "List price/case: what one case's calls cost at list price" in report


def test_no_verdict_without_a_paired_case(registry, store, tmp_path):
    def reply(request):
        if request.body.get("temperature") == 0.1:
            return ProviderError("fake: HTTP 529 overloaded", provider="fake", status=529)
        return "Final answer: 0"

    result, outcome = run(plan_ab(registry, [A, B], dataset(tmp_path, 3), provider="fake"), store,
                          clients={"fake": FakeProvider(reply)})
    assert outcome.status == "completed" and result["variants"][1]["completed"] == 0
    comparison = result["comparisons"][0]
    assert comparison["verdict"] == "no verdict" and comparison["winner"] is None
    assert comparison["sentence"] == "no verdict: no case was scored for both A and B (0 paired cases)"
    assert "- **no verdict**: no case was scored for both A and B" in to_markdown(result)
    assert "no significant difference" not in to_markdown(result)


def test_trials_report_pass_at_k_and_pass_hat_k_per_case_and_overall():
    from promptctl.evaluation.ab_report import build_result, to_markdown

    spec = {"variants": [{"label": x, "spec": f"p@{i + 1}", "ref": f"p@{i + 1}", "prompt": {}, "provider": "fake",
                          "model": "m", "strategy": "direct", "executed": "direct"} for i, x in enumerate("AB")],
            "dataset": {"cases": 2, "given": "d.jsonl", "sha256": "0" * 64}, "trials": 3, "alpha": 0.05}
    passes = {(0, 0): [1, 1, 1], (0, 1): [1, 0, 0], (1, 0): [1, 1, 0], (1, 1): [0, 0, 0]}
    rows = [{"variant": v, "case_index": c, "case_id": f"c{c}", "trial": t, "status": "ok", "score": float(ok),
             "passed": bool(ok), "cost_usd": 0.0, "list_cost_usd": 0.0, "judge_cost_usd": None, "latency_s": 0.1,
             "input_tokens": 1, "output_tokens": 1, "cached": False, "error": None}
            for (v, c), outcomes in passes.items() for t, ok in enumerate(outcomes)]
    result = build_result("r", spec, rows)
    a, b = result["variants"]
    # case 0 of A: 3/3, case 1: 1/3 -> pass@1 = (1 + 1/3) / 2, pass@3 = 1, pass^3 = 1/2
    assert a["pass_at_k"] == {"1": pytest.approx(2 / 3), "2": pytest.approx((1 + 2 / 3) / 2), "3": 1.0}
    assert a["pass_hat_k"] == {"1": pytest.approx(2 / 3), "2": pytest.approx(0.5), "3": 0.5}
    assert b["pass_at_k"]["3"] == 0.5 and b["pass_hat_k"]["3"] == 0.0
    assert result["cases"][1]["pass_at_k"] == {"A": 1.0, "B": 0.0}
    assert result["cases"][0]["pass_hat_k"] == {"A": 1.0, "B": 0.0}
    report = to_markdown(result)
    assert "| variant | pass@1 | pass@2 | pass@3 | pass^1 | pass^2 | pass^3 |" in report
    assert "Chen et al. 2021" in report


def test_list_price_per_case_counts_every_trial_of_the_case(registry, store, tmp_path):
    config = priced(tmp_path)
    fake = FakeProvider(["Final answer: 1"])
    one, _ = run(plan_ab(registry, [A, B], dataset(tmp_path, 4), provider="fake", config=config), store,
                 clients={"fake": fake}, use_cache=False)
    three, _ = run(plan_ab(registry, [A, B], dataset(tmp_path, 4), provider="fake", config=config, trials=3), store,
                   clients={"fake": fake}, use_cache=False)
    per_call = one["variants"][0]["cost_per_case_usd"]
    assert per_call > 0
    assert three["variants"][0]["cost_per_case_usd"] == pytest.approx(3 * per_call)
    assert three["variants"][0]["list_cost_usd"] == pytest.approx(4 * three["variants"][0]["cost_per_case_usd"])


def test_max_regression_zero_prints_no_minus_zero():
    from promptctl.evaluation.ab_report import check_gates

    gate = {"baseline": "A", "candidate": "B", "verdict": "no significant difference", "candidate_worse": False,
            "lower_bound_95": -0.022}
    [check] = check_gates({"gates": [gate]}, max_regression=0.0)["checks"]
    assert check["text"] == ("B vs A: one-sided 95% bound -2.2 pts < 0 pts "
                             "(not shown within --max-regression 0pts)")
    [check] = check_gates({"gates": [gate]}, max_regression=0.05)["checks"]
    assert "-2.2 pts >= -5 pts (within --max-regression 5pts)" in check["text"]
