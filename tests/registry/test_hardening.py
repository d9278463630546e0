"""Registry hardening (issue 12): no lost drafts, publish log, symlinks, unreadable files, temp files."""

from __future__ import annotations

import json
import multiprocessing
import os
import time
from pathlib import Path

import pytest
import yaml

from promptctl import _yaml
from promptctl.errors import InputError
from promptctl.registry.index import (
    INDEX_FILE,
    PUBLISH_LOG,
    STALE_TEMP_S,
    atomic_write_text,
    read_publish_log,
)
from promptctl.registry.lifecycle import new_prompt, verify
from promptctl.registry.registry import Registry

from .conftest import write


def _new_draft(root: str, source: str, barrier: multiprocessing.synchronize.Barrier,
               results: multiprocessing.Queue) -> None:
    barrier.wait(timeout=30)
    try:
        created = new_prompt(Registry(root), "greet", source=source)
        results.put((source, str(created[-1])))
    except BaseException as exc:  # noqa: BLE001 - reported to the parent
        results.put((source, f"{type(exc).__name__}: {exc}"))


def test_ten_parallel_new_create_ten_drafts_each_with_its_source(registry: Registry) -> None:
    ctx = multiprocessing.get_context("fork")
    barrier, results = ctx.Barrier(10), ctx.Queue()
    sources = ["greet@1", "greet@2"] * 5
    workers = [ctx.Process(target=_new_draft, args=(str(registry.root), s, barrier, results)) for s in sources]
    for worker in workers:
        worker.start()
    outcomes = [results.get(timeout=60) for _ in workers]
    for worker in workers:
        worker.join(timeout=30)
    paths = [Path(path) for _, path in outcomes]
    assert all(p.is_file() for p in paths), outcomes
    assert len(set(paths)) == 10
    assert sorted(registry.version_numbers("greet")) == list(range(1, 14))  # v1-v3 plus ten new drafts
    for source, path in outcomes:
        assert Path(path).read_bytes() == registry.get(source).path.read_bytes(), (source, path)


def test_new_refuses_to_overwrite_a_file_that_appears_meanwhile(registry: Registry, monkeypatch) -> None:
    # another writer (not using the lock) creates v4.j2 between the number choice and the write
    real = Registry.next_number

    def racing(self: Registry, name: str) -> int:
        number = real(self, name)
        write(self.folder(name) / f"v{number}.j2", "theirs\n")
        return number

    monkeypatch.setattr(Registry, "next_number", racing)
    created = new_prompt(registry, "greet", source="greet@1")
    assert created[-1].name == "v5.j2"
    assert (registry.folder("greet") / "v4.j2").read_text() == "theirs\n"


def test_verify_finds_a_published_record_removed_from_the_index(registry: Registry) -> None:
    log = read_publish_log(registry.folder("greet"))
    assert [(e.version, e.line) for e in log] == [(1, 1), (2, 2)]
    index_path = registry.folder("greet") / INDEX_FILE
    data = yaml.safe_load(index_path.read_text())
    data["versions"] = [v for v in data["versions"] if v["version"] != 2]
    index_path.write_text(yaml.safe_dump(data))
    (registry.folder("greet") / "v2.j2").write_text("---\nprovider: openai\n---\nedited {{ who }}\n")
    problems = verify(registry)
    assert [(p.kind, p.ref) for p in problems] == [("unrecorded", "greet@2")]
    assert "was removed from the index" in problems[0].message and f"{PUBLISH_LOG} line 2" in problems[0].message
    # the number is never handed out again
    assert registry.next_number("greet") == 4


def test_verify_finds_a_rewritten_published_record(registry: Registry) -> None:
    index_path = registry.folder("greet") / INDEX_FILE
    data = yaml.safe_load(index_path.read_text())
    data["versions"][0]["sha256"] = "0" * 64
    index_path.write_text(yaml.safe_dump(data))
    kinds = {(p.kind, p.ref) for p in verify(registry)}
    assert ("unrecorded", "greet@1") in kinds and ("modified", "greet@1") in kinds


def test_the_publish_log_starts_with_the_records_published_before_it(tmp_path: Path) -> None:
    reg = Registry(tmp_path / "prompts")
    write(reg.folder("p") / "v1.j2", "---\nprovider: openai\n---\none\n")
    write(reg.folder("p") / "v2.j2", "---\nprovider: openai\n---\ntwo\n")
    reg.publish("p", 1)
    (reg.folder("p") / PUBLISH_LOG).unlink()  # a registry from before the log
    reg.publish("p", 2)
    assert [e.version for e in read_publish_log(reg.folder("p"))] == [1, 2]
    lines = (reg.folder("p") / PUBLISH_LOG).read_text().splitlines()
    assert json.loads(lines[1])["sha256"] == reg.index("p").published(2).sha256


@pytest.mark.parametrize("line", ["not json", '{"version": ' + "[" * 100_000 + "]" * 100_000 + "}"])
def test_a_broken_publish_log_is_reported(registry: Registry, line: str) -> None:
    (registry.folder("greet") / PUBLISH_LOG).write_text(line + "\n")
    problems = verify(registry)
    assert [(p.kind, p.message.split(": ", 1)[1]) for p in problems] == [("invalid", "invalid publish log line")]


def test_symlinks_leaving_the_registry_are_refused(registry: Registry, tmp_path: Path) -> None:
    outside = write(tmp_path / "elsewhere.j2", "---\nprovider: openai\n---\nfrom outside\n")
    (registry.folder("greet") / "v4.j2").symlink_to(outside)
    with pytest.raises(InputError, match="is a symlink to .*elsewhere.j2, outside the registry"):
        registry.get("greet@4")
    with pytest.raises(InputError, match="outside the registry"):
        registry.publish("greet", 4)
    # a link inside the registry is fine
    (registry.folder("greet") / "v4.j2").unlink()
    (registry.folder("greet") / "v4.j2").symlink_to(registry.folder("greet") / "v3.j2")
    assert registry.get("greet@4").body.strip() == "Yo {{ who }}"


def test_a_published_file_replaced_by_a_link_out_is_an_integrity_problem(registry: Registry, tmp_path: Path) -> None:
    outside = write(tmp_path / "elsewhere.j2", (registry.folder("greet") / "v1.j2").read_bytes())
    (registry.folder("greet") / "v1.j2").unlink()
    (registry.folder("greet") / "v1.j2").symlink_to(outside)
    problems = verify(registry)
    assert [(p.kind, p.ref) for p in problems] == [("invalid", "greet@1")]


def test_a_directory_as_a_draft_file_is_one_clear_error(registry: Registry) -> None:
    (registry.folder("greet") / "v4.j2").mkdir()
    with pytest.raises(InputError, match="prompt file .*v4.j2 is a directory, not a regular file"):
        registry.get("greet@4")
    assert verify(registry) == []  # a draft is not verify's concern; render and publish report it
    with pytest.raises(InputError, match="is a directory"):
        registry.publish("greet", 4)


def test_a_directory_as_a_published_file_is_reported_by_verify(registry: Registry) -> None:
    path = registry.folder("greet") / "v2.j2"
    path.unlink()
    path.mkdir()
    problems = verify(registry)
    assert [(p.kind, p.ref) for p in problems] == [("invalid", "greet@2")]
    assert "is a directory" in problems[0].message


def test_temp_files_of_killed_writes_are_ignored_then_cleaned(registry: Registry) -> None:
    folder = registry.folder("greet")
    dead_pid = 2**22 + 12345  # above Linux's pid_max default: no such process
    stale = write(folder / f".{INDEX_FILE}.{dead_pid}.abc123.tmp", "versions: [garbage")
    draft_tmp = write(folder / f".v4.j2.{dead_pid}.xyz.tmp", "half a draft")
    fresh = write(folder / f".{INDEX_FILE}.{dead_pid}.new999.tmp", "being written")
    old = time.time() - STALE_TEMP_S - 5
    os.utime(stale, (old, old))
    os.utime(draft_tmp, (old, old))
    # every reader ignores them
    assert registry.version_numbers("greet") == [1, 2, 3]
    assert verify(registry) == []
    assert registry.index("greet").published(2) is not None
    # the next write of the same file removes the stale one only (young ones may be a write in progress)
    registry.set_label("greet@2", "staging")
    assert not stale.exists() and fresh.exists() and draft_tmp.exists()
    atomic_write_text(folder / "v4.j2", "---\nprovider: openai\n---\nfour\n")
    assert not draft_tmp.exists()


def test_a_yaml_alias_bomb_is_refused() -> None:
    lines = ['a: &a ["x","x","x","x","x","x","x","x","x"]']
    for level, name in enumerate("bcdefghi"):
        prev = "abcdefghi"[level]
        lines.append(f"{name}: &{name} [{','.join([f'*{prev}'] * 9)}]")
    bomb = "\n".join(lines) + "\n"
    assert len(bomb) < 500
    with pytest.raises(_yaml.AliasBombError, match="YAML aliases expand the document by .* more than the 100,000"):
        _yaml.load(bomb)


def test_ordinary_anchors_still_load() -> None:
    text = "base: &base {model: m, temperature: 0}\nruns: [*base, *base]\nagain: *base\n"
    base = {"model": "m", "temperature": 0}
    assert _yaml.load(text) == {"base": base, "runs": [base, base], "again": base}


def test_a_recursive_yaml_document_is_refused() -> None:
    with pytest.raises(_yaml.AliasBombError, match="recursive"):
        _yaml.load("a: &a [1, *a]\n")
