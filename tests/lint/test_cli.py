"""``promptctl lint``: output format, --json, --severity, exit codes, --explain, --list-rules."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tests.conftest import CLIRun, run_cli
from tests.lint.conftest import GOOD, Project, edit


def run(cwd: Path, *args: str) -> CLIRun:
    return run_cli(*args, cwd=cwd)


def test_clean_registry_exits_0(project: Project) -> None:
    project.write("p", GOOD)
    project.publish("p")
    result = run(project.root.parent, "lint")
    assert result.returncode == 0, result.stderr
    assert result.stdout == "" and "1 version(s) checked: 0 error(s), 0 warning(s), 0 info" in result.stderr


def test_findings_exit_1_with_file_line_format(project: Project) -> None:
    project.write("p", edit(GOOD, "{% endsystem %}", "Asked: {{ question }}\n{% endsystem %}"))
    project.publish("p")
    result = run(project.root.parent, "lint")
    assert result.returncode == 1
    line = next(x for x in result.stdout.splitlines() if " INJ001 " in x)
    assert line.startswith("prompts/p/v1.j2:") and " error INJ001 p@1: user input 'question'" in line
    assert line.endswith(")") and "(fix: " in line
    assert "error: " in result.stderr and "lint finding(s) at or above warning" in result.stderr


def test_severity_threshold(project: Project) -> None:
    project.write("p", GOOD.replace('{% section "tone" %}\nWarm and direct.\n{% endsection %}\n', ""))
    project.publish("p")
    quiet = run(project.root.parent, "lint")
    assert quiet.returncode == 0 and quiet.stdout == ""
    # the info finding is counted and not listed: the summary says how to list it
    assert "0 warning(s), 1 info (1 below --severity warning not listed: promptctl lint --severity info lists them)" \
        in quiet.stderr
    result = run(project.root.parent, "lint", "--severity", "info")
    assert result.returncode == 1 and " info SYS005 " in result.stdout
    assert run(project.root.parent, "lint", "--severity", "error").returncode == 0


def test_json_output(project: Project) -> None:
    project.write("p", edit(GOOD, "{% endsystem %}", "Asked: {{ question }}\n{% endsystem %}"))
    project.publish("p")
    result = run(project.root.parent, "lint", "--json")
    assert result.returncode == 1
    data = json.loads(result.stdout)
    assert data["checked"] == ["p@1"] and data["counts"]["error"] >= 1
    finding = next(f for f in data["findings"] if f["rule"] == "INJ001")
    assert set(finding) == {"rule", "severity", "ref", "file", "line", "message", "fix"}
    assert finding["ref"] == "p@1" and isinstance(finding["line"], int)


def test_refs_select_versions(project: Project) -> None:
    project.write("p", GOOD)
    project.publish("p")
    project.write("p", edit(GOOD, "{% endsystem %}", "Asked: {{ question }}\n{% endsystem %}"), number=2)
    assert run(project.root.parent, "lint", "p@1").returncode == 0
    assert run(project.root.parent, "lint", "p@2").returncode == 1
    assert run(project.root.parent, "lint", "p").returncode == 1  # the draft is in the default selection
    result = run(project.root.parent, "lint", "nope")
    assert result.returncode == 2 and "no prompt named 'nope'" in result.stderr


def test_explain_and_list_rules(project: Project) -> None:
    result = run(project.root.parent, "lint", "--explain", "inj001")
    assert result.returncode == 0 and result.stdout.startswith("INJ001 (error, injection)")
    assert "Fix:" in result.stdout and 'lint: {disable: {INJ001: "why"}}' in result.stdout
    # the rule's examples come from the documentation shipped in the package, and the hint works without docs/
    assert "Examples (from promptctl help lint):" in result.stdout and "```jinja" in result.stdout
    assert "Docs: promptctl help lint" in result.stdout
    topic = run(project.root.parent, "help", "lint")
    assert topic.returncode == 0 and "### INJ001" in topic.stdout and "### SYS003" in topic.stdout
    result = run(project.root.parent, "lint", "--explain", "INJ01")
    assert result.returncode == 2 and "did you mean INJ001" in result.stderr
    listed = run(project.root.parent, "lint", "--list-rules").stdout.splitlines()
    assert listed[0].startswith("LOAD001") and any(x.startswith("SIZE001") for x in listed)


def test_config_disable_applies(project: Project) -> None:
    project.write("p", GOOD.replace('{% section "tone" %}\nWarm and direct.\n{% endsection %}\n', ""))
    project.publish("p")
    (project.root.parent / "promptctl.toml").write_text('[lint]\ndisable = {SYS005 = "internal tool"}\n')
    assert run(project.root.parent, "lint", "--severity", "info").returncode == 0
    (project.root.parent / "promptctl.toml").write_text('[lint]\ndisable = {SYS005 = ""}\n')
    result = run(project.root.parent, "lint")
    assert result.returncode == 2 and "disabled without a reason" in result.stderr


def test_importing_the_cli_does_not_import_lint() -> None:
    code = ("import sys, promptctl.cli.lint, promptctl.cli; "
            "print('promptctl.lint' in sys.modules, 'jinja2' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    assert out == ["False", "False"]


EDITED_HELLO = """---
description: Summarise a customer email for the support queue
provider: openai
model: gpt-4.1-mini
models:
  anthropic: claude-sonnet-4-6
parameters:
  temperature: 0
  max_tokens: 400
variables:
  email:
    type: string
    input: true
    description: The customer's email, verbatim
---
{% system %}
# Role
You summarise customer emails about Acme hosting for the support queue.

# Output
Write three bullet points: the problem, what the customer asks for, and how urgent it is.

# Rules
- Only use facts stated in the email; if the urgency is not stated, write "urgency: not stated".
- Do not add advice or a reply to the customer.
{% endsystem %}
{% user %}
{{ email }}
{% enduser %}
"""


def test_first_lint_after_init_and_a_realistic_edit_passes(tmp_path: Path) -> None:
    """Issue 20: markdown headings (Claude only under models:) and a user message that is the input pass."""
    assert run(tmp_path, "init").returncode == 0
    assert run(tmp_path, "lint").returncode == 0
    (tmp_path / "prompts" / "hello" / "v1.j2").write_text(EDITED_HELLO, encoding="utf-8")
    result = run(tmp_path, "lint")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 error(s), 0 warning(s)" in result.stderr
