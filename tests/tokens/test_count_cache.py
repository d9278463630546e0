"""Token counts remembered by (encoding, sha256 of the text): same numbers, no encoding loaded on a repeat."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from promptctl.errors import TokenizerError
from promptctl.tokens import count_cache, counting, offline


@pytest.fixture(autouse=True)
def _own_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.setenv("PROMPTCTL_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("TIKTOKEN_CACHE_DIR", str(offline.cache_dir()))  # keep the primed encoding files
    count_cache.reset()
    yield tmp_path / "cache"
    count_cache.reset()


def no_encoding(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(name: str) -> None:
        raise TokenizerError(f"encoding {name} loaded although the count was remembered")

    monkeypatch.setattr(offline, "get_encoding", refuse)


def test_a_count_is_remembered_across_processes(monkeypatch: pytest.MonkeyPatch, _own_cache: Path) -> None:
    text = "You are the support agent of Acme Cloud. Answer in at most three sentences."
    first = counting.count_text(text, "o200k_base")
    assert first == (len(offline.get_encoding("o200k_base").encode(text)), False)
    assert (_own_cache / "token-counts.sqlite3").is_file()
    count_cache.reset()  # a new process: nothing in memory, the file remains
    no_encoding(monkeypatch)
    assert counting.count_text(text, "o200k_base") == first
    with pytest.raises(TokenizerError):
        counting.count_text(text + " (edited)", "o200k_base")  # another text is counted, not guessed


def test_encodings_are_kept_apart() -> None:
    text = "naïve café — 東京 " * 20
    o200k = counting.count_text(text, "o200k_base")
    cl100k = counting.count_text(text, "cl100k_base")
    assert o200k[0] != cl100k[0]
    count_cache.reset()
    assert (counting.count_text(text, "o200k_base"), counting.count_text(text, "cl100k_base")) == (o200k, cl100k)


def test_an_unusable_cache_file_only_turns_the_cache_off(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    monkeypatch.setenv("PROMPTCTL_CACHE_DIR", str(blocker))  # the folder cannot be created under a file
    count_cache.reset()
    assert counting.count_text("hello world", "o200k_base") == (2, False)
    damaged = tmp_path / "damaged"
    damaged.mkdir()
    (damaged / "token-counts.sqlite3").write_bytes(b"not a database" * 100)
    monkeypatch.setenv("PROMPTCTL_CACHE_DIR", str(damaged))
    count_cache.reset()
    assert counting.count_text("hello world again", "o200k_base") == (3, False)


def test_another_release_empties_the_file(monkeypatch: pytest.MonkeyPatch, _own_cache: Path) -> None:
    counting.count_text("count me once", "o200k_base")
    count_cache.reset()
    db = sqlite3.connect(_own_cache / "token-counts.sqlite3")
    with db:
        db.execute("UPDATE meta SET release = '0.0.0-old'")
        db.execute("UPDATE counts SET tokens = 999")  # what an older release might have counted differently
    db.close()
    assert counting.count_text("count me once", "o200k_base") == (3, False)


def test_the_text_itself_is_never_stored(_own_cache: Path) -> None:
    secret = "customer card 4111 1111 1111 1111"
    counting.count_text(secret, "o200k_base")
    assert b"4111" not in (_own_cache / "token-counts.sqlite3").read_bytes()
