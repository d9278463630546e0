from __future__ import annotations

from pathlib import Path

import pytest

from promptctl.registry.registry import Registry


def write(path: Path, text: str | bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8", newline="")
    return path


@pytest.fixture
def registry(tmp_path: Path) -> Registry:
    root = tmp_path / "prompts"
    write(root / "greet" / "prompt.yaml", "description: Greets people\n")
    write(
        root / "greet" / "v1.j2",
        "---\nprovider: openai\nmodel: gpt-4o-mini\nvariables:\n  who: {type: string}\n---\nHello {{ who }}\n",
    )
    write(
        root / "greet" / "v2.j2",
        "---\nprovider: openai\nmodel: gpt-4o-mini\nvariables:\n  who: {type: string}\n---\nHi there, {{ who }}!\n",
    )
    reg = Registry(root)
    reg.publish("greet", 1, message="first")
    reg.publish("greet", 2, message="friendlier")
    reg.set_label("greet@1", "production")
    write(root / "greet" / "v3.j2", "---\nprovider: openai\n---\nYo {{ who }}\n")
    return reg
