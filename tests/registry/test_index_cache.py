"""The index cache behind list, verify and lint: same results as reading every index, under every kind of edit."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from promptctl.errors import InputError
from promptctl.registry.index import read_index
from promptctl.registry.index_cache import IndexSummary, cache_path
from promptctl.registry.lifecycle import verify
from promptctl.registry.registry import Registry

from .conftest import write


@pytest.fixture(autouse=True)
def _cache_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "user-cache"
    monkeypatch.setenv("PROMPTCTL_CACHE_DIR", str(folder))
    return folder


def uncached(registry: Registry) -> dict[str, object]:
    out: dict[str, object] = {}
    for name in registry.names():
        try:
            out[name] = read_index(registry.folder(name))
        except InputError as exc:
            out[name] = exc.message
    return out


def cached(registry: Registry) -> dict[str, object]:
    """Every index through the cache; the summaries ``list`` reads (their own cache) are checked against them."""
    indexes = {name: index.message if isinstance(index, InputError) else index for name, index in registry.indexes()}
    summaries = {name: s.message if isinstance(s, InputError) else s for name, s in registry.summaries()}
    assert summaries == {name: i if isinstance(i, str) else IndexSummary.of(i) for name, i in indexes.items()}  # type: ignore[arg-type]
    return indexes


def summary_path(registry: Registry) -> Path:
    path = cache_path(registry.root)
    return path.with_name(path.stem + ".list.json")


def test_cache_is_written_once_and_then_used(registry: Registry, monkeypatch: pytest.MonkeyPatch) -> None:
    assert cached(registry) == uncached(registry)
    path = cache_path(registry.root)
    assert path.is_file() and "greet" in json.loads(path.read_text())["indexes"]
    assert path.parent.is_relative_to(Path(os.environ["PROMPTCTL_CACHE_DIR"]))  # never inside the project
    # a hit does not parse YAML at all
    import promptctl.registry.index_cache as index_cache

    def no_parse(*_: object) -> None:
        raise AssertionError("parsed although the cache holds these exact bytes")

    monkeypatch.setattr(index_cache, "parse_index", no_parse)
    assert cached(registry) == uncached(registry)


def test_summaries_hold_the_newest_and_labelled_records(registry: Registry) -> None:
    write(registry.root / "many" / "prompt.yaml", "description: many\nlabels: {production: 2, canary: 9}\nversions:\n"
          + "".join(f"- {{version: {n}, sha256: s{n}, published_at: t}}\n" for n in (3, 1, 2)))
    cached(registry)
    summary = dict(registry.summaries())["many"]
    assert summary == IndexSummary("many", {"production": 2, "canary": 9}, [1, 2, 3], {2: "s2", 3: "s3"})
    assert json.loads(summary_path(registry).read_text())["indexes"]["many"][1] == [
        "many", {"production": 2, "canary": 9}, [1, 2, 3], {"2": "s2", "3": "s3"}]


@pytest.mark.parametrize("damage", [None, "garbage", [1, 2, 3, 4], ["d", {"x": "1"}, [], {}], ["d", {}, ["1"], {}],
                                    ["d", {}, [], {"x": "s"}], [7, {}, [], {}]])
def test_a_damaged_summary_entry_is_parsed_again(registry: Registry, damage: object) -> None:
    cached(registry)
    data = json.loads(summary_path(registry).read_text())
    data["indexes"]["greet"][1] = damage  # same key (the file's digest), content not what promptctl writes
    summary_path(registry).write_text(json.dumps(data))
    assert dict(registry.summaries())["greet"] == IndexSummary.of(registry.index("greet"))


def test_an_edit_of_the_same_size_and_mtime_is_seen(registry: Registry) -> None:
    cached(registry)
    path = registry.folder("greet") / "prompt.yaml"
    stat = path.stat()
    text = path.read_text()
    edited = text.replace("production: 1", "production: 2")
    assert edited != text and len(edited) == len(text)
    path.write_text(edited)
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))  # restore the time: only the content tells
    assert cached(registry)["greet"].labels == {"production": 2}  # type: ignore[union-attr]
    assert cached(registry) == uncached(registry)


def test_a_tampered_index_is_still_caught_by_verify(registry: Registry) -> None:
    assert verify(registry) == []
    path = registry.folder("greet") / "prompt.yaml"
    stat = path.stat()
    path.write_text(path.read_text().replace(registry.index("greet").versions[0].sha256, "0" * 64))
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    # the file no longer matches the record, and the record no longer matches the publish log
    assert [p.kind for p in verify(registry)] == ["unrecorded", "modified"]


def test_a_tampered_version_file_is_caught_with_a_warm_cache(registry: Registry) -> None:
    assert verify(registry) == []
    path = registry.folder("greet") / "v1.j2"
    path.write_text(path.read_text().replace("Hello", "Howdy"))
    assert [p.kind for p in verify(registry)] == ["modified"]


def test_invalid_index_is_reported_not_cached_and_new_prompts_appear(registry: Registry) -> None:
    cached(registry)
    write(registry.root / "broken" / "prompt.yaml", "labels: [not, a, mapping\n")
    write(registry.root / "added" / "v1.j2", "---\nprovider: openai\n---\nhi\n")
    first = cached(registry)
    assert isinstance(first["broken"], str) and "invalid prompt index" in first["broken"]
    assert first == uncached(registry) == cached(registry)
    assert "broken" not in json.loads(cache_path(registry.root).read_text())["indexes"]
    assert [p.kind for p in verify(registry)] == ["invalid"]


def test_deleted_prompts_leave_the_cache(registry: Registry) -> None:
    write(registry.root / "other" / "prompt.yaml", "description: other\n")
    cached(registry)
    (registry.root / "other" / "prompt.yaml").unlink()
    (registry.root / "other").rmdir()
    cached(registry)
    assert set(json.loads(cache_path(registry.root).read_text())["indexes"]) == {"greet"}


@pytest.mark.parametrize("content", ["{not json", '{"release": "0:old", "indexes": {}}', '{"release": 1}', "[]"])
def test_a_corrupt_or_foreign_cache_file_is_ignored(registry: Registry, content: str) -> None:
    path = cache_path(registry.root)
    path.parent.mkdir(parents=True)
    path.write_text(content)
    assert cached(registry) == uncached(registry)
    assert json.loads(path.read_text())["indexes"]  # rewritten


def test_a_damaged_cache_entry_is_parsed_again(registry: Registry) -> None:
    cached(registry)
    path = cache_path(registry.root)
    data = json.loads(path.read_text())
    data["indexes"]["greet"][1]["versions"] = "garbage"  # same key (the file's digest), invalid content
    path.write_text(json.dumps(data))
    assert cached(registry) == uncached(registry)


def test_unknown_fields_with_numbers_are_never_cached(registry: Registry) -> None:
    path = registry.folder("greet") / "prompt.yaml"
    path.write_text(path.read_text() + "owner: 007\n")
    index = cached(registry)["greet"]
    assert index.model_extra == {"owner": 7} and index.model_extra["owner"].source == "007"  # type: ignore[union-attr]
    assert "greet" not in json.loads(cache_path(registry.root).read_text())["indexes"]


@pytest.mark.parametrize("extra", ["files: {tools.json: 1103b59f}", "files: {a: [x, true, null]}", "note: hi"])
def test_unknown_fields_of_strings_are_cached_and_read_back_equal(registry: Registry, extra: str) -> None:
    """A version's ``files`` (the hashes of a bundle's tools files) and other plain-text extras round-trip."""
    path = registry.folder("greet") / "prompt.yaml"
    path.write_text(path.read_text().replace("- version: 1\n", f"- version: 1\n  {extra}\n", 1))
    first = cached(registry)["greet"]
    assert first.versions[0].model_extra  # type: ignore[union-attr]
    assert "greet" in json.loads(cache_path(registry.root).read_text())["indexes"]
    again = cached(registry)["greet"]
    assert again == first == uncached(registry)["greet"]
    assert again.versions[0].model_extra == first.versions[0].model_extra  # type: ignore[union-attr]


def test_an_unwritable_cache_folder_is_ignored(registry: Registry, tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    monkeypatch.setenv("PROMPTCTL_CACHE_DIR", str(blocker))  # the cache folder cannot be created under a file
    assert cached(registry) == uncached(registry)


def test_crlf_index_reads_like_read_index(registry: Registry) -> None:
    path = registry.folder("greet") / "prompt.yaml"
    path.write_bytes(path.read_bytes().replace(b"\n", b"\r\n"))
    assert cached(registry) == uncached(registry) == cached(registry)
