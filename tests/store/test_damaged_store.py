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
