"""The campaign's reproductions as a user runs them (issue 12): clean errors, no hang, no traceback."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from promptctl.testing import LoopbackLLMServer, bad_reply
from tests.conftest import run_cli as run_in_process


def run_cli(project: Path, monkeypatch, capsys, *args: str, env: dict[str, str] | None = None) -> tuple[int, str, str]:
    """``promptctl ARGS`` in this process: (exit code, stdout, stderr), through :func:`tests.conftest.run_cli`."""
    result = run_in_process(*args, cwd=project, env=env)
    return result.returncode, result.stdout, result.stderr


def one_error(stderr: str) -> str:
    """The ``error:`` line of stderr, checking there is exactly one and no traceback."""
    assert "Traceback" not in stderr, stderr
    errors = [line for line in stderr.splitlines() if line.startswith("error: ")]
    assert len(errors) == 1, stderr
    return errors[0]


def test_vars_from_dev_zero_is_refused(project: Path, monkeypatch, capsys) -> None:
    code, _, err = run_cli(project, monkeypatch, capsys, "render", "support@1", "--vars", "/dev/zero")
    assert code == 2
    assert one_error(err) == "error: --vars file: /dev/zero is a device, not a regular file"


def test_a_directory_as_a_draft_file(project: Path, monkeypatch, capsys) -> None:
    (project / "prompts" / "support" / "v2.j2").mkdir()
    code, _, err = run_cli(project, monkeypatch, capsys, "render", "support@2", "--var", "message=hi")
    assert code == 2 and "v2.j2 is a directory, not a regular file" in one_error(err)
    code, out, err = run_cli(project, monkeypatch, capsys, "verify")
    assert code == 0 and out.startswith("ok: 1 prompt verified"), err


def test_a_fifo_as_a_dataset(project: Path, monkeypatch, capsys) -> None:
    os.mkfifo(project / "cases.jsonl")
    start = time.monotonic()
    code, _, err = run_cli(project, monkeypatch, capsys, "ab", "support@1", "support@1", "--dataset", "cases.jsonl",
                           env={"OPENAI_API_KEY": "sk-test", "ANTHROPIC_API_KEY": "sk-ant-test"})
    assert code == 2 and "cases.jsonl is a FIFO (named pipe), not a regular file" in one_error(err)
    assert time.monotonic() - start < 10


@pytest.mark.parametrize("body", [
    "{{ 'x'|center(10**9) }}",
    "{% for i in range(100000) %}{% for j in range(100000) %}{{ i }}{% endfor %}{% endfor %}",
])
def test_runaway_templates_stop_with_exit_2_within_the_time_limit(project: Path, monkeypatch, capsys,
                                                                  body: str) -> None:
    (project / "promptctl.toml").write_text("[limits]\nrender_time_s = 2\nrender_output_mb = 1\n")
    (project / "prompts" / "support" / "v2.j2").write_text(f"---\nprovider: openai\nmodel: gpt-4o-mini\n---\n{body}\n")
    start = time.monotonic()
    code, _, err = run_cli(project, monkeypatch, capsys, "render", "support@2")
    assert code == 2
    assert time.monotonic() - start < 2 + 3
    line = one_error(err)
    assert line.startswith("error: support@2 (draft): line ") and ("limit" in line or "iterations" in line)


def test_vars_from_a_file_are_never_echoed_in_warnings(project: Path, monkeypatch, capsys) -> None:
    (project / "shadow").write_text("root:$6$salt$hashhashhash:19000:0:99999:7:::\ndaemon:*:19000:0:99999:7:::\n")
    code, _, err = run_cli(project, monkeypatch, capsys, "render", "support@1", "--vars", "shadow",
                           "--var", "message=hi")
    assert code == 0, err
    assert "hashhash" not in err and "root" not in err and "daemon" not in err
    assert "2 variable name(s) that are not identifiers (not shown)" in err


def test_a_yaml_alias_bomb_in_vars(project: Path, monkeypatch, capsys) -> None:
    lines = ['a: &a ["x","x","x","x","x","x","x","x","x"]']
    for prev, name in zip("abcdefg", "bcdefgh", strict=True):
        lines.append(f"{name}: &{name} [{','.join([f'*{prev}'] * 9)}]")
    (project / "bomb.yaml").write_text("\n".join(lines) + "\nmessage: [*h, *h]\n")
    code, _, err = run_cli(project, monkeypatch, capsys, "render", "support@1", "--vars", "bomb.yaml")
    assert code == 2 and "an alias bomb?" in one_error(err)


def test_a_hung_endpoint_stops_at_the_configured_timeout_which_the_error_shows(project: Path, monkeypatch,
                                                                              capsys) -> None:
    (project / "promptctl.toml").write_text("[providers.openai]\ntimeout = 0.5\n")
    with LoopbackLLMServer(latency_s=5, max_lifetime_s=30) as server:  # would answer, after 5 s
        code, _, err = run_cli(project, monkeypatch, capsys, "run", "support@1", "--provider", "openai",
                               "--var", "message=hi", env=server.env())
    assert code == 3
    assert one_error(err) == "error: openai: no reply within 0.5 s (the per-call timeout)"
    assert "timeout (seconds) in [providers.openai]" in err


@pytest.mark.parametrize("kind", ["malformed_json", "empty_body", "html", "no_count"])
def test_cost_exact_with_a_malformed_count_reply_falls_back_to_the_estimate(project: Path, monkeypatch, capsys,
                                                                           kind: str) -> None:
    from promptctl.testing import Fault

    fault = Fault(200, body={"tokens": 12}) if kind == "no_count" else bad_reply(kind, "anthropic")
    with LoopbackLLMServer(faults=[fault], max_lifetime_s=30) as server:
        code, out, err = run_cli(project, monkeypatch, capsys, "cost", "support@1", "--exact", "--var",
                                 "message=hi", env=server.env())
    assert code == 0, err
    assert "Traceback" not in err
    assert "anthropic: malformed reply" in out + err and "estimate" in out + err


DEEP = "[" * 100_000 + "]" * 100_000  # deeper than Python's recursion limit


@pytest.mark.parametrize("command", [("render", "support@1", "--vars", "deep.json"),
                                     ("cost", "support@1", "--vars", "deep.json"),
                                     ("ab", "support@1", "support@1", "--dataset", "deep.jsonl", "--provider", "fake")])
def test_deeply_nested_json_input_is_one_error(project: Path, monkeypatch, capsys, command: tuple[str, ...]) -> None:
    (project / "deep.json").write_text('{"message": ' + DEEP + "}")
    (project / "deep.jsonl").write_text('{"message": ' + DEEP + "}\n")
    code, _, err = run_cli(project, monkeypatch, capsys, *command)
    assert code == 2 and one_error(err)


def test_a_reply_nested_too_deeply_is_not_valid_json() -> None:
    from promptctl.executors.structured import parse_json

    with pytest.raises(ValueError, match="not valid JSON"):
        parse_json('{"a": ' + DEEP + "}")


def test_an_argument_with_bytes_that_are_not_utf8_is_one_error_line(tmp_path: Path) -> None:
    """``log --prompt $'a\\xffb'``: Python hands such bytes over as surrogates, which no text API takes."""
    from tests.conftest import run_cli

    env = {"PROMPTCTL_DATABASE_URL": f"sqlite:///{tmp_path / 'runs.db'}"}
    assert run_cli("init", cwd=tmp_path).returncode == 0
    assert run_cli("run", "hello@1", "hi", "--provider", "fake", cwd=tmp_path, env=env).returncode == 0
    done = run_cli("log", "--prompt", "a\udcffb", cwd=tmp_path, env=env)
    assert done.returncode == 2 and "Traceback" not in done.stderr, done.stderr
    assert done.stderr.splitlines() == ["error: the argument 'a\\xffb' holds bytes that are not UTF-8 text",
                                        "hint: pass text in UTF-8 (a value from a file in another encoding: "
                                        "--var NAME=@FILE)"]
