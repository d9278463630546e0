"""The example application that pins its prompts through promptctl.lock runs, and fails loudly when they drift."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _run(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PROMPTCTL_FAKE_REPLIES": '["Thanks Dana, we are on it."]'}
    return subprocess.run([sys.executable, str(root / "examples" / "pinned_app" / "app.py"), *args],
                          capture_output=True, text=True, env=env, timeout=60)


def test_app_loads_exactly_the_locked_version() -> None:
    lock = json.loads((ROOT / "examples" / "pinned_app" / "promptctl.lock").read_text())
    entry = lock["prompts"]["support-agent@production"]
    result = _run(ROOT, "My site is down")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["version"] == f"support-agent@{entry['version']}" and data["sha256"] == entry["sha256"]
    assert data["openai_kwargs"]["messages"][0]["role"] == "system"
    sent = _run(ROOT, "--send", "hi")
    assert json.loads(sent.stdout)["reply"] == "Thanks Dana, we are on it."


def test_app_fails_loudly_when_the_registry_drifts(tmp_path: Path) -> None:
    copy = tmp_path / "repo"
    shutil.copytree(ROOT / "prompts", copy / "prompts")
    shutil.copytree(ROOT / "examples" / "pinned_app", copy / "examples" / "pinned_app")
    lock = json.loads((copy / "examples" / "pinned_app" / "promptctl.lock").read_text())
    version = lock["prompts"]["support-agent@production"]["version"]
    path = copy / "prompts" / "support-agent" / f"v{version}.j2"
    path.write_text(path.read_text().replace("Acme Cloud", "Acme Cloud Inc"))
    result = _run(copy, "hi")
    assert result.returncode == 4 and "support-agent" in result.stderr
