"""Chain-of-thought: zero-shot trigger, manual mode, the answer kept apart from the reasoning, on the wire."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from promptctl.errors import InputError
from promptctl.executors.answers import AnswerOptions
from promptctl.executors.cot import DEFAULT_TRIGGER, CotOptions
from promptctl.providers.fake import FakeProvider
from promptctl.session.run import arun, render_request

QUESTION = """\
---
description: Question
provider: {provider}
model: {model}
parameters: {{temperature: 0, max_tokens: 200}}
variables: {{question: {{type: string, input: true}}}}
strategy: {strategy}
---
{{% system %}}You answer questions.{{% endsystem %}}
{{% user %}}{{% section "question" %}}{{{{ question }}}}{{% endsection %}}{{% enduser %}}
"""


@pytest.mark.parametrize(
    ("text", "answer"),
    [
        ("The total is 72 clips, altogether.", "72"),
        ("The answer is 3.14", "3.14"),
        ("final answer: -0.25", "-0.25"),
        ("So the answer is 1,234 apples.", "1234"),
    ],
)
def test_issue_extraction_cases_through_the_executor(write_version, text: str, answer: str):
    version = write_version("q", QUESTION.format(provider="openai", model="gpt-4o-mini", strategy="cot"))
    result = asyncio.run(arun(version, {"question": "How many?"}, provider=FakeProvider([text])))
    assert result.answer == answer and result.strategy == "cot"


def test_zero_shot_trigger_on_the_openai_wire_and_json(write_version, loopback_config, server, store):
    version = write_version("q", QUESTION.format(provider="openai", model="gpt-4o-mini", strategy="cot"))
    server.replies = ["48 / 2 = 24, then 48 + 24 = 72.\nAnswer: 72"]
    result = asyncio.run(arun(version, {"question": "Clips?"}, config=loopback_config, store=store))
    last = server.requests[0].body["messages"][-1]["content"]
    assert last.startswith("## Question\n\nClips?\n\n" + DEFAULT_TRIGGER)
    assert last.endswith('as "Final answer: <answer>".')
    assert result.answer == "72" and result.reasoning == "48 / 2 = 24, then 48 + 24 = 72."
    record = result.to_dict()
    assert record["answer"] == "72" and record["reasoning"].startswith("48 / 2")
    stored = store.get(result.run_id)
    assert (stored["answer"], stored["reasoning"]) == ("72", "48 / 2 = 24, then 48 + 24 = 72.")


def test_manual_mode_adds_nothing_and_uses_the_answer_tag_for_claude(write_version, loopback_config, server):
    strategy = "{name: cot, mode: manual, answer_tag: verdict}"
    version = write_version("q", QUESTION.format(provider="anthropic", model="claude-haiku-4-5", strategy=strategy))
    server.replies = ["<thinking>no bug</thinking>\n<verdict>APPROVE</verdict>"]
    result = asyncio.run(arun(version, {"question": "Merge?"}, config=loopback_config))
    assert server.requests[0].body["messages"][-1]["content"] == "<question>\nMerge?\n</question>"
    assert result.answer == "approve" and result.reasoning == "<thinking>no bug</thinking>"


def test_regex_marker_and_missing_answer():
    options = CotOptions.from_options({"answer_regex": r"VERDICT=(\w+)"})
    assert options.answer.extract("x VERDICT=ok").answer == "ok"
    assert CotOptions.from_options({"answer_marker": "Severity:", "trigger": "Think."}).suffix == (
        'Think. Then write the final answer on its own last line, as "Severity: <answer>".')
    with pytest.raises(InputError, match="not a valid regular expression"):
        AnswerOptions.from_options({"answer_regex": "("})
    with pytest.raises(InputError, match="mode"):
        CotOptions.from_options({"mode": "tree"})


def test_no_answer_is_a_warning(write_version):
    version = write_version("q", QUESTION.format(provider="openai", model="gpt-4o-mini", strategy="cot"))
    result = asyncio.run(arun(version, {"question": "?"}, provider=FakeProvider(["I cannot tell."])))
    assert result.answer is None and any("no final answer" in w for w in result.warnings)


def test_strategy_override_and_render_show_the_trigger(write_version):
    version = write_version("q", QUESTION.format(provider="openai", model="gpt-4o-mini", strategy="direct"))
    assert DEFAULT_TRIGGER in render_request(version, {"question": "x"}, strategy="cot").request.messages[-1]["content"]
    assert DEFAULT_TRIGGER not in render_request(version, {"question": "x"}).request.messages[-1]["content"]


def test_code_review_example_runs_with_its_declared_strategy():
    from promptctl.cli.common import parse_vars
    from promptctl.registry.registry import Registry

    root = Path(__file__).resolve().parents[2]
    version = Registry(root / "prompts").get("code-review")
    reply = "<thinking>1. ...\n5. blocking</thinking>\nFindings:\n- [blocking] x\nAnswer: REQUEST_CHANGES"
    fake = FakeProvider([reply])
    result = asyncio.run(arun(version, parse_vars(None, root / "fixtures/code-review/sample.yaml"), provider=fake))
    assert result.strategy == "cot" and result.answer == "request_changes"
    assert result.reasoning.endswith("- [blocking] x")
    assert DEFAULT_TRIGGER not in fake.requests[0].messages[-1]["content"]  # manual mode
