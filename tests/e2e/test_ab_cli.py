"""``promptctl ab`` as a user runs it, against a loopback OpenAI-compatible server; kill -9 and --resume."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import re
import signal
import sqlite3
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest

from promptctl.testing import LoopbackLLMServer
from tests.conftest import is_sdk_env, run_cli

from .conftest import write_qa_project

VERSION = """---
description: Answers yes/no questions
provider: openai
model: gpt-4o-mini
parameters: {{temperature: 0, max_tokens: 50}}
variables:
  question: {{type: string, input: true}}
---
{{% system %}}{marker}{{% endsystem %}}
{{% user %}}{{{{ question }}}}{{% enduser %}}
"""
CASES = 30


def reply(body: dict) -> str:
    text = json.dumps(body)
    case = int(re.search(r"\[case (\d+)\]", text).group(1))
    if "Version two" in text and case % 3 == 0:
        return "no"  # version 2 gets every third case wrong
    return "yes"


def key_of(body: dict) -> tuple[str, int]:
    text = json.dumps(body)
    return ("v2" if "Version two" in text else "v1", int(re.search(r"\[case (\d+)\]", text).group(1)))


@pytest.fixture(scope="module")
def server():
    with LoopbackLLMServer(reply, max_lifetime_s=300) as srv:
        yield srv


@contextlib.contextmanager
def slow_replies(server: LoopbackLLMServer, latency_s: float = 0.05) -> Iterator[None]:
    """Each reply takes ``latency_s`` (a run lasts long enough to be killed halfway, or to import while it calls)."""
    server.latency_s = latency_s
    try:
        yield
    finally:
        server.latency_s = 0.0


@pytest.fixture
def project(tmp_path: Path) -> Path:
    return write_qa_project(tmp_path, VERSION, CASES)


def env_for(project: Path, server: LoopbackLLMServer, db: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not is_sdk_env(k)}
    env.update(server.env(), PROMPTCTL_DATABASE_URL=f"sqlite:///{project / db}")
    return env


def _ab_in_process(project: Path, env: dict[str, str | None], args) -> tuple[int, str, str]:
    """``promptctl ab ARGS`` in this process (:func:`tests.conftest.run_cli`) with ``env`` (None unsets)."""
    out = run_cli("ab", *args, cwd=project, env=env)
    return out.returncode, out.stdout, out.stderr


def ab_here(project: Path, server: LoopbackLLMServer, db: str, *args: str) -> tuple[int, str, str]:
    """``promptctl ab`` in this process against the loopback server, with the run store ``db``."""
    env: dict[str, str | None] = {**server.env(), "PROMPTCTL_DATABASE_URL": f"sqlite:///{project / db}"}
    return _ab_in_process(project, env, args)


def comparable(result: dict) -> dict:
    """The parts of a result that must not depend on how the run went (timing and ids left out)."""
    keep = ("mean", "ci95", "passed", "pass_rate", "completed", "errors", "tokens", "list_cost_usd", "flaky_cases")
    return {"metric": result["metric"], "comparisons": result["comparisons"], "cases": result["cases"],
            "variants": [{k: v[k] for k in keep} for v in result["variants"]], "gates": result["gates"]}


def test_ab_json_report_gate_then_a_cached_rerun_prints_the_table(project, server):
    before = len(server.requests)
    code, stdout, stderr = ab_here(project, server, "runs.db", "qa@1", "qa@2", "--dataset",
                                   "cases.jsonl", "--scorer", "contains", "--concurrency", "4", "--json",
                                   "--report", "report.md", "--fail-if-worse")
    # the candidate is significantly worse: --fail-if-worse exits 1, after printing and storing the result
    assert code == 1, stderr
    assert "error: CI gate failed: B vs A: significantly worse (--fail-if-worse)" in stderr
    assert "estimated $" in stderr and "resume with: promptctl ab --resume" in stderr
    assert len(server.requests) - before == 2 * CASES
    result = json.loads(stdout)
    stored = sqlite3.connect(project / "runs.db").execute("select result from ab_runs where id = ?",
                                                          (result["ab_run_id"],)).fetchone()[0]
    records = result.pop("records")  # --json prints the stored record plus every case's outputs
    requests = result.pop("requests")
    assert json.loads(stored) == result
    assert len(records) == 2 * CASES and {r["variant"] for r in records} == {"A", "B"}
    assert all(r["output"] in ("yes", "no") and r["request_sha256"] in requests for r in records)
    assert result["variants"][1]["passed"] == 20 and result["comparisons"][0]["winner"] == "A"
    assert result["gates"][0]["candidate_worse"] is True and result["gate"]["failed"] is True
    report = (project / "report.md").read_text()
    assert report.startswith("## promptctl ab: qa@1 vs qa@2") and "| B vs A |" in report and "A better" in report
    # rerunning the finished comparison is answered from the response cache: no provider call
    code, stdout, stderr = ab_here(project, server, "runs.db", "qa@1", "qa@2", "-d",
                                   "cases.jsonl", "-s", "contains")
    assert code == 0, stderr
    assert len(server.requests) - before == 2 * CASES and "0 provider calls" in stderr
    assert "A better" in stdout and "McNemar score test" in stdout and "qa@2" in stdout


def test_bad_row_and_budget_refusal_send_nothing(project, server):
    (project / "bad.jsonl").write_text('{"vars": {"question": "[case 1] ok"}, "expected": "yes"}\n{"vars": 5}\n')
    before = len(server.requests)
    code, _, stderr = ab_here(project, server, "runs.db", "qa@1", "qa@2", "--dataset",
                              "bad.jsonl")
    assert code == 2 and stderr.startswith("error: bad.jsonl:2: ")
    assert len(stderr.strip().splitlines()) <= 2 and "Traceback" not in stderr
    code, _, stderr = ab_here(project, server, "runs.db", "qa@1", "qa@2", "--dataset",
                              "cases.jsonl", "-s", "contains", "--max-cost", "0.000001")
    assert code == 2 and "crosses --max-cost" in stderr and "nothing was sent" in stderr
    assert len(server.requests) == before


def test_kill_9_halfway_then_resume_equals_an_uninterrupted_run(project, server, monkeypatch):
    from promptctl.evaluation.ab import arun_ab, plan_ab
    from promptctl.registry.registry import Registry
    from promptctl.store.runs import RunStore

    # the uninterrupted reference, in process
    for name, value in server.env().items():
        monkeypatch.setenv(name, value)
    plan = plan_ab(Registry(project / "prompts"), ["qa@1", "qa@2"], project / "cases.jsonl", scorer="contains")
    reference, _ = asyncio.run(arun_ab(plan, RunStore(f"sqlite:///{project / 'reference.db'}"), concurrency=4))

    server.clear()
    env = env_for(project, server, "killed.db")
    with slow_replies(server):
        proc = subprocess.Popen([sys.executable, "-m", "promptctl", "ab", "qa@1", "qa@2", "-d", "cases.jsonl", "-s",
                                 "contains", "-c", "4"], cwd=project, env=env, stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL)
        db = project / "killed.db"
        deadline = time.monotonic() + 60
        done = 0
        while time.monotonic() < deadline and proc.poll() is None:
            if db.exists():
                try:
                    done = sqlite3.connect(db).execute("select count(*) from ab_results").fetchone()[0]
                except sqlite3.OperationalError:
                    done = 0
                if done >= CASES // 2:
                    break
            time.sleep(0.02)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)
    assert proc.returncode == -signal.SIGKILL
    con = sqlite3.connect(db)
    ab_run_id, status = con.execute("select id, status from ab_runs").fetchone()
    finished = {("v1" if v == 0 else "v2", c) for v, c in
                con.execute("select variant, case_index from ab_results where status = 'ok'")}
    con.close()
    assert status == "running" and CASES // 2 <= len(finished) < 2 * CASES  # killed halfway

    code, stdout, stderr = ab_here(project, server, "killed.db", "--resume", ab_run_id[:12],
                                   "--json")
    assert code == 0, stderr
    result = json.loads(stdout)
    assert result["ab_run_id"] == ab_run_id and result["status"] == "completed"
    assert comparable(result) == comparable(reference)
    sent = Counter(key_of(r.body) for r in server.requests if r.body)
    assert all(sent[key] == 1 for key in finished), {k: sent[k] for k in finished if sent[k] != 1}
    assert set(sent) == {(v, c) for v in ("v1", "v2") for c in range(CASES)}  # nothing lost


def test_import_promptctl_cli_stays_light():
    code = ("import sys, promptctl.cli; heavy = [m for m in ('scipy', 'numpy', 'sqlalchemy', 'openai') "
            "if m in sys.modules]; print(heavy)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert out.stdout.strip() == "[]", out.stdout + out.stderr


# -- reported problems ---------------------------------------------------------------------------------------------
def ab_fake(project: Path, replies: list | None, *args: str) -> tuple[int, str, str]:
    """``promptctl ab ... --provider fake`` in this process, the fake scripted by PROMPTCTL_FAKE_REPLIES."""
    env: dict[str, str | None] = {
        "PROMPTCTL_DATABASE_URL": f"sqlite:///{project / 'runs.db'}",
        "PROMPTCTL_FAKE_REPLIES": None if replies is None else json.dumps(replies),
    }
    return _ab_in_process(project, env, args)


def run_id_of(stderr: str) -> str:
    return re.search(r"--resume ([0-9a-f]{32})", stderr).group(1)


FAKE_AB = ("qa@1", "qa@2", "-d", "cases.jsonl", "-s", "contains", "-p", "fake", "-c", "1")


def test_every_call_failing_exits_3_with_one_error_and_no_verdict(project):
    code, stdout, stderr = ab_fake(project, [{"error": "overloaded", "status": 529}], *FAKE_AB)
    assert code == 3, stderr
    assert stdout == ""  # no table, no verdict on 0 cases
    errors = [line for line in stderr.splitlines() if line.startswith("error:")]
    assert errors == ["error: every case of A (qa@1) failed, so nothing was compared (30 errors); first: fake: "
                      "overloaded"]
    assert f"hint: fix the cause, then resume with: promptctl ab --resume {run_id_of(stderr)}" in stderr
    assert "no significant difference" not in stderr + stdout


def test_resume_keeps_no_cache_unless_told_otherwise(project):
    n = 2 * CASES
    code, _, stderr = ab_fake(project, ["yes"], *FAKE_AB)  # fills the response cache
    assert code == 0 and f"{n} provider calls" in stderr
    # a --no-cache run whose calls fail after the first one (the last reply repeats)
    fail = ["yes", {"error": "boom", "status": 500}]
    code, _, stderr = ab_fake(project, fail, *FAKE_AB, "--no-cache")
    assert code == 3 and "every case of B (qa@2) failed" in stderr
    first = run_id_of(stderr)
    # resumed: still --no-cache, so the failed cases are sent again (the cache would answer them all)
    code, stdout, stderr = ab_fake(project, ["no"], "--resume", first, "--json")
    assert code == 0, stderr
    assert f"{n - 1} provider calls" in stderr
    result = json.loads(stdout)
    assert result["variants"][1]["passed"] == 0 and result["dataset"]["given"] == "cases.jsonl"
    # --cache on resume overrides the stored --no-cache
    code, _, stderr = ab_fake(project, fail, *FAKE_AB, "--no-cache")
    code, _, stderr = ab_fake(project, ["yes"], "--resume", run_id_of(stderr), "--cache")
    assert code == 0 and "0 provider calls" in stderr and f"{n - 1} cached" in stderr



@pytest.mark.parametrize("command", ["eval", "ab"])
def test_resume_keeps_the_runs_concurrency_and_budget_unless_given_again(project, monkeypatch, command):
    import promptctl.evaluation.ab as ab_module

    used: list[tuple[int, float | None]] = []
    real = ab_module.arun_ab

    async def spy(*args, **kwargs):
        used.append((kwargs["concurrency"], kwargs["max_cost"]))
        return await real(*args, **kwargs)

    monkeypatch.setattr(ab_module, "arun_ab", spy)
    env = {"PROMPTCTL_DATABASE_URL": f"sqlite:///{project / 'runs.db'}",
           "PROMPTCTL_FAKE_REPLIES": json.dumps(["yes", {"error": "boom", "status": 500}])}
    refs = ("qa@1",) if command == "eval" else ("qa@1", "qa@2")
    first = run_cli(command, *refs, "-d", "cases.jsonl", "-s", "contains", "-p", "fake", "-c", "3",
                    "--max-cost", "5", "--no-cache", cwd=project, env=env)
    assert first.returncode in (0, 3) and "9 errors" in first.stderr, first.stderr  # ab: 3, a variant all failed
    run_id = run_id_of(first.stderr)
    resumed = run_cli(command, "--resume", run_id, cwd=project, env={**env, "PROMPTCTL_FAKE_REPLIES": None})
    assert resumed.returncode == 0, resumed.stderr
    again = run_cli(command, "--resume", run_id, "-c", "5", "--max-cost", "7", cwd=project, env=env)
    assert again.returncode == 0, again.stderr
    assert used == [(3, 5.0), (3, 5.0), (5, 7.0)]
    fresh = run_cli(command, *refs, "-d", "cases.jsonl", "-s", "contains", "-p", "fake", cwd=project, env=env)
    assert fresh.returncode == 0 and used[-1] == (8, None), fresh.stderr  # the default when neither applies

def test_another_fake_script_is_not_answered_from_the_cache(project):
    code, stdout, stderr = ab_fake(project, ["yes"], *FAKE_AB, "--json")
    assert code == 0 and [v["passed"] for v in json.loads(stdout)["variants"]] == [CASES, CASES]
    # the same requests with another PROMPTCTL_FAKE_REPLIES: the new script answers, not the cache of the last run
    code, stdout, stderr = ab_fake(project, ["no"], *FAKE_AB, "--json")
    assert code == 0 and f"{2 * CASES} provider calls" in stderr and " 0 cached" in stderr
    assert [v["passed"] for v in json.loads(stdout)["variants"]] == [0, 0]
    # the same script again is cached
    code, _, stderr = ab_fake(project, ["no"], *FAKE_AB)
    assert code == 0 and "0 provider calls" in stderr


def test_missing_credentials_exit_3_before_anything_is_printed(project):
    code, stdout, stderr = ab_fake(project, None, "qa@1", "qa@2", "-d", "cases.jsonl")
    assert code == 3 and stdout == ""
    assert stderr.splitlines() == ["error: no OpenAI API key: OPENAI_API_KEY is not set",
                                   "hint: export OPENAI_API_KEY=sk-... or set OPENAI_BASE_URL for a local "
                                   "OpenAI-compatible server"]
    code, stdout, stderr = ab_fake(project, ["yes"], *FAKE_AB[:-2], "-s", "judge", "--judge",
                                   "anthropic:claude-haiku-4-5")
    assert code == 3 and stdout == "" and stderr.startswith("error: no Anthropic API key") and "ab " not in stderr
    assert sqlite3.connect(project / "runs.db").execute("select count(*) from ab_runs").fetchone()[0] == 0


def test_a_one_case_run_reads_in_the_singular(project):
    (project / "one.jsonl").write_text(json.dumps({"vars": {"question": "[case 1] ok?"}, "expected": "yes"}) + "\n")
    code, stdout, stderr = ab_fake(project, ["yes"], "qa@1", "qa@2", "-d", "one.jsonl", "-s",
                                   "contains", "-p", "fake", "--report", "r.md")
    assert code == 0, stderr
    assert "2 variants x 1 case x 1 trial: 2 calls to make" in stderr and "(1 case)" in stdout
    assert "1 paired case" in stdout and " cases" not in re.sub(r"~\d+ (paired )?cases", "", stdout)
    assert "list price/case" in stdout and "(1 case, sha256" in (project / "r.md").read_text()
    # a rerun is answered from the cache: spent $0 next to the list price, which the table now explains
    code, stdout, _ = ab_fake(project, ["yes"], "qa@1", "qa@2", "-d", "one.jsonl", "-s",
                              "contains", "-p", "fake")
    assert "list price/case: one case's calls at list price, cached or not" in " ".join(stdout.split())  # wrapped


RAISING = """
import sys
from promptctl.providers.fake import FakeProvider

async def boom(self, request):
    raise RuntimeError("boom in the client")

FakeProvider._complete = boom
from promptctl.cli import main
main(sys.argv[1:])
"""


def test_an_unexpected_exception_ends_the_run_with_one_error_line(project, monkeypatch):
    env = {k: v for k, v in os.environ.items() if not is_sdk_env(k)}
    env["PROMPTCTL_DATABASE_URL"] = f"sqlite:///{project / 'runs.db'}"
    cmd = [sys.executable, "-c", RAISING, "ab", *FAKE_AB]
    out = subprocess.run(cmd, cwd=project, env=env, capture_output=True, text=True, timeout=60)  # hung before
    assert out.returncode == 1, out.stderr
    assert "Traceback" not in out.stderr and out.stdout == ""
    assert "error: ab failed on an unexpected RuntimeError: boom in the client\n" in out.stderr
    assert "hint: this is a bug in promptctl: please report it with the traceback that PROMPTCTL_DEBUG=1 shows" \
        in out.stderr
    status, error = sqlite3.connect(project / "runs.db").execute("select status, error from ab_runs").fetchone()
    assert (status, error) == ("failed", "RuntimeError: boom in the client")
    # PROMPTCTL_DEBUG=1 shows the traceback (in this process: the hang above needs a real process, this does not)
    from promptctl.providers.fake import FakeProvider

    async def boom(self, request):
        raise RuntimeError("boom in the client")

    monkeypatch.setattr(FakeProvider, "_complete", boom)
    out = run_cli("ab", *FAKE_AB, cwd=project, env={"PROMPTCTL_DATABASE_URL": env["PROMPTCTL_DATABASE_URL"],
                                                      "PROMPTCTL_DEBUG": "1"})
    assert out.returncode == 1 and "Traceback" in out.stderr and "RuntimeError: boom in the client" in out.stderr


def test_gates_check_every_candidate_and_the_non_inferiority_bound(project, server):
    # B (qa@2) is 33 points worse; C, the last variant, is the baseline again: --fail-if-worse must still fail on B
    code, stdout, stderr = ab_here(project, server, "runs.db", "qa@1", "qa@2",
                                   "qa@1::temperature=0.5", "-d", "cases.jsonl", "-s", "contains", "--json",
                                   "--fail-if-worse", "--max-regression", "10pts", "--mde", "10pts")
    assert code == 1, stderr
    assert "CI gate failed: B vs A: significantly worse (--fail-if-worse)" in stderr
    assert "B vs A: one-sided 95% bound" in stderr and "not shown within --max-regression 10pts" in stderr
    assert "C vs A" not in stderr.split("error:")[-1]
    result = json.loads(stdout)
    gate = result["gate"]
    assert gate["failed"] and gate["max_regression"] == 0.10 and len(gate["checks"]) == 4
    assert [c["passed"] for c in gate["checks"]] == [False, False, True, True]
    b, c = result["comparisons"]
    # C ties the baseline on every case; with 30 cases the one-sided bound is still -8.3 points (never 0)
    assert b["lower_bound_95"] < -0.10 and c["lower_bound_95"] == pytest.approx(-0.0827, abs=1e-3)
    assert b["mde"] == c["mde"] == 0.10
    # the same tie under a 3-point margin fails: 30 cases cannot show a regression under 3 points
    code, stdout, stderr = ab_here(project, server, "runs.db", "qa@1", "qa@1::temperature=0.5",
                                   "-d", "cases.jsonl", "-s", "contains", "--max-regression", "3pts")
    assert code == 1 and "B vs A: one-sided 95% bound -8.3 pts < -3 pts" in stderr
    code, stdout, stderr = ab_here(project, server, "runs.db", "qa@1", "qa@1::temperature=0.5",
                                   "-d", "cases.jsonl", "-s", "contains", "--max-regression", "10pts")
    assert code == 0, stderr
    assert "CI gate passed: B vs A: one-sided 95% bound -8.3 pts >= -10 pts" in stdout
    code, _, stderr = ab_here(project, server, "runs.db", "qa@1", "qa@2", "-d", "cases.jsonl",
                              "--max-regression", "three")
    assert code == 2 and "error: --max-regression must be a number of percentage points" in stderr


def test_a_cold_first_run_lets_go_of_its_encoding_and_imports_scipy_while_it_calls(project, server, tmp_path,
                                                                                    monkeypatch):
    """A first comparison with nothing remembered loads the tiktoken encoding to count its estimate, then lets go
    of it before its calls (its peak memory is the larger of the two phases, not their sum); scipy.stats, which
    the result needs, is imported in a thread while the calls wait for their replies."""
    env = {**env_for(project, server, "cold.db"), "PROMPTCTL_CACHE_DIR": str(tmp_path / "user-cache")}
    args = ["ab", "qa@1", "qa@2", "--dataset", "cases.jsonl", "--scorer", "contains", "--json"]
    # this comparison makes fewer calls than ab.PREFETCH_MIN_CALLS (below it the import waits for the last reply,
    # so that it cannot add latency to the calls): the probe lowers the threshold to 1
    probe = ("import sys\nfrom promptctl.evaluation import ab\nab.PREFETCH_MIN_CALLS = int(sys.argv.pop(1))\n"
             "from promptctl.cli import main\ntry:\n    main(sys.argv[1:])\nexcept SystemExit:\n    pass\n"
             "from promptctl.evaluation import stats\nfrom promptctl.tokens import count_cache, offline\n"
             "print('STATE', len(count_cache._memory) > 0, offline.encodings_loaded(), stats._prefetch is not None,"
             " 'scipy.stats' in sys.modules, file=sys.stderr)")
    before = len(server.requests)
    with slow_replies(server):
        first = subprocess.run([sys.executable, "-c", probe, "1", *args], cwd=project, env=env, capture_output=True,
                               text=True, timeout=300)
    assert len(server.requests) > before, first.stderr
    assert json.loads(first.stdout)["comparisons"]
    # texts were counted, no encoding is held any more, the statistics' import was started during the calls
    assert first.stderr.rsplit("STATE ", 1)[1].strip() == "True False True True"
    # below the threshold no import is started during the calls (in this process, where scipy is imported already,
    # what tells is whether ab asks for the prefetch at all)
    from promptctl.evaluation import ab, stats

    asked: list[int] = []
    monkeypatch.setattr(stats, "prefetch", lambda: asked.append(len(server.requests)))
    in_process = {**server.env(), "PROMPTCTL_DATABASE_URL": env["PROMPTCTL_DATABASE_URL"],
                  "PROMPTCTL_CACHE_DIR": env["PROMPTCTL_CACHE_DIR"]}
    assert run_cli(*args, "--no-cache", cwd=project, env=in_process).returncode == 0
    assert asked == []  # 60 calls: fewer than ab.PREFETCH_MIN_CALLS
    monkeypatch.setattr(ab, "PREFETCH_MIN_CALLS", 60)
    assert run_cli(*args, "--no-cache", cwd=project, env=in_process).returncode == 0
    assert len(asked) == 1


def test_a_rerun_answered_from_the_cache_imports_no_sdk_and_loads_no_encoding(project, server):
    """A finished comparison run again only reads the store: no SDK import, no tiktoken encoding, and its
    statistics are remembered, so neither scipy nor numpy is imported (seconds in all)."""
    env = env_for(project, server, "rerun.db")
    args = ["ab", "qa@1", "qa@2", "--dataset", "cases.jsonl", "--scorer", "contains", "--json"]
    first = run_cli(*args, cwd=project, env={**server.env(), "PROMPTCTL_DATABASE_URL": env["PROMPTCTL_DATABASE_URL"]})
    assert first.returncode == 0, first.stderr
    probe = ("import sys\nfrom promptctl.cli import main\ntry:\n    main(sys.argv[1:])\nexcept SystemExit:\n    pass\n"
             "from promptctl.tokens.offline import get_encoding\n"
             "print('LOADED', sorted(m for m in ('openai', 'anthropic', 'ibm_watsonx_ai', 'scipy', 'numpy')"
             " if m in sys.modules),"
             " get_encoding.cache_info().currsize, file=sys.stderr)")
    before = len(server.requests)
    rerun = subprocess.run([sys.executable, "-c", probe, *args], cwd=project, env=env, capture_output=True,
                           text=True, timeout=300)
    assert len(server.requests) == before
    assert json.loads(rerun.stdout)["comparisons"] == json.loads(first.stdout)["comparisons"]
    assert rerun.stderr.rsplit("LOADED ", 1)[1].strip() == "[] 0"
