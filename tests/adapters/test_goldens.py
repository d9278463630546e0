"""Golden tests: every example prompt, rendered for every provider, matches its recorded wire body.

For each prompt in ``prompts/`` (latest published version) and its sample variables
``fixtures/<name>/sample.yaml``, the request body built for openai, anthropic and watsonx is
serialised as pretty JSON (``sort_keys=True, indent=2``, UTF-8, trailing newline) and compared
byte for byte with ``tests/adapters/golden/<name>.<provider>.json``.

Any change to the templating engine, the adapters or the example prompts that alters what is
sent to a provider shows up here as a diff. To accept the new output after reviewing it::

    PROMPTCTL_UPDATE_GOLDENS=1 pytest tests/adapters/test_goldens.py

which rewrites the golden files (and removes goldens of prompts that no longer exist).

A chain (``strategy: {name: chain}``) has no request of its own: its golden is what
``promptctl render CHAIN --provider P`` shows, every step's body with ``[[steps.ID.FIELD]]``
placeholders for outputs not known before the run, as ``{"chain": [{id, ref, strategy,
placeholders, body}]}``.
"""

from __future__ import annotations

import difflib
import json
import os
from pathlib import Path
from typing import Any

import pytest

from promptctl import render
from promptctl.registry.registry import Registry
from promptctl.templating.variables import load_mapping
from promptctl.types import elide_media

ROOT = Path(__file__).resolve().parents[2]
PROMPTS = ROOT / "prompts"
FIXTURES = ROOT / "fixtures"
GOLDEN = Path(__file__).resolve().parent / "golden"
PROVIDERS = ("openai", "anthropic", "watsonx")
UPDATE = os.environ.get("PROMPTCTL_UPDATE_GOLDENS") == "1"

NAMES = Registry(PROMPTS).names()
CASES = [(name, provider) for name in NAMES for provider in PROVIDERS]


def sample_variables(name: str) -> dict[str, Any]:
    """The sample variables of a prompt, parsed exactly as ``promptctl render --vars`` parses them."""
    path = FIXTURES / name / "sample.yaml"
    return load_mapping(path.read_text(encoding="utf-8"), str(path))


def golden_text(body: dict[str, Any]) -> str:
    """The canonical golden serialisation of a request body (images and PDFs elided by size and sha256)."""
    return json.dumps(elide_media(body), sort_keys=True, indent=2, ensure_ascii=False) + "\n"


def golden_path(name: str, provider: str) -> Path:
    return GOLDEN / f"{name}.{provider}.json"


def rendered(name: str, provider: str) -> tuple[dict[str, Any], tuple[str, ...], list[dict[str, Any]]]:
    """``(golden body, warnings, request bodies)`` of a prompt (one request) or a chain (one per step)."""
    version = Registry(PROMPTS).get(name)
    if version.front_matter.strategy.name == "chain":
        from promptctl.session.chain import render_chain

        steps = render_chain(version, sample_variables(name), provider=provider)
        golden = {"chain": [
            {"id": s["id"], "ref": s["ref"], "strategy": s["strategy"], "placeholders": s["placeholders"],
             "body": s["request"].body}
            for s in steps
        ]}
        warnings = tuple(w for s in steps for w in s["request"].warnings)
        return golden, warnings, [s["request"].body for s in steps]
    request = render(version, provider, **sample_variables(name))
    return request.body, request.warnings, [request.body]


def readable(body: dict[str, Any]) -> list[str]:
    """A body as lines for diffing: parameters, then the system prompt and each message unescaped."""
    if "chain" in body:
        return [line for step in body["chain"] for line in [f"=== step {step['id']} {step['ref']}\n",
                                                              *readable(step["body"])]]
    lines = [
        f"{k}: {json.dumps(v, sort_keys=True)}\n" for k, v in sorted(body.items()) if k not in ("system", "messages")
    ]
    texts = ([("system (top-level)", body["system"])] if "system" in body else []) + [
        (m.get("role", "?"), m.get("content", "")) for m in body.get("messages", [])
    ]
    for label, text in texts:
        lines.append(f"--- {label} ---\n")
        lines += [line + "\n" for line in str(text).split("\n")]
    return lines


def test_there_are_example_prompts() -> None:
    assert len(NAMES) >= 8, f"expected the example prompts in {PROMPTS}, found {NAMES}"


@pytest.mark.parametrize(("name", "provider"), CASES, ids=[f"{n}-{p}" for n, p in CASES])
def test_rendered_body_matches_golden(name: str, provider: str) -> None:
    version = Registry(PROMPTS).get(name)
    body, warnings, _ = rendered(name, provider)
    assert warnings == (), f"{version.ref} for {provider}: unexpected warnings {warnings}"
    actual = golden_text(body)
    path = golden_path(name, provider)
    if UPDATE:
        GOLDEN.mkdir(parents=True, exist_ok=True)
        path.write_bytes(actual.encode("utf-8"))
        return
    if not path.exists():
        pytest.fail(f"no golden file {path.relative_to(ROOT)}; create it with PROMPTCTL_UPDATE_GOLDENS=1")
    expected = path.read_bytes().decode("utf-8")
    if actual != expected:
        try:
            before, after = readable(json.loads(expected)), readable(body)
        except ValueError:  # the golden is not JSON: diff the raw text
            before, after = expected.splitlines(keepends=True), actual.splitlines(keepends=True)
        if before == after:  # only the serialisation differs
            before, after = expected.splitlines(keepends=True), actual.splitlines(keepends=True)
        diff = "".join(
            difflib.unified_diff(
                before, after, fromfile=f"golden/{path.name}", tofile=f"{version.ref} rendered for {provider}", n=2
            )
        )
        pytest.fail(
            f"{version.ref} for {provider} differs from its golden file "
            f"(review, then accept with PROMPTCTL_UPDATE_GOLDENS=1):\n{diff[:6000]}",
            pytrace=False,
        )


@pytest.mark.parametrize(("name", "provider"), CASES, ids=[f"{n}-{p}" for n, p in CASES])
def test_body_has_the_provider_shape(name: str, provider: str) -> None:
    """Independent of the goldens: the parts of the body each provider's rules require."""
    for body in rendered(name, provider)[2]:
        _check_shape(body, provider)


def _has_content(content: Any, provider: str) -> bool:
    """Text that is not blank, or the provider's content blocks (text and media)."""
    if isinstance(content, str):
        return bool(content.strip())
    allowed = {"anthropic": ("text", "image", "document", "tool_use", "tool_result"),
               "openai": ("text", "image_url", "file"), "watsonx": ("text", "image_url")}[provider]
    return bool(content) and all(isinstance(b, dict) and b.get("type") in allowed for b in content)


def _check_shape(body: dict[str, Any], provider: str) -> None:
    messages = body["messages"]
    roles = [m["role"] for m in messages]
    # content, or tool calls and results (OpenAI tool_calls and tool messages, Anthropic tool blocks)
    assert all(_has_content(m["content"], provider) or m.get("tool_calls") or m.get("role") == "tool"
               for m in messages)
    if provider == "anthropic":
        assert body["model"] and body["max_tokens"] > 0
        assert "system" not in roles, "Claude takes the system prompt as a top-level parameter"
        assert roles[0] == "user"
        system = body["system"]
        if isinstance(system, list):  # text blocks: a system prompt that carries a cache breakpoint
            assert system[-1]["cache_control"]["type"] == "ephemeral"
            system = "\n\n".join(block["text"] for block in system)
        assert system.startswith("<"), "sections render as XML tags for Claude"
        assert "\n## " not in system
    else:
        key = "model_id" if provider == "watsonx" else "model"
        assert body[key]
        assert roles[0] == "system" and "user" in roles
        assert messages[0]["content"].startswith("## "), "sections render as markdown headings"
        assert "<role>" not in messages[0]["content"]


def test_no_stale_goldens() -> None:
    """Every golden file belongs to an existing prompt and provider (stale ones are removed on update)."""
    wanted = {golden_path(name, provider).name for name, provider in CASES}
    stale = sorted(p for p in GOLDEN.glob("*.json") if p.name not in wanted) if GOLDEN.is_dir() else []
    if UPDATE:
        for path in stale:
            path.unlink()
        return
    assert not stale, f"golden files without a prompt: {[p.name for p in stale]}; remove them or run the update"
