"""CLI: `--model` picks its provider; each warning is printed once."""

from __future__ import annotations

import json
from pathlib import Path

from .conftest import CLI


def test_cost_model_without_provider_infers_it(cli: CLI) -> None:
    result = cli("cost", "support", "--var", "message=hi", "-m", "gpt-4.1-mini")
    assert result.returncode == 0, result.stderr
    assert "-> openai:gpt-4.1-mini" in result.stdout and "anthropic:gpt-4.1-mini" not in result.stdout
    result = cli("cost", "support", "--var", "message=hi", "-m", "gpt-4.1-mini", "-m", "anthropic:claude-haiku-4-5",
                 "--json")
    assert result.returncode == 0, result.stderr
    targets = {f"{e['provider']}:{e['model']}" for e in json.loads(result.stdout)}
    assert targets == {"openai:gpt-4.1-mini", "anthropic:claude-haiku-4-5"}


def test_run_and_render_model_without_provider_infer_it_and_provider_wins(cli: CLI) -> None:
    result = cli("run", "support", "--var", "message=hi", "--model", "gpt-4.1-mini", "--dry-run", "--json")
    assert result.returncode == 0, result.stderr
    record = json.loads(result.stdout)
    assert (record["provider"], record["model"]) == ("openai", "gpt-4.1-mini")
    result = cli("render", "support", "--var", "message=hi", "--model", "openai:gpt-4.1")
    assert result.returncode == 0, result.stderr
    assert "-> openai:gpt-4.1\n" in result.stdout
    result = cli("render", "support", "--var", "message=hi", "--provider", "anthropic", "--model", "gpt-4.1-mini")
    assert result.returncode == 0, result.stderr
    assert "-> anthropic:gpt-4.1-mini\n" in result.stdout


def test_misspelled_provider_in_model_is_exit_2_with_did_you_mean(cli: CLI) -> None:
    result = cli("cost", "support", "--var", "message=hi", "-m", "opnai:gpt-4.1-mini")
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "unknown provider 'opnai'" in result.stderr and "did you mean 'openai:gpt-4.1-mini'" in result.stderr


def test_each_warning_is_printed_once(cli: CLI, project: Path) -> None:
    path = project / "prompts" / "support" / "v2.j2"
    text = (project / "prompts" / "support" / "v1.j2").read_text()
    path.write_text(text.replace("parameters: {temperature: 0,", "parameters: {temprature: 0, seed: 1,"))
    for args in (["render", "support@2"], ["cost", "support@2"], ["run", "support@2", "--dry-run"]):
        result = cli(*args, "--var", "message=hi", "--var", "extra=1")
        assert result.returncode == 0, result.stderr
        lines = [line for line in result.stderr.splitlines() if line.startswith("warning: ")]
        assert len(lines) == len(set(lines)), result.stderr
        assert "warning: support@2 (draft): variable 'extra' is not declared or used by the template; ignored" in lines
        assert ("warning: 'temprature' is not an Anthropic Messages API parameter; sent as is "
                "(did you mean 'temperature'?)") in lines
        assert "warning: Claude does not take parameter 'seed'; dropped" in lines
