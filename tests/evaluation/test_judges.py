"""LLM judges: rubric ratings normalised to 0-1, and the pairwise judge in both orders."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest

from promptctl.errors import InputError
from promptctl.evaluation.ab import arun_ab, plan_ab
from promptctl.evaluation.judges import (
    DEFAULT_RUBRIC,
    Rubric,
    combine_orders,
    load_rubric,
    pairwise_request,
    parse_judge,
    parse_preference,
    parse_rating,
    rubric_request,
    summarise_pairwise,
)
from promptctl.providers.fake import FakeProvider
from promptctl.registry.registry import Registry
from promptctl.store.runs import RunStore

ROOT = Path(__file__).resolve().parents[2]


def test_rating_parsing_and_normalisation():
    rubric = Rubric("r", 1, 5, 4)
    assert parse_rating("Fine answer.\nRating: [[4]]", rubric) == 4
    assert parse_rating("[[2]] first, then [[5]]", rubric) == 5  # the last one counts
    assert parse_rating("Rating: 3", rubric) == 3
    assert parse_rating("no rating", rubric) is None
    assert parse_rating("Rating: [[9]]", rubric) is None  # off the scale
    assert rubric.normalise(1) == 0 and rubric.normalise(5) == 1 and rubric.normalise(4) == 0.75


def test_preference_parsing():
    assert parse_preference("A is better. [[A]]") == "first"
    assert parse_preference("[[B]]") == "second"
    assert parse_preference("equal [[C]]") == "tie"
    assert parse_preference("I like A") is None


@pytest.mark.parametrize(
    ("baseline_first", "candidate_first", "outcome", "consistent"),
    [
        ("first", "second", "baseline", True),  # baseline preferred in both orders
        ("second", "first", "candidate", True),
        ("tie", "tie", "tie", True),
        ("first", "first", "tie", False),  # always the first position: a flip, counted as a tie
        ("second", "second", "tie", False),
        ("first", "tie", "tie", False),
    ],
)
def test_combine_orders(baseline_first, candidate_first, outcome, consistent):
    assert combine_orders(baseline_first, candidate_first) == (outcome, consistent)


def test_rubric_files(tmp_path):
    path = tmp_path / "r.md"
    path.write_text("---\nscale: [1, 10]\npass: 8\n---\nBe correct.\n", encoding="utf-8")
    rubric = load_rubric(path)
    assert (rubric.low, rubric.high, rubric.pass_at, rubric.text) == (1, 10, 8, "Be correct.")
    assert load_rubric(None).text == DEFAULT_RUBRIC and load_rubric(None).pass_at == 4
    assert load_rubric(None, text="inline").source == "dataset"
    path.write_text("---\nscale: [5, 1]\n---\nx\n", encoding="utf-8")
    with pytest.raises(InputError, match="scale"):
        load_rubric(path)
    fixture = load_rubric(ROOT / "fixtures" / "datasets" / "support-agent.rubric.md")
    assert (fixture.low, fixture.high, fixture.pass_at) == (1, 5, 4)


def test_judge_requests_show_the_task_reference_and_response():
    target = parse_judge("openai:gpt-4.1")
    request = rubric_request(target, Rubric("Grade it."), variables={"q": "2+2?"}, output="4", expected="4",
                             has_expected=True)
    text = json.dumps(request.body)
    assert request.provider == "openai" and request.body["temperature"] == 0
    assert "Grade it." in text and "Reference Answer" in text and "Rating: [[N]]" in text
    pair = pairwise_request(target, variables={"q": "x"}, first="one", second="two")
    user = pair.body["messages"][-1]["content"]
    assert user.index("one") < user.index("two") and "[[C]]" in json.dumps(pair.body)
    with pytest.raises(InputError, match="PROVIDER:MODEL"):
        parse_judge("gpt-4.1")


def test_summary_flip_rate():
    summary = summarise_pairwise("A", "B", [("tie", False), ("tie", False), ("candidate", True), ("tie", True)])
    assert (summary.judged, summary.candidate_wins, summary.ties, summary.flips) == (4, 1, 3, 2)
    assert summary.flip_rate == 0.5


def _dataset(tmp_path: Path, n: int = 12) -> Path:
    path = tmp_path / "cases.jsonl"
    rows = [{"id": f"c{i}", "vars": {"problem": f"Case {i}: what is {i} + {i}?"}} for i in range(n)]
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


def test_pairwise_judge_that_always_prefers_the_first_position_gives_only_ties(tmp_path):
    def reply(request):
        text = json.dumps(request.body)
        if "impartial judge" in text:
            return "The first one is better. [[A]]"  # position bias: always Assistant A
        return "Final answer: 2" if '"temperature": 0.1' in text else "Final answer: 1"

    fake = FakeProvider(reply)
    plan = plan_ab(Registry(ROOT / "prompts"), ["math-word-problem@1::strategy=direct",
                                               "math-word-problem@1::strategy=direct::temperature=0.1"],
                   _dataset(tmp_path), provider="fake", scorer="pairwise", judge="fake:judge")
    store = RunStore(f"sqlite:///{tmp_path}/runs.db")
    result, outcome = asyncio.run(arun_ab(plan, store, clients={"fake": fake}, concurrency=4))
    assert outcome.status == "completed" and result["metric"] == "preference"
    c = result["comparisons"][0]
    assert c["judged"] == 12 and c["ties"] == 12 and c["baseline_wins"] == 0 and c["candidate_wins"] == 0
    assert c["flip_rate"] == 1.0 and c["winner"] is None and c["verdict"] == "no significant difference"
    judge_calls = [r for r in fake.requests if "impartial judge" in json.dumps(r.body)]
    assert len(judge_calls) == 24  # every pair, both orders


def test_pairwise_judge_that_is_consistent_finds_the_winner(tmp_path):
    def reply(request):
        text = json.dumps(request.body)
        if "impartial judge" in text:
            user = request.body["messages"][-1]["content"]
            first = user[user.index("Assistant A"):user.index("Assistant B")]
            return "[[A]]" if "GOOD" in first else "[[B]]"
        return "GOOD answer" if '"temperature": 0.1' in text else "bad answer"

    fake = FakeProvider(reply)
    plan = plan_ab(Registry(ROOT / "prompts"), ["math-word-problem@1::strategy=direct",
                                               "math-word-problem@1::strategy=direct::temperature=0.1"],
                   _dataset(tmp_path, 20), provider="fake", scorer="pairwise", judge="fake:judge")
    result, _ = asyncio.run(arun_ab(plan, RunStore(f"sqlite:///{tmp_path}/runs.db"), clients={"fake": fake}))
    c = result["comparisons"][0]
    assert c["candidate_wins"] == 20 and c["flip_rate"] == 0.0 and c["winner"] == "B"
    assert c["test"] == "sign test (score form, ties dropped)" and c["p_value"] < 0.001
    assert c["agreement"] == {"cases": 20, "observed": 1.0, "kappa": None, "alpha": None}  # no variation


def test_rubric_judge_scores_are_normalised_and_recorded(tmp_path):
    def reply(request):
        text = json.dumps(request.body)
        if "impartial expert" in text:
            return "Rating: [[5]]" if "Final answer: 2" in text else "Rating: [[2]]"
        return "Final answer: 2" if '"temperature": 0.1' in text else "Final answer: 3"

    fake = FakeProvider(reply)
    plan = plan_ab(Registry(ROOT / "prompts"), ["math-word-problem@1::strategy=direct",
                                               "math-word-problem@1::strategy=direct::temperature=0.1"],
                   _dataset(tmp_path, 10), provider="fake", scorer="judge", judge="fake:judge")
    store = RunStore(f"sqlite:///{tmp_path}/runs.db")
    result, _ = asyncio.run(arun_ab(plan, store, clients={"fake": fake}))
    a, b = result["variants"]
    assert a["mean"] == 0.25 and b["mean"] == 1.0 and result["metric"] == "score"
    assert result["comparisons"][0]["winner"] == "B"
    judge_runs = [r for r in store.recent(50) if r["prompt_name"] == "promptctl-judge"]
    assert len(judge_runs) == 1 and len(store.calls_of(judge_runs[0]["id"])) == 20


def test_order_agreement_reports_cohens_kappa_and_krippendorffs_alpha():
    from promptctl.evaluation.judges import order_agreement

    # read back as (baseline first, candidate first): (A, A) both orders agree; (A, B) a flip; ...
    pairs = [("first", "second"), ("first", "first"), ("second", "first"), ("second", "first"), ("tie", "tie")]
    agreement = order_agreement(pairs)
    # observed 4/5; chance from the orders' marginals (2,2,1) and (1,3,1): 9/25 -> kappa 0.44 / 0.64
    assert agreement["observed"] == 0.8 and agreement["kappa"] == pytest.approx(0.6875)
    # Krippendorff: 1 - (N - 1) * 2 / (N^2 - sum n_c^2) with pooled counts (3, 5, 2), N = 10
    assert agreement["alpha"] == pytest.approx(1 - 9 * 2 / 62, abs=1e-6)
    # a judge that always prefers the first position: every case flips; kappa 0, alpha below 0
    biased = order_agreement([("first", "first")] * 10)
    assert biased["observed"] == 0.0 and biased["kappa"] == 0.0 and biased["alpha"] < 0
    assert order_agreement([]) == {"cases": 0, "observed": None, "kappa": None, "alpha": None}
