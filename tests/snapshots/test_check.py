"""``snapshot check``: pins, published and locked versions, stale golden files, reports and exit codes."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET

from promptctl.evaluation.snapshots import check
from promptctl.registry.lock import LockEntry, Lockfile


def test_passing_project_lists_every_item_and_exits_0(recorded, cli):
    result = cli("snapshot", "check")
    assert result.code == 0, result.out + result.err
    ids = re.findall(r"^ok    (\S+)$", result.out, flags=re.MULTILINE)
    providers = ("anthropic", "openai", "watsonx", "fake")
    assert ids == [f"greet@1::{case}::{p}" for case in ("ada", "grace") for p in providers]
    assert re.search(r"snapshot check: 8 ok, 0 failing \(2 cases, 1 prompt, replayed\) in \d+\.\d\d s", result.out)


def test_modified_published_version_fails_with_exit_1_and_record_refuses_with_exit_4(recorded, cli):
    recorded.publish(1)
    assert cli("snapshot", "check").code == 0
    recorded.edit(recorded.version, "concise", "terse")

    result = cli("snapshot", "check")

    assert result.code == 1
    assert "published version greet@1 was modified" in result.out
    assert "-    You are a concise greeter" in result.out and "+    You are a terse greeter" in result.out
    refused = cli("snapshot", "record")
    assert refused.code == 4 and "was modified" in refused.err
    refused = cli("snapshot", "update")
    assert refused.code == 4


def test_reference_moved_to_a_new_version_needs_re_record_until_updated(recorded, cli):
    recorded.publish(1)
    (recorded.prompt_dir / "v2.j2").write_text(recorded.version.read_text().replace("concise", "friendly"))
    assert cli("snapshot", "check").code == 0  # v2 is a draft: the name still resolves to v1
    recorded.publish(2)

    result = cli("snapshot", "check")

    assert result.code == 1
    assert "FAIL  greet@2::ada::openai  needs re-record; request changed" in result.out
    assert "recorded against greet@1" in result.out and "now resolves to greet@2" in result.out
    assert cli("snapshot", "update").code == 0
    assert cli("snapshot", "check").code == 0
    assert "version: 2" in recorded.golden("ada").read_text()


def test_lock_entry_pins_the_checked_version(recorded, cli):
    recorded.publish(1)
    (recorded.prompt_dir / "v2.j2").write_text(recorded.version.read_text().replace("concise", "friendly"))
    recorded.publish(2)
    snap = recorded.snap()
    lock_path = recorded.root / "promptctl.lock"
    Lockfile(lock_path, {"greet": LockEntry("greet", 1, snap.registry.load("greet", 1).sha256)}).write()

    assert cli("snapshot", "check").code == 0  # the lock pins v1, which the golden files were recorded with

    Lockfile(lock_path, {"greet": LockEntry("greet", 2, snap.registry.load("greet", 2).sha256)}).write()
    result = cli("snapshot", "check")
    assert result.code == 1 and "now resolves to greet@2" in result.out and "promptctl.lock" in result.out


def test_an_added_passing_check_makes_the_golden_file_out_of_date(recorded, cli):
    recorded.edit(recorded.suite, "- {scorer: exact, field: vip, expected: true}",
                  "- {scorer: exact, field: vip, expected: true}\n      - {scorer: contains, expected: Grace}")

    result = cli("snapshot", "check")

    assert result.code == 1
    assert "FAIL  greet@1::grace::fake  golden file out of date" in result.out
    assert "+  scorer: contains" in result.out
    assert cli("snapshot", "update", "greet", "--case", "grace").code == 0
    assert cli("snapshot", "check").code == 0


def test_not_recorded_case_and_orphan_golden_file(recorded, cli):
    recorded.edit(recorded.suite, "  - id: grace\n", "  - id: hopper\n")

    result = cli("snapshot", "check")

    assert result.code == 1
    assert "FAIL  greet@1::hopper::openai  not recorded" in result.out
    assert "warning: snapshots/greet/grace.yaml belongs to no case of its suite" in result.out
    assert cli("snapshot", "record", "greet", "--case", "hopper").code == 0
    updated = cli("snapshot", "update")
    assert "removed  snapshots/greet/grace.yaml" in updated.out
    assert not recorded.golden("grace").exists()
    assert cli("snapshot", "check").code == 0


def test_template_error_in_a_case_is_reported_as_a_failing_item(recorded, cli):
    """Invalid input in a case (here a missing variable) is listed with the other items, then exit 2 (trial-21: exit
    1 said "a difference" for a suite that cannot be checked)."""
    recorded.edit(recorded.suite, "variables: {name: Grace, plan: pro}", "variables: {plan: pro}")
    result = cli("snapshot", "check")
    assert result.code == 2
    assert "error: 4 snapshot items failing; invalid input in case grace" in result.err
    assert "FAIL  greet@1::grace::openai  error" in result.out
    assert "missing variable 'name'" in result.out
    assert "ok    greet@1::ada::openai" in result.out
    # trial-21: the hint said to approve the error with snapshot update, which cannot fix it
    assert result.err.splitlines()[-1] == ("hint: fix the error above (in the suite, its vars file or the prompt); "
                                           "snapshot update approves changes, it does not fix errors")


def test_field_checks_on_json_output(recorded):
    from promptctl.evaluation.snapshots.project import run_checks
    from promptctl.evaluation.snapshots.suite import CheckSpec

    snap = recorded.snap()
    target = snap.targets()[0]
    pin = snap.pin(target.ref)
    case = target.suite.case("ada")
    specs = (
        CheckSpec(scorer="exact", field="vip", expected=False),
        CheckSpec(scorer="contains", field="tags", expected=["a", "b"]),
        CheckSpec(scorer="exact", field="tags.1", expected="b"),
        CheckSpec(scorer="exact", field="missing", expected="x"),
        CheckSpec(scorer="numeric", field="n", expected=3),
    )
    case = type(case)(case.id, None, None, {}, None, case.record_with, specs)
    results = run_checks(snap, pin, case, '```json\n{"vip": false, "tags": ["a", "b"], "n": 3.0}\n```', {})
    assert [r.passed for r in results] == [True, True, True, False, True]
    assert results[3].score.detail == "field 'missing' is not in the output"
    not_json = run_checks(snap, pin, case, "Hello!", {})
    assert not any(r.passed for r in not_json)
    assert not_json[0].score.detail.startswith("output is not JSON")


def test_python_scorer_is_imported_from_the_project_root(recorded, cli):
    (recorded.root / "greetchecks.py").write_text(
        "def is_short(output, expected, case):\n"
        "    assert case['id'] in ('ada', 'grace') and 'name' in case['variables']\n"
        "    return len(output) <= int(expected)\n"
    )
    recorded.edit(recorded.suite, "- {scorer: exact, field: vip, expected: true}",
                  "- {scorer: exact, field: vip, expected: true}\n"
                  "      - {scorer: 'python:greetchecks:is_short', expected: 20}")
    result = cli("snapshot", "check", "--case", "grace")
    assert result.code == 1
    assert "check failed: python:greetchecks:is_short 20: greetchecks:is_short" in result.out


def test_junit_xml_has_one_testcase_per_item_and_the_diff_in_failures(recorded, cli, tmp_path):
    recorded.edit(recorded.version, "concise", "cheerful")
    junit = tmp_path / "reports" / "snapshots.xml"

    result = cli("snapshot", "check", "--junit", str(junit))

    assert result.code == 1
    root = ET.parse(junit).getroot()
    assert root.tag == "testsuites" and root.get("tests") == "8" and root.get("failures") == "8"
    suite = root.find("testsuite")
    assert suite is not None and suite.get("name") == "greet@1"
    cases = suite.findall("testcase")
    assert [c.get("name") for c in cases][:4] == ["ada::anthropic", "ada::openai", "ada::watsonx", "ada::fake"]
    assert {c.get("classname") for c in cases} == {"greet@1"}
    failure = cases[1].find("failure")
    assert failure is not None and failure.get("message") == "needs re-record; request changed"
    assert "+      You are a cheerful greeter for Acme Cloud." in (failure.text or "")
    assert cases[0].get("file") == "snapshots/greet/ada.yaml"


def test_json_output(recorded, cli):
    result = cli("snapshot", "check", "--json")
    data = json.loads(result.out)
    assert data["passed"] is True and data["failing"] == 0 and data["cases"] == 2
    assert data["items"][0]["id"] == "greet@1::ada::anthropic"


def test_invalid_usage_exits_2(recorded, cli):
    assert cli("snapshot", "check", "--trials", "3").code == 2
    unknown = cli("snapshot", "check", "gret")
    assert unknown.code == 2 and "did you mean 'greet'" in unknown.err
    assert cli("snapshot", "check", "--case", "nobody").code == 2
    assert cli("snapshot", "update", "--provider", "openai").code == 2


def test_no_suites_is_not_an_error(project, cli):
    project.suite.unlink()
    result = cli("snapshot", "check")
    assert result.code == 0 and "no snapshot suites found" in result.err


def test_library_check_report(recorded):
    report = check(recorded.snap())
    assert report.passed
    assert [c.case for c in report.cases] == ["ada", "grace"]
    assert report.cases[0].recorder == "fake" and report.cases[0].providers == ("anthropic", "openai", "watsonx")



def test_providers_removed_from_or_added_to_a_suite(recorded, cli):
    recorded.edit(recorded.suite, "providers: [anthropic, openai, watsonx]", "providers: [anthropic, openai]")
    removed = cli("snapshot", "check")
    assert removed.code == 1
    assert "the golden file has requests for watsonx, which the suite no longer lists" in removed.out
    assert cli("snapshot", "update").code == 0
    assert "watsonx" not in recorded.golden("ada").read_text()

    recorded.edit(recorded.suite, "providers: [anthropic, openai]", "providers: [anthropic, openai, watsonx]")
    added = cli("snapshot", "check")
    assert added.code == 1
    assert "FAIL  greet@1::ada::watsonx  request changed" in added.out
    assert "[watsonx] (not in the golden file)" in added.out


def test_a_chain_prompt_has_no_request_of_its_own(project, cli):
    chain = project.root / "prompts" / "pipeline"
    chain.mkdir()
    (chain / "v1.j2").write_text(
        "---\nvariables:\n  name: {type: string}\nstrategy:\n  name: chain\n  steps:\n"
        "    - {id: hello, prompt: greet@1, inputs: {name: name}}\n---\n"
    )
    (chain / "snapshots.yaml").write_text("cases:\n  - id: one\n    variables: {name: Ada}\n")
    result = cli("snapshot", "check", "pipeline")
    assert result.code == 2  # an invalid suite
    assert "pipeline@1 is a chain: it sends no request of its own" in result.out


def test_the_update_hint_names_the_reference_as_given(recorded, cli):
    recorded.publish(1)
    (recorded.prompt_dir / "v2.j2").write_text(recorded.version.read_text().replace("concise", "friendly"))

    result = cli("snapshot", "check", "greet@2")  # a draft checked without updating (the suite's ref is greet)

    assert result.code == 1
    assert "hint: review the diffs above; if the change is intended: promptctl snapshot update greet@2 " in result.err
    result = cli("snapshot", "check", "greet@2", "--case", "ada")
    assert "promptctl snapshot update greet@2 --case ada (add --rerecord" in result.err
    recorded.edit(recorded.suite, "variables: {name: Grace, plan: pro}", "variables: {plan: pro}")
    result = cli("snapshot", "check", "greet@2")  # a broken case beside a changed one: the error comes first
    assert result.code == 2 and result.err.splitlines()[-1].startswith(
        "hint: fix the errors above (case grace) first; then review the diffs, and if the change is intended: "
        "promptctl snapshot update greet@2 ")
    recorded.edit(recorded.suite, "variables: {plan: pro}", "variables: {name: Grace, plan: pro}")
    recorded.edit(recorded.version, "concise", "terse")  # published v1 modified: the bare name, as given
    result = cli("snapshot", "check")
    assert result.code == 1 and "promptctl snapshot update greet (add --rerecord" in result.err
    assert "error: 8 snapshot items failing" in result.err


def test_one_case_one_prompt_in_the_singular(recorded, cli):
    result = cli("snapshot", "check", "--case", "grace")
    assert "(1 case, 1 prompt, replayed)" in result.out
    result = cli("snapshot", "update", "--case", "grace")
    assert "snapshot update: 0 golden files rewritten, 1 unchanged" in result.out
    recorded.edit(recorded.suite, "- {scorer: exact, field: vip, expected: true}",
                  "- {scorer: exact, field: vip, expected: false}")
    result = cli("snapshot", "update", "--case", "grace")
    assert result.code == 1 and "snapshot update: 1 golden file rewritten, 0 unchanged" in result.out
    assert "error: 1 updated case fails its checks: greet@1::grace" in result.err


def test_a_failing_exact_check_shows_the_output_once() -> None:
    """The exact scorer's explanation quotes the output (issue 20); the line does not add '(got ...)' again."""
    from promptctl.evaluation.scorers import make_scorer
    from promptctl.evaluation.snapshots.results import CheckResult
    from promptctl.evaluation.snapshots.suite import CheckSpec

    failed = CheckResult(CheckSpec(scorer="exact", expected="outage"), make_scorer("exact")("billing", "outage"),
                         checked="billing")
    assert failed.describe() == "exact \"outage\": output 'billing', expected 'outage'"
    other = CheckResult(CheckSpec(scorer="contains", expected="outage"), make_scorer("contains")("billing", "outage"),
                        checked="billing")
    assert other.describe().endswith('(got "billing")')


def test_a_missing_vars_file_is_invalid_input_and_a_changed_request_still_a_difference(recorded, cli, tmp_path):
    recorded.edit(recorded.suite, "variables: {name: Grace, plan: pro}", "vars: fixtures/nope.yaml")
    result = cli("snapshot", "check")
    assert result.code == 2 and "cannot read vars file" in result.out
    assert "ok    greet@1::ada::openai" in result.out
    recorded.edit(recorded.suite, "vars: fixtures/nope.yaml", "variables: {name: Grace, plan: pro}")
    assert cli("snapshot", "check").code == 0
