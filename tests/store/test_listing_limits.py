"""A ``-n`` beyond SQLite's INTEGER lists every row: it overflowed as a LIMIT with a traceback."""

from __future__ import annotations

from pathlib import Path

from promptctl.store.runs import RunStore

from ..conftest import run_cli


def test_a_huge_n_lists_everything(tmp_path: Path) -> None:
    root = tmp_path / "project"
    (root / "prompts").mkdir(parents=True)
    url = f"sqlite:///{tmp_path / 'runs.db'}"
    store = RunStore(url)
    for _ in range(3):
        store.start_run(ref="p@1", prompt_name="p", prompt_version=1, prompt_sha256="0" * 64, provider="fake",
                        model="m")
    store.close()
    huge = str(10**20)
    for argv, rows in ((["log", "-n", huge, "--json"], 3), (["runs", "-n", huge, "--json"], 0)):
        result = run_cli(*argv, cwd=root, env={"PROMPTCTL_DATABASE_URL": url})
        assert result.returncode == 0 and "Traceback" not in result.stderr, result.stderr
        assert result.stdout.count('"run_id"') == rows or (rows == 0 and result.stdout.strip() == "[]")
