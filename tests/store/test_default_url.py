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


def test_a_relative_sqlite_url_in_the_config_is_the_project_store_from_any_folder(tmp_path: Path) -> None:
    root = tmp_path / "app"
    (root / "prompts").mkdir(parents=True)
    (root / "promptctl.toml").write_text('database_url = "sqlite:///data/runs.db"\n', "utf-8")
    assert run_cli("db", "upgrade", cwd=root / "prompts", env={"PROMPTCTL_DATABASE_URL": None}).returncode == 0
    assert (root / "data" / "runs.db").is_file() and not (root / "prompts" / "data").exists()
    from promptctl.store.records import rooted_url

    assert rooted_url("sqlite:////abs/runs.db", root) == "sqlite:////abs/runs.db"
    assert rooted_url("sqlite:///:memory:", root) == "sqlite:///:memory:"
    assert rooted_url("postgresql://h/db", root) == "postgresql://h/db"
    assert make_url(rooted_url("sqlite+pysqlite:///r.db", tmp_path / "50% off")).database == \
        str(tmp_path / "50% off" / "r.db")
