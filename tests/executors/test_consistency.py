"""Self-consistency: voting, ties, empty answers, adaptive stopping, concurrency, cache salts, the gate, the budget."""

from __future__ import annotations

import asyncio
import json
import threading
from collections import Counter

import pytest

from promptctl.errors import BudgetExceeded
from promptctl.executors.consistency import Stopper, beta_stop_probability, vote
from promptctl.providers.fake import FakeProvider
from promptctl.session.run import arun
from promptctl.testing import ScriptedReply
from tests.conftest import run_cli

MATH = """\
---
description: Math
provider: openai
model: gpt-4o-mini
parameters: {{temperature: 0.7, max_tokens: 50}}
variables: {{problem: {{type: string, input: true}}}}
strategy: {{name: consistency, samples: {samples}, answer_marker: "Final answer:"{extra}}}
---
{{% user %}}{{% section "input" %}}{{{{ problem }}}}{{% endsection %}}{{% enduser %}}
"""


def _math(write_version, samples=5, extra=""):
    return write_version("math", MATH.format(samples=samples, extra=extra))


def test_vote_cases_from_the_issue():
    tally = vote(["A", "A", "A", "B"])
    assert tally.answer == "a" and tally.votes == {"a": 3, "b": 1} and tally.confidence == 0.75 and not tally.tie
    tally = vote(["A", "a", "B"])
    assert tally.answer == "a" and tally.votes["a"] == 2


def test_empty_answers_never_win_and_ties_are_flagged():
    tally = vote([None, "", None, "7"])
    assert tally.answer == "7" and tally.votes == {"7": 1} and tally.confidence == 0.25
    assert vote([None, ""]).answer is None and vote([None, ""]).confidence == 0
    tie = vote(["12", "10", "10", "12"])
    assert tie.tie and tie.answer == "12"  # the tied answer voted for first (lowest sample index) wins


def test_predictive_criterion():
    from promptctl.executors.voting import predictive_stop_probability

    assert predictive_stop_probability(3, 1, 0, 0) == 1.0 and predictive_stop_probability(2, 2, 0, 0) == 0.0
    assert predictive_stop_probability(3, 0, 0, 17) >= 0.95 > predictive_stop_probability(2, 0, 0, 18)
    assert predictive_stop_probability(6, 5, 1, 8) < 0.95  # a close vote with samples left is not decided
    assert predictive_stop_probability(10, 2, 0, 8) > predictive_stop_probability(10, 2, 0, 30)


def test_beta_criterion_and_wave_planning():
    assert beta_stop_probability(4, 0) == pytest.approx(1 - 1 / 32)
    assert beta_stop_probability(3, 0) == pytest.approx(1 - 1 / 16)
    stopper = Stopper(20, "beta", 0.95, max_wave=5)
    assert stopper.next_wave(Counter(), 0) == 4  # four agreeing samples would reach 0.969
    assert Stopper(20).rule == "beta"
    assert stopper.should_stop(Counter({"a": 4}), 4) and stopper.reason == "beta"
    assert not stopper.should_stop(Counter({"a": 3, "b": 1}), 4)
    assert stopper.next_wave(Counter({"a": 3, "b": 1}), 4) == 3
    decided = Stopper(5, "decided")
    assert decided.next_wave(Counter(), 0) == 3 and decided.should_stop(Counter({"a": 3}), 3)
    assert Stopper(10, "none", max_wave=3).next_wave(Counter(), 0) == 10
    window = Stopper(20, "window", window=5)
    assert window.should_stop(Counter({"a": 5}), 5, ["a"] * 5) and window.reason == "window"
    assert not window.should_stop(Counter({"a": 4, "b": 1}), 5, ["a"] * 4 + ["b"])


def test_samples_are_salted_and_vote_with_the_normaliser(write_version, store):
    fake = FakeProvider(["Steps...\nFinal answer: $30.50", "Final answer: 30.5", "Final answer: 36",
                         "Final answer: 30.50", "Final answer: 35"])
    result = asyncio.run(arun(_math(write_version, extra=", early_stop: false"), {"problem": "p"}, provider=fake,
                              store=store))
    assert result.answer == "30.5" and result.votes == {"30.5": 3, "36": 1, "35": 1}
    assert result.confidence == 0.6 and result.samples_drawn == 5
    assert sorted(r.cache_salt for r in fake.requests) == [f"sample:{i}" for i in range(5)]
    assert len({r.fingerprint() for r in fake.requests}) == 5
    assert result.reasoning == "Steps..." and result.output.startswith("Steps...")
    stored = store.get(result.run_id)
    assert stored["votes"] == {"30.5": 3, "36": 1, "35": 1} and stored["confidence"] == 0.6
    assert stored["answer"] == "30.5" and stored["samples_drawn"] == 5
    assert sorted(c["tag"] for c in store.calls_of(result.run_id)) == sorted(f"sample:{i}" for i in range(5))


def test_adaptive_stopping_draws_fewer_samples(write_version):
    fake = FakeProvider(["Final answer: 8"])
    result = asyncio.run(arun(_math(write_version, samples=20), {"problem": "p"}, provider=fake))
    # the default is Adaptive-Consistency's Beta rule: four agreeing samples give P(p1 > p2) = 0.97
    assert result.samples_drawn == 4 and len(fake.requests) == 4
    assert result.details["consistency"]["stopped_by"] == "beta" and result.confidence == 1.0
    fake = FakeProvider(["Final answer: 8"])
    predictive = write_version("math", MATH.format(samples=20, extra=", early_stop: predictive"), number=2)
    result = asyncio.run(arun(predictive, {"problem": "p"}, provider=fake))
    assert result.samples_drawn == 3 and result.details["consistency"]["stopped_by"] == "predictive"


def test_no_answer_at_all_is_reported(write_version):
    result = asyncio.run(arun(_math(write_version, samples=3, extra=", early_stop: false"), {"problem": "p"},
                              provider=FakeProvider(["I am not sure."])))
    assert result.answer is None and result.confidence == 0 and result.details["consistency"]["no_answer"] == 3
    assert any("none of the 3 samples" in w for w in result.warnings)


def test_samples_run_concurrently_through_the_openai_sdk(write_version, loopback_config, server):
    # The server answers a request only once three are in flight at once (a barrier in its handler
    # threads), so the run completes only if the samples overlap; no wall-clock assertion, whatever the load.
    rounds = threading.Barrier(3, timeout=10)

    def overlapped(body: dict) -> str:
        rounds.wait()
        return "Final answer: 4"

    server.replies = overlapped
    version = _math(write_version, samples=6, extra=", early_stop: false, max_concurrency: 3")
    result = asyncio.run(arun(version, {"problem": "2+2"}, config=loopback_config))
    assert result.answer == "4" and result.samples_drawn == 6
    assert not rounds.broken and len(server.requests) == 6
    assert server.max_concurrent == 3  # three at once (the barrier), never more (the semaphore)
    assert all(r.body["temperature"] == 0.7 for r in server.requests)


def test_temperature_zero_is_raised_with_a_note(write_version):
    version = write_version("m0", MATH.replace("temperature: 0.7", "temperature: 0").format(samples=2, extra=""))
    fake = FakeProvider(["Final answer: 1"])
    result = asyncio.run(arun(version, {"problem": "p"}, provider=fake))
    assert all(r.body["temperature"] == 0.7 for r in fake.requests)
    assert any("temperature > 0" in w for w in result.warnings)


def test_gate_with_self_reported_confidence(write_version):
    gate = ", gate: {threshold: 0.8}"
    confident = FakeProvider(["Final answer: 9\nConfidence: 95"])
    result = asyncio.run(arun(_math(write_version, extra=gate), {"problem": "p"}, provider=confident))
    assert len(confident.requests) == 1 and result.answer == "9" and result.confidence == 0.95
    assert result.samples_drawn == 1 and confident.requests[0].body["temperature"] == 0
    assert "Confidence: <0-100>" in confident.requests[0].messages[-1]["content"]
    assert result.details["consistency"]["gate"]["passed"] is True

    unsure = FakeProvider(["Final answer: 9\nConfidence: 40", "Final answer: 10"])
    result = asyncio.run(arun(_math(write_version, extra=gate), {"problem": "p"}, provider=unsure))
    assert result.answer == "10" and result.details["consistency"]["gate"]["confidence"] == 0.4
    assert len(unsure.requests) > 1 and unsure.requests[0].cache_salt == "gate"


def test_gate_with_logprobs_through_the_openai_sdk(write_version, loopback_config, server):
    tokens = [("Final", -0.01), (" answer", -0.01), (":", 0.0), (" ", 0.0), ("4", -0.05), ("2", -0.05)]
    server.replies = [ScriptedReply(text="Final answer: 42", logprobs=tuple(tokens))]
    result = asyncio.run(arun(_math(write_version, extra=", gate: {threshold: 0.85}"), {"problem": "p"},
                              config=loopback_config))
    [request] = server.requests
    assert request.body["logprobs"] is True and request.body["temperature"] == 0
    gate = result.details["consistency"]["gate"]
    assert gate["method"] == "logprobs" and gate["confidence"] == pytest.approx(2.718281828 ** -0.1)
    assert result.answer == "42" and result.samples_drawn == 1


class SlowFake(FakeProvider):
    async def _complete(self, request):
        await asyncio.sleep(0.05)
        return await super()._complete(request)


def test_max_cost_is_checked_before_each_sample(tmp_path, write_version):
    from promptctl.config import ProjectConfig
    from promptctl.executors.consistency import ConsistencyOptions, run_consistency, text_sampler, with_temperature
    from promptctl.executors.strategy import resolve_plan
    from promptctl.session import Session
    from promptctl.session.run import prepare
    from promptctl.tokens.budget import Budget
    from promptctl.tokens.estimate import estimate_request

    config = ProjectConfig(root=tmp_path, prompts_dir=tmp_path / "prompts",
                           prices={"fake:fake-model": {"input_per_mtok": 1000.0, "output_per_mtok": 1000.0}})
    version = _math(write_version)
    request = prepare(version, {"problem": "p"}, resolve_plan(version.front_matter.strategy), provider="fake",
                      config=config).request
    one = estimate_request(with_temperature(request, 0.7, "sample:0"), config=config).high_usd
    reply = "word " * 30 + "\nFinal answer: 1"

    def attempt(limit, concurrency):
        fake = SlowFake([reply])
        session = Session(config, budget=Budget(limit), provider=fake, what=lambda r: "the next call of math")
        ctx = session.context("fake")
        options = ConsistencyOptions(samples=5, early_stop="none", max_concurrency=concurrency)
        error = None
        try:
            asyncio.run(run_consistency(request, ctx, options, text_sampler(options.answer)))
        except BudgetExceeded as exc:
            error = exc
        return fake, [c.completion.cost_usd for c in ctx.trace if c.completion is not None], error

    _, costs, _ = attempt(100.0, 1)
    actual = costs[0]
    assert 0 < actual < one
    fake, _, error = attempt(2 * actual + 0.99 * one, 1)
    assert error is not None and "next call of math" in error.message
    assert len(fake.requests) == 2  # the third sample's high estimate would take the spending past the limit
    fake, costs, error = attempt(2.5 * one, 5)
    assert error is not None and len(fake.requests) == 2  # samples in flight reserve their estimate
    assert len(costs) == 2  # and are priced when they finish


def test_cli_json_has_the_vote(tmp_path, write_version):
    _math(write_version)
    env = {"PROMPTCTL_FAKE_REPLIES": json.dumps(["Final answer: 12", "Final answer: 11", "Final answer: 12"]),
           "PROMPTCTL_DATABASE_URL": f"sqlite:///{tmp_path / 'cli.db'}"}
    out = run_cli("run", "math@1", "--var", "problem=p", "--provider", "fake", "--json", "--samples", "3",
                  cwd=tmp_path, env=env)
    assert out.returncode == 0, out.stderr
    record = json.loads(out.stdout)
    assert record["answer"] == "12" and record["votes"] == {"12": 2, "11": 1} and record["samples_drawn"] == 3
    assert record["strategy"] == "consistency" and record["confidence"] == pytest.approx(2 / 3, abs=1e-6)
    logged = run_cli("log", "--json", "-n", "1", cwd=tmp_path, env=env)
    assert json.loads(logged.stdout)[0]["votes"] == record["votes"]


def test_cache_replays_every_sample(write_version, store):
    version = _math(write_version, extra=", early_stop: false")
    first = asyncio.run(arun(version, {"problem": "p"}, store=store, cache=True, provider=FakeProvider(
        ["Final answer: 1", "Final answer: 2", "Final answer: 1", "Final answer: 1", "Final answer: 3"])))
    replay = FakeProvider(["Final answer: 9"])
    second = asyncio.run(arun(version, {"problem": "p"}, store=store, cache=True, provider=replay))
    assert replay.requests == [] and second.votes == first.votes and second.cost_usd == 0
    assert all(c.completion.cached for c in second.calls)


def test_default_stopping_rule_small_simulation_matches_the_executor_and_keeps_accuracy():
    # the benchmark's vectorised simulation (benchmarks/consistency_sim.py) on 3,000 questions per family: it
    # must draw exactly what the executor's Stopper draws, and the default rule must stay close to fixed N
    import sys
    from pathlib import Path

    import numpy as np

    sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))
    from consistency_sim import FAMILIES, MAX_SAMPLES, adaptive_drawn, simulate, streams, tables

    rng = np.random.default_rng(3)
    family = next(f for f in FAMILIES if f.name == "near-tie")
    probs = family.draw(rng, 300)
    answers = streams(probs, rng)
    table = tables("beta", 0.95)
    drawn = adaptive_drawn(answers, probs.shape[1] - 1, table)
    for row, n in zip(answers, drawn, strict=True):
        stopper = Stopper(MAX_SAMPLES, "beta", 0.95, max_wave=5)
        counts: Counter[str] = Counter()
        seen = 0
        while True:
            size = stopper.next_wave(counts, seen)
            counts.update(str(a) for a in row[seen:seen + size] if a >= 0)
            seen += size
            if stopper.should_stop(counts, seen):
                break
        assert seen == n
    for family in FAMILIES[:2]:
        (outcome,) = simulate(family, {"beta": table}, 3000, seed=7)
        assert outcome.saving >= 2.0 and abs(outcome.loss_points) <= 0.3
