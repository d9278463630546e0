"""A run store whose damage shows only in the middle of a read is one error line (exit 2), not a traceback."""

from __future__ import annotations

from pathlib import Path

from promptctl.store.runs import RunStore

from ..conftest import run_cli


def test_a_store_damaged_past_its_first_pages_is_one_error_line(tmp_path: Path) -> None:
    root = tmp_path / "project"
    (root / "prompts").mkdir(parents=True)
    path = tmp_path / "runs.db"
    url = f"sqlite:///{path}"
    store = RunStore(url)
    for n in range(120):
        run_id = store.start_run(ref="p@1", prompt_name="p", prompt_version=1, prompt_sha256="0" * 64,
                                 provider="fake", model="m")
        store.finish_run(run_id, output=f"answer {n} " + "x" * 2000, status="ok", cost_usd=0.001)
        store.add_call(run_id, provider="fake", model="m", fingerprint="f" * 64, request={}, output="y" * 500,
                       cost_usd=0.001)
    store.close()
    data = bytearray(path.read_bytes())
    page = 4096
    for start in range(len(data) // 2 // page * page, len(data), page):  # the later half: garbage pages
        data[start:start + page] = bytes(range(256)) * (page // 256)
    path.write_bytes(bytes(data))
    for argv in (["log", "--summary"], ["log", "-n", "200"]):
        result = run_cli(*argv, cwd=root, env={"PROMPTCTL_DATABASE_URL": url})
        assert result.returncode == 2, (argv, result.stderr)
        assert "Traceback" not in result.stderr
        lines = result.stderr.splitlines()
        assert lines[0].startswith("error: a SQLite database promptctl reads is damaged: "), result.stderr
        assert lines[1].startswith("hint: the run store is .promptctl/runs.db") and len(lines) == 2


def test_a_store_locked_by_another_process_is_one_error_line(tmp_path: Path) -> None:
    """trial-24: a write lock held past SQLite's wait (a sqlite3 shell with a transaction open) was a traceback."""
    import sqlite3

    root = tmp_path / "project"
    (root / "prompts" / "p").mkdir(parents=True)
    (root / "prompts" / "p" / "v1.j2").write_text("---\nprovider: fake\nvariables: {q: {type: string, input: true}}\n"
                                                  "---\n{{ q }}\n")
    path = tmp_path / "runs.db"
    RunStore(f"sqlite:///{path}").close()
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # a write lock; readers go on
    try:
        result = run_cli("run", "p@1", "--input", "hi", cwd=root,
                         env={"PROMPTCTL_DATABASE_URL": f"sqlite:///{path}?timeout=0.05"})
    finally:
        holder.rollback()
        holder.close()
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    assert result.stderr.splitlines() == [
        "error: the run store is locked by another process (database is locked)",
        "hint: another program holds a write lock on it past the wait (a database tool with a transaction open, or "
        "a copy in progress); let it finish and run the command again"]
