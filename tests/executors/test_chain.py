"""Chains: steps over registry versions, outputs mapped as values, every intermediate stored, resume, render."""

from __future__ import annotations

import asyncio
import json
import textwrap
from pathlib import Path

import pytest

from promptctl import render
from promptctl.errors import InputError, ProviderError
from promptctl.executors.chain import ChainSpec
from promptctl.providers.fake import FakeProvider
from promptctl.registry.registry import Registry
from promptctl.session.chain import render_chain
from promptctl.session.run import arun
from promptctl.testing import openai_error
from tests.conftest import run_cli

ROOT = Path(__file__).resolve().parents[2]

STEP = """\
---
description: {name}
provider: openai
model: gpt-4o-mini
parameters: {{temperature: 0, max_tokens: 50}}
variables: {{{var}: {{type: string, input: true}}}}
{extra}
---
{{% system %}}Step {name}.{{% endsystem %}}
{{% user %}}{{% section "input" %}}{{{{ {var} }}}}{{% endsection %}}{{% enduser %}}
"""

CHAIN = """\
---
description: Two steps
variables: {text: {type: string, input: true}}
strategy:
  name: chain
  steps:
    - {id: first, prompt: upper@1, inputs: {text: text}}
    - {id: second, prompt: lower@1, inputs: {words: steps.first.output}}
---
"""


@pytest.fixture
def chain_registry(tmp_path: Path) -> Registry:
    prompts = tmp_path / "prompts"
    for name, var in (("upper", "text"), ("lower", "words")):
        (prompts / name).mkdir(parents=True)
        (prompts / name / "v1.j2").write_text(STEP.format(name=name, var=var, extra=""), encoding="utf-8")
    (prompts / "pipe").mkdir()
    (prompts / "pipe" / "v1.j2").write_text(CHAIN, encoding="utf-8")
    return Registry(prompts)


def _incident():
    from promptctl.cli.common import parse_vars

    return Registry(ROOT / "prompts").get("incident-pipeline"), parse_vars(
        None, ROOT / "fixtures/incident-pipeline/sample.yaml")


def test_incident_pipeline_runs_every_step_and_stores_it(store):
    version, variables = _incident()
    fake = FakeProvider(["Timeline:\n- 14:02 failures began.", "Checkout failed for 47 minutes.",
                         "Severity: SEV2\nJustification: partial outage."])
    result = asyncio.run(arun(version, variables, provider=fake, store=store))
    assert result.strategy == "chain" and result.answer == "sev2"
    assert result.output.startswith("Severity: SEV2")
    assert [s["status"] for s in result.steps] == ["ok", "ok", "ok"]
    assert [s["ref"] for s in result.steps] == ["chain-extract-facts@1", "chain-summarise@1",
                                                "chain-classify-severity@1"]
    assert "14:02 failures began" in fake.requests[1].messages[-1]["content"]  # facts -> summarise
    assert "47 minutes" in fake.requests[2].messages[-1]["content"]  # summary -> classify
    stored = store.get(result.run_id)
    assert stored["status"] == "ok" and stored["answer"] == "sev2"
    assert [s["output"] for s in stored["steps"]] == [s["output"] for s in result.steps]
    assert stored["steps"][1]["inputs"] == {"facts": "Timeline:\n- 14:02 failures began."}
    assert [(c["step"], c["seq"]) for c in store.calls_of(result.run_id)] == [(1, 1), (2, 2), (3, 3)]
    assert stored["input_tokens"] == sum(r.usage.input_tokens for r in [result])


def test_outputs_are_passed_as_values_never_as_templates(chain_registry):
    fake = FakeProvider(["{{ text }} {% raw %}", "done"])
    asyncio.run(arun(chain_registry.get("pipe@1"), {"text": "hello"}, provider=fake))
    assert fake.requests[1].messages[-1]["content"] == "## Input\n\n{{ text }} {% raw %}"


def test_a_failed_chain_resumes_from_the_failed_step(chain_registry, store):
    version = chain_registry.get("pipe@1")
    failing = FakeProvider(["FIRST", ProviderError("fake: overloaded", provider="fake", status=529)])
    with pytest.raises(ProviderError) as info:
        asyncio.run(arun(version, {"text": "hi"}, provider=failing, store=store))
    assert "chain step 2 'second' (lower@1)" in info.value.message
    [run] = store.recent()
    assert f"--resume {run['id']}" in info.value.hint
    assert run["status"] == "error" and [s["status"] for s in run["steps"]] == ["ok", "error"]

    again = FakeProvider(["second done"])
    result = asyncio.run(arun(version, None, provider=again, store=store, resume=run["id"][:10]))
    assert result.run_id == run["id"] and result.output == "second done"
    assert len(again.requests) == 1 and again.requests[0].messages[-1]["content"] == "## Input\n\nFIRST"
    assert [s["reused"] for s in result.steps] == [True, False]
    stored = store.get(run["id"])
    assert stored["status"] == "ok" and stored["error"] is None
    assert [(c["step"], c["error"] is None) for c in store.calls_of(run["id"])] == [(1, True), (2, False), (2, True)]
    with pytest.raises(InputError, match="nothing to resume"):
        asyncio.run(arun(version, None, provider=again, store=store, resume=run["id"]))


def test_render_shows_placeholders_for_outputs_not_yet_known(chain_registry):
    steps = render_chain(chain_registry.get("pipe@1"), {"text": "hi"}, provider="anthropic")
    assert [s["placeholders"] for s in steps] == [[], ["words"]]
    assert steps[1]["request"].body["messages"][-1]["content"] == "<input>\n[[steps.first.output]]\n</input>"
    assert steps[0]["request"].provider == "anthropic"


def test_structured_fields_map_to_later_variables(tmp_path, chain_registry):
    prompts = tmp_path / "prompts"
    (prompts / "classify").mkdir()
    schema = ("output: {format: json, schema: {type: object, required: [label], properties: "
              "{label: {type: string}}}}\nstrategy: {name: structured, mode: manual}")
    (prompts / "classify" / "v1.j2").write_text(STEP.format(name="classify", var="text", extra=schema))
    (prompts / "pick").mkdir()
    (prompts / "pick" / "v1.j2").write_text(textwrap.dedent("""\
        ---
        description: Pick
        variables: {text: {type: string, input: true}}
        strategy:
          name: chain
          steps:
            - {id: c, prompt: classify@1}
            - {id: l, prompt: lower@1, inputs: {words: steps.c.parsed.label}}
          output: steps.c.parsed
        ---
        """))
    fake = FakeProvider(['{"label": "Billing"}', "ok"])
    result = asyncio.run(arun(Registry(prompts).get("pick@1"), {"text": "refund"}, provider=fake))
    assert fake.requests[1].messages[-1]["content"] == "## Input\n\nBilling"
    assert json.loads(result.output) == {"label": "Billing"}


def test_a_parsed_field_the_steps_closed_schema_cannot_have_is_refused_before_any_call(tmp_path: Path):
    """trial-21: `steps.triage.parsed.priorty` failed only after the first step had been paid for."""
    prompts = tmp_path / "prompts"
    (prompts / "classify").mkdir(parents=True)
    schema = ("output: {format: json, schema: {type: object, required: [label], additionalProperties: false, "
              "properties: {label: {type: string}, score: {type: string}}}}\n"
              "strategy: {name: structured, mode: manual}")
    (prompts / "classify" / "v1.j2").write_text(STEP.format(name="classify", var="text", extra=schema))
    (prompts / "lower").mkdir()
    (prompts / "lower" / "v1.j2").write_text(STEP.format(name="lower", var="words", extra=""))
    chain = textwrap.dedent("""\
        ---
        description: Pick
        variables: {text: {type: string, input: true}}
        strategy:
          name: chain
          steps:
            - {id: c, prompt: classify@1}
            - {id: l, prompt: lower@1, inputs: {words: steps.c.parsed.lable}}
        ---
        """)
    (prompts / "pick").mkdir()
    (prompts / "pick" / "v1.j2").write_text(chain)
    fake = FakeProvider(['{"label": "Billing"}', "ok"])
    with pytest.raises(InputError, match=r"step 'l' input 'words': 'steps\.c\.parsed\.lable': the output schema of "
                                         r"classify@1 \(draft\) has no field 'lable'") as info:
        asyncio.run(arun(Registry(prompts).get("pick@1"), {"text": "refund"}, provider=fake))
    assert info.value.hint == "did you mean 'label'? its fields: label, score"
    assert fake.requests == []
    # an open schema (no additionalProperties: false) may have other fields: left to the run
    (prompts / "classify" / "v1.j2").write_text(STEP.format(name="classify", var="text", extra=schema.replace(
        "additionalProperties: false, ", "")))
    (prompts / "pick" / "v1.j2").write_text(chain.replace("parsed.lable", "parsed.score"))
    asyncio.run(arun(Registry(prompts).get("pick@1"), {"text": "refund"}, provider=FakeProvider(
        ['{"label": "Billing", "score": "high"}', "ok"])))
    # a misspelt step reference names the step
    (prompts / "pick" / "v1.j2").write_text(chain.replace("prompt: lower@1", "prompt: lowr@1"))
    with pytest.raises(InputError, match="pick@1 \\(draft\\) step 'l': no prompt named 'lowr'"):
        asyncio.run(arun(Registry(prompts).get("pick@1"), {"text": "refund"}, provider=FakeProvider(["x"])))


def test_a_step_input_its_prompt_does_not_have_is_refused_before_any_call(chain_registry):
    """trial-24: `inputs: {reveiw: steps.summary.output}` warned 'not declared or used; ignored', then failed on the
    missing variable after the first step had been paid for."""
    path = chain_registry.root / "pipe" / "v1.j2"
    path.write_text(CHAIN.replace("inputs: {words:", "inputs: {wrods:"), encoding="utf-8")
    fake = FakeProvider(["A", "b"])
    with pytest.raises(InputError, match=r"pipe@1 \(draft\) step 'second': input 'wrods' is not a variable of "
                                         r"lower@1 \(draft\)") as info:
        asyncio.run(arun(Registry(chain_registry.root).get("pipe@1"), {"text": "a"}, provider=fake))
    assert info.value.hint == "did you mean 'words'? its variables: words"
    assert fake.requests == []
    with pytest.raises(InputError, match="input 'wrods' is not a variable"):  # render and --dry-run say it too
        render_chain(Registry(chain_registry.root).get("pipe@1"), {"text": "a"})


def test_a_misspelt_step_field_gets_a_did_you_mean(chain_registry):
    """trial-24: `steps.summary.outptu` listed the forms but not the close one."""
    path = chain_registry.root / "pipe" / "v1.j2"
    path.write_text(CHAIN.replace("steps.first.output", "steps.first.outptu"), encoding="utf-8")
    with pytest.raises(InputError, match=r"'steps\.first\.outptu' is not steps\.ID\.output") as info:
        render_chain(Registry(chain_registry.root).get("pipe@1"), {"text": "a"})
    assert info.value.hint == "did you mean 'output'?"


def test_invalid_chains_are_input_errors():
    with pytest.raises(InputError, match="names no earlier step"):
        ChainSpec.from_options({"steps": [{"prompt": "a@1", "inputs": {"x": "steps.later.output"}}]}, where="c")
    with pytest.raises(InputError, match="duplicate step id"):
        ChainSpec.from_options({"steps": [{"id": "a", "prompt": "a@1"}, {"id": "a", "prompt": "b@1"}]}, where="c")
    with pytest.raises(InputError, match="non-empty 'steps'"):
        ChainSpec.from_options({}, where="c")
    with pytest.raises(InputError, match="not a declared chain variable"):
        ChainSpec.from_options({"steps": [{"prompt": "a@1", "inputs": {"x": "nope"}}]}, where="c",
                               variables={"text": {}})


def test_cli_chain_over_the_openai_sdk_fails_then_resumes(chain_registry, tmp_path, server):
    server.replies = _step_two_fails_once()
    env = {"OPENAI_BASE_URL": server.base_url, "OPENAI_API_KEY": "sk-test",
           "PROMPTCTL_DATABASE_URL": f"sqlite:///{tmp_path / 'cli.db'}"}

    def cli(*args: str) -> tuple[int, str, str]:
        out = run_cli(*args, cwd=tmp_path, env=env)
        return out.returncode, out.stdout, out.stderr

    code, _, err = cli("run", "pipe@1", "--var", "text=hi", "--show-steps")
    assert code == 3, err
    assert "chain step 2 'second'" in err and "--resume" in err
    run_id = err.split("--resume ")[1].split()[0]
    code, out, err = cli("run", "pipe@1", "--resume", run_id, "--show-steps", "--show-trace")
    assert code == 0, err
    assert "reused from the earlier run" in out and out.rstrip().endswith("second out")
    assert "step 2" in err  # the trace
    from promptctl.store.runs import RunStore, record_dict

    record = record_dict(RunStore(f"sqlite:///{tmp_path / 'cli.db'}").get(run_id))
    assert record["status"] == "ok" and [s["status"] for s in record["steps"]] == ["ok", "ok"]


def _step_two_fails_once():
    """Step 1 answers, step 2 gets a 400 (not retried by the SDK), and answers on resume."""
    state = {"n": 0}

    def reply(body):
        state["n"] += 1
        if state["n"] == 2:
            return openai_error(400, "bad request", type="invalid_request_error")
        return "FIRST OUT" if state["n"] == 1 else "second out"

    return reply


def test_cli_render_and_dry_run_of_the_example_chain(monkeypatch):
    from typer.testing import CliRunner

    from promptctl.cli import app

    monkeypatch.chdir(ROOT)
    runner = CliRunner()
    rendered = runner.invoke(app, ["render", "incident-pipeline", "--vars", "fixtures/incident-pipeline/sample.yaml",
                                   "--provider", "openai"])
    assert rendered.exit_code == 0, rendered.output
    assert rendered.output.count("=== step ") == 3 and "[[steps.facts.output]]" in rendered.output
    assert "[[steps.summary.output]]" in rendered.output and "placeholders: summary" in rendered.output
    as_json = runner.invoke(app, ["render", "incident-pipeline", "--vars", "fixtures/incident-pipeline/sample.yaml",
                                  "--json"])
    steps = json.loads(as_json.stdout)["chain"]
    assert [s["ref"] for s in steps] == ["chain-extract-facts@1", "chain-summarise@1", "chain-classify-severity@1"]
    assert all(s["request"]["messages"] and s["body"] == s["request"] for s in steps)  # body: deprecated alias
    dry = runner.invoke(app, ["run", "incident-pipeline", "--vars", "fixtures/incident-pipeline/sample.yaml",
                              "--dry-run"])
    assert dry.exit_code == 0 and "chain total" in dry.output
    refused = runner.invoke(app, ["run", "incident-pipeline", "--strategy", "cot", "--vars",
                                  "fixtures/incident-pipeline/sample.yaml"])
    assert isinstance(refused.exception, InputError) and "is a chain" in str(refused.exception)


def test_direct_strategy_leaves_the_example_requests_unchanged():
    from promptctl.cli.common import parse_vars
    from promptctl.session.run import render_request

    registry = Registry(ROOT / "prompts")
    for name in ("code-review", "entity-extraction", "math-word-problem", "ticket-triage"):
        version = registry.get(name)
        variables = parse_vars(None, ROOT / "fixtures" / name / "sample.yaml")
        for provider in ("openai", "anthropic", "watsonx"):
            expected = render(version, provider, **variables).body
            assert render_request(version, variables, strategy="direct", provider=provider).request.body == expected


def test_max_cost_is_enforced_before_each_step_call(chain_registry, tmp_path, store):
    from promptctl.config import ProjectConfig
    from promptctl.errors import BudgetExceeded

    config = ProjectConfig(root=tmp_path, prompts_dir=tmp_path / "prompts",
                           prices={"fake:fake-model": {"input_per_mtok": 100.0, "output_per_mtok": 100.0}})
    version = chain_registry.get("pipe@1")
    dry = asyncio.run(arun(version, {"text": "hi"}, provider="fake", config=config, dry_run=True, estimate=True))
    planned = dry.to_dict()["cost_estimate"]["cost_usd"]["high"]
    long_output = "word " * 3000  # step 2's real input is far larger than its placeholder
    fake = FakeProvider([long_output, "never"])
    with pytest.raises(BudgetExceeded, match="next call of chain pipe@1"):
        asyncio.run(arun(version, {"text": "hi"}, provider=fake, config=config, store=store,
                         max_cost=planned * 1.5))
    assert len(fake.requests) == 1  # step 1 ran; step 2 was refused before it was sent
    [run] = store.recent()
    assert run["status"] == "error" and [s["status"] for s in run["steps"]] == ["ok", "error"]


def test_fake_replies_from_the_environment_can_fail_a_call(monkeypatch):
    monkeypatch.setenv("PROMPTCTL_FAKE_REPLIES", json.dumps(["ok", {"error": "overloaded", "status": 529}]))
    fake = FakeProvider()
    assert fake.replies[0] == "ok" and isinstance(fake.replies[1], ProviderError)
    assert fake.replies[1].status == 529 and str(fake.replies[1]) == "fake: overloaded"


def test_an_empty_step_answer_mapped_to_a_required_variable_names_the_step(chain_registry):
    prompts = Path(chain_registry.get("upper@1").path).parents[1]
    (prompts / "pick").mkdir()
    (prompts / "pick" / "v1.j2").write_text(CHAIN.replace("pipe", "pick").replace(
        "{words: steps.first.output}", "{words: steps.first.answer}").replace(
        "prompt: upper@1,", "prompt: upper@1, strategy: {name: direct, answer_marker: 'Answer:'},"),
        encoding="utf-8")
    fake = FakeProvider(["no marker line here", "unused"])
    with pytest.raises(InputError) as info:
        asyncio.run(arun(Registry(prompts).get("pick@1"), {"text": "hi"}, provider=fake))
    assert "input 'words' (steps.first.answer) is empty: step 'first' produced no answer" in info.value.message
    assert "steps.first.output" in (info.value.hint or "")
    assert len(fake.requests) == 1  # the second step was never sent


def test_a_credential_in_the_variables_is_not_stored_so_resume_asks_for_them_again(chain_registry, store):
    key = "sk-proj-" + "Z9" * 12
    version = chain_registry.get("pipe@1")
    failing = FakeProvider(["FIRST", ProviderError("fake: overloaded", provider="fake", status=529)])
    with pytest.raises(ProviderError):
        asyncio.run(arun(version, {"text": f"my key is {key}"}, provider=failing, store=store))
    [run] = store.recent()
    assert run["variables"] == {"text": "my key is sk-proj-***"}
    with pytest.raises(InputError, match="held a credential") as info:
        asyncio.run(arun(version, None, provider=FakeProvider(["x"]), store=store, resume=run["id"]))
    assert "--vars" in info.value.hint
    again = FakeProvider(["second done"])
    result = asyncio.run(arun(version, {"text": f"my key is {key}"}, provider=again, store=store, resume=run["id"]))
    assert result.output == "second done" and [s["reused"] for s in result.steps] == [True, False]
