"""``snapshot check --report FILE.html``: every item, each changed request or failed check with its diff."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

from tests.evaluation.test_report import hydrate

ROOT = Path(__file__).resolve().parents[2]


def test_check_writes_the_html_report_with_each_change_and_its_diff(tmp_path):
    from tests.conftest import run_cli

    for name in ("prompts", "snapshots", "fixtures"):
        shutil.copytree(ROOT / name, tmp_path / name)
    golden = tmp_path / "snapshots" / "ticket-triage" / "node22-build.yaml"
    golden.write_text(golden.read_text().replace("valid against the schema", "valid against the schema!", 1))
    result = run_cli("snapshot", "check", "--quiet", "--report", "out/snap.html", cwd=tmp_path)
    code, err = result.returncode, result.stderr
    assert code == 1 and "report written to out/snap.html" in err
    html = (tmp_path / "out" / "snap.html").read_text()
    data = json.loads(re.search(r'<script type="application/json" id="cases-data">(.*?)</script>', html, re.S).group(1))
    data = hydrate(data, data["texts"])
    failed = [c for c in data["cases"] if c["failed"]]
    assert [c["id"] for c in failed] == ["ticket-triage@1::node22-build::fake"]
    trial = failed[0]["trials"][0][0]
    assert "valid against the schema!" in trial["diff"] and trial["golden"].endswith("node22-build.yaml")
    assert len(data["cases"]) > 20 and all(c["trials"][0][0]["passed"] for c in data["cases"] if not c["failed"])
    summary = json.loads(re.search(r'id="summary-data">(.*?)</script>', html, re.S).group(1))
    assert summary["kind"] == "snapshot" and summary["verdict"]["tone"] == "fail"
