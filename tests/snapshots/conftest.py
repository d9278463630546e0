"""Fixtures for snapshot tests: a small project in a temporary folder, the CLI in-process, a socket guard."""

from __future__ import annotations

import socket
import textwrap
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import chosen_env, clean_env, run_cli

GREET = textwrap.dedent(
    """\
    ---
    description: Greets a new Acme Cloud customer
    provider: openai
    model: gpt-4.1-mini
    models: {anthropic: claude-haiku-4-5, watsonx: ibm/granite-3-8b-instruct}
    parameters: {temperature: 0, max_tokens: 120}
    variables:
      name: {type: string, input: true}
      plan: {type: enum, values: [free, pro], default: free}
      message: {type: string, input: true, default: ""}
    output:
      format: json
      schema:
        type: object
        required: [greeting, vip]
        additionalProperties: false
        properties:
          greeting: {type: string}
          vip: {type: boolean}
    ---
    {% system %}
    {% section "role" %}You are a concise greeter for Acme Cloud.{% endsection %}
    {% section "output format" %}Reply with one JSON object: {"greeting": "<sentence>", "vip": <bool>}.{% endsection %}
    {% endsystem %}
    {% user %}
    {% section "customer" %}Plan: {{ plan }}{% endsection %}
    {% section "input" %}Greet {{ name }}.{% if message %}

    They wrote:
    {{ message }}{% endif %}{% endsection %}
    {% enduser %}
    """
)

SUITE = textwrap.dedent(
    """\
    # a suite of the greet prompt
    providers: [anthropic, openai, watsonx]
    record_with: {provider: fake}
    cases:
      - id: ada
        description: A free-plan customer with a multi-line message from a fixture file
        vars: fixtures/greet/ada.yaml
        record_with: {reply: '{"greeting": "Hello Ada, welcome to Acme Cloud!", "vip": false}'}
        checks:
          - json_schema
          - {scorer: contains, field: greeting, expected: [Ada]}
          - {scorer: exact, field: vip, expected: false}
      - id: grace
        variables: {name: Grace, plan: pro}
        record_with: {reply: '{"greeting": "Hi Grace, thanks for being a Pro customer!", "vip": true}'}
        checks:
          - {scorer: exact, field: vip, expected: true}
    """
)

ADA = "# sample input\nname: Ada\nmessage: |\n  Hello,\n  I just signed up for the free plan.\n"



@dataclass
class CLIResult:
    code: int
    out: str
    err: str


@dataclass
class Project:
    """A temporary promptctl project with a ``greet`` prompt (draft v1) and its snapshot suite."""

    root: Path

    @property
    def prompt_dir(self) -> Path:
        return self.root / "prompts" / "greet"

    @property
    def version(self) -> Path:
        return self.prompt_dir / "v1.j2"

    @property
    def suite(self) -> Path:
        return self.prompt_dir / "snapshots.yaml"

    def golden(self, case: str = "ada", name: str = "greet") -> Path:
        return self.root / "snapshots" / name / f"{case}.yaml"

    def edit(self, path: Path, old: str, new: str) -> None:
        text = path.read_text(encoding="utf-8")
        assert old in text, f"{old!r} not in {path}"
        path.write_text(text.replace(old, new, 1), encoding="utf-8")

    def publish(self, number: int = 1) -> None:
        from promptctl.registry.registry import Registry

        Registry(self.root / "prompts").publish("greet", number, message=f"v{number}")

    def snap(self):  # noqa: ANN201 - SnapshotProject
        from promptctl.config import load_config
        from promptctl.evaluation.snapshots import SnapshotProject

        return SnapshotProject(load_config(self.root))


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Project:
    """A project in ``tmp_path`` (the working directory), with no provider credentials in the environment."""
    clean_env(monkeypatch)
    monkeypatch.setenv("PROMPTCTL_DATABASE_URL", f"sqlite:///{tmp_path / 'runs.db'}")
    monkeypatch.chdir(tmp_path)
    (tmp_path / "prompts" / "greet").mkdir(parents=True)
    (tmp_path / "fixtures" / "greet").mkdir(parents=True)
    (tmp_path / "prompts" / "greet" / "prompt.yaml").write_text("description: Greets customers\n", encoding="utf-8")
    (tmp_path / "prompts" / "greet" / "v1.j2").write_text(GREET, encoding="utf-8")
    (tmp_path / "prompts" / "greet" / "snapshots.yaml").write_text(SUITE, encoding="utf-8")
    (tmp_path / "fixtures" / "greet" / "ada.yaml").write_text(ADA, encoding="utf-8")
    return Project(tmp_path)


@pytest.fixture
def cli(project: Project) -> Callable[..., CLIResult]:
    """Run ``promptctl ARGS`` in-process in the project (:func:`tests.conftest.run_cli`) with the SDK and
    promptctl variables the test has set (the project fixture starts from none); exit code, stdout, stderr."""

    def invoke(*args: str) -> CLIResult:
        result = run_cli(*args, cwd=project.root, env=chosen_env())
        return CLIResult(result.returncode, result.stdout, result.stderr)

    return invoke


@pytest.fixture
def recorded(project: Project, cli: Callable[..., CLIResult]) -> Project:
    """The project with both cases recorded (fake provider, scripted replies)."""
    result = cli("snapshot", "record")
    assert result.code == 0, result.err + result.out
    return project


@pytest.fixture
def no_network(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[object]]:
    """Refuse every outgoing connection and name lookup; yields the list of attempts (must stay empty)."""
    attempts: list[object] = []

    def refuse(*args: object, **kwargs: object) -> None:
        attempts.append(args[1:] if args else kwargs)
        raise OSError("network access attempted in a test that must not use the network")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    yield attempts


def to_crlf(path: Path) -> None:
    """Rewrite a text file with CRLF line endings (a Windows checkout with core.autocrlf)."""
    data = path.read_bytes().replace(b"\r\n", b"\n")
    path.write_bytes(data.replace(b"\n", b"\r\n"))
