"""From `promptctl init` to a published, labelled, locked prompt, through the command line."""

from __future__ import annotations

import json
from pathlib import Path

from .conftest import CLI


def test_init_publish_label_lock_verify(cli: CLI, tmp_path: Path) -> None:
    proj = tmp_path / "app"
    proj.mkdir()
    assert cli("init", cwd=proj).returncode == 0
    assert cli("publish", "hello", "-m", "first", cwd=proj).stdout.startswith("published hello@1")
    assert cli("label", "hello@1", "production", cwd=proj).stdout.strip() == "hello@production -> 1"
    assert cli("lock", "hello@production", cwd=proj).returncode == 0
    assert json.loads((proj / "promptctl.lock").read_text())["prompts"]["hello@production"]["version"] == 1
    assert cli("verify", cwd=proj).returncode == 0
    assert cli("lock", "--check", cwd=proj).returncode == 0

    assert cli("new", "hello", "--from", "hello", cwd=proj).returncode == 0
    (proj / "prompts" / "hello" / "v2.j2").write_text(
        (proj / "prompts" / "hello" / "v2.j2").read_text().replace("concise", "friendly")
    )
    assert cli("publish", "hello", "-m", "friendlier", cwd=proj).returncode == 0
    assert cli("label", "hello@2", "production", cwd=proj).stdout.strip() == "hello@production -> 2 (was 1)"
    stale = cli("lock", "--check", cwd=proj)
    assert stale.returncode == 1 and "stale: hello@production" in stale.stderr
    assert cli("lock", cwd=proj).returncode == 0  # refresh every locked reference
    assert cli("lock", "--check", cwd=proj).returncode == 0

    history = json.loads(cli("history", "hello", "--json", cwd=proj).stdout)
    assert [v["status"] for v in history["versions"]] == ["published", "published"]
    assert [(m["from"], m["to"]) for m in history["label_moves"]] == [(None, 1), (1, 2)]

    v1 = proj / "prompts" / "hello" / "v1.j2"
    v1.write_bytes(v1.read_bytes() + b" ")
    result = cli("verify", cwd=proj)
    assert result.returncode == 4 and str(v1) in result.stderr and "Traceback" not in result.stderr
    assert cli("run", "hello@2", "--var", "question=q", "--dry-run", cwd=proj).returncode == 0
    assert cli("run", "hello@1", "--var", "question=q", "--dry-run", cwd=proj).returncode == 4


def test_publish_errors(cli: CLI) -> None:
    result = cli("publish", "support")
    assert result.returncode == 2 and "no draft" in result.stderr
    result = cli("label", "support@1", "bad label")
    assert result.returncode == 2
