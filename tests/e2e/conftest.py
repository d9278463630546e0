from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import CLIRun, run_cli

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

CLI = Callable[..., CLIRun]


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
    """``promptctl ARGS`` in process (:func:`tests.conftest.run_cli`) in the project, without SDK variables."""
    def invoke(*args: str, env: dict[str, str | None] | None = None, cwd: Path | None = None,
               input: str = "") -> CLIRun:  # noqa: A002 - subprocess.run's name
        return run_cli(*args, cwd=cwd or project, env=env, stdin=input)

    return invoke


@pytest.fixture(scope="session")
def example_app(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The README's first project, built once per session: ``init``, hello@1 published, labelled, locked."""
    proj = tmp_path_factory.mktemp("example") / "app"
    proj.mkdir()
    for args in (("init",), ("publish", "hello", "-m", "first"), ("label", "hello@1", "production"),
                 ("lock", "hello@production")):
        result = run_cli(*args, cwd=proj)
        assert result.returncode == 0, (args, result.stderr)
    return proj


@pytest.fixture
def app(example_app: Path, tmp_path: Path) -> Path:
    """A copy of :func:`example_app` for one test to change."""
    import shutil

    copy = tmp_path / "app"
    shutil.copytree(example_app, copy)
    return copy


def write_qa_project(root: Path, template: str, cases: int, *, id_format: str = "q{:02d}", tags: bool = False) -> Path:
    """A project with prompt ``qa`` (v1 and v2 drafts from ``template``'s ``{marker}``) and ``cases.jsonl``.

    Each case asks ``[case N] Is the sky blue?`` and expects ``yes``; ``tags`` adds ``weather`` and ``even``/``odd``.
    """
    folder = root / "prompts" / "qa"
    folder.mkdir(parents=True)
    (folder / "v1.j2").write_text(template.format(marker="Version one. Answer yes or no."))
    (folder / "v2.j2").write_text(template.format(marker="Version two. Answer yes or no, briefly."))
    rows = [{"id": id_format.format(i), "vars": {"question": f"[case {i}] Is the sky blue?"}, "expected": "yes",
             **({"tags": ["weather", "even" if i % 2 == 0 else "odd"]} if tags else {})} for i in range(cases)]
    (root / "cases.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    return root
