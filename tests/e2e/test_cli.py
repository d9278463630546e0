"""Whole CLI runs of the ``promptctl`` command in a temporary project."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from .conftest import CLI


def _one_line_error(result, code: int) -> str:
    assert result.returncode == code, (result.returncode, result.stdout, result.stderr)
    assert "Traceback" not in result.stderr
    assert result.stderr.startswith("error: ")
    return result.stderr


def test_render_anthropic_xml_in_top_level_system(cli: CLI) -> None:
    result = cli("render", "support", "--var", "message=My site is down", "--json")
    assert result.returncode == 0, result.stderr
    body = json.loads(result.stdout)["body"]
    assert body["system"].startswith("<role>\nYou are the support agent")
    assert "<output_format>" in body["system"]
    assert all(m["role"] != "system" for m in body["messages"])
    assert body["messages"][0]["content"] == "<input>\nMy site is down\n</input>"


def test_render_openai_markdown_same_content(cli: CLI) -> None:
    result = cli("render", "support@1", "--var", "message=My site is down", "--provider", "openai")
    assert result.returncode == 0, result.stderr
    assert "openai:gpt-4o-mini" in result.stdout
    assert "## Role\n\nYou are the support agent of Acme Cloud." in result.stdout
    assert "## Output Format" in result.stdout and "<role>" not in result.stdout


def test_vars_file_yaml_and_json(cli: CLI, project: Path) -> None:
    (project / "v.yaml").write_text("message: NO\n")
    result = cli("render", "support", "--vars", "v.yaml", "--json")
    assert json.loads(result.stdout)["body"]["messages"][0]["content"] == "<input>\nNO\n</input>"
    (project / "v.json").write_text('{"message": "hi"}')
    assert cli("render", "support", "--vars", "v.json").returncode == 0


def test_missing_variable_exit_2_names_it(cli: CLI) -> None:
    err = _one_line_error(cli("render", "support"), 2)
    assert "missing variable 'message'" in err and "support@1" in err and "hint:" in err


def test_sandbox_escape_exit_2_no_class_list(cli: CLI, project: Path) -> None:
    folder = project / "prompts" / "joke"
    folder.mkdir()
    (folder / "v1.j2").write_text("Tell me a {{ topic }} {{ ''.__class__.__bases__[0].__subclasses__() }}")
    result = cli("run", "joke@1", "--var", "topic=joke", "--provider", "fake")
    err = _one_line_error(result, 2)
    assert "Python internals" in err
    assert "subprocess" not in result.stdout + result.stderr and "<class" not in result.stdout + result.stderr


def test_unknown_reference_exit_2_did_you_mean(cli: CLI) -> None:
    err = _one_line_error(cli("render", "suport"), 2)
    assert "did you mean 'support'" in err


def test_tampered_version_exit_4(cli: CLI, project: Path) -> None:
    path = project / "prompts" / "support" / "v1.j2"
    path.write_text(path.read_text().replace("Acme", "Acne"))
    err = _one_line_error(cli("run", "support", "--var", "message=x", "--dry-run"), 4)
    assert str(path) in err
    result = cli("run", "support", "--var", "message=x", "--dry-run", "--allow-modified")
    assert result.returncode == 0, result.stderr


def test_missing_credentials_exit_3_names_variable(cli: CLI) -> None:
    err = _one_line_error(cli("run", "support", "--var", "message=x"), 3)
    assert "ANTHROPIC_API_KEY" in err
    err = _one_line_error(cli("run", "support", "--var", "message=x", "-p", "openai"), 3)
    assert "OPENAI_API_KEY" in err
    err = _one_line_error(cli("run", "support", "--var", "message=x", "-p", "watsonx"), 3)
    assert "WATSONX_APIKEY" in err


def test_dry_run_needs_no_credentials_and_records_nothing(cli: CLI, project: Path) -> None:
    result = cli("run", "support", "--var", "message=x", "--dry-run")
    assert result.returncode == 0, result.stderr
    assert "<input>\nx\n</input>" in result.stdout and "nothing was sent" in result.stderr
    assert "no runs" in cli("log").stderr


def test_run_fake_json_schema_and_log(cli: CLI) -> None:
    result = cli("run", "support", "--var", "message=hello there", "-p", "fake", "--json",
                 env={"PROMPTCTL_FAKE_REPLIES": '["We are on it."]'})
    assert result.returncode == 0, result.stderr
    record = json.loads(result.stdout)
    assert record["output"] == "We are on it."
    assert record["prompt"]["name"] == "support" and record["prompt"]["version"] == 1
    assert len(record["prompt"]["sha256"]) == 64
    assert record["provider"] == "fake" and record["status"] == "ok"
    assert set(record["usage"]) >= {"input_tokens", "output_tokens", "cached_input_tokens", "reasoning_tokens"}
    assert record["latency_s"] >= 0 and len(record["run_id"]) == 32
    logged = json.loads(cli("log", "--json").stdout)
    assert logged[0] == record
    table = cli("log").stdout
    assert record["run_id"][:12] in table


def test_usage_errors_exit_2(cli: CLI) -> None:
    assert cli("render").returncode == 2
    assert cli("render", "support", "--var", "novalue").returncode == 2
    assert cli("render", "support", "--var", "message=x", "--provider", "antropic").returncode == 2
    assert cli("nosuchcommand").returncode == 2


def test_list_and_show(cli: CLI) -> None:
    listed = json.loads(cli("list", "--json").stdout)
    assert listed == [{"name": "support", "latest": 1, "published": [1], "drafts": [], "labels": {},
                       "description": "Support agent", "modified": []}]
    shown = cli("show", "support@1")
    assert shown.returncode == 0 and "published" in shown.stdout and "{% system %}" in shown.stdout


def test_config_overrides_front_matter_and_options_override_config(cli: CLI, project: Path) -> None:
    (project / "promptctl.toml").write_text('provider = "openai"\n[models]\nopenai = "gpt-4.1-nano"\n')
    body = json.loads(cli("render", "support", "--var", "message=x", "--json").stdout)
    assert (body["provider"], body["model"]) == ("openai", "gpt-4.1-nano")
    body = json.loads(cli("render", "support", "--var", "message=x", "--json", "-p", "anthropic").stdout)
    assert (body["provider"], body["model"]) == ("anthropic", "claude-sonnet-4-6")


def test_console_script_installed() -> None:
    script = Path(sys.executable).with_name("promptctl")
    assert script.exists()


def test_run_against_loopback_openai_compatible_server_then_log(cli: CLI) -> None:
    from promptctl.testing import LoopbackLLMServer

    with LoopbackLLMServer(replies=["Sorry about that! Could you share the app name?"]) as server:
        env = {"OPENAI_BASE_URL": server.base_url}  # no key: a local server needs none
        result = cli("run", "support", "--var", "message=My site is down", "-p", "openai", "--json", env=env)
        assert result.returncode == 0, result.stderr
        record = json.loads(result.stdout)
        sent = server.requests[0].body
    assert record["output"] == "Sorry about that! Could you share the app name?"
    assert sent["model"] == "gpt-4o-mini" and sent["messages"][0]["role"] == "system"
    assert "## Role" in sent["messages"][0]["content"]
    assert record["usage"]["input_tokens"] > 0 and record["usage"]["output_tokens"] > 0
    assert record["request"] == sent
    logged = cli("log", "-n", "1", "--json")
    assert json.loads(logged.stdout)[0]["run_id"] == record["run_id"]
    plain = cli("log")
    assert "openai:gpt-4o-mini" in plain.stdout and record["run_id"][:12] in plain.stdout


def test_provider_error_is_recorded_exit_3(cli: CLI, project: Path) -> None:
    from promptctl.testing import LoopbackLLMServer, openai_error

    (project / "promptctl.toml").write_text("[providers.openai]\nmax_retries = 0\n")
    with LoopbackLLMServer() as server:
        server.add_faults(openai_error(500, "boom"))
        result = cli("run", "support", "--var", "message=x", "-p", "openai", env={"OPENAI_BASE_URL": server.base_url})
    assert result.returncode == 3 and "HTTP 500" in result.stderr and "Traceback" not in result.stderr
    [row] = json.loads(cli("log", "--json").stdout)
    assert row["status"] == "error" and "500" in row["error"]
