"""Self-consistency: concurrency against a slow server, and adaptive stopping on simulated questions.

Prints two measurements (issue 3):

1. **Concurrency.** ``promptctl.session.run.arun`` with ``strategy: consistency`` (N = 10 samples,
   ``early_stop: false``, ``max_concurrency: 10``) through the real OpenAI SDK against
   ``LoopbackLLMServer`` answering every request after 200 ms, compared with one direct call of the same
   prompt (median wall time of 7 runs each, end to end, after a warm-up that imports the SDK). Target: N = 10
   takes at most 1.2 x one call (issue 14; issue 3 asked 1.5 x). Also shown: the default adaptive run
   (``predictive`` stopping, 5 at a time) when every sample agrees.

2. **Adaptive stopping.** 200,000 simulated questions per family of answer distributions (seven
   families, :mod:`consistency_sim`: two the default was chosen on, five it was not), at most 20 samples,
   waves of at most 5 as the executor draws them, each question's 20 samples drawn once (paired design).
   Printed per family and rule: average samples, the saving against a fixed N = 20 vote, and the accuracy
   lost against fixed N in percentage points with its 95% interval (Tango's, paired by question).
   Target (issue 13): the default rule's loss at most 0.1 point, upper end of the interval included, on
   every family; the saving is reported, not targeted.

    python benchmarks/bench_consistency.py [QUESTIONS]    # default 200000 per family; seed 20261206
"""

from __future__ import annotations

import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path

SEED = 20261206
QUESTIONS = 200_000
MAX_SAMPLES = 20
LATENCY_S = 0.2
REPEAT = 7
TARGET_RATIO = 1.2

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
def concurrency() -> float:
    """Print the concurrency figures; return the ratio of N = 10 samples to one call."""
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
    verdict = "PASS" if ratio <= TARGET_RATIO else "FAIL"
    stopped = adaptive.details["consistency"]["stopped_by"]
    print(f"   one direct call:                       {one * 1000:7.1f} ms (median of {REPEAT}, run end to end)")
    print(f"   N = 10 samples, 10 concurrent:         {ten * 1000:7.1f} ms (median of {REPEAT}), {drawn} samples drawn")
    print(f"   ratio N=10 / one call:                 {ratio:7.2f} x   target <= {TARGET_RATIO} x: {verdict}")
    print(f"   default adaptive run (5 at a time):    {adaptive_t * 1000:7.1f} ms, {adaptive.samples_drawn} of 10 "
          f"samples (stopped by {stopped})")
    return ratio


def _with_options(version, root: Path, extra: str):
    from promptctl.registry.registry import Registry

    text = PROMPT.replace('answer_marker: "Final answer:"}', f'answer_marker: "Final answer:", {extra}}}')
    (root / "prompts" / "sc" / "v2.j2").write_text(text, encoding="utf-8")
    return Registry(root / "prompts").get("sc@2")


# -- 2. adaptive stopping ------------------------------------------------------------------------------
RULES = {"beta 0.95 (default)": ("beta", 0.95), "predictive 0.95": ("predictive", 0.95),
         "predictive 0.99": ("predictive", 0.99), "window 5": ("window", 0.0)}
LOSS_TARGET = 0.1


def adaptive(questions: int = QUESTIONS) -> list:
    """Print the table of savings and losses; returns the outcomes."""
    from consistency_sim import FAMILIES, simulate, tables

    rules = {name: (None if rule == "window" else tables(rule, threshold)) for name, (rule, threshold) in RULES.items()}
    print(f"\n2. Adaptive stopping on {questions:,} simulated questions per family, at most {MAX_SAMPLES} samples, "
          f"waves of 5 (seed {SEED})")
    print(f"   {'family':30} {'rule':20} {'samples':>7} {'saving':>7} {'accuracy':>9} {'fixed':>8}  loss in points "
          f"[95% interval]   target (default only)")
    outcomes = []
    for family in FAMILIES:
        for o in simulate(family, rules, questions, seed=SEED):
            outcomes.append(o)
            target = ""
            if o.rule.endswith("(default)"):
                target = f"<= {LOSS_TARGET} incl. interval: {'PASS' if o.loss_high <= LOSS_TARGET else 'FAIL'}"
            label = family.name + (" (tuning)" if family.tuned_on else "")
            print(f"   {label:30} {o.rule:20} {o.samples:7.2f} {o.saving:6.2f}x {o.accuracy:9.2%} "
                  f"{o.fixed_accuracy:8.2%}  {o.loss_points:+.3f} [{o.loss_low:+.3f}, {o.loss_high:+.3f}]   {target}")
    return outcomes


if __name__ == "__main__":
    concurrency()
    adaptive(int(sys.argv[1]) if len(sys.argv) > 1 else QUESTIONS)
