"""The cost, run --dry-run / --max-cost and log --summary commands, run as a user would (no network)."""

from __future__ import annotations

import json
import subprocess
import sys

from .conftest import CLI


def _ok(result: subprocess.CompletedProcess[str]) -> subprocess.CompletedProcess[str]:
    assert result.returncode == 0, (result.stdout, result.stderr)
    assert "Traceback" not in result.stderr
    return result


def test_cost_json_is_labelled(cli: CLI) -> None:
    [est] = json.loads(_ok(cli("cost", "triage", "--var", "message=site down", "--json")).stdout)
    assert est["estimate"] is True
    assert (est["provider"], est["model"], est["strategy"]) == ("openai", "gpt-4o-mini", "direct")
    assert est["input_tokens"]["quality"] == "exact" and est["input_tokens"]["encoding"] == "o200k_base"
    assert est["output_tokens"]["ceiling"] == 300
    usd = est["cost_usd"]
    assert 0 < usd["low"] < usd["expected"] < usd["high"]


def test_cost_compares_models_cheapest_first(cli: CLI) -> None:
    args = ["cost", "triage", "--var", "message=site down", "--json"]
    for model in ("anthropic:claude-sonnet-4-6", "openai:gpt-4o", "watsonx:ibm/granite-3-8b-instruct",
                  "openai:gpt-4o-mini", "watsonx:unknown/model"):
        args += ["--model", model]
    rows = json.loads(_ok(cli(*args)).stdout)
    targets = [f"{r['provider']}:{r['model']}" for r in rows]
    assert targets[-1] == "watsonx:unknown/model"  # unpriced last
    expected = [r["cost_usd"]["expected"] for r in rows[:-1]]
    assert expected == sorted(expected)
    quality = {f"{r['provider']}:{r['model']}": r["input_tokens"]["quality"] for r in rows}
    assert quality["anthropic:claude-sonnet-4-6"] == "estimate" and quality["openai:gpt-4o"] == "exact"


def test_cost_table_and_text(cli: CLI) -> None:
    text = _ok(cli("cost", "triage", "--var", "message=x", "--provider", "anthropic")).stdout
    assert "ESTIMATE" in text and "low $" in text and "expected $" in text and "high $" in text
    table = _ok(cli("cost", "triage", "--var", "message=x", "-m", "gpt-4o", "-m", "gpt-4o-mini")).stdout
    assert table.index("openai:gpt-4o-mini") < table.index("openai:gpt-4o ")
    assert "vs cheapest" in table


def test_cost_strategy_and_samples(cli: CLI) -> None:
    [est] = json.loads(_ok(cli("cost", "triage", "-v", "message=x", "--strategy", "consistency", "--samples", "9",
                               "--json")).stdout)
    assert est["calls"] == {"low": 4, "expected": 9, "high": 9}  # adaptive stopping (beta) may end after 4 samples


def test_run_dry_run_shows_the_estimate(cli: CLI) -> None:
    result = _ok(cli("run", "triage", "--var", "message=site down", "--dry-run"))
    assert "--- user ---" in result.stdout and "cost     low $" in result.stdout
    data = json.loads(_ok(cli("run", "triage", "--var", "message=x", "--dry-run", "--json")).stdout)
    assert data["cost_estimate"]["estimate"] is True and data["cost_estimate"]["cost_usd"]["high"] > 0


def test_run_max_cost_refuses_with_one_line(cli: CLI) -> None:
    result = cli("run", "triage", "--var", "message=x", "--max-cost", "0.0000001")
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert lines[0].startswith("error: stopped before triage@1 on openai:gpt-4o-mini")
    assert "spent $0.000000, left $1e-07 of --max-cost $1e-07" in lines[0]
    assert lines[1].startswith("hint: ")


def test_run_records_cost_and_log_shows_it(cli: CLI) -> None:
    env = {"PROMPTCTL_FAKE_REPLIES": json.dumps(["one two three"])}
    for _ in range(2):
        result = _ok(cli("run", "triage", "--var", "message=a b", "--provider", "fake", "--max-cost", "1",
                         env=env))
        assert "$0.0000" in result.stderr
    records = json.loads(_ok(cli("log", "--json")).stdout)
    assert len(records) == 2 and all(r["cost_usd"] > 0 for r in records)  # fake:fake-model priced in config
    assert all(r["cost_estimate"]["estimate"] is True for r in records)
    assert "$0.0000" in _ok(cli("log")).stdout
    summary = json.loads(_ok(cli("log", "--summary", "--json")).stdout)
    assert summary["version"][0]["runs"] == 2 and summary["day"][0]["runs"] == 2
    assert abs(summary["total"]["cost_usd"] - sum(r["cost_usd"] for r in records)) < 1e-12
    by_run = json.loads(_ok(cli("log", "--summary", "--by", "run", "--json")).stdout)
    assert [r["calls"] for r in by_run["run"]] == [1, 1]
    assert "by version" in _ok(cli("log", "--summary")).stdout


def test_cost_setup(cli: CLI) -> None:
    out = _ok(cli("cost", "--setup")).stdout
    assert "o200k_base:" in out and "cl100k_base:" in out


def test_errors_are_one_line(cli: CLI, project) -> None:
    result = cli("cost")
    assert result.returncode == 2 and result.stderr.startswith("error: missing REF")
    (project / "promptctl.toml").write_text('[prices."gpt-4o"]\ninput_per_mtok = 1\noutput_per_mtok = 1\n')
    result = cli("cost", "triage", "-v", "message=x")
    assert result.returncode == 2 and "provider:model" in result.stderr and "Traceback" not in result.stderr


def test_cli_import_stays_light() -> None:
    code = (
        "import sys, promptctl.cli\n"
        "print(sorted(m for m in ('tiktoken', 'genai_prices', 'bpe_openai', 'sqlalchemy') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_cost_of_a_misspelt_unpriced_model_says_did_you_mean(cli: CLI) -> None:
    # printed n/a and "no price" with no word of the typo (gpt-4.1-mni starts like a known family)
    result = _ok(cli("cost", "triage", "--var", "message=site down", "-m", "openai:gpt-4.1-mni"))
    assert "warning: model 'gpt-4.1-mni' is not in openai's price table or profiles (did you mean " \
           "'gpt-4.1-mini'?)" in result.stderr
    assert result.stderr.count("did you mean") == 1  # once, not again as 'has no price'
    assert "did you mean" not in _ok(cli("cost", "triage", "--var", "message=site down",
                                         "-m", "watsonx:unknown/model")).stderr
