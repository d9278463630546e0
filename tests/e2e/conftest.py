from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

SUPPORT = """---
description: Support agent
provider: anthropic
model: claude-sonnet-4-6
models: {openai: gpt-4o-mini}
parameters: {temperature: 0, max_tokens: 300}
variables:
  message: {type: string, input: true, description: The customer's message}
---
{% system %}
{% section "role" %}You are the support agent of Acme Cloud.{% endsection %}
{% section "output format" %}Answer in at most three sentences.{% endsection %}
{% endsystem %}
{% user %}
{% section "input" %}{{ message }}{% endsection %}
{% enduser %}
"""

_SDK_ENV = (
    "OPENAI_API_KEY", "OPENAI_BASE_URL", "ANTHROPIC_API_KEY", "ANTHROPIC_AUTH_TOKEN", "ANTHROPIC_BASE_URL",
    "WATSONX_APIKEY", "WATSONX_API_KEY", "WATSONX_URL", "WATSONX_PROJECT_ID", "PROMPTCTL_DATABASE_URL",
    "PROMPTCTL_PROJECT", "PROMPTCTL_DEBUG",
)

CLI = Callable[..., subprocess.CompletedProcess[str]]


@pytest.fixture
def project(tmp_path: Path) -> Path:
    folder = tmp_path / "prompts" / "support"
    folder.mkdir(parents=True)
    (folder / "prompt.yaml").write_text("description: Support agent\n")
    (folder / "v1.j2").write_text(SUPPORT)
    from promptctl.registry.registry import Registry

    Registry(tmp_path / "prompts").publish("support", 1, message="first")
    return tmp_path


@pytest.fixture
def cli(project: Path) -> CLI:
    def invoke(
        *args: str, env: dict[str, str] | None = None, cwd: Path | None = None
    ) -> subprocess.CompletedProcess[str]:
        base = {k: v for k, v in os.environ.items() if k not in _SDK_ENV}
        base.update(env or {})
        return subprocess.run(
            [sys.executable, "-m", "promptctl", *args],
            cwd=cwd or project, env=base, capture_output=True, text=True, timeout=60,
        )

    return invoke
