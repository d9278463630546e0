"""One call path (issue 11): every command's model calls go through one stack and are recorded alike.

One ``run``, one chain run, one ``ab`` comparison and one ``snapshot check --live``, all through the real
OpenAI SDK against the loopback server with the same reply and usage, must leave call rows of the same
shape with the same cost, priced by the one pricing function from the reported usage.
"""

from __future__ import annotations

import json
import textwrap
from pathlib import Path
from typing import Any

import pytest

from promptctl.store.runs import RunStore
from promptctl.testing import LoopbackLLMServer, ServerUsage
from tests.conftest import chosen_env, run_cli

GREET = textwrap.dedent(
    """\
    ---
    description: Greet someone
    provider: openai
    model: gpt-4o-mini
    parameters: {temperature: 0, max_tokens: 40}
    variables:
      name: {type: string, input: true}
    ---
    {% system %}You are brief.{% endsystem %}
    {% user %}Say hello to {{ name }}.{% enduser %}
    """
)

CHAIN = textwrap.dedent(
    """\
    ---
    description: One step
    variables: {name: {type: string, input: true}}
    strategy:
      name: chain
      steps:
        - {id: greet, prompt: greet@1, inputs: {name: name}}
    ---
    """
)

SUITE = textwrap.dedent(
    """\
    providers: [openai]
    record_with: {provider: openai}
    cases:
      - id: ada
        variables: {name: Ada}
        checks:
          - {scorer: contains, expected: Ada}
    """
)

CONFIG = textwrap.dedent(
    """\
    [prices."openai:gpt-4o-mini"]
    input_per_mtok = 2.0
    output_per_mtok = 8.0
    """
)

USAGE = ServerUsage(input_tokens=25, output_tokens=4)
EXPECTED_USD = (25 * 2.0 + 4 * 8.0) / 1_000_000


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, server: LoopbackLLMServer) -> Path:
    for name, value in server.env().items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("PROMPTCTL_DATABASE_URL", f"sqlite:///{tmp_path / 'runs.db'}")
    monkeypatch.chdir(tmp_path)
    for name, text in (("greet", GREET), ("greet-chain", CHAIN)):
        folder = tmp_path / "prompts" / name
        folder.mkdir(parents=True)
        (folder / "v1.j2").write_text(text, encoding="utf-8")
    (tmp_path / "prompts" / "greet" / "snapshots.yaml").write_text(SUITE, encoding="utf-8")
    (tmp_path / "promptctl.toml").write_text(CONFIG, encoding="utf-8")
    (tmp_path / "cases.jsonl").write_text('{"id": "ada", "vars": {"name": "Ada"}, "expected": "Ada"}\n',
                                          encoding="utf-8")
    server.replies = ["Hello, Ada!"]
    server.usage = USAGE
    return tmp_path


def _main(*args: str) -> int:
    """``promptctl ARGS`` in the project, in process (:func:`tests.conftest.run_cli`); its stderr on failure."""
    result = run_cli(*args, cwd=Path.cwd(), env=chosen_env())
    assert result.returncode == 0, result.stderr
    return result.returncode


def _new_calls(root: Path, seen: set[int]) -> list[dict[str, Any]]:
    store = RunStore(f"sqlite:///{root / 'runs.db'}")
    try:
        with store.engine.connect() as conn:
            from promptctl.store.runs import calls

            rows = [dict(r) for r in conn.execute(calls.select().order_by(calls.c.id)).mappings()]
    finally:
        store.close()
    fresh = [r for r in rows if r["id"] not in seen]
    seen.update(r["id"] for r in fresh)
    return fresh


def test_run_chain_ab_and_live_snapshot_record_calls_alike(project: Path) -> None:
    seen: set[int] = set()
    by_command: dict[str, list[dict[str, Any]]] = {}

    assert _main("run", "greet@1", "--var", "name=Ada") == 0
    by_command["run"] = _new_calls(project, seen)
    assert _main("run", "greet-chain@1", "--var", "name=Ada") == 0
    by_command["chain"] = _new_calls(project, seen)
    assert _main("ab", "greet@1", "greet@1::temperature=0.5", "--dataset", "cases.jsonl", "--scorer", "contains",
                 "--no-cache") == 0
    by_command["ab"] = _new_calls(project, seen)
    assert _main("snapshot", "record") == 0
    _new_calls(project, seen)  # the recording (answered from the cache: the run above sent the same request)
    assert _main("snapshot", "check", "--live", "--trials", "1", "--threshold", "1") == 0
    by_command["snapshot --live"] = _new_calls(project, seen)

    assert [len(rows) for rows in by_command.values()] == [1, 1, 2, 1]
    shapes = {name: sorted(rows[0]) for name, rows in by_command.items()}
    assert len({tuple(shape) for shape in shapes.values()}) == 1, shapes
    for name, rows in by_command.items():
        for row in rows:
            where = f"{name}: {json.dumps(row, default=str)[:300]}"
            assert (row["provider"], row["model"]) == ("openai", "gpt-4o-mini"), where
            assert (row["input_tokens"], row["output_tokens"]) == (25, 4), where
            assert row["cost_usd"] == pytest.approx(EXPECTED_USD, rel=1e-9), where
            assert row["output"] == "Hello, Ada!" and row["error"] is None and not row["cached"], where
            assert len(row["fingerprint"]) == 64 and row["request_id"] and row["latency_s"] >= 0, where
            assert row["request"]["messages"][-1] == {"role": "user", "content": "Say hello to Ada."}, where
    assert by_command["chain"][0]["step"] == 1 and by_command["run"][0]["step"] is None
