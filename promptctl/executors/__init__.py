"""Executors: how a rendered prompt is run.

``direct`` (:mod:`.base`), ``cot`` (:mod:`.cot`), ``fewshot`` (:mod:`.fewshot`), ``consistency``
(:mod:`.consistency`, with :mod:`.voting` and :mod:`.gate`), ``structured`` (:mod:`.structured`,
with :mod:`.schema`) and ``chain`` (:mod:`.chain`). :mod:`.strategy` turns front matter and run-time
choices into a plan; :mod:`.pipeline` renders and executes one version with it. Every call goes
through a :class:`CallContext` (budget check, recording).
"""

from promptctl.executors.base import CallContext, ExecutorResult, direct
from promptctl.types import Call

__all__ = ["Call", "CallContext", "ExecutorResult", "direct"]
