"""Vectorised simulation of self-consistency's adaptive stopping (used by bench_consistency.py and bench_stats.py).

A question has one correct answer (id 0), wrong answers (ids 1..W) and "no final answer" (id -1); each of
its samples draws an answer from the question's own distribution. Each question's 20 samples are drawn
once (paired design): the fixed-N vote uses all of them; an adaptive rule votes over the prefix its
:class:`~promptctl.executors.voting.Stopper` asks for, in the waves the executor uses (at most 5 at a
time). The Stopper's decisions depend only on (leader votes, runner-up votes, other samples), so they
are tabulated once from the real Stopper and applied to every question with numpy.

Families of answer distributions (``FAMILIES``); the first two are the scenarios the rules were tuned
on, the other five were written before the default was chosen and never used to choose it:

- ``A: mid-size model`` (tuning) and ``B: strong model`` (tuning): mixtures of easy, medium and hard
  questions, 5 wrong answers with Dirichlet(0.5) weights, 2% empty (the benchmark of issue 3);
- ``easy``: p(correct) ~ Beta(30, 1.5) (mean 0.95); 5 wrong answers, Dirichlet(0.5); 2% empty;
- ``hard``: p ~ Beta(2, 4) (mean 0.33); 5 wrong answers, Dirichlet(0.5); 5% empty;
- ``wrong-but-consistent``: p ~ Beta(3, 5) (0.38); one wrong answer takes Beta(8, 2) (0.8) of the wrong
  mass, so on many questions a wrong answer is the model's clear favourite; 2% empty;
- ``near-tie``: p ~ U(0.30, 0.45) and one wrong answer at p + U(-0.05, 0.05); the rest on 4 other
  wrong answers; 2% empty;
- ``many-answer``: p ~ Beta(3, 4) (0.43); the wrong mass spread flat (Dirichlet(1)) over 15 answers;
  3% empty.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

import numpy as np

from promptctl.executors.voting import Stopper

MAX_SAMPLES = 20
MAX_WAVE = 5
EMPTY = -1


@dataclass(frozen=True)
class Family:
    """A family of per-question answer distributions."""

    name: str
    tuned_on: bool

    def draw(self, rng: np.random.Generator, questions: int) -> np.ndarray:
        """Per-question probabilities, shape ``(questions, 1 + W + 1)``: correct, W wrong, empty (last)."""
        q = questions
        if self.name.startswith("A:") or self.name.startswith("B:"):
            mix = ([(0.55, 20.0, 1.5), (0.25, 5.0, 2.5), (0.20, 2.0, 3.5)] if self.name.startswith("A:")
                   else [(0.60, 30.0, 1.0), (0.25, 6.0, 2.0), (0.15, 2.0, 3.0)])
            which = rng.choice(len(mix), size=q, p=[m[0] for m in mix])
            p = np.empty(q)
            for i, (_, a, b) in enumerate(mix):
                p[which == i] = rng.beta(a, b, size=int((which == i).sum()))
            return _assemble(p, rng.dirichlet([0.5] * 5, size=q), 0.02)
        if self.name == "easy":
            return _assemble(rng.beta(30, 1.5, q), rng.dirichlet([0.5] * 5, size=q), 0.02)
        if self.name == "hard":
            return _assemble(rng.beta(2, 4, q), rng.dirichlet([0.5] * 5, size=q), 0.05)
        if self.name == "wrong-but-consistent":
            top = rng.beta(8, 2, q)
            others = rng.dirichlet([0.5] * 4, size=q) * (1 - top)[:, None]
            return _assemble(rng.beta(3, 5, q), np.column_stack([top, others]), 0.02)
        if self.name == "near-tie":
            p = rng.uniform(0.30, 0.45, q)
            rival = np.clip(p + rng.uniform(-0.05, 0.05, q), 0, None)
            rest = np.clip(1 - p - rival, 0, None)
            others = rng.dirichlet([0.5] * 4, size=q) * rest[:, None]
            wrong = np.column_stack([rival, others])
            wrong = wrong / wrong.sum(axis=1, keepdims=True)
            p_wrong_total = 1 - p
            probs = np.column_stack([p, wrong * p_wrong_total[:, None]])
            return np.column_stack([probs * 0.98, np.full(q, 0.02)])
        if self.name == "many-answer":
            return _assemble(rng.beta(3, 4, q), rng.dirichlet([1.0] * 15, size=q), 0.03)
        raise ValueError(self.name)


def _assemble(p: np.ndarray, wrong_shares: np.ndarray, empty: float) -> np.ndarray:
    probs = np.column_stack([p, wrong_shares * (1 - p)[:, None]]) * (1 - empty)
    return np.column_stack([probs, np.full(p.size, empty)])


FAMILIES = [Family("A: mid-size model", True), Family("B: strong model", True), Family("easy", False),
            Family("hard", False), Family("wrong-but-consistent", False), Family("near-tie", False),
            Family("many-answer", False)]


def streams(probs: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """20 sampled answer ids per question (shape ``(questions, 20)``; the last column of ``probs`` is empty)."""
    cumulative = np.cumsum(probs, axis=1)
    cumulative[:, -1] = 1.0
    u = rng.random((probs.shape[0], MAX_SAMPLES))
    ids = (u[:, :, None] > cumulative[:, None, :]).sum(axis=2)
    return np.where(ids == probs.shape[1] - 1, EMPTY, ids)


@dataclass(frozen=True)
class Tables:
    """The Stopper's decisions for every (leader, runner-up, other) state: stop now? next wave size?"""

    stop: np.ndarray
    wave: np.ndarray


def tables(rule: str, threshold: float) -> Tables:
    """Tabulate the real :class:`Stopper` for N = 20 and waves of at most 5."""
    size = MAX_SAMPLES + 1
    stop = np.zeros((size, size, size), dtype=bool)
    wave = np.zeros((size, size, size), dtype=np.int64)
    for v1 in range(size):
        for v2 in range(v1 + 1):
            for rest in range(size - v1 - v2):
                counts: Counter[str] = Counter({k: v for k, v in (("a", v1), ("b", v2)) if v})
                drawn = v1 + v2 + rest
                stopper = Stopper(MAX_SAMPLES, rule, threshold=threshold, max_wave=MAX_WAVE)
                stop[v1, v2, rest] = drawn > 0 and stopper.should_stop(counts, drawn)
                wave[v1, v2, rest] = stopper.next_wave(counts, drawn) if drawn < MAX_SAMPLES else 0
    return Tables(stop, wave)


def _vote(answers: np.ndarray, upto: np.ndarray, kinds: int) -> np.ndarray:
    """Majority vote over each row's first ``upto`` answers; ties to the earliest first vote; -2 for none."""
    q, n = answers.shape
    mask = np.arange(n)[None, :] < upto[:, None]
    valid = mask & (answers >= 0)
    counts = np.zeros((q, kinds), dtype=np.int64)
    first = np.full((q, kinds), n, dtype=np.int64)
    rows = np.repeat(np.arange(q), n).reshape(q, n)
    cols = np.where(valid, answers, 0)
    np.add.at(counts, (rows[valid], cols[valid]), 1)
    positions = np.broadcast_to(np.arange(n), (q, n))
    np.minimum.at(first, (rows[valid], cols[valid]), positions[valid])
    key = counts * (n + 1) - first
    winner = key.argmax(axis=1)
    return np.where(counts.max(axis=1) > 0, winner, -2)


def window_drawn(answers: np.ndarray, kinds: int, window: int = 5) -> np.ndarray:
    """Samples drawn under ESC's ``window`` rule: windows of 5, stop when a window agrees or the vote is decided."""
    q = answers.shape[0]
    drawn = np.full(q, MAX_SAMPLES)
    active = np.ones(q, dtype=bool)
    for end in range(window, MAX_SAMPLES, window):
        block = answers[:, end - window:end]
        agree = (block >= 0).all(axis=1) & (block == block[:, :1]).all(axis=1)
        counts = np.stack([(answers[:, :end] == k).sum(axis=1) for k in range(kinds)], axis=1)
        top = -np.sort(-counts, axis=1)[:, :2]
        decided = top[:, 0] > top[:, 1] + (MAX_SAMPLES - end)
        stop = active & (agree | decided)
        drawn[stop] = end
        active &= ~stop
    return drawn


def adaptive_drawn(answers: np.ndarray, kinds: int, table: Tables | None) -> np.ndarray:
    """Samples each question's adaptive run draws (the executor's waves and stopping checks); None: window."""
    if table is None:
        return window_drawn(answers, kinds)
    q = answers.shape[0]
    one_hot = np.zeros((q, MAX_SAMPLES + 1, kinds + 1), dtype=np.int16)
    ids = np.where(answers >= 0, answers, kinds)  # empty answers in an extra column
    one_hot[np.arange(q)[:, None], np.arange(1, MAX_SAMPLES + 1)[None, :], ids] = 1
    cumulative = one_hot.cumsum(axis=1)[:, :, :kinds]  # votes per answer after t samples
    drawn = np.zeros(q, dtype=np.int64)
    active = np.ones(q, dtype=bool)
    for _ in range(MAX_SAMPLES + 1):
        if not active.any():
            break
        idx = np.nonzero(active)[0]
        counts = cumulative[idx, drawn[idx]]
        top = -np.sort(-counts, axis=1)[:, :2]
        v1, v2 = top[:, 0], top[:, 1]
        rest = drawn[idx] - v1 - v2
        stop = table.stop[v1, v2, rest] | (drawn[idx] >= MAX_SAMPLES)
        drawn[idx] += np.where(stop, 0, table.wave[v1, v2, rest])
        active[idx[stop]] = False
    return drawn


@dataclass(frozen=True)
class Outcome:
    """One rule on one family: average samples, accuracies, the paired loss and its 95% interval."""

    family: str
    rule: str
    questions: int
    samples: float
    accuracy: float
    fixed_accuracy: float
    loss_points: float
    loss_low: float
    loss_high: float

    @property
    def saving(self) -> float:
        """Fixed N / average samples drawn."""
        return MAX_SAMPLES / self.samples


def simulate(family: Family, rules: dict[str, Tables | None], questions: int, seed: int,
             chunk: int = 50_000) -> list[Outcome]:
    """Paired simulation of every rule against fixed N = 20 on ``questions`` questions of ``family``."""
    from promptctl.evaluation.stats import tango_bounds

    rng = np.random.default_rng(seed)
    fixed_right = 0
    drawn_total = dict.fromkeys(rules, 0)
    right = dict.fromkeys(rules, 0)
    lost = dict.fromkeys(rules, 0)  # fixed right, adaptive wrong
    gained = dict.fromkeys(rules, 0)
    done = 0
    while done < questions:
        size = min(chunk, questions - done)
        probs = family.draw(rng, size)
        answers = streams(probs, rng)
        kinds = probs.shape[1] - 1
        fixed = _vote(answers, np.full(size, MAX_SAMPLES), kinds) == 0
        fixed_right += int(fixed.sum())
        for name, table in rules.items():
            n = adaptive_drawn(answers, kinds, table)
            ok = _vote(answers, n, kinds) == 0
            drawn_total[name] += int(n.sum())
            right[name] += int(ok.sum())
            lost[name] += int((fixed & ~ok).sum())
            gained[name] += int((~fixed & ok).sum())
        done += size
    out = []
    for name in rules:
        # loss = fixed - adaptive accuracy: a paired difference of proportions, Tango's interval
        low, high = tango_bounds(gained[name], lost[name], questions)
        out.append(Outcome(family.name, name, questions, drawn_total[name] / questions, right[name] / questions,
                           fixed_right / questions, (lost[name] - gained[name]) / questions * 100, low * 100,
                           high * 100))
    return out
