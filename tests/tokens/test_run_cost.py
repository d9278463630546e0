"""Cost after the call: every recorded call and run carries its USD; --max-cost refuses before the call."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

import pytest

from promptctl.config import load_config
from promptctl.errors import BudgetExceeded
from promptctl.providers.fake import FakeProvider
from promptctl.registry.registry import Registry
from promptctl.session.run import arun
from promptctl.store.runs import RunStore, record_dict
from promptctl.store.summary import summarise, total
from promptctl.tokens import Budget


def _version(project: Path):
    return Registry(project / "prompts").get("triage")


def test_openai_call_cost_from_reported_usage(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from promptctl.testing.server import LoopbackLLMServer

    config = load_config(project)
    store = RunStore(f"sqlite:///{project / 'runs.db'}")
    usage = {"input_tokens": 20212, "cached_input_tokens": 16298, "output_tokens": 931}
    with LoopbackLLMServer(replies=["ok"], usage=usage) as server:
        for key, value in server.env().items():
            monkeypatch.setenv(key, value)
        result = asyncio.run(arun(_version(project), {"message": "hi"}, provider="openai", config=config, store=store))
    # config prices openai:gpt-4o-mini at $0.50/M, $0.05/M cached, $3.00/M out (the first case)
    assert round(result.cost_usd, 6) == 0.005565
    stored = record_dict(store.get(result.run_id))
    assert round(stored["cost_usd"], 6) == 0.005565
    [call] = store.calls_of(result.run_id)
    assert round(call["cost_usd"], 6) == 0.005565
    assert call["cached_input_tokens"] == 16298


def test_anthropic_call_cost_from_reported_usage(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from promptctl.testing.server import LoopbackLLMServer

    (project / "promptctl.toml").write_text(
        '[prices."anthropic:claude-haiku-4-5"]\ninput_per_mtok = 3\ncached_input_per_mtok = 0.3\noutput_per_mtok = 15\n'
    )
    config = load_config(project)
    store = RunStore(f"sqlite:///{project / 'runs.db'}")
    usage = {"input_tokens": 10050, "cached_input_tokens": 10000, "output_tokens": 200}  # wire: input_tokens 50
    with LoopbackLLMServer(replies=["ok"], usage=usage) as server:
        for key, value in server.env().items():
            monkeypatch.setenv(key, value)
        result = asyncio.run(
            arun(_version(project), {"message": "hi"}, provider="anthropic", config=config, store=store)
        )
    assert round(result.cost_usd, 6) == 0.00615
    assert round(store.calls_of(result.run_id)[0]["cost_usd"], 6) == 0.00615


def test_fake_runs_record_cost_and_summaries(project: Path) -> None:
    config = load_config(project)  # prices fake:fake-model at $1/M in, $2/M out
    store = RunStore(f"sqlite:///{project / 'runs.db'}")
    results = [
        asyncio.run(arun(_version(project), {"message": "a b c"}, provider=FakeProvider(["x y"]), store=store,
                         config=config))
        for _ in range(3)
    ]
    for result in results:
        expected = (result.usage.input_tokens * 1 + result.usage.output_tokens * 2) / 1e6
        assert result.cost_usd == pytest.approx(expected)
    by_version = summarise(store, "version")
    assert [(r["prompt"], r["version"], r["runs"], r["calls"]) for r in by_version] == [("triage", 1, 3, 3)]
    assert by_version[0]["cost_usd"] == pytest.approx(sum(r.cost_usd for r in results))
    assert len(summarise(store, "day")) == 1 and len(summarise(store, "run")) == 3
    assert total(by_version)["runs"] == 3


def test_unpriced_run_stores_null_and_warns(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from promptctl.testing.server import LoopbackLLMServer

    config = load_config(project)
    store = RunStore(f"sqlite:///{project / 'runs.db'}")
    with LoopbackLLMServer(replies=["ok"]) as server:
        for key, value in server.env().items():
            monkeypatch.setenv(key, value)
        result = asyncio.run(arun(_version(project), {"message": "a"}, provider="openai", model="llama3.2:latest",
                                  store=store, config=config))
    assert result.cost_usd is None
    assert any("cost not recorded" in w and '[prices."openai:llama3.2:latest"]' in w for w in result.warnings)
    assert not any("a typo of" in w for w in result.warnings)  # a local model's name is no near miss
    assert store.calls_of(result.run_id)[0]["cost_usd"] is None
    summary = summarise(store, "version")[0]
    assert (summary["unpriced"], summary["cost_usd"]) == (1, 0.0)


def test_an_unpriced_near_miss_of_a_known_model_asks_whether_it_is_a_typo(project: Path,
                                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    """trial-24: `model: gpt-4.1-mni` in the front matter ran against a server that answers any name, and the one
    warning said only that the cost was not recorded (lint's PROV007 names the typo; the run did not)."""
    from promptctl.testing.server import LoopbackLLMServer

    text = _version(project).path.read_text()
    assert "model: gpt-4o-mini\n" in text
    (project / "prompts" / "triage" / "v2.j2").write_text(text.replace("model: gpt-4o-mini", "model: gpt-4.1-mni"))
    with LoopbackLLMServer(replies=["ok"]) as server:
        for key, value in server.env().items():
            monkeypatch.setenv(key, value)
        result = asyncio.run(arun(Registry(project / "prompts").get("triage@2"), {"message": "a"},
                                  config=load_config(project), store=RunStore(f"sqlite:///{project / 'runs.db'}")))
    [note] = [w for w in result.warnings if "cost not recorded" in w]
    assert note.endswith("(is 'gpt-4.1-mni' a typo of 'gpt-4.1-mini'?)")


def test_max_cost_refuses_before_any_call(project: Path) -> None:
    config = load_config(project)
    store = RunStore(f"sqlite:///{project / 'runs.db'}")
    fake = FakeProvider(["never"])
    with pytest.raises(BudgetExceeded) as info:
        asyncio.run(arun(_version(project), {"message": "hi"}, provider=fake, store=store, config=config,
                         max_cost=0.0000001))
    err = info.value
    assert fake.requests == []
    assert store.recent() == []
    assert "spent $0.000000" in err.message and "left $1e-07 of --max-cost $1e-07" in err.message
    assert err.exit_code == 2 and err.hint


def test_max_cost_within_budget_runs_and_stores_the_labelled_estimate(project: Path) -> None:
    config = load_config(project)
    store = RunStore(f"sqlite:///{project / 'runs.db'}")
    result = asyncio.run(arun(_version(project), {"message": "hi"}, provider=FakeProvider(["ok"]), store=store,
                              config=config, max_cost=1.0))
    assert result.estimate is not None and result.cost_usd is not None
    stored = record_dict(store.get(result.run_id))
    assert stored["cost_estimate"]["estimate"] is True
    assert stored["cost_estimate"]["cost_usd"]["high"] <= 1.0


def test_unpriced_model_cannot_be_budgeted(project: Path) -> None:
    config = load_config(project)
    with pytest.raises(BudgetExceeded, match="no price"):
        asyncio.run(arun(_version(project), {"message": "hi"}, provider="openai", model="not-a-real-model",
                         config=config, max_cost=5.0))


def test_budget_reports_spent_and_left() -> None:
    budget = Budget(0.01)
    budget.check(0.004, what="call 1")
    budget.charge(0.004)
    budget.check(0.006, what="call 2")
    budget.charge(0.005)
    with pytest.raises(BudgetExceeded, match=r"spent \$0\.009000, left \$0\.001000") as info:
        budget.check(0.002, what="call 3")
    assert info.value.left_usd == pytest.approx(0.001)


def test_old_store_gains_the_cost_columns(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE runs (id VARCHAR(32) PRIMARY KEY, created_at VARCHAR(32) NOT NULL)")
        conn.execute("CREATE TABLE calls (id INTEGER PRIMARY KEY, run_id VARCHAR(32) NOT NULL)")
    RunStore(f"sqlite:///{path}")
    with sqlite3.connect(path) as conn:
        assert "cost_usd" in [r[1] for r in conn.execute("PRAGMA table_info(calls)")]
        assert "cost_estimate" in [r[1] for r in conn.execute("PRAGMA table_info(runs)")]


def test_a_budget_under_a_millionth_of_a_dollar_is_shown_with_its_digits() -> None:
    from promptctl.errors import BudgetExceeded
    from promptctl.tokens.budget import Budget

    with pytest.raises(BudgetExceeded) as info:
        Budget(1e-7).check(0.000677, what="q@1")
    assert "left $1e-07 of --max-cost $1e-07" in info.value.message and "$0.000677" in info.value.message
