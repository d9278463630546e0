"""OpenTelemetry export (issue 17): spans reach a loopback OTLP/HTTP receiver that decodes the protobuf."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from promptctl.session import tracing
from promptctl.testing import LoopbackLLMServer
from promptctl.testing.otlp import OTLPReceiver
from tests.conftest import run_cli

SECRET = "sk-test-otel-credential-0123456789"
PROMPT = """---
description: Answer briefly
provider: openai
model: gpt-4.1-mini
parameters: {temperature: 0.2, max_tokens: 50}
variables:
  question: {type: string}
---
{% system %}You answer in one word.{% endsystem %}
{% user %}{{ question }}{% enduser %}
"""
DATASET = "\n".join(json.dumps({"id": f"c{i}", "vars": {"question": f"q{i}"}, "expected": "four"}) for i in range(3))
GENAI = {"gen_ai.operation.name", "gen_ai.provider.name", "gen_ai.request.model", "gen_ai.response.model",
         "gen_ai.usage.input_tokens", "gen_ai.usage.output_tokens", "gen_ai.response.finish_reasons",
         "gen_ai.prompt.name", "promptctl.prompt.version", "promptctl.prompt.sha256"}
CONTENT = {"gen_ai.input.messages", "gen_ai.output.messages", "gen_ai.system_instructions"}


@pytest.fixture
def receiver() -> Iterator[OTLPReceiver]:
    tracing.reset()
    with OTLPReceiver() as r:
        yield r
    tracing.reset()


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("otel")
    assert run_cli("init", cwd=root).returncode == 0
    for name in ("q", "q2"):
        (root / "prompts" / name).mkdir(parents=True)
        (root / "prompts" / name / "v1.j2").write_text(PROMPT.replace("one word", f"one word ({name})"))
    (root / "cases.jsonl").write_text(DATASET + "\n")
    return root


def _env(server: LoopbackLLMServer, tmp_path: Path, receiver: OTLPReceiver, **extra: str) -> dict[str, str | None]:
    return {**server.env(api_key=SECRET), "PROMPTCTL_DATABASE_URL": f"sqlite:///{tmp_path / 'runs.db'}",
            "OTEL_EXPORTER_OTLP_ENDPOINT": receiver.endpoint, **extra}


def test_a_run_sends_one_call_span_under_its_run_span_with_the_genai_attributes_and_no_credential(
        project: Path, server: LoopbackLLMServer, receiver: OTLPReceiver, tmp_path: Path) -> None:
    server.replies = ["four"]
    done = run_cli("run", "q@1", "--var", "question=2+2?", cwd=project, env=_env(server, tmp_path, receiver))
    assert done.returncode == 0, done.stderr
    assert tracing.flush()
    calls, runs = receiver.named("chat "), receiver.named("run ")
    assert len(calls) == 1 and len(runs) == 1
    call, run = calls[0], runs[0]
    assert call.kind == "SPAN_KIND_CLIENT" and call.name == "chat gpt-4.1-mini"
    assert call.parent_span_id == run.span_id and call.trace_id == run.trace_id
    assert GENAI <= set(call.attributes)
    attrs = call.attributes
    assert attrs["gen_ai.operation.name"] == "chat" and attrs["gen_ai.provider.name"] == "openai"
    assert attrs["gen_ai.request.model"] == "gpt-4.1-mini" and attrs["gen_ai.request.temperature"] == 0.2
    assert attrs["gen_ai.request.max_tokens"] == 50 and attrs["gen_ai.response.finish_reasons"] == ["stop"]
    assert attrs["gen_ai.usage.input_tokens"] > 0 and attrs["gen_ai.usage.output_tokens"] > 0
    assert attrs["gen_ai.prompt.name"] == "q" and attrs["promptctl.prompt.version"] == 1
    assert len(attrs["promptctl.prompt.sha256"]) == 64 and run.attributes["promptctl.run.id"]
    assert run.name == "run q@1" and run.attributes["gen_ai.usage.input_tokens"] == attrs["gen_ai.usage.input_tokens"]
    assert run.attributes["promptctl.status"] == "ok"
    assert call.resource["service.name"] == "promptctl" and call.scope == "promptctl"
    assert not CONTENT & set(attrs)  # no prompt or output text unless asked
    sent = b"".join(receiver.bodies)
    assert SECRET.encode() not in sent and b"2+2?" not in sent and b"four" not in sent
    assert receiver.paths == ["/v1/traces"] * len(receiver.paths)


def test_message_content_only_when_asked(project: Path, server: LoopbackLLMServer, receiver: OTLPReceiver,
                                         tmp_path: Path) -> None:
    server.replies = ["four"]
    env = _env(server, tmp_path, receiver, OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT="true")
    assert run_cli("run", "q@1", "--var", "question=2+2?", cwd=project, env=env).returncode == 0
    assert tracing.flush()
    attrs = receiver.named("chat ")[0].attributes
    assert json.loads(attrs["gen_ai.input.messages"])[-1] == {"role": "user",
                                                              "parts": [{"type": "text", "content": "2+2?"}]}
    assert json.loads(attrs["gen_ai.output.messages"])[0]["parts"][0]["content"] == "four"
    assert SECRET.encode() not in b"".join(receiver.bodies)


def test_a_credential_inside_the_content_is_redacted(project: Path, server: LoopbackLLMServer,
                                                     receiver: OTLPReceiver, tmp_path: Path) -> None:
    # a support ticket quoting the very key the run uses, and a reply echoing it
    server.replies = [f"Rotate {SECRET} now"]
    env = _env(server, tmp_path, receiver, OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT="true")
    asked = f"my key {SECRET} stopped working"
    assert run_cli("run", "q@1", "--var", f"question={asked}", cwd=project, env=env).returncode == 0
    assert tracing.flush()
    attrs = receiver.named("chat ")[0].attributes
    assert json.loads(attrs["gen_ai.input.messages"])[-1]["parts"][0]["content"] == "my key *** stopped working"
    assert json.loads(attrs["gen_ai.output.messages"])[0]["parts"][0]["content"] == "Rotate *** now"
    exported = run_cli("log", "export", "--otlp", "--include-content", "-n", "1", "--endpoint", receiver.endpoint,
                       cwd=project, env=env)
    assert exported.returncode == 0, exported.stderr
    assert len(receiver.bodies) >= 2 and SECRET.encode() not in b"".join(receiver.bodies)


def test_an_ab_comparison_is_the_parent_of_its_case_runs_and_every_call_has_a_span(
        project: Path, server: LoopbackLLMServer, receiver: OTLPReceiver, tmp_path: Path) -> None:
    server.replies = ["four"]
    env = _env(server, tmp_path, receiver)
    done = run_cli("ab", "q@1", "q2@1", "--dataset", "cases.jsonl", "--no-cache", "--json", cwd=project, env=env)
    assert done.returncode == 0, done.stderr
    assert tracing.flush()
    [comparison] = receiver.named("ab ")
    runs, calls = receiver.named("run "), receiver.named("chat ")
    assert len(runs) == 6 and len(calls) == len(server.requests) == 6  # one span per call the server saw
    assert {r.parent_span_id for r in runs} == {comparison.span_id}
    assert {c.parent_span_id for c in calls} == {r.span_id for r in runs}
    assert {c.attributes["gen_ai.prompt.name"] for c in calls} == {"q", "q2"}
    assert comparison.attributes["promptctl.ab.cases"] == 3 and comparison.attributes["promptctl.ab.kind"] == "ab"

    done = run_cli("eval", "q@1", "--dataset", "cases.jsonl", "--no-cache", "--json", cwd=project, env=env)
    assert done.returncode == 0, done.stderr
    assert tracing.flush()
    [evaluation] = receiver.named("eval ")
    assert evaluation.attributes["promptctl.ab.variants"] == ["q@1"]
    assert len([r for r in receiver.named("run ") if r.parent_span_id == evaluation.span_id]) == 3


def test_a_failed_call_is_an_error_span_without_the_credential(project: Path, server: LoopbackLLMServer,
                                                                receiver: OTLPReceiver, tmp_path: Path) -> None:
    from promptctl.testing import openai_error

    server.add_faults(openai_error(401, f"Incorrect API key provided: {SECRET}"))
    done = run_cli("run", "q@1", "--var", "question=x", cwd=project, env=_env(server, tmp_path, receiver))
    assert done.returncode == 3
    assert tracing.flush()
    [call] = receiver.named("chat ")
    assert call.status == "STATUS_CODE_ERROR" and call.attributes["error.type"] == "401"
    assert SECRET.encode() not in b"".join(receiver.bodies)


def test_tracing_is_off_and_imports_nothing_without_an_endpoint(monkeypatch: pytest.MonkeyPatch) -> None:
    import sys

    for name in tracing.ENDPOINT_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    tracing.reset()
    assert tracing.tracer() is None
    if "opentelemetry.sdk.trace" not in sys.modules:
        assert not any(m.startswith("opentelemetry.exporter") for m in sys.modules)


def test_log_export_otlp_sends_recorded_runs_calls_and_comparisons_afterwards(
        project: Path, server: LoopbackLLMServer, receiver: OTLPReceiver, tmp_path: Path) -> None:
    server.replies = ["four"]
    env = {**_env(server, tmp_path, receiver), "OTEL_EXPORTER_OTLP_ENDPOINT": None}  # recorded without tracing
    assert run_cli("run", "q@1", "--var", "question=2+2?", cwd=project, env=env).returncode == 0
    done = run_cli("ab", "q@1", "q2@1", "--dataset", "cases.jsonl", "--no-cache", "--json", cwd=project, env=env)
    assert done.returncode == 0, done.stderr
    assert receiver.spans == []
    sent = run_cli("log", "export", "--otlp", "--json", cwd=project, env={**env, "OTEL_EXPORTER_OTLP_ENDPOINT":
                                                                           receiver.endpoint})
    assert sent.returncode == 0, sent.stderr
    summary = json.loads(sent.stdout)
    assert summary == {"endpoint": receiver.endpoint + "/v1/traces", "runs": 7, "calls": 7, "comparisons": 1,
                       "spans": 15, "content": False}
    [comparison] = receiver.named("ab ")
    runs, calls = receiver.named("run "), receiver.named("chat ")
    cases = [r for r in runs if r.parent_span_id == comparison.span_id]
    [alone] = [r for r in runs if not r.parent_span_id]
    assert len(cases) == 6 and alone.trace_id == alone.attributes["promptctl.run.id"]  # the run id is the trace id
    assert {c.parent_span_id for c in calls} == {r.span_id for r in runs}
    for call in calls:
        assert GENAI <= set(call.attributes) and call.kind == "SPAN_KIND_CLIENT"
        assert call.attributes["gen_ai.response.finish_reasons"] == ["stop"]
        assert call.end_ns >= call.start_ns > 0
    body = b"".join(receiver.bodies)
    assert SECRET.encode() not in body and b"2+2?" not in body
    assert not any(CONTENT & set(c.attributes) for c in calls)

    again = run_cli("log", "export", "--otlp", "--include-content", "--prompt", "q2", "-n", "1", "--endpoint",
                    receiver.endpoint, cwd=project, env=env)
    # q2 ran only in the comparison: its newest run is an A/B case and goes with its comparison
    assert again.returncode == 0 and again.stdout.startswith("sent 1 run, 1 call and 1 comparison as 3 spans to ")
    newest = receiver.spans[-3:]
    [call] = [s for s in newest if s.name.startswith("chat ")]
    assert json.loads(call.attributes["gen_ai.output.messages"])[0]["parts"][0]["content"] == "four"
    assert {s.span_id for s in newest} <= {s.span_id for s in receiver.spans[:-3]}  # the same ids the second time


def test_log_export_without_a_format_or_an_endpoint_is_one_error_line(project: Path, tmp_path: Path) -> None:
    env = {"PROMPTCTL_DATABASE_URL": f"sqlite:///{tmp_path / 'runs.db'}", "OTEL_EXPORTER_OTLP_ENDPOINT": None,
           "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": None}
    no_format = run_cli("log", "export", cwd=project, env=env)
    assert no_format.returncode == 2 and no_format.stderr.startswith("error: log export needs a format")
    no_endpoint = run_cli("log", "export", "--otlp", cwd=project, env=env)
    assert no_endpoint.returncode == 2 and "hint: set OTEL_EXPORTER_OTLP_ENDPOINT" in no_endpoint.stderr
    for given in ("127.0.0.1:4318", "localhost"):  # no scheme: refused before anything is tried
        bare = run_cli("log", "export", "--otlp", "--endpoint", given, cwd=project, env=env)
        assert bare.returncode == 2 and "Traceback" not in bare.stderr, bare.stderr
        assert bare.stderr.startswith(f"error: the OTLP endpoint {given}/v1/traces is not an http:// or https:// URL")
        assert "hint: give the collector's base URL with its scheme" in bare.stderr


def test_a_receiver_that_refuses_is_one_error_line_with_its_reason_not_the_exporters_log(
        project: Path, server: LoopbackLLMServer, receiver: OTLPReceiver, tmp_path: Path) -> None:
    server.replies = ["four"]
    env = {**_env(server, tmp_path, receiver), "OTEL_EXPORTER_OTLP_ENDPOINT": None}
    assert run_cli("run", "q@1", "--var", "question=2+2?", cwd=project, env=env).returncode == 0
    refused = run_cli("log", "export", "--otlp", "--endpoint", receiver.endpoint + "/wrong", cwd=project, env=env)
    assert refused.returncode == 2
    lines = refused.stderr.splitlines()
    assert len(lines) == 2 and lines[1].startswith("hint: check the endpoint"), refused.stderr
    assert lines[0].startswith(f"error: the OTLP receiver at {receiver.endpoint}/wrong/v1/traces did not accept "
                               "the spans (0 sent before): ") and "404" in lines[0]
    import logging

    assert logging.getLogger("opentelemetry.exporter.otlp").handlers == []  # the exporter's logger given back


def test_a_chain_is_one_run_span_over_the_calls_of_its_steps(receiver: OTLPReceiver,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    import asyncio

    from promptctl.cli.common import parse_vars
    from promptctl.providers.fake import FakeProvider
    from promptctl.registry.registry import Registry
    from promptctl.session.run import arun

    root = Path(__file__).resolve().parents[2]
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_ENDPOINT", receiver.endpoint)
    tracing.reset()
    version = Registry(root / "prompts").get("incident-pipeline")
    fake = FakeProvider(["Timeline:\n- 14:02 failures began.", "Checkout failed for 47 minutes.",
                         "Severity: SEV2\nJustification: partial outage."])
    asyncio.run(arun(version, parse_vars(None, root / "fixtures/incident-pipeline/sample.yaml"), provider=fake))
    assert tracing.flush()
    [run] = receiver.named("run incident-pipeline@")
    calls = receiver.named("chat ")
    assert run.attributes["promptctl.strategy"] == "chain" and run.attributes["gen_ai.usage.input_tokens"] > 0
    assert len(calls) == 3 and {c.parent_span_id for c in calls} == {run.span_id}
    assert sorted(c.attributes["promptctl.call.step"] for c in calls) == [1, 2, 3]


def test_a_traced_run_whose_collector_refuses_ends_with_one_warning_not_the_exporters_log(
        project: Path, server: LoopbackLLMServer, receiver: OTLPReceiver, tmp_path: Path) -> None:
    import subprocess
    import sys

    server.replies = ["four"]
    env = {k: v for k, v in _env(server, tmp_path, receiver).items() if v is not None}
    env["OTEL_EXPORTER_OTLP_ENDPOINT"] = receiver.endpoint + "/wrong"  # 404: refused at once, no retries
    done = subprocess.run([sys.executable, "-m", "promptctl", "run", "q@1", "--var", "question=2+2?"], cwd=project,
                          env={**os.environ, **env}, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "Failed to export" not in done.stderr.replace("(Failed to export", "") and "Transient" not in done.stderr
    warnings = [line for line in done.stderr.splitlines() if line.startswith("warning:")]
    assert len(warnings) == 1, done.stderr
    assert warnings[0].startswith(f"warning: OpenTelemetry: the collector at {receiver.endpoint}/wrong did not take "
                                  "this command's spans (") and "404" in warnings[0]
    assert warnings[0].endswith("send them with promptctl log export --otlp")
