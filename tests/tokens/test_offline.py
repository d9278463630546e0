"""tiktoken works offline: its cache is primed from bpe-openai's bundled files, hashes verified."""

from __future__ import annotations

import gzip
import hashlib
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from promptctl.errors import TokenizerError
from promptctl.tokens import offline

from .conftest import offline_env


def test_pinned_hashes_and_urls_match_tiktoken_source() -> None:
    import tiktoken_ext.openai_public as public

    source = Path(public.__file__).read_text(encoding="utf-8")
    for spec in offline.ENCODING_FILES.values():
        match = re.search(re.escape(f'"{spec.url}"') + r',\s*expected_hash="([0-9a-f]{64})"', source)
        assert match, spec.name
        assert match.group(1) == spec.sha256


def test_cache_file_names_are_sha1_of_the_url() -> None:
    # the names providers.md 2.4 lists, and what tiktoken.load.read_file_cached looks for
    assert offline.ENCODING_FILES["o200k_base"].cache_name == "fb374d419588a4632f3f557e76b4b70aebbca790"
    assert offline.ENCODING_FILES["cl100k_base"].cache_name == "9b5ad71b2ce5302211f9c61530b329a4922fc6a4"


def test_prime_writes_verified_files(tmp_path: Path) -> None:
    written = offline.prime(target=tmp_path)
    assert set(written) == {"o200k_base", "cl100k_base"}
    for name, path in written.items():
        assert path.parent == tmp_path
        assert hashlib.sha256(path.read_bytes()).hexdigest() == offline.ENCODING_FILES[name].sha256
    assert not list(tmp_path.glob("*.tmp"))


def test_prime_refuses_a_file_whose_hash_differs(tmp_path: Path) -> None:
    source = tmp_path / "src"
    source.mkdir()
    (source / "o200k_base.tiktoken.gz").write_bytes(gzip.compress(b"not the real vocabulary\n"))
    target = tmp_path / "cache"
    with pytest.raises(TokenizerError, match="sha256") as info:
        offline.prime(("o200k_base",), target=target, source=source)
    assert "bpe-openai" in (info.value.hint or "")
    assert not (target / offline.ENCODING_FILES["o200k_base"].cache_name).exists()


def test_prime_replaces_a_corrupted_cache_file(tmp_path: Path) -> None:
    path = tmp_path / offline.ENCODING_FILES["cl100k_base"].cache_name
    path.write_bytes(b"garbage")
    offline.prime(("cl100k_base",), target=tmp_path)
    assert hashlib.sha256(path.read_bytes()).hexdigest() == offline.ENCODING_FILES["cl100k_base"].sha256


def test_missing_bpe_openai_is_a_clear_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(offline, "bundled_dir", lambda: None)
    with pytest.raises(TokenizerError, match="bpe-openai") as info:
        offline.prime(("o200k_base",), target=tmp_path)
    assert "pip install bpe-openai==0.1.4" in (info.value.hint or "")


def test_sets_tiktoken_cache_dir_only_when_the_user_did_not(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TIKTOKEN_CACHE_DIR", raising=False)
    monkeypatch.delenv("DATA_GYM_CACHE_DIR", raising=False)
    monkeypatch.setenv("PROMPTCTL_CACHE_DIR", str(tmp_path / "pc"))
    assert offline._use_cache_dir() == tmp_path / "pc" / "tiktoken"
    assert os.environ["TIKTOKEN_CACHE_DIR"] == str(tmp_path / "pc" / "tiktoken")

    monkeypatch.setenv("TIKTOKEN_CACHE_DIR", str(tmp_path / "mine"))
    assert offline._use_cache_dir() == tmp_path / "mine"
    assert os.environ["TIKTOKEN_CACHE_DIR"] == str(tmp_path / "mine")


def _fresh_python(tmp_path: Path, code: str, **env: str) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items() if k not in ("TIKTOKEN_CACHE_DIR", "DATA_GYM_CACHE_DIR")}
    base.update(offline_env(tmp_path / "site"))
    base.update(env)
    return subprocess.run([sys.executable, "-c", code], env=base, capture_output=True, text=True, timeout=120)


def test_first_use_primes_the_cache_with_no_network(tmp_path: Path) -> None:
    # a fresh process, an empty cache and every non-loopback connection refused
    code = (
        "import os\n"
        "from promptctl.tokens import count_openai_messages\n"
        "c = count_openai_messages([{'role': 'user', 'content': 'hello world'}], 'gpt-4o')\n"
        "print(c.tokens, c.quality, os.environ['TIKTOKEN_CACHE_DIR'])\n"
    )
    result = _fresh_python(tmp_path, code, PROMPTCTL_CACHE_DIR=str(tmp_path / "pc"))
    assert result.returncode == 0, result.stderr
    tokens, quality, cache = result.stdout.split()
    assert (int(tokens), quality) == (3 + 1 + 2 + 3, "exact")  # framing + "user" + "hello world" + priming
    assert Path(cache) == tmp_path / "pc" / "tiktoken"


def test_plain_tiktoken_fails_offline_without_priming(tmp_path: Path) -> None:
    # the problem being solved: tiktoken alone tries to download
    code = "import tiktoken\ntiktoken.get_encoding('o200k_base')\n"
    result = _fresh_python(tmp_path, code, TIKTOKEN_CACHE_DIR=str(tmp_path / "empty"))
    assert result.returncode != 0


def test_module_command_primes_and_prints(tmp_path: Path) -> None:
    result = _fresh_python(
        tmp_path, "import runpy; runpy.run_module('promptctl.tokens.offline', run_name='__main__')",
        PROMPTCTL_CACHE_DIR=str(tmp_path / "pc"),
    )
    assert result.returncode == 0, result.stderr
    folder = tmp_path / "pc" / "tiktoken"
    assert f"TIKTOKEN_CACHE_DIR={folder}" in result.stdout
    assert (folder / offline.ENCODING_FILES["o200k_base"].cache_name).is_file()
    assert "RuntimeWarning" not in result.stderr


def test_release_encodings_lets_go_of_promptctls_and_tiktokens_references_and_counting_still_works() -> None:
    import tiktoken.registry

    from promptctl.tokens import count_cache
    from promptctl.tokens.counting import count_text

    first = offline.get_encoding("o200k_base")
    expected = len(first.encode("release me, then count me again", disallowed_special=()))
    del first
    assert offline.encodings_loaded()
    assert offline.release_encodings() is True
    assert not offline.encodings_loaded()
    assert offline.get_encoding.cache_info().currsize == 0 and "o200k_base" not in tiktoken.registry.ENCODINGS
    assert offline.release_encodings() is False  # nothing held: nothing to do
    count_cache.reset()  # a text not remembered: counting loads the encoding again, with the same count
    assert count_text("release me, then count me again", "o200k_base") == (expected, False)
    assert offline.encodings_loaded()
