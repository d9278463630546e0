"""The pytest plugin in a temporary project (entry point ``promptctl``): a real ``pytest`` process for the xdist
runs (the controller and its workers), pytest in this process (``pytester``) for the others."""

from __future__ import annotations

import os
import subprocess
import sys
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path

import pytest

pytest_plugins = ["pytester"]

IDS = [f"prompts/greet/snapshots.yaml::greet@1::{case}::{provider}"
       for case in ("ada", "grace") for provider in ("anthropic", "openai", "watsonx", "fake")]


def pytest_run(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("PYTEST_", "OPENAI_", "ANTHROPIC_", "WATSONX_", "PROMPTCTL_"))}
    env["PROMPTCTL_DATABASE_URL"] = f"sqlite:///{root / 'runs.db'}"
    return subprocess.run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", *args], cwd=root, env=env,
                          capture_output=True, text=True, timeout=120)


@dataclass
class Outcome:
    returncode: int
    stdout: str


@pytest.fixture
def pytest_here(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch):
    """``pytest_here(root, *args)``: ``pytest ARGS`` in this process in ``root`` (what :func:`pytest_run` does
    in a new process, without the interpreter's start-up): returncode and stdout."""

    def run(root: Path, *args: str) -> Outcome:
        for name in [n for n in os.environ if n.startswith(("PYTEST_", "OPENAI_", "ANTHROPIC_", "WATSONX_",
                                                              "PROMPTCTL_")) and n != "PYTEST_CURRENT_TEST"]:
            monkeypatch.delenv(name)
        monkeypatch.setenv("PROMPTCTL_DATABASE_URL", f"sqlite:///{root / 'runs.db'}")
        monkeypatch.chdir(root)
        result = pytester.runpytest_inprocess("-p", "no:cacheprovider", *args)
        return Outcome(int(result.ret), "\n".join(result.outlines))

    return run


def test_collection_is_opt_in_and_scoped_to_the_prompts_folder(recorded, pytest_here):
    # an unrelated snapshots.yaml (not <prompts>/<name>/snapshots.yaml) is never collected
    (recorded.root / "tests" / "data").mkdir(parents=True)
    (recorded.root / "tests" / "data" / "snapshots.yaml").write_text(recorded.suite.read_text())

    off = pytest_here(recorded.root, "prompts", "tests", "--collect-only", "-q")
    assert off.returncode == 5, off.stdout  # no tests collected without --promptctl or the ini option

    on = pytest_here(recorded.root, "--promptctl", "prompts", "tests", "--collect-only", "-q")
    assert on.returncode == 0, on.stdout
    assert [line for line in on.stdout.splitlines() if "::" in line] == IDS

    (recorded.root / "pytest.ini").write_text("[pytest]\ntestpaths = prompts tests\npromptctl_snapshots = true\n")
    ini = pytest_here(recorded.root, "-q")
    assert ini.returncode == 0, ini.stdout
    assert "8 passed" in ini.stdout


def junit_names(junit: Path) -> list[tuple[str | None, str | None]]:
    return sorted((c.get("classname"), c.get("name")) for c in ET.parse(junit).getroot().iter("testcase"))


def test_k_selection_and_junitxml(recorded, tmp_path, pytest_here):
    junit = tmp_path / "junit.xml"

    one = pytest_here(recorded.root, "--promptctl", "prompts", "-q", "-k", "ada and openai", f"--junitxml={junit}")
    assert one.returncode == 0 and "1 passed, 7 deselected" in one.stdout, one.stdout
    assert junit_names(junit) == [("prompts.greet.snapshots.yaml.greet@1.ada", "openai")]


def test_failure_shows_the_diff_and_promptctl_update_rewrites_under_xdist(recorded, cli, pytest_here, tmp_path):
    recorded.edit(recorded.version, "concise", "cheerful")

    failed = pytest_here(recorded.root, "--promptctl", "prompts", "-q")

    assert failed.returncode == 1
    assert "8 failed" in failed.stdout
    assert "greet@1::ada::openai: needs re-record; request changed" in failed.stdout
    assert "-      You are a concise greeter for Acme Cloud." in failed.stdout
    assert "+      You are a cheerful greeter for Acme Cloud." in failed.stdout

    # two workers update items of the same golden files concurrently (a file lock serialises them); the
    # controller's JUnit XML names every item (a real pytest process: xdist's controller and its workers)
    junit = tmp_path / "junit.xml"
    updated = pytest_run(recorded.root, "--promptctl-update", "prompts", "-q", "-n", "2", f"--junitxml={junit}")

    assert updated.returncode == 0, updated.stdout + updated.stderr
    assert "8 passed" in updated.stdout
    names = junit_names(junit)
    assert ("prompts.greet.snapshots.yaml.greet@1.ada", "openai") in names and len(names) == 8
    assert "promptctl snapshot update" in updated.stdout
    assert "rewrote greet@1::ada::openai: " in updated.stdout and "request for openai" in updated.stdout
    check = cli("snapshot", "check")
    assert check.code == 0, check.out
