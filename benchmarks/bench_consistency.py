"""Self-consistency: concurrency against a slow server, and adaptive stopping on simulated questions.

Prints two measurements (issue 3):

1. **Concurrency.** ``promptctl.session.run.arun`` with ``strategy: consistency`` (N = 10 samples,
   ``early_stop: false``, ``max_concurrency: 10``) through the real OpenAI SDK against
   ``LoopbackLLMServer`` answering every request after 200 ms, compared with one direct call of the same
   prompt (median wall time of 7 runs each, end to end, after a warm-up that imports the SDK). Target: N = 10
   takes at most 1.5 x one call. Also shown: the default adaptive run (``predictive`` stopping, 5 at a
   time) when every sample agrees.

2. **Adaptive stopping.** Simulated questions (5,000 per scenario; target >= 1,000), at most 20
   samples. Model of a question: it has one correct answer, drawn per sample with probability p; with
   probability 0.02 a sample has no final answer (empty); the rest, 0.98 (1 - p), is split across 5
   wrong answers with Dirichlet(0.5) weights, so wrong answers concentrate on one or two plausible
   mistakes (the 36 and 35 of the muffin problem), as they do in sampled chain-of-thought. p depends
   on the question's difficulty, a mixture:

   - scenario A, a mid-size model (GSM8K-like accuracy of a GPT-3.5-class model): 55% easy
     p ~ Beta(20, 1.5) (mean 0.93), 25% medium Beta(5, 2.5) (0.67), 20% hard Beta(2, 3.5) (0.36);
     one sample is right about 74% of the time, the majority of 20 about 88% (the +12 to +18 point
     self-consistency gains Wang et al. 2023 report on GSM8K);
   - scenario B, a strong model: 60% easy Beta(30, 1) (0.97), 25% medium Beta(6, 2) (0.75), 15%
     hard Beta(2, 3) (0.40); one sample about 82%, the majority of 20 about 92%.

   Each question's 20 samples are drawn once (paired design): fixed N = 20 votes over all of them;
   each adaptive rule votes over the prefix its :class:`~promptctl.executors.voting.Stopper` asks for,
   in the waves the executor uses (5 at a time at most). Printed: average samples drawn, the ratio to
   20 (target >= 3x), majority-vote accuracy of both and the difference (target <= 0.5 percentage
   points), for the default rule (``predictive``) and, for comparison, Adaptive-Consistency's ``beta``
   rule and ESC's ``window`` rule.

    python benchmarks/bench_consistency.py [QUESTIONS]    # default 5000; seed 20261129
"""

from __future__ import annotations

import asyncio
import random
import statistics
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

from promptctl.executors.voting import Stopper, vote

SEED = 20261129
QUESTIONS = int(sys.argv[1]) if len(sys.argv) > 1 else 5000
MAX_SAMPLES = 20
LATENCY_S = 0.2
REPEAT = 7

PROMPT = """---
description: Arithmetic with self-consistency
provider: openai
model: gpt-4o-mini
parameters: {temperature: 0.7, max_tokens: 50}
variables: {problem: {type: string, input: true}}
strategy: {name: consistency, samples: 10, answer_marker: "Final answer:"}
---
{% user %}{% section "input" %}{{ problem }}{% endsection %}{% enduser %}
"""


# -- 1. concurrency ------------------------------------------------------------------------------------
def concurrency() -> None:
    import os

    from promptctl.config import ProjectConfig
    from promptctl.registry.registry import Registry
    from promptctl.session.run import arun
    from promptctl.testing import LoopbackLLMServer

    with tempfile.TemporaryDirectory() as tmp, LoopbackLLMServer(["Final answer: 42"], latency_s=LATENCY_S) as server:
        root = Path(tmp)
        (root / "prompts" / "sc").mkdir(parents=True)
        (root / "prompts" / "sc" / "v1.j2").write_text(PROMPT, encoding="utf-8")
        version = Registry(root / "prompts").get("sc@1")
        os.environ["OPENAI_API_KEY"] = "sk-bench"
        config = ProjectConfig(root=root, prompts_dir=root / "prompts",
                               providers={"openai": {"base_url": server.base_url, "max_retries": 0}})

        def timed(**options: object) -> tuple[float, object]:
            start = time.perf_counter()
            result = asyncio.run(arun(version, {"problem": "6 x 7?"}, config=config, **options))
            return time.perf_counter() - start, result

        timed(strategy="direct")  # warm-up: imports the SDK
        ones = [timed(strategy="direct")[0] for _ in range(REPEAT)]
        one = statistics.median(ones)
        version = _with_options(version, root, "early_stop: false, max_concurrency: 10")
        fixed_runs = [timed() for _ in range(REPEAT)]
        ten = statistics.median(t for t, _ in fixed_runs)
        drawn = fixed_runs[-1][1].samples_drawn
        version = Registry(root / "prompts").get("sc@1")
        adaptive_t, adaptive = timed()
    ratio = ten / one
    print("1. Self-consistency concurrency (loopback OpenAI-compatible server, 200 ms per request, real openai SDK)")
    verdict = "PASS" if ratio <= 1.5 else "FAIL"
    stopped = adaptive.details["consistency"]["stopped_by"]
    print(f"   one direct call:                       {one * 1000:7.1f} ms (median of {REPEAT}, run end to end)")
    print(f"   N = 10 samples, 10 concurrent:         {ten * 1000:7.1f} ms (median of {REPEAT}), {drawn} samples drawn")
    print(f"   ratio N=10 / one call:                 {ratio:7.2f} x   target <= 1.5 x: {verdict}")
    print(f"   default adaptive run (5 at a time):    {adaptive_t * 1000:7.1f} ms, {adaptive.samples_drawn} of 10 "
          f"samples (stopped by {stopped})")


def _with_options(version, root: Path, extra: str):
    from promptctl.registry.registry import Registry

    text = PROMPT.replace('answer_marker: "Final answer:"}', f'answer_marker: "Final answer:", {extra}}}')
    (root / "prompts" / "sc" / "v2.j2").write_text(text, encoding="utf-8")
    return Registry(root / "prompts").get("sc@2")


# -- 2. adaptive stopping ------------------------------------------------------------------------------
SCENARIOS = {
    "A: mid-size model": [(0.55, 20.0, 1.5), (0.25, 5.0, 2.5), (0.20, 2.0, 3.5)],
    "B: strong model": [(0.60, 30.0, 1.0), (0.25, 6.0, 2.0), (0.15, 2.0, 3.0)],
}
EMPTY = 0.02
DISTRACTORS = 5


def question(rng: random.Random, mix: list[tuple[float, float, float]]) -> tuple[list[str | None], list[float]]:
    """One question's per-sample answer distribution (see the module docstring)."""
    draw, cumulative = rng.random(), 0.0
    p = 0.0
    for share, a, b in mix:
        cumulative += share
        if draw < cumulative:
            p = rng.betavariate(a, b)
            break
    gammas = [rng.gammavariate(0.5, 1.0) for _ in range(DISTRACTORS)]
    total = sum(gammas)
    answers: list[str | None] = ["correct", *(f"wrong{i}" for i in range(DISTRACTORS)), None]
    weights = [p * (1 - EMPTY), *(g / total * (1 - p) * (1 - EMPTY) for g in gammas), EMPTY]
    return answers, weights


def adaptive_prefix(stream: list[str | None], rule: str) -> int:
    """Samples the executor would draw from ``stream`` under ``rule`` (same Stopper, same waves)."""
    stopper = Stopper(len(stream), rule, max_wave=5)
    counts: Counter[str] = Counter()
    drawn = 0
    while True:
        size = stopper.next_wave(counts, drawn)
        wave = stream[drawn : drawn + size]
        counts.update(a for a in wave if a)
        drawn += size
        if stopper.should_stop(counts, drawn, wave):
            return drawn


def simulate(mix: list[tuple[float, float, float]], rules: tuple[str, ...]) -> dict[str, tuple[float, float, float]]:
    """``rule -> (average samples, accuracy, fixed-20 accuracy)`` over QUESTIONS paired questions."""
    rng = random.Random(SEED)
    fixed_right = 0
    single_right = 0
    drawn = dict.fromkeys(rules, 0)
    right = dict.fromkeys(rules, 0)
    for _ in range(QUESTIONS):
        answers, weights = question(rng, mix)
        stream = rng.choices(answers, weights, k=MAX_SAMPLES)
        single_right += stream[0] == "correct"
        fixed_right += vote(stream).answer == "correct"
        for rule in rules:
            n = adaptive_prefix(stream, rule)
            drawn[rule] += n
            right[rule] += vote(stream[:n]).answer == "correct"
    simulate.single = single_right / QUESTIONS  # type: ignore[attr-defined]
    return {rule: (drawn[rule] / QUESTIONS, right[rule] / QUESTIONS, fixed_right / QUESTIONS) for rule in rules}


def adaptive() -> None:
    print(f"\n2. Adaptive stopping on {QUESTIONS:,} simulated questions per scenario, at most {MAX_SAMPLES} samples "
          f"(seed {SEED})")
    for name, mix in SCENARIOS.items():
        results = simulate(mix, ("predictive", "beta", "window"))
        fixed_acc = next(iter(results.values()))[2]
        print(f"   scenario {name}: one sample right {simulate.single:.1%}, fixed N=20 majority {fixed_acc:.2%}")
        for rule, (avg, acc, fixed) in results.items():
            ratio = MAX_SAMPLES / avg
            gap = (fixed - acc) * 100
            verdict = "PASS" if ratio >= 3 and abs(gap) <= 0.5 else "FAIL"
            label = f"{rule}{' (default)' if rule == 'predictive' else ''}"
            print(f"     {label:22} avg {avg:5.2f} samples ({ratio:4.2f}x fewer)  accuracy {acc:.2%}  "
                  f"vs fixed {gap:+.2f} pp   targets >= 3x and <= 0.5 pp: {verdict}")


if __name__ == "__main__":
    concurrency()
    adaptive()
