"""Fixtures of the evaluation tests: the example registry and a fresh run store."""

from __future__ import annotations

from pathlib import Path

import pytest

from promptctl.registry.registry import Registry
from promptctl.store.runs import RunStore

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def registry() -> Registry:
    return Registry(ROOT / "prompts")


@pytest.fixture
def store(tmp_path) -> RunStore:
    return RunStore(f"sqlite:///{tmp_path}/runs.db")
