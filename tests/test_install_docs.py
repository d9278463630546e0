"""Issue 20 item 8: the PyPI name ``promptctl`` is another project; no document may tell users to install it."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest

from promptctl.errors import InputError
from promptctl.providers.sdk import require

ROOT = Path(__file__).resolve().parents[1]
# `pip install promptctl`, `pip install 'promptctl[x]'`, `pip install -U promptctl pytest`; not promptctl-workbench.
PYPI_INSTALL = re.compile(r"pip3?\s+install\s+(?:-\S+\s+)*['\"]?promptctl(?![-\w])")


def _documents() -> list[Path]:
    files = [ROOT / "README.md", ROOT / "CHANGELOG.md"]
    for folder in ("docs", "examples", "promptctl"):
        files += [p for p in (ROOT / folder).rglob("*") if p.suffix in {".md", ".yml", ".yaml", ".py", ".txt"}]
    return files


def test_the_pattern_catches_the_hazard() -> None:
    assert PYPI_INSTALL.search("run: pip install promptctl pytest")
    assert PYPI_INSTALL.search("pip install 'promptctl[watsonx]'")
    assert PYPI_INSTALL.search("pip install -U promptctl")
    assert not PYPI_INSTALL.search('pip install "promptctl-workbench @ git+https://x/promptctl@abc"')
    assert not PYPI_INSTALL.search("pip install -e .")


def test_no_document_installs_promptctl_from_pypi() -> None:
    offenders = [
        f"{path.relative_to(ROOT)}:{number}"
        for path in _documents()
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if PYPI_INSTALL.search(line)
    ]
    assert offenders == []


def test_the_distribution_name_is_decided_once_and_the_command_keeps_its_name() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert project["name"] == "promptctl-workbench"
    assert project["scripts"] == {"promptctl": "promptctl.cli:main"}
    readme = (ROOT / "README.md").read_text()
    install = readme[readme.index("## Install"):readme.index("## Quick start")]
    assert "promptctl-workbench @ git+https://" in install and "pip wheel" in install
    workflow = (ROOT / "examples" / "github-actions" / "promptctl.yml").read_text()
    assert 'PROMPTCTL_REQUIREMENT: "promptctl-workbench @ git+https://' in workflow
    assert workflow.count('pip install "$PROMPTCTL_REQUIREMENT"') == 3


def test_a_missing_sdk_names_the_sdk_not_a_pypi_promptctl() -> None:
    with pytest.raises(InputError) as info:
        require("ibm_watsonx_ai_not_installed_here", "watsonx")
    assert "promptctl[" not in (info.value.hint or "")
    from promptctl.providers import sdk

    sdk._EXTRAS["ibm_watsonx_ai_not_installed_here"] = ("ibm-watsonx-ai==1.8.1", "watsonx")
    try:
        with pytest.raises(InputError) as info:
            require("ibm_watsonx_ai_not_installed_here", "watsonx")
    finally:
        del sdk._EXTRAS["ibm_watsonx_ai_not_installed_here"]
    assert info.value.hint == (
        "pip install 'ibm-watsonx-ai==1.8.1' (or pip install -e \".[watsonx]\" in a clone of promptctl); "
        "see the README, Install"
    )
