"""What a new user meets following the README: init, lint, lock, label, history, diff, log, run --json."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from .conftest import CLI

QUESTION = ("--var", "question=What is a prompt?")


def _errors(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if line.startswith("error:")]


# -- 1. lock mismatch ------------------------------------------------------------------------------------
def _edit_lock_digit(lockfile: Path, position: int = 40) -> tuple[str, str]:
    data = json.loads(lockfile.read_text())
    entry = data["prompts"]["hello@production"]
    old = entry["sha256"]
    entry["sha256"] = old[:position] + ("0" if old[position] != "0" else "1") + old[position + 1:]
    lockfile.write_text(json.dumps(data, indent=2))
    return old, entry["sha256"]


def test_an_edited_lockfile_is_named_with_prefixes_that_differ(cli: CLI, app: Path) -> None:
    actual, locked = _edit_lock_digit(app / "promptctl.lock")
    for args in (("verify",), ("lock", "--check")):
        result = cli(*args, cwd=app)
        assert result.returncode == 4, result.stderr
        [error] = _errors(result.stderr)
        match = re.search(r"locked to hello@1 sha256 ([0-9a-f]+), but .* both have ([0-9a-f]+)", error)
        assert match, error
        assert match.group(1) != match.group(2)
        assert locked.startswith(match.group(1)) and actual.startswith(match.group(2))
        assert "the lockfile changed" in error and str(app / "promptctl.lock") in error
        assert "hint: restore promptctl.lock from version control, or re-lock deliberately with: promptctl lock" \
            in result.stderr
    assert cli("lock", cwd=app).returncode == 0  # re-lock deliberately
    assert cli("verify", cwd=app).returncode == 0


def test_an_edited_prompt_file_under_a_lock_says_the_file_changed(cli: CLI, app: Path) -> None:
    v1 = app / "prompts" / "hello" / "v1.j2"
    v1.write_text(v1.read_text() + "more\n")
    result = cli("lock", "--check", cwd=app)
    assert result.returncode == 4
    [error] = _errors(result.stderr)
    assert str(v1) in error and "the file has" in error and "lockfile changed" not in error
    assert "hint: restore the prompt's files" in result.stderr


# -- 2. one --json record ---------------------------------------------------------------------------------
def test_run_dry_run_json_run_json_and_log_json_share_one_schema(cli: CLI) -> None:
    dry = cli("run", "support", "--var", "message=hi", "--dry-run", "--json")
    assert dry.returncode == 0, dry.stderr
    sent = cli("run", "support", "--var", "message=hi", "-p", "fake", "--json",
               env={"PROMPTCTL_FAKE_REPLIES": '["ok"]'})
    assert sent.returncode == 0, sent.stderr
    logged = cli("log", "--json")
    dry_record, sent_record, [log_record] = json.loads(dry.stdout), json.loads(sent.stdout), json.loads(logged.stdout)
    assert list(dry_record) == list(sent_record) == list(log_record)
    documented = {"run_id", "created_at", "ref", "prompt", "provider", "model", "strategy", "variables", "parameters",
                  "request", "output", "usage", "latency_s", "cost_usd", "cost_estimate", "status", "error"}
    assert documented <= set(dry_record)
    assert (dry_record["status"], dry_record["run_id"], dry_record["created_at"]) == ("dry_run", None, None)
    assert dry_record["ref"] == "support@1" and dry_record["variables"] == {"message": "hi"}
    assert dry_record["error"] is None and dry_record["cost_estimate"]["estimate"] is True
    assert sent_record["status"] == "ok" and sent_record["created_at"] == log_record["created_at"]


# -- 3. the scaffold lints clean --------------------------------------------------------------------------
def test_a_new_project_passes_its_own_lint(cli: CLI, tmp_path: Path) -> None:
    proj = tmp_path / "fresh"
    proj.mkdir()
    assert cli("init", cwd=proj).returncode == 0
    result = cli("lint", cwd=proj)
    assert result.returncode == 0, result.stdout + result.stderr
    assert cli("publish", "hello", "-m", "first", cwd=proj).returncode == 0
    assert cli("label", "hello@1", "production", cwd=proj).returncode == 0
    assert cli("new", "hello", "--from", "hello", cwd=proj).returncode == 0
    result = cli("lint", cwd=proj)
    assert result.returncode == 0, result.stdout + result.stderr
    # NAME@N, the form every other command takes, names the draft (with --version, the two must agree)
    clash = cli("publish", "hello@2", "--version", "3", "-m", "second", cwd=proj)
    assert clash.returncode == 2 and "hello@2 and --version 3 name different drafts" in clash.stderr
    assert cli("publish", "hello@2", "-m", "second", cwd=proj).stdout.startswith("published hello@2 sha256:")


# -- 4. no project ----------------------------------------------------------------------------------------
def test_commands_outside_a_project_fail_with_a_hint(cli: CLI, tmp_path_factory: pytest.TempPathFactory) -> None:
    empty = tmp_path_factory.mktemp("no-project")
    for args in (("list",), ("log",), ("show", "hello"), ("verify",), ("lint",), ("new", "hello")):
        result = cli(*args, cwd=empty)
        assert result.returncode == 2, (args, result.stdout, result.stderr)
        assert len(_errors(result.stderr)) == 1 and "no promptctl project" in result.stderr
        assert "hint: run promptctl init, or cd into your project" in result.stderr
        assert "Traceback" not in result.stderr
    assert not (empty / ".promptctl").exists() and not (empty / "prompts").exists()
    result = cli("list", env={"PROMPTCTL_PROJECT": str(empty / "nonexistent")})
    assert result.returncode == 2 and "PROMPTCTL_PROJECT" in result.stderr and len(_errors(result.stderr)) == 1
    assert cli("init", cwd=empty).returncode == 0  # init works anywhere
    assert cli("list", cwd=empty).returncode == 0


def test_a_config_without_its_prompts_folder_is_an_error_but_new_creates_it(cli: CLI, tmp_path: Path) -> None:
    proj = tmp_path / "configured"
    proj.mkdir()
    (proj / "promptctl.toml").write_text('prompts_dir = "llm"\n')
    result = cli("list", cwd=proj)
    assert result.returncode == 2 and str(proj / "llm") in result.stderr
    assert cli("new", "greet", cwd=proj).returncode == 0
    assert (proj / "llm" / "greet" / "v1.j2").exists()
    assert cli("list", cwd=proj).returncode == 0


# -- 5. log -----------------------------------------------------------------------------------------------
def test_log_of_an_unknown_prompt_and_by_implies_summary(cli: CLI) -> None:
    sent = cli("run", "support", "--var", "message=hi", "-p", "fake", env={"PROMPTCTL_FAKE_REPLIES": '["ok"]'})
    assert sent.returncode == 0, sent.stderr
    result = cli("log", "--prompt", "nosuch")
    assert result.returncode == 0
    assert "no runs of 'nosuch' recorded" in result.stderr and "yet" not in result.stderr
    by_day = cli("log", "--by", "day")
    assert by_day.returncode == 0 and "by day" in by_day.stdout and "total: 1 run, 1 call," in by_day.stdout
    assert by_day.stdout == cli("log", "--summary", "--by", "day").stdout


# -- 6. diff ----------------------------------------------------------------------------------------------
def _second_draft(cli: CLI, app: Path, old: str, new: str) -> None:
    assert cli("new", "hello", "--from", "hello", cwd=app).returncode == 0
    v2 = app / "prompts" / "hello" / "v2.j2"
    v2.write_text(v2.read_text().replace(old, new))


def test_diff_of_the_rendered_request_is_line_by_line_text(cli: CLI, app: Path) -> None:
    _second_draft(cli, app, "concise, accurate", "concise, friendly")
    result = cli("diff", "hello@1", "hello@2", *QUESTION, cwd=app)
    assert result.returncode == 0, result.stderr
    rendered = result.stdout.split("rendered request: openai", 1)[1]
    changed = [line for line in rendered.splitlines() if line[:1] in "+-" and line[:3] not in ("---", "+++")]
    assert changed == ["-You are a concise, accurate assistant for the hello feature.",
                       "+You are a concise, friendly assistant for the hello feature."]
    assert "--- system ---" in rendered and '"content"' not in rendered
    data = json.loads(cli("diff", "hello@1", "hello@2", *QUESTION, "--json", cwd=app).stdout)
    [request] = data["requests"]
    assert request["body_old"]["messages"][0]["role"] == "system"
    assert "friendly" in request["body_new"]["messages"][0]["content"]


def test_diff_without_variables_still_diffs_the_template_and_says_what_the_rendered_diff_needs(
        cli: CLI, app: Path) -> None:
    _second_draft(cli, app, "concise, accurate", "concise, friendly")
    (app / "fixtures" / "hello" / "sample.yaml").unlink()  # init's sample input would give the variables
    result = cli("diff", "hello@1", "hello@2", cwd=app)
    assert result.returncode == 0 and not _errors(result.stderr), result.stderr
    assert "+You are a concise, friendly assistant" in result.stdout
    assert "needs variables (question): not compared" in result.stdout
    assert "note: the rendered requests are not compared: 'question' not given; pass --var question=VALUE " \
           "or --vars FILE, or add a sample input fixtures/hello/sample.yaml" in result.stderr
    assert cli("diff", "hello@1", "hello@2", "--exit-code", cwd=app).returncode == 1  # the template changed


def test_diff_exit_code_is_quiet_like_git(cli: CLI, app: Path) -> None:
    _second_draft(cli, app, "concise, accurate", "concise, friendly")
    result = cli("diff", "hello@1", "hello@2", *QUESTION, "--exit-code", cwd=app)
    assert result.returncode == 1 and "error:" not in result.stderr and "friendly" in result.stdout
    same = cli("diff", "hello@1", "hello@1", *QUESTION, "--exit-code", cwd=app)
    assert same.returncode == 0 and same.stderr == ""


# -- 7. history shows modified versions -------------------------------------------------------------------
def test_history_and_list_show_a_modified_published_version(cli: CLI, app: Path) -> None:
    v1 = app / "prompts" / "hello" / "v1.j2"
    v1.write_text(v1.read_text() + "edited\n")
    history = json.loads(cli("history", "hello", "--json", cwd=app).stdout)
    assert [v["status"] for v in history["versions"]] == ["modified"]
    assert re.search(r"^\s*1\s+modified\s", cli("history", "hello", cwd=app).stdout, re.MULTILINE)
    assert json.loads(cli("show", "hello@1", "--json", cwd=app).stdout)["status"] == "modified"
    [row] = json.loads(cli("list", "--json", cwd=app).stdout)
    assert row["modified"] == [1]
    listed = cli("list", cwd=app)
    assert "1 (modified)" in listed.stdout and "promptctl verify" in listed.stderr


# -- 8. labels --------------------------------------------------------------------------------------------
def test_relabelling_the_same_version_is_a_no_op(cli: CLI, app: Path) -> None:
    result = cli("label", "hello@1", "production", cwd=app)
    assert result.returncode == 0 and result.stdout.startswith("hello@production already -> 1")
    moves = json.loads(cli("history", "hello", "--json", cwd=app).stdout)["label_moves"]
    assert [(m["label"], m["from"], m["to"]) for m in moves] == [("production", None, 1)]


def test_invalid_labels_say_why(cli: CLI, app: Path) -> None:
    number = cli("label", "hello@1", "1", cwd=app)
    assert number.returncode == 2 and "must start with a letter" in number.stderr
    reserved = cli("label", "hello@1", "sha256", cwd=app)
    assert reserved.returncode == 2 and "'sha256' is reserved for hash references" in reserved.stderr


# -- 9-11. --version, wording, metavars, cache hits ------------------------------------------------------
def test_version_option(cli: CLI) -> None:
    from promptctl import __version__

    result = cli("--version")
    assert result.returncode == 0 and result.stdout == f"promptctl {__version__}\n"


def test_counts_are_singular_for_one(cli: CLI, app: Path) -> None:
    assert cli("verify", cwd=app).stdout == "ok: 1 prompt verified and 1 lock entry\n"
    assert cli("lock", "--check", cwd=app).stdout.endswith("is current (1 entry)\n")


@pytest.mark.parametrize("command", ["render", "run", "new", "publish", "verify", "lock", "diff", "log", "lint"])
def test_help_has_readable_metavars(cli: CLI, command: str) -> None:
    text = cli(command, "--help").stdout.split("Options:", 1)[1]  # arguments keep typer's type labels
    assert not re.search(r"<(?:list\[str\]|str|int|float|path|int range|float range)>", text), text
    expected = {"render": "--var NAME=VALUE", "run": "--max-cost USD", "diff": "--vars FILE", "log": "--by GROUP",
                "lock": "--lock FILE", "publish": "--version N", "new": "--from REF", "verify": "--lock FILE",
                "lint": "--jobs N"}
    assert expected[command] in text


def test_a_cache_hit_is_marked_in_the_run_summary(cli: CLI) -> None:
    args = ("run", "support", "--var", "message=hi", "-p", "fake", "--cache")
    first = cli(*args, env={"PROMPTCTL_FAKE_REPLIES": '["ok"]'})
    second = cli(*args, env={"PROMPTCTL_FAKE_REPLIES": '["ok"]'})
    other = cli(*args, env={"PROMPTCTL_FAKE_REPLIES": '["other"]'})  # another script: the fake answers anew
    assert first.returncode == second.returncode == other.returncode == 0
    assert "cached response" not in first.stderr
    assert second.stdout == "ok\n" and "(cached response)" in second.stderr
    assert other.stdout == "other\n" and "cached response" not in other.stderr


def test_the_same_render_error_on_both_sides_is_no_difference(cli: CLI, app: Path) -> None:
    assert cli("new", "hello", "--from", "hello", cwd=app).returncode == 0  # an identical copy
    result = cli("diff", "hello@1", "hello@2", "--var", "unrelated=1", "--exit-code", cwd=app)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no differences" in result.stdout
