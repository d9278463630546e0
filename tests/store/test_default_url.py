"""The default run store is the project's .promptctl/runs.db whatever its folder is called."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from promptctl.store.records import default_url

from ..conftest import run_cli


@pytest.mark.parametrize("folder", ["a%20b", "why?", "50% off", "ünï cödé #1 & co"])
def test_the_default_url_names_the_project_store(tmp_path: Path, folder: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PROMPTCTL_DATABASE_URL", raising=False)
    root = tmp_path / folder
    assert make_url(default_url(root)).database == str(root / ".promptctl" / "runs.db")


def test_a_project_folder_with_a_percent_escape_keeps_its_store_inside(tmp_path: Path) -> None:
    root = tmp_path / "a%20b?x"
    (root / "prompts").mkdir(parents=True)
    result = run_cli("db", "upgrade", cwd=root, env={"PROMPTCTL_DATABASE_URL": None})
    assert result.returncode == 0, result.stderr
    assert (root / ".promptctl" / "runs.db").is_file()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a%20b?x"]  # nothing beside the project
    assert run_cli("log", cwd=root, env={"PROMPTCTL_DATABASE_URL": None}).returncode == 0
