"""Issue 20 item 2: the file formats ship inside the package (``promptctl help TOPIC``), and their examples load."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest

from promptctl.help import TOPICS, topic_text
from tests.conftest import run_cli

ROOT = Path(__file__).resolve().parents[1]


def _blocks(text: str) -> list[str]:
    """The indented (4-space) example blocks of a topic, dedented."""
    blocks, current = [], []
    for line in [*text.splitlines(), ""]:
        if line.startswith("    "):
            current.append(line[4:])
        elif current and line.strip():
            blocks.append("\n".join(current) + "\n")
            current = []
        elif current:
            current.append("")
    return [b.strip("\n") + "\n" for b in blocks]


def test_every_topic_is_shipped_as_package_data() -> None:
    data = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["package-data"]["promptctl"]
    assert "help/*.md" in data
    for name in TOPICS:
        assert (ROOT / "promptctl" / "help" / f"{name}.md").is_file()
        assert topic_text(name).startswith("# ")


def test_the_readme_points_to_the_topics() -> None:
    readme = (ROOT / "README.md").read_text()
    section = readme[readme.index("## File formats"):readme.index("## Configuration")]
    for name in ("datasets", "snapshots", "examples"):
        assert f"promptctl help {name}" in section


def test_the_dataset_examples_load(tmp_path: Path) -> None:
    from promptctl.evaluation.datasets import load_dataset

    jsonl, yaml_text, csv_text = _blocks(topic_text("datasets"))[:3]
    for name, text in (("d.jsonl", jsonl), ("d.yaml", yaml_text), ("d.csv", csv_text)):
        (tmp_path / name).write_text(text)
        dataset = load_dataset(tmp_path / name)
        assert [c.id for c in dataset.cases] == ["refund-dup", "login"], name


def test_the_snapshot_suite_example_loads(tmp_path: Path) -> None:
    from promptctl.evaluation.snapshots.suite import load_suite

    suite_text = _blocks(topic_text("snapshots"))[0]
    path = tmp_path / "prompts" / "hello" / "snapshots.yaml"
    path.parent.mkdir(parents=True)
    path.write_text(suite_text)
    suite = load_suite(path)
    assert [c.id for c in suite.cases] == ["what-is-a-prompt"]


def test_the_few_shot_example_loads_and_renders(tmp_path: Path) -> None:
    from promptctl.registry.registry import Registry
    from promptctl.session.run import render_request  # not the shim: it would shadow promptctl.run()

    version_text = _blocks(topic_text("examples"))[0]
    folder = tmp_path / "prompts" / "sentiment"
    folder.mkdir(parents=True)
    (folder / "prompt.yaml").write_text("description: sentiment\n")
    (folder / "v1.j2").write_text(version_text)
    version = Registry(tmp_path / "prompts").get("sentiment@1")
    prepared = render_request(version, {"review": "Love it"}, provider="openai")
    contents = [m["content"] for m in prepared.request.body["messages"]]
    assert len(contents) == 5 and contents[-1].endswith("Love it")  # 2 example pairs, then the input


def test_the_few_shot_default_selection_is_the_documented_one(tmp_path: Path) -> None:
    """k of more examples picks the most similar by default (the help and README said "file order")."""
    from promptctl.registry.registry import Registry
    from promptctl.session.run import render_request

    text = topic_text("examples")
    assert "the `k` most similar\nto the input (`selection: similar`, BM25), the closest last" in text
    readme = (ROOT / "README.md").read_text()
    assert "by default, when there are more than `k`, the `k` most similar to the input" in readme
    folder = tmp_path / "prompts" / "sentiment"
    folder.mkdir(parents=True)
    (folder / "prompt.yaml").write_text("description: sentiment\n")
    example = _blocks(text)[0]  # k: 2 of 3 examples; the third is "It is a phone case."
    (folder / "v1.j2").write_text(example)
    (folder / "v2.j2").write_text(example.replace("{name: fewshot, k: 2}", "{name: fewshot, k: 2, selection: static}"))
    registry = Registry(tmp_path / "prompts")

    def example_inputs(ref: str) -> list[str]:
        body = render_request(registry.get(ref), {"review": "A phone case, it is"}, provider="openai").request.body
        return [m["content"] for m in body["messages"]][:-1:2]

    assert example_inputs("sentiment@1")[-1] == "It is a phone case."  # the closest, last
    assert example_inputs("sentiment@2") == ["Arrived quickly and works perfectly.", "Broke after two days."]


@pytest.mark.parametrize("name", list(TOPICS))
def test_help_prints_each_topic(name: str, tmp_path: Path) -> None:
    out = run_cli("help", name, cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    assert out.stdout == topic_text(name)


def test_help_lists_topics_and_suggests_on_a_typo(tmp_path: Path) -> None:
    out = run_cli("help", cwd=tmp_path).stdout
    assert all(re.search(rf"^  {re.escape(n)} ", out, re.M) for n in TOPICS)
    typo = run_cli("help", "dataset", cwd=tmp_path)
    assert typo.returncode == 2
    assert "hint: did you mean 'datasets'?" in typo.stderr
    assert "promptctl help TOPIC" in run_cli("--help", cwd=tmp_path).stdout


def test_dataset_errors_point_to_the_topic(tmp_path: Path) -> None:
    from promptctl.errors import InputError
    from promptctl.evaluation.datasets import load_dataset

    (tmp_path / "d.jsonl").write_text('{"vars": {"q": "x"}, "expectd": 1}\n')
    with pytest.raises(InputError) as info:
        load_dataset(tmp_path / "d.jsonl")
    assert "promptctl help datasets" in (info.value.hint or "") and "did you mean 'expected'" in (info.value.hint or "")


@pytest.mark.parametrize("command", ["ab", "eval"])
def test_the_dataset_option_points_to_its_format(command: str, tmp_path: Path) -> None:
    """trial-24: `promptctl ab --help` said only "Cases: a .jsonl, .csv or .yaml file" (issue 20 item 2: the
    formats are reachable from --help)."""
    result = run_cli(command, "--help", cwd=tmp_path)
    assert result.returncode == 0
    assert "Cases: a .jsonl, .csv or .yaml file (format: promptctl help datasets)." in " ".join(result.stdout.split())
