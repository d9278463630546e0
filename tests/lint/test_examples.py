"""The example prompts in prompts/ lint clean; lint's loader reads versions exactly like the registry."""

from __future__ import annotations

from pathlib import Path

import pytest

from promptctl.lint import lint
from promptctl.lint.loading import load_version, read_prompt
from promptctl.registry.registry import Registry
from tests.lint.conftest import TODAY

PROMPTS = Path(__file__).resolve().parents[2] / "prompts"
REGISTRY = Registry(PROMPTS)
VERSIONS = [(name, n) for name in REGISTRY.names() for n in REGISTRY.version_numbers(name)]


def test_example_prompts_lint_clean_at_the_default_severity() -> None:
    report = lint(Registry(PROMPTS), today=TODAY, jobs=1)
    assert report.checked, "no example prompts found"
    problems = [f.format() for f in report.at_least("warning")]
    assert problems == []


def test_every_example_version_lints_clean() -> None:
    report = lint(Registry(PROMPTS), all_versions=True, today=TODAY, jobs=1)
    assert len(report.checked) == len(VERSIONS)
    assert [f.format() for f in report.at_least("warning")] == []


@pytest.mark.parametrize(("name", "number"), VERSIONS, ids=[f"{n}@{v}" for n, v in VERSIONS])
def test_loader_matches_the_registry(name: str, number: int) -> None:
    expected = REGISTRY.load(name, number)
    actual = load_version(REGISTRY, read_prompt(REGISTRY, name), number)
    assert actual.front_matter == expected.front_matter
    assert (actual.body, actual.body_line, actual.sha256, actual.labels) == (
        expected.body, expected.body_line, expected.sha256, expected.labels
    )
    assert actual.published == expected.published


def test_parallel_run_matches_serial(tmp_path: Path) -> None:
    import shutil

    root = tmp_path / "prompts"
    for i in range(3):
        for folder in PROMPTS.iterdir():
            if folder.is_dir():
                shutil.copytree(folder, root / f"{folder.name}-{i}")
    registry = Registry(root)
    serial = lint(registry, all_versions=True, today=TODAY, jobs=1)
    parallel = lint(registry, all_versions=True, today=TODAY, jobs=2)
    assert serial.findings == parallel.findings and serial.checked == parallel.checked
