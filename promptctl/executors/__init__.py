"""Executors: how a rendered prompt is run (direct; more strategies build on the same Result)."""

from promptctl.executors.base import Call, ExecutorResult, direct

__all__ = ["Call", "ExecutorResult", "direct"]
