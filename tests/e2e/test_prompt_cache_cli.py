"""Prompt caching end to end (issue 16): `run` twice through the real SDKs, then `log --summary`.

Case: "The loopback server reports cached tokens on the second call: ``log --summary`` shows the hit rate
and the lower cost." The loopback server models each provider's documented prompt cache
(:mod:`promptctl.testing.prompt_cache`): OpenAI's automatic prefix cache (``cached_tokens``), Anthropic's
``cache_control`` breakpoints (``cache_creation_input_tokens`` then ``cache_read_input_tokens``).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from promptctl.evaluation.ab_report import variant_rows
from promptctl.testing import LoopbackLLMServer
from tests.conftest import run_cli

RULE = ("Refunds over one hundred dollars, disputed charges and chargebacks go to a billing specialist; "
        "explain the next step, the expected wait and what the customer should prepare before they are contacted.")
POLICY = "\n".join(f"{n}. {RULE}" for n in range(1, 51))
PROMPT = f"""---
description: Billing support with a long, stable policy
provider: anthropic
model: claude-sonnet-4-5
models: {{openai: gpt-4o}}
parameters: {{max_tokens: 200}}
variables:
  message: {{type: string, input: true}}
---
{{% system %}}
{{% section "policy" %}}
{POLICY}
{{% endsection %}}
{{% cache %}}
{{% endsystem %}}
{{% user %}}{{% section "input" %}}{{{{ message }}}}{{% endsection %}}{{% enduser %}}
"""


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("cache")
    (root / "prompts" / "billing").mkdir(parents=True)
    (root / "prompts" / "billing" / "v1.j2").write_text(PROMPT, encoding="utf-8")
    (root / "promptctl.toml").write_text("[providers.openai]\nmax_retries = 0\n[providers.anthropic]\n"
                                         "max_retries = 0\n", encoding="utf-8")
    return root


@pytest.mark.parametrize("provider", ["openai", "anthropic"])
def test_second_call_reads_the_cache_and_log_summary_shows_it(project: Path, provider: str) -> None:
    with LoopbackLLMServer(replies=["We will pass this to billing."], prompt_cache=True) as server:
        env = {"OPENAI_BASE_URL": server.base_url, "OPENAI_API_KEY": "sk-test",
               "ANTHROPIC_BASE_URL": server.anthropic_base_url, "ANTHROPIC_API_KEY": "sk-ant-test",
               "PROMPTCTL_DATABASE_URL": f"sqlite:///{project / f'{provider}.db'}"}
        records = []
        for message in ("I was charged twice.", "Where is my refund?"):  # same prefix, another question
            result = run_cli("run", "billing@1", "-p", provider, "--var", f"message={message}", "--json",
                             cwd=project, env=env)
            assert result.returncode == 0, result.stderr
            records.append(json.loads(result.stdout))
        wire = [json.loads(r.raw) for r in server.requests]

    first, second = (r["usage"] for r in records)
    if provider == "anthropic":
        assert wire[0]["system"][0]["cache_control"] == {"type": "ephemeral"}
        assert first["cache_write_tokens"] > 1024 and first["cached_input_tokens"] == 0
        assert second["cached_input_tokens"] == first["cache_write_tokens"] and second["cache_write_tokens"] == 0
    else:
        assert "cache_control" not in json.dumps(wire)
        assert first["cached_input_tokens"] == 0
        # OpenAI serves 1,024 tokens and then steps of 128
        assert second["cached_input_tokens"] >= 1024 and (second["cached_input_tokens"] - 1024) % 128 == 0
    assert records[1]["cost_usd"] < records[0]["cost_usd"]

    summary = run_cli("log", "--summary", "--by", "run", "--json", cwd=project, env=env)
    assert summary.returncode == 0, summary.stderr
    # by run id, not by position: the two runs may start in the same second (created_at has seconds precision)
    by_id = {row["run_id"]: row for row in json.loads(summary.stdout)["run"]}
    rows = [by_id[records[1]["run_id"]], by_id[records[0]["run_id"]]]  # newest first
    assert rows[0]["prompt_cache_hit_rate"] == pytest.approx(second["cached_input_tokens"] / second["input_tokens"])
    assert rows[0]["prompt_cache_hit_rate"] > 0.5 and rows[1]["prompt_cache_hit_rate"] == 0
    assert rows[0]["cost_usd"] < rows[1]["cost_usd"]
    total = json.loads(summary.stdout)["total"]
    assert total["prompt_cache_hit_rate"] == pytest.approx(second["cached_input_tokens"] / total["input_tokens"])

    text = run_cli("log", "--summary", "--by", "run", cwd=project, env=env).stdout
    assert f"{rows[0]['prompt_cache_hit_rate']:.1%}" in text and "prompt cache hit rate" in text


def test_ab_shows_each_variants_prompt_cache_hit_rate(project: Path) -> None:
    second = project / "prompts" / "billing" / "v2.j2"
    second.write_text(PROMPT.replace('{% section "input" %}', '{% section "question" %}'), encoding="utf-8")
    rows = [{"vars": {"message": f"Question {n} about my invoice."}, "expected": "billing"} for n in range(4)]
    (project / "cases.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    with LoopbackLLMServer(replies=["We will pass this to billing."], prompt_cache=True) as server:
        env = {"OPENAI_BASE_URL": server.base_url, "OPENAI_API_KEY": "sk-test",
               "PROMPTCTL_DATABASE_URL": f"sqlite:///{project / 'ab.db'}"}
        args = ("ab", "billing@1", "billing@2", "-d", "cases.jsonl", "-s", "contains", "-p", "openai",
                "--concurrency", "1")
        result = run_cli(*args, "--json", cwd=project, env=env)
        assert result.returncode == 0, result.stderr
    record = json.loads(result.stdout)
    first, second_variant = record["variants"]
    # 8 calls with one system prompt: only the very first finds nothing in the provider's cache
    assert 0.5 < first["prompt_cache_hit_rate"] < second_variant["prompt_cache_hit_rate"] < 1
    assert first["tokens"]["cached_input"] > 3 * 1024
    tokens_cell = variant_rows(record)[0][-1]  # the terminal and markdown tables' "tokens in / out"
    assert tokens_cell.endswith(f"({first['prompt_cache_hit_rate']:.0%} from the prompt cache)")


def test_a_cost_comparison_shows_each_models_cold_and_warm_cost(project: Path) -> None:
    result = run_cli("cost", "billing@1", "--var", "message=Refund?", "-m", "openai:gpt-4o",
                     "-m", "anthropic:claude-sonnet-4-5", cwd=project)
    assert result.returncode == 0, result.stderr
    lines = [line for line in result.stderr.splitlines() if ": cache: prefix " in line]
    assert len(lines) == 2, result.stderr
    assert all("expected cold $" in line and ", warm $" in line for line in lines)
    assert any("written to the cache" in line for line in lines) and any("steps of 128" in line for line in lines)
