"""The pytest plugin, run as a real ``pytest`` process in a temporary project (entry point ``promptctl``)."""

from __future__ import annotations

import os
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

IDS = [f"prompts/greet/snapshots.yaml::greet@1::{case}::{provider}"
       for case in ("ada", "grace") for provider in ("anthropic", "openai", "watsonx", "fake")]


def pytest_run(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("PYTEST_", "OPENAI_", "ANTHROPIC_", "WATSONX_", "PROMPTCTL_"))}
    env["PROMPTCTL_DATABASE_URL"] = f"sqlite:///{root / 'runs.db'}"
    return subprocess.run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", *args], cwd=root, env=env,
                          capture_output=True, text=True, timeout=120)


def test_collection_is_opt_in_and_scoped_to_the_prompts_folder(recorded):
    # an unrelated snapshots.yaml (not <prompts>/<name>/snapshots.yaml) is never collected
    (recorded.root / "tests" / "data").mkdir(parents=True)
    (recorded.root / "tests" / "data" / "snapshots.yaml").write_text(recorded.suite.read_text())

    off = pytest_run(recorded.root, "prompts", "tests", "--collect-only", "-q")
    assert off.returncode == 5, off.stdout  # no tests collected without --promptctl or the ini option

    on = pytest_run(recorded.root, "--promptctl", "prompts", "tests", "--collect-only", "-q")
    assert on.returncode == 0, on.stdout + on.stderr
    assert [line for line in on.stdout.splitlines() if "::" in line] == IDS

    (recorded.root / "pytest.ini").write_text("[pytest]\ntestpaths = prompts tests\npromptctl_snapshots = true\n")
    ini = pytest_run(recorded.root, "-q")
    assert ini.returncode == 0, ini.stdout
    assert "8 passed" in ini.stdout


def test_k_selection_xdist_and_junitxml(recorded, tmp_path):
    junit = tmp_path / "junit.xml"

    one = pytest_run(recorded.root, "--promptctl", "prompts", "-q", "-k", "ada and openai")
    assert one.returncode == 0 and "1 passed, 7 deselected" in one.stdout, one.stdout

    parallel = pytest_run(recorded.root, "--promptctl", "prompts", "-q", "-n", "2", f"--junitxml={junit}")
    assert parallel.returncode == 0, parallel.stdout + parallel.stderr
    assert "8 passed" in parallel.stdout
    cases = ET.parse(junit).getroot().iter("testcase")
    names = sorted((c.get("classname"), c.get("name")) for c in cases)
    assert ("prompts.greet.snapshots.yaml.greet@1.ada", "openai") in names and len(names) == 8


def test_failure_shows_the_diff_and_promptctl_update_rewrites_under_xdist(recorded, cli):
    recorded.edit(recorded.version, "concise", "cheerful")

    failed = pytest_run(recorded.root, "--promptctl", "prompts", "-q")

    assert failed.returncode == 1
    assert "8 failed" in failed.stdout
    assert "greet@1::ada::openai: needs re-record; request changed" in failed.stdout
    assert "-      You are a concise greeter for Acme Cloud." in failed.stdout
    assert "+      You are a cheerful greeter for Acme Cloud." in failed.stdout

    # two workers update items of the same golden files concurrently (a file lock serialises them)
    updated = pytest_run(recorded.root, "--promptctl-update", "prompts", "-q", "-n", "2")

    assert updated.returncode == 0, updated.stdout + updated.stderr
    assert "8 passed" in updated.stdout
    assert "promptctl snapshot update" in updated.stdout
    assert "rewrote greet@1::ada::openai: " in updated.stdout and "request for openai" in updated.stdout
    check = cli("snapshot", "check")
    assert check.code == 0, check.out
