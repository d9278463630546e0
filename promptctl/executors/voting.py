"""Majority voting and adaptive stopping for self-consistency (pure functions; the benchmark uses them too).

See :mod:`promptctl.executors.consistency` for the rules and their sources.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from promptctl.executors.answers import normalise

DEFAULT_THRESHOLD = 0.95
DEFAULT_WINDOW = 5
DEFAULT_CONCURRENCY = 5


@dataclass(frozen=True)
class Vote:
    """The outcome of a vote.

    Attributes:
        answer: The winner (normalised), or None when no sample had an answer.
        votes: Answer -> votes, most votes first (ties in first-vote order).
        drawn: Samples counted (empty answers included).
        tie: True when the winner was chosen by the tie-break rule.
    """

    answer: str | None
    votes: dict[str, int]
    drawn: int
    tie: bool

    @property
    def confidence(self) -> float:
        """Winner's votes / samples drawn (0 when nothing won)."""
        return self.votes[self.answer] / self.drawn if self.answer is not None and self.drawn else 0.0


def vote(answers: Sequence[str | None]) -> Vote:
    """Majority vote over answers in sample-index order (normalised here; empty ones never win).

    >>> vote(["A", "A", "A", "B"]).votes
    {'a': 3, 'b': 1}
    """
    counts: Counter[str] = Counter()
    first: dict[str, int] = {}
    for index, raw in enumerate(answers):
        answer = normalise(raw)
        if not answer:
            continue
        counts[answer] += 1
        first.setdefault(answer, index)
    ordered = sorted(counts, key=lambda a: (-counts[a], first[a]))
    winner = ordered[0] if ordered else None
    tie = len(ordered) > 1 and counts[ordered[0]] == counts[ordered[1]]
    return Vote(winner, {a: counts[a] for a in ordered}, len(answers), tie)


def beta_stop_probability(v1: int, v2: int) -> float:
    """P(p1 > p2 | v1, v2) under Adaptive-Consistency's Beta model: P(Binomial(v1 + v2 + 1, 1/2) <= v1)."""
    n = v1 + v2 + 1
    return sum(math.comb(n, j) for j in range(v1 + 1)) / 2**n


@lru_cache(maxsize=65536)
def predictive_stop_probability(v1: int, v2: int, rest: int, remaining: int) -> float:
    """P(the current leader still leads after ``remaining`` more samples | the counts so far).

    The posterior predictive of a Dirichlet-multinomial over three outcomes (leader, runner-up, anything
    else including empty answers) with a uniform Dirichlet(1, 1, 1) prior updated by the counts
    ``(v1, v2, rest)``: the sum, over every split (a, b, c) of the remaining samples with
    ``v1 + a > v2 + b``, of its Dirichlet-multinomial probability. A third answer overtaking both is not
    modelled. With ``remaining`` 0 it is 1 when ``v1 > v2`` (the "outcome can no longer change" rule is
    its certain case).
    """
    if remaining == 0:
        return 1.0 if v1 > v2 else 0.0
    a1, a2, a3 = v1 + 1, v2 + 1, rest + 1
    log_base = (math.lgamma(a1 + a2 + a3) - math.lgamma(a1 + a2 + a3 + remaining) + math.lgamma(remaining + 1)
                - math.lgamma(a1) - math.lgamma(a2) - math.lgamma(a3))
    total = 0.0
    for a in range(remaining + 1):
        for b in range(remaining - a + 1):
            if v1 + a <= v2 + b:
                continue
            c = remaining - a - b
            total += math.exp(log_base + math.lgamma(a1 + a) + math.lgamma(a2 + b) + math.lgamma(a3 + c)
                              - math.lgamma(a + 1) - math.lgamma(b + 1) - math.lgamma(c + 1))
    return min(total, 1.0)


@dataclass
class Stopper:
    """Decides when to stop sampling and how many samples to draw next (shared with the benchmark).

    Args:
        max_samples: N.
        rule: ``beta`` (the default), ``predictive``, ``window``, ``decided`` or ``none``.
        threshold: Stopping threshold of ``predictive`` and ``beta``.
        window: ESC window size.
        max_wave: Most samples drawn at once (the concurrency limit).
    """

    max_samples: int
    rule: str = "beta"
    threshold: float = DEFAULT_THRESHOLD
    window: int = DEFAULT_WINDOW
    max_wave: int = DEFAULT_CONCURRENCY
    reason: str | None = None

    def _top(self, counts: Counter[str]) -> tuple[int, int]:
        top = counts.most_common(2) + [("", 0), ("", 0)]
        return top[0][1], top[1][1]

    def _decided(self, v1: int, v2: int, remaining: int) -> bool:
        return v1 > v2 + remaining

    def _probable(self, v1: int, v2: int, rest: int, remaining: int) -> bool:
        if v1 <= v2:
            return False
        if self.rule == "beta":
            return beta_stop_probability(v1, v2) >= self.threshold
        if self.rule == "predictive":
            return predictive_stop_probability(v1, v2, rest, remaining) >= self.threshold
        return False

    def should_stop(self, counts: Counter[str], drawn: int, last_wave: Sequence[str | None] = ()) -> bool:
        """True when sampling should stop now (sets :attr:`reason`)."""
        if drawn >= self.max_samples:
            self.reason = "max_samples"
            return True
        if self.rule == "none":
            return False
        v1, v2 = self._top(counts)
        if self._decided(v1, v2, self.max_samples - drawn):
            self.reason = "decided"
            return True
        if self._probable(v1, v2, drawn - v1 - v2, self.max_samples - drawn):
            self.reason = self.rule
            return True
        if self.rule == "window" and len(last_wave) >= min(self.window, self.max_samples) and all(last_wave):
            if len({normalise(a) for a in last_wave}) == 1 and normalise(last_wave[0]):
                self.reason = "window"
                return True
        return False

    def next_wave(self, counts: Counter[str], drawn: int) -> int:
        """Samples to draw next: the fewest that could end the vote if all agreed with the leader, capped."""
        remaining = self.max_samples - drawn
        if self.rule == "none":
            return remaining
        if self.rule == "window":
            return min(self.window, remaining)
        v1, v2 = self._top(counts)
        rest = drawn - v1 - v2
        for k in range(1, remaining + 1):
            if self._decided(v1 + k, v2, remaining - k) or self._probable(v1 + k, v2, rest, remaining - k):
                return min(k, self.max_wave)
        return min(remaining, self.max_wave)
