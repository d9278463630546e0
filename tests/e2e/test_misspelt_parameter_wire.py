"""A misspelt front matter parameter (``temprature``) is sent to the provider, never a traceback or a hang.

The README ("How each provider sees it") says an unknown key is passed through with a "did you mean" warning.
Through the real SDKs it was a keyword argument their ``create`` methods refuse: a ``TypeError`` traceback
(direct), and under ``strategy: structured`` an instructor retry error (OpenAI, a traceback) or an endless
loop over an exception chain that pointed back at itself (Anthropic). It now travels in ``extra_body``.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from promptctl.testing import LoopbackLLMServer, ScriptedReply, ToolCall
from tests.conftest import run_cli

ROUTE = """---
description: Routes a ticket
provider: {provider}
model: {model}
parameters: {{temprature: 0, max_tokens: 100}}
variables:
  ticket: {{type: string, input: true, description: The ticket}}
output:
  format: json
  schema:
    type: object
    additionalProperties: false
    required: [team]
    properties:
      team: {{type: string, enum: [payments, fleet]}}
strategy: {strategy}
---
{{% system %}}{{% section "role" %}}You route tickets.{{% endsection %}}{{% endsystem %}}
{{% user %}}{{% section "ticket" %}}{{{{ ticket }}}}{{% endsection %}}{{% enduser %}}
"""
MODELS = {"openai": "gpt-4.1-mini", "anthropic": "claude-haiku-4-5"}


def reply(body: dict) -> ScriptedReply:
    if "tools" in body:
        return ScriptedReply(tool_calls=(ToolCall({"team": "payments"}),))
    return ScriptedReply(text='{"team": "payments"}')


@pytest.mark.parametrize("strategy", ["direct", "structured"])
@pytest.mark.parametrize("provider", ["openai", "anthropic"])
def test_a_misspelt_parameter_reaches_the_wire_with_a_warning(tmp_path: Path, provider: str, strategy: str) -> None:
    folder = tmp_path / "prompts" / "route"
    folder.mkdir(parents=True)
    (folder / "v1.j2").write_text(ROUTE.format(provider=provider, model=MODELS[provider], strategy=strategy))
    with LoopbackLLMServer(reply, max_lifetime_s=60) as server:
        env = {**server.env(), "PROMPTCTL_DATABASE_URL": f"sqlite:///{tmp_path / 'runs.db'}"}
        result = run_cli("run", "route@1", "--input", "I was charged twice", cwd=tmp_path, env=env)
        bodies = [r.body for r in server.requests]
    assert "Traceback" not in result.stderr, result.stderr
    assert result.returncode == 0, result.stderr
    assert "'temprature'" in result.stderr and "did you mean 'temperature'?" in result.stderr
    assert '"payments"' in result.stdout
    assert bodies and all(b.get("temprature") == 0 for b in bodies)  # sent as written: the provider decides
