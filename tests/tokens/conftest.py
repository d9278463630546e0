"""Fixtures for the tokens-and-cost tests: an offline tiktoken cache, no network, a small project."""

from __future__ import annotations

import os
import socket
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.conftest import CLIRun, clean_env, run_cli

OPENAI_PROMPT = """---
description: Triage
provider: openai
model: gpt-4o-mini
models: {anthropic: claude-haiku-4-5, watsonx: ibm/granite-3-8b-instruct}
parameters: {temperature: 0, max_tokens: 300}
variables:
  message: {type: string, input: true}
---
{% system %}
{% section "role" %}You triage support tickets for Acme Cloud.{% endsection %}
{% endsystem %}
{% user %}
{% section "input" %}{{ message }}{% endsection %}
{% enduser %}
"""

NO_MAX_TOKENS = """---
provider: openai
model: gpt-4o-mini
---
{% user %}Say hi.{% enduser %}
"""

PRICES = """
[prices."openai:gpt-4o-mini"]
input_per_mtok = 0.5
cached_input_per_mtok = 0.05
output_per_mtok = 3.0

[prices."fake:fake-model"]
input_per_mtok = 1.0
output_per_mtok = 2.0
"""



@pytest.fixture(scope="session", autouse=True)
def _tiktoken_cache(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Keep promptctl's tiktoken cache in a temporary folder unless the user already set one."""
    saved = {k: os.environ.get(k) for k in ("PROMPTCTL_CACHE_DIR", "TIKTOKEN_CACHE_DIR")}
    if not os.environ.get("TIKTOKEN_CACHE_DIR") and not os.environ.get("DATA_GYM_CACHE_DIR"):
        os.environ["PROMPTCTL_CACHE_DIR"] = str(tmp_path_factory.mktemp("promptctl-cache"))
    yield
    for key, value in saved.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value


@pytest.fixture(autouse=True)
def _no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    """Refuse every connection that is not to loopback: counting and pricing must work offline."""
    real_connect = socket.socket.connect

    def connect(self: socket.socket, address: object) -> object:
        host = address[0] if isinstance(address, tuple) else str(address)
        if isinstance(address, tuple) and host not in ("127.0.0.1", "::1", "localhost"):
            raise OSError(f"network disabled in tests: {address}")
        return real_connect(self, address)  # type: ignore[arg-type]

    monkeypatch.setattr(socket.socket, "connect", connect)


@pytest.fixture(autouse=True)
def _no_credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    clean_env(monkeypatch)


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A project with prompts ``triage`` (openai, published) and ``bare`` (no max_tokens), and prices."""
    from promptctl.registry.registry import Registry

    write(tmp_path / "prompts" / "triage" / "prompt.yaml", "description: Triage\n")
    write(tmp_path / "prompts" / "triage" / "v1.j2", OPENAI_PROMPT)
    write(tmp_path / "prompts" / "bare" / "prompt.yaml", "description: Bare\n")
    write(tmp_path / "prompts" / "bare" / "v1.j2", NO_MAX_TOKENS)
    write(tmp_path / "promptctl.toml", PRICES)
    Registry(tmp_path / "prompts").publish("triage", 1, message="first")
    return tmp_path


CLI = Callable[..., CLIRun]

NO_NETWORK_SITECUSTOMIZE = """
import socket
_connect = socket.socket.connect
def _guard(self, address):
    if isinstance(address, tuple) and address[0] not in ("127.0.0.1", "::1", "localhost"):
        raise OSError("network disabled in tests: %r" % (address,))
    return _connect(self, address)
socket.socket.connect = _guard
"""


def offline_env(folder: Path) -> dict[str, str]:
    """Environment for a subprocess whose non-loopback connections fail (a sitecustomize on PYTHONPATH)."""
    write(folder / "sitecustomize.py", NO_NETWORK_SITECUSTOMIZE)
    path = os.pathsep.join(p for p in (str(folder), os.environ.get("PYTHONPATH", "")) if p)
    return {"PYTHONPATH": path}


@pytest.fixture
def cli(project: Path) -> CLI:
    """``promptctl ARGS`` in process in the project, without SDK credentials (the ``_no_network`` guard applies)."""
    def invoke(*args: str, env: dict[str, str | None] | None = None) -> CLIRun:
        return run_cli(*args, cwd=project, env=env)

    return invoke
