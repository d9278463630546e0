"""The repository's own snapshot suites, golden files, CI wiring and GitHub Actions example."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest
import yaml

from promptctl.config import load_config
from promptctl.evaluation.snapshots import SnapshotProject, check
from promptctl.evaluation.snapshots.golden import read_golden
from promptctl.evaluation.snapshots.project import run_checks
from promptctl.registry.registry import Registry
from promptctl.types import tool_calls_in

ROOT = Path(__file__).resolve().parents[2]
WORKFLOW = ROOT / "examples" / "github-actions" / "promptctl.yml"


def _snap() -> SnapshotProject:
    return SnapshotProject(load_config(ROOT))


def _snapshotted_prompts() -> list[str]:
    """Example prompts that should have a suite: every prompt whose strategy is not a chain.

    A chain prompt (e.g. incident-pipeline) has no template of its own to render; its steps are
    ordinary prompts with their own suites.
    """
    registry = Registry(ROOT / "prompts")
    names = []
    for name in registry.names():
        latest = max(registry.version_numbers(name))
        if registry.load(name, latest, allow_modified=True).front_matter.strategy.name != "chain":
            names.append(name)
    return names


def _sends_a_document(snap, name, case) -> bool:  # type: ignore[no-untyped-def]
    """True when the case gives a value to a ``document`` variable of its prompt."""
    version = Registry(snap.root / "prompts").get(snap.suite(name).ref)
    variables = case.variables(snap.root)
    return any(spec.type == "document" and variables.get(var) for var, spec in version.front_matter.variables.items())


def test_every_example_prompt_has_a_suite_with_two_or_three_cases():
    snap = _snap()
    assert len(_snapshotted_prompts()) >= 8
    for name in _snapshotted_prompts():
        suite = snap.suite(name)
        assert 2 <= len(suite.cases) <= 3, name
        for case in suite.cases:
            assert case.checks, f"{name}::{case.id} has no checks"
            assert case.record_with.provider == "fake" and case.record_with.reply, f"{name}::{case.id}"
            expected = {"anthropic", "openai", "watsonx"}
            if _sends_a_document(snap, name, case):  # watsonx's chat API takes no PDFs: refused before sending
                expected -= {"watsonx"}
            assert set(case.providers or ()) == expected, f"{name}::{case.id}"


def test_example_snapshots_pass_offline(no_network):
    report = check(_snap())
    assert report.passed, [o.id for _, o in report.failed]
    assert not report.orphans
    assert len(report.cases) >= 16
    assert no_network == []


def test_golden_files_say_they_were_recorded_with_the_fake_provider():
    snap = _snap()
    for name in snap.suite_names():
        for case in snap.suite(name).cases:
            doc = read_golden(snap.golden_path(name, case.id))
            recorded = doc["recorded"]
            assert recorded["provider"] == "fake" and recorded["model"] == "fake-model"
            assert "scripted reply of the fake provider" in recorded["note"]
            assert "not a model output" in recorded["note"]
            scripted = tool_calls_in(case.record_with.reply or "")
            if scripted is None:
                assert recorded["output"] == case.record_with.reply
            else:  # a scripted tool call is recorded in the canonical form, with the fake's call ids
                calls = [(c.name, c.arguments) for c in scripted[1]]
                assert [(c.name, c.arguments) for c in tool_calls_in(recorded["output"])[1]] == calls
            text = snap.golden_path(name, case.id).read_bytes()
            assert b"\r" not in text and text.endswith(b"\n")


@pytest.mark.parametrize("name", _snapshotted_prompts())
def test_every_case_has_checks_that_can_fail(name):
    """Replaying another case's reply, or an empty one, through a case's checks fails at least one check."""
    snap = _snap()
    target = snap.targets([name])[0]
    pin = snap.pin(target.ref)
    cases = target.suite.cases
    for case in cases:
        variables = case.variables(snap.root)
        assert all(r.passed for r in run_checks(snap, pin, case, case.record_with.reply or "", variables))
        wrong = [""] + [c.record_with.reply or "" for c in cases if c.id != case.id]
        for output in wrong:
            assert not all(r.passed for r in run_checks(snap, pin, case, output, variables)), (case.id, output[:60])


def test_this_repository_runs_the_snapshot_items_under_pytest_and_in_ci():
    options = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["pytest"]["ini_options"]
    assert "prompts" in options["testpaths"] and options["promptctl_snapshots"] is True
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert project["entry-points"]["pytest11"] == {"promptctl": "promptctl.pytest_plugin"}
    assert any(dep.startswith("pytest-xdist") for dep in project["optional-dependencies"]["dev"])
    assert re.search(r"^promptctl snapshot check\b", (ROOT / ".ci" / "run").read_text(), flags=re.MULTILINE)


def test_github_actions_workflow_is_valid_and_runs_the_commands():
    workflow = yaml.safe_load(WORKFLOW.read_text())
    triggers = workflow.get("on", workflow.get(True))  # YAML 1.1 reads the bare key `on` as true
    assert set(triggers) == {"push", "pull_request"}
    jobs = workflow["jobs"]
    assert set(jobs) == {"lint", "snapshots", "ab"}

    def runs(job: str) -> str:
        return "\n".join(step.get("run", "") for step in jobs[job]["steps"])

    assert "promptctl verify" in runs("lint")
    assert re.search(r"promptctl snapshot check .*--junit \S+\.xml", runs("snapshots"))
    assert "pytest --promptctl" in runs("snapshots")
    assert jobs["ab"]["if"] == "github.event_name == 'pull_request'"
    assert jobs["ab"]["permissions"]["pull-requests"] == "write"
    ab = runs("ab")
    assert "git diff --name-only" in ab and "-- prompts/" in ab
    assert re.search(r'promptctl ab "\$\{name\}@production" "\$\{name\}@\$\{newest\}" --dataset "\$\{dataset\}"', ab)
    assert "--report" in ab and "gh pr comment" in ab
    for job in jobs.values():
        assert job["runs-on"] == "ubuntu-latest"
        assert all("uses" in step or "run" in step for step in job["steps"])


def test_workflow_commands_exist_in_the_cli():
    from typer.main import get_command

    from promptctl.cli import app

    commands = get_command(app).commands  # type: ignore[attr-defined]
    for name in ("verify", "list", "snapshot", "ab"):
        assert name in commands, name
    assert {"record", "check", "update"} <= set(commands["snapshot"].commands)
