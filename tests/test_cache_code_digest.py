"""User cache files are emptied when the code computing their values changes, not only on a new release.

An editable install (``pip install -e .``) updated by ``git pull`` keeps ``__version__``; a warm cache must not
keep answering with the previous code's token counts, statistics, library answers or parsed indexes.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

import promptctl.types as types_module
from promptctl import cache_file
from promptctl.evaluation import stats_memo
from promptctl.registry import index_cache
from promptctl.tokens import count_cache, counting, offline
from promptctl.types import code_digest


def test_the_digest_follows_the_bytes_of_the_named_modules(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "tokens").mkdir()
    module = tmp_path / "tokens" / "counting.py"
    module.write_text("COUNT = 1\n")
    (tmp_path / "other.py").write_text("X = 1\n")
    monkeypatch.setattr(types_module, "__file__", str(tmp_path / "types.py"))
    first = code_digest("tokens/counting.py")
    assert first == code_digest("tokens/counting.py")
    (tmp_path / "other.py").write_text("X = 2\n")  # a module not named changes nothing
    assert code_digest("tokens/counting.py") == first
    module.write_text("COUNT = 2\n")  # same size, another count
    assert code_digest("tokens/counting.py") != first
    assert code_digest() != first and len(first) == 16


def test_every_cache_names_modules_that_exist() -> None:
    package = Path(types_module.__file__).parent
    for sources in (count_cache._file.sources, stats_memo._file.sources, cache_file.LOOKUPS.sources):
        assert sources
        assert all((package / module).is_file() for module in sources), sources
    assert (package / "registry" / "index.py").is_file() and (package / "registry" / "index_cache.py").is_file()


def test_a_count_made_by_other_counting_code_is_counted_again(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PROMPTCTL_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("TIKTOKEN_CACHE_DIR", str(offline.cache_dir()))
    count_cache.reset()
    try:
        assert counting.count_text("count me once", "o200k_base") == (3, False)
        count_cache.reset()
        db = sqlite3.connect(tmp_path / "cache" / "token-counts.sqlite3")
        with db:
            db.execute("UPDATE counts SET tokens = 999")  # what the previous code counted, same release
        db.close()
        assert counting.count_text("count me once", "o200k_base") == (999, False)  # the same code: remembered
        count_cache.reset()
        monkeypatch.setattr(cache_file, "code_digest", lambda *modules: "after-a-git-pull")
        assert counting.count_text("count me once", "o200k_base") == (3, False)
    finally:
        count_cache.reset()


def test_indexes_parsed_by_other_code_are_parsed_again(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PROMPTCTL_CACHE_DIR", str(tmp_path / "cache"))
    root = tmp_path / "prompts"
    (root / "hello").mkdir(parents=True)
    (root / "hello" / "prompt.yaml").write_text("description: Say hello\n")
    assert dict(index_cache.read_indexes(root, ["hello"]))["hello"].description == "Say hello"
    cached = index_cache.cache_path(root)
    text = cached.read_text("utf-8")
    cached.write_text(text.replace("Say hello", "Stale parse"), "utf-8")
    assert dict(index_cache.read_indexes(root, ["hello"]))["hello"].description == "Stale parse"  # same code
    monkeypatch.setattr(index_cache, "code_digest", lambda *modules: "after-a-git-pull")
    assert dict(index_cache.read_indexes(root, ["hello"]))["hello"].description == "Say hello"


def test_a_cache_file_that_is_not_a_database_is_started_again(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = tmp_path / "cache"
    folder.mkdir()
    (folder / "token-counts.sqlite3").write_bytes(b"not a database" * 500)
    monkeypatch.setenv("PROMPTCTL_CACHE_DIR", str(folder))
    monkeypatch.setenv("TIKTOKEN_CACHE_DIR", str(offline.cache_dir()))
    count_cache.reset()
    try:
        assert counting.count_text("count me once", "o200k_base") == (3, False)
        count_cache.reset()  # the next process finds the count in the rebuilt file
        db = sqlite3.connect(folder / "token-counts.sqlite3")
        assert db.execute("SELECT count(*) FROM counts").fetchone() == (1,)
        db.close()
    finally:
        count_cache.reset()
    (folder / "stats.sqlite3").mkdir()  # a folder in its place is left alone (the cache is just off)
    assert cache_file.CacheFile("stats.sqlite3", "t", "CREATE TABLE IF NOT EXISTS t (x)", 10).use(
        lambda db: 1) is None
    assert (folder / "stats.sqlite3").is_dir()
