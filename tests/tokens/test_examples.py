"""Every example prompt of the repository can be priced offline, without credentials, for every strategy."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PROMPTS = ROOT / "prompts"
NAMES = sorted(p.name for p in PROMPTS.iterdir() if (p / "prompt.yaml").is_file()) if PROMPTS.is_dir() else []


def _variables(name: str) -> dict:
    from promptctl.cli.common import parse_vars

    sample = ROOT / "fixtures" / name / "sample.yaml"
    return parse_vars(None, sample) if sample.is_file() else {}


def test_there_are_example_prompts() -> None:
    assert len(NAMES) >= 6


@pytest.mark.parametrize("name", NAMES)
def test_example_prompt_costs_offline(name: str) -> None:
    from promptctl.adapters import build_request
    from promptctl.config import load_config
    from promptctl.executors.strategy import STRATEGIES
    from promptctl.registry.registry import Registry
    from promptctl.session.estimate import estimate_cost
    from promptctl.session.run import arun

    config = load_config(ROOT)
    registry = Registry(PROMPTS)
    version = registry.get(name) if registry.index(name).versions else registry.get(
        f"{name}@{registry.version_numbers(name)[-1]}"
    )
    variables = _variables(name)
    if version.front_matter.strategy.name == "chain":  # priced step by step, with placeholders for step outputs
        dry = asyncio.run(arun(version, variables, config=config, dry_run=True, estimate=True))
        assert dry.estimates and all(e.input.tokens > 0 for e in dry.estimates)
        assert dry.to_dict()["cost_estimate"]["estimate"] is True
        return
    prompt = version.prompt(variables)  # every example renders from its own sample input
    for provider in ("openai", "anthropic", "watsonx"):
        request = build_request(version.front_matter, prompt, provider=provider, config=config)
        for strategy in STRATEGIES:
            est = estimate_cost(version, request, strategy=strategy, config=config)
            assert est.input.tokens > 0
            if provider != "openai":
                assert est.input.quality == "estimate"
            if est.usd_expected is not None:
                assert est.usd_low <= est.usd_expected <= est.usd_high
    dry = asyncio.run(arun(version, variables, config=config, dry_run=True, estimate=True))
    assert dry.estimate is not None and dry.to_dict()["cost_estimate"]["estimate"] is True
