"""``promptctl eval``, ``runs``, ``runs show``, ``report`` and 80-column tables, in process (loopback server)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from promptctl.testing import LoopbackLLMServer
from tests.conftest import run_cli

from .conftest import write_qa_project
from .test_ab_cli import VERSION

CASES = 24


def reply(body: dict) -> str:
    text = json.dumps(body)
    case = int(re.search(r"\[case (\d+)\]", text).group(1))
    if "Version two" in text and case % 4 == 0:
        return "no, it is not"
    return "yes, the sky is blue on a clear day"


@pytest.fixture(scope="module")
def server():
    with LoopbackLLMServer(reply, max_lifetime_s=300) as srv:
        yield srv


@pytest.fixture
def project(tmp_path: Path) -> Path:
    return write_qa_project(tmp_path, VERSION, CASES, tags=True)


@pytest.fixture
def cli(project: Path, server: LoopbackLLMServer, monkeypatch):
    """``promptctl ARGS`` in process (tests.conftest.run_cli) on an 80-column terminal, against the loopback server."""
    import promptctl.cli.ab
    import promptctl.cli.runs
    from promptctl.cli.common import console

    def narrow(stderr: bool = False, width: int | None = None):
        return console(stderr, width=80)

    monkeypatch.setattr(promptctl.cli.ab, "console", narrow)
    monkeypatch.setattr(promptctl.cli.runs, "console", narrow)
    env = {**server.env(), "PROMPTCTL_DATABASE_URL": f"sqlite:///{project / 'runs.db'}"}

    def invoke(*args: str) -> tuple[int, str, str]:
        run = run_cli(*args, cwd=project, env=env)
        return run.returncode, run.stdout, run.stderr

    return invoke


def fits(text: str, width: int = 80) -> None:
    for line in text.splitlines():
        assert len(line) <= width or " " not in line.strip() and len(line) < 200, line
        assert "…" not in line, line


def test_eval_prints_the_pass_rate_with_its_interval_and_the_failures_first(cli, project):
    code, out, err = cli("eval", "qa@2", "--dataset", "cases.jsonl", "--scorer", "contains",
                         "--report", "eval.html", "--fail-under", "0.9")
    assert code == 1 and "below --fail-under 90%" in err  # 18/24 = 75% passed
    assert "eval " in err and "starting: A=qa@2" in err
    assert re.search(r"qa@2: pass rate 75\.0% \[\d+\.\d%, \d+\.\d%\] \(95% CI\), 18/24 passed, 0 errors", out)
    failures = out[out.index("Cases, lowest score first"):]
    assert failures.index("q00") < failures.index("q04") and "q01" not in failures
    assert "missing ['yes']" in failures  # the scorer's explanation
    fits(out)
    html = (project / "eval.html").read_text()
    assert '"kind":"eval"' in html and "q04" in html


def test_fail_under_takes_a_rate_or_a_percentage_and_refuses_95_before_any_call(cli, project):
    """trial-21: `--fail-under 95` said only "must be at most 1"; `--fail-under 95%` was refused."""
    code, _, err = cli("eval", "qa@2", "--dataset", "cases.jsonl", "--scorer", "contains", "--fail-under", "95")
    assert code == 2 and err.splitlines() == [
        "error: --fail-under is a rate from 0 to 1 (or a percentage), not '95'",
        "hint: did you mean --fail-under 0.95 or --fail-under 95%?"]
    code, _, err = cli("eval", "qa@2", "--dataset", "cases.jsonl", "--scorer", "contains", "--fail-under", "abc")
    assert code == 2 and "must be a rate such as 0.9 or 90%, not 'abc'" in err and "starting" not in err
    code, _, err = cli("eval", "qa@2", "--dataset", "cases.jsonl", "--scorer", "contains", "--fail-under", "70%")
    assert code == 0, err  # 75% passed
    code, _, err = cli("eval", "qa@2", "--dataset", "cases.jsonl", "--scorer", "contains", "--fail-under", "80%")
    assert code == 1 and "below --fail-under 80%" in err


def test_runs_lists_and_shows_and_reports_a_past_comparison(cli, project):
    code, out, err = cli("ab", "qa@1", "qa@2", "--dataset", "cases.jsonl", "--scorer", "contains", "--json")
    assert code == 0, err
    result = json.loads(out)
    run_id = result["ab_run_id"]
    assert len(result["records"]) == 2 * CASES and result["records"][0]["output"].startswith("yes")
    code, out, _ = cli("runs")
    assert code == 0 and run_id[:12] in out and "ab" in out and "A better" in out
    fits(out)
    code, out, _ = cli("runs", "--json", "--kind", "ab")
    listed = json.loads(out)
    assert listed[0]["id"] == run_id and listed[0]["variants"] == ["qa@1", "qa@2"] and listed[0]["cases"] == CASES
    code, out, _ = cli("runs", "show", run_id[:10])
    assert code == 0 and "A better" in out and "Cases, largest regression first" in out
    assert out.index("q00") < out.index("q01")  # broke before unchanged
    fits(out)
    code, _, err = cli("report", run_id[:10], "--html", "again.html", "--markdown", "again.md")
    assert code == 0 and "report written to again.html" in err
    assert (project / "again.md").read_text().startswith("## promptctl ab: qa@1 vs qa@2")
    html = (project / "again.html").read_text()
    assert html.startswith("<!DOCTYPE html>") and run_id in html
    code, _, err = cli("runs", "show", "ffffffffff")
    assert code == 2 and err.startswith("error: no comparison or evaluation 'ffffffffff'")
    code, _, err = cli("report", run_id)
    assert code == 2 and "--html FILE" in err


def test_eval_compare_pairs_with_an_earlier_run_on_the_same_dataset(cli, project):
    code, out, err = cli("eval", "qa@1", "--dataset", "cases.jsonl", "--scorer", "contains", "--json")
    assert code == 0, err
    first = json.loads(out)["ab_run_id"]
    code, out, err = cli("eval", "qa@2", "--dataset", "cases.jsonl", "--scorer", "contains",
                         "--compare", first[:12], "--report", "cmp.html")
    assert code == 1 and "significantly worse than run" in err
    assert f"compared with run {first[:12]}" in out and "A better" in out
    assert '"compared_with"' not in (project / "cmp.html").read_text()  # the report is the comparison
    (project / "other.jsonl").write_text((project / "cases.jsonl").read_text().replace("Is the sky", "Is sky"))
    code, _, err = cli("eval", "qa@2", "--dataset", "other.jsonl", "--compare", first[:12])
    assert code == 2 and "another dataset" in err


def test_piped_tables_honour_columns(project, server):
    env = {**server.env(), "PROMPTCTL_DATABASE_URL": f"sqlite:///{project / 'runs.db'}"}
    assert run_cli("ab", "qa@1", "qa@2", "-d", "cases.jsonl", "-s", "contains", cwd=project, env=env).returncode == 0
    narrow = run_cli("runs", cwd=project, env={**env, "COLUMNS": "80"})  # piped, as `COLUMNS=80 promptctl runs | less`
    assert narrow.returncode == 0, narrow.stderr
    fits(narrow.stdout)
    assert "not shown at 80 columns" in narrow.stdout
    wide = run_cli("runs", cwd=project, env={**env, "COLUMNS": None})  # piped without COLUMNS: 160 columns
    assert "not shown at" not in wide.stdout and max(map(len, wide.stdout.splitlines())) > 80
    bad = run_cli("runs", cwd=project, env={**env, "COLUMNS": "wide"})  # not a number: as without it
    assert bad.returncode == 0 and bad.stdout == wide.stdout


def test_ab_tables_fit_80_columns_and_say_what_they_leave_out(cli):
    code, out, err = cli("ab", "qa@1", "qa@2", "--dataset", "cases.jsonl", "--scorer", "contains")
    assert code == 0, err
    fits(out)
    assert "mean [95% CI]" in out and "not shown at 80 columns" in out
    assert "Cases that changed, largest regression first (6)" in out


def test_eval_cases_are_logged_as_eval_and_runs_shows_a_small_spend(cli):
    code, _, err = cli("eval", "qa@2", "--dataset", "cases.jsonl", "--scorer", "contains")
    assert code == 0, err
    code, out, err = cli("log", "--origin", "eval", "-n", "100", "--json")  # `log --origin eval` found nothing
    assert code == 0, err
    assert len(json.loads(out)) == CASES and {r["origin"] for r in json.loads(out)} == {"eval"}
    code, out, err = cli("log", "--origin", "ab")
    assert code == 0 and out == "" and "no runs of origin ab recorded" in err and f"{CASES} eval runs not shown" in err
    code, out, err = cli("log")
    assert out == "" and "no interactive runs recorded" in err and "recorded yet" not in err
    spent = json.loads(cli("runs", "--json")[1])[0]["cost_usd"]
    assert 0 < spent < 0.01
    code, out, _ = cli("runs")
    assert f"${spent:.6f}" in out and "$0.0000 " not in out + " "  # was $0.0000 for a spend under a cent
