from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from promptctl import render
from promptctl.errors import InputError, IntegrityError, ReferenceNotFound
from promptctl.registry.frontmatter import content_sha256
from promptctl.registry.lifecycle import init_project, new_prompt, stale_entries, verify
from promptctl.registry.lock import Lockfile
from promptctl.registry.registry import Registry

from .conftest import write


def test_init_then_publish_label_lock(tmp_path: Path) -> None:
    created = init_project(tmp_path)
    assert (tmp_path / "promptctl.toml").exists() and (tmp_path / "prompts" / "hello" / "v1.j2") in created
    assert ".promptctl/" in (tmp_path / ".gitignore").read_text()
    assert init_project(tmp_path) == []  # idempotent
    reg = Registry(tmp_path / "prompts")
    render(reg.get("hello@1"), "openai", question="hi")  # the scaffold renders
    reg.publish("hello", message="first")
    reg.set_label("hello@1", "production")
    lock = reg.lock_references(["hello@production"], tmp_path / "promptctl.lock")
    lock.write()
    pinned = Registry(tmp_path / "prompts", lock=tmp_path / "promptctl.lock")
    assert pinned.get("hello@production").number == 1
    with pytest.raises(ReferenceNotFound, match="not in"):
        pinned.get("hello")


def test_lock_refuses_drafts_and_detects_tampering(registry: Registry, tmp_path: Path) -> None:
    with pytest.raises(InputError, match="draft"):
        registry.lock_references(["greet@3"], tmp_path / "l")
    lock = registry.lock_references(["greet@production", "greet"], tmp_path / "promptctl.lock")
    lock.write()
    data = json.loads((tmp_path / "promptctl.lock").read_text())
    assert data["prompts"]["greet@production"]["version"] == 1
    assert data["prompts"]["greet"]["version"] == 2
    path = registry.folder("greet") / "v1.j2"
    path.write_text(path.read_text() + "x")
    with pytest.raises(IntegrityError):
        Registry(registry.root, lock=tmp_path / "promptctl.lock").get("greet@production")
    kinds = {p.kind for p in verify(registry, Lockfile.read(tmp_path / "promptctl.lock"))}
    assert kinds == {"modified", "lock-mismatch"}


def test_stale_lock_after_label_move(registry: Registry, tmp_path: Path) -> None:
    lock = registry.lock_references(["greet@production"], tmp_path / "promptctl.lock")
    assert stale_entries(registry, lock) == []
    registry.set_label("greet@2", "production")
    [stale] = stale_entries(registry, lock)
    assert (stale.locked_version, stale.current_version) == (1, 2)
    registry.remove_label("greet", "production")
    [stale] = stale_entries(registry, lock)
    assert (stale.locked_version, stale.current_version) == (1, None)
    assert stale.reason == "prompt 'greet' has no label 'production'"


def test_verify_detects_edit_delete_renumber_and_bad_label(registry: Registry) -> None:
    assert verify(registry) == []
    folder = registry.folder("greet")
    (folder / "v2.j2").rename(folder / "v7.j2")
    problems = verify(registry)
    assert [(p.kind, p.ref) for p in problems] == [("renumbered", "greet@2")]
    (folder / "v7.j2").unlink()
    assert [p.kind for p in verify(registry)] == ["missing"]
    index = (folder / "prompt.yaml").read_text().replace("production: 1", "production: 3")
    (folder / "prompt.yaml").write_text(index)
    assert sorted(p.kind for p in verify(registry)) == ["label", "missing"]


def test_new_from_reference_copies_bytes(registry: Registry) -> None:
    [path] = new_prompt(registry, "greet", source="greet@1")
    assert path.name == "v4.j2"
    assert content_sha256(path.read_bytes()) == registry.get("greet@1").sha256
    with pytest.raises(InputError, match="already exists"):
        new_prompt(registry, "greet")
    created = new_prompt(registry, "other", source="greet@2")
    assert [p.name for p in created] == ["prompt.yaml", "v1.j2"]


def test_publish_one_byte_change_refused_others_work(registry: Registry) -> None:
    path = registry.folder("greet") / "v2.j2"
    path.write_bytes(path.read_bytes()[:-1] + b"?")
    with pytest.raises(IntegrityError):
        registry.get("greet@2")
    assert registry.get("greet@1").number == 1


def test_concurrent_publish_and_label_in_threads(tmp_path: Path) -> None:
    reg = Registry(tmp_path / "prompts")
    write(reg.folder("p") / "prompt.yaml", "description: p\n")
    for n in range(1, 11):
        write(reg.folder("p") / f"v{n}.j2", f"version {n}\n")
    with ThreadPoolExecutor(max_workers=10) as pool:
        records = list(pool.map(lambda n: reg.publish("p", n, message=f"m{n}"), range(1, 11)))
    index = reg.index("p")
    assert sorted(r.version for r in index.versions) == list(range(1, 11))
    for record in records:
        assert index.published(record.version).sha256 == record.sha256


def _publish_worker(root: str, n: int, start: Any, results: Any) -> None:
    """Publish ``p@n`` (and label the even ones ``production``) in a separate process; report its sha256."""
    try:
        reg = Registry(root)
        start.wait(timeout=30)
        if n % 2:
            record = reg.publish("p", n, message="m")
            results.put((n, record.sha256))
        else:
            reg.publish("p", n, message="m")
            reg.set_label(f"p@{n}", "production")
            results.put((n, reg.index("p").published(n).sha256))
    except BaseException as exc:  # noqa: BLE001 - reported to the parent
        results.put((n, f"{type(exc).__name__}: {exc}"))


def test_ten_concurrent_publish_label_processes(tmp_path: Path) -> None:
    # ten processes (forked: no interpreter start-up to pay), released together by a barrier
    import multiprocessing

    import promptctl.templating.environment  # noqa: F401 - publishing parses the template: load Jinja2 once, here

    reg = Registry(tmp_path / "prompts")
    write(reg.folder("p") / "prompt.yaml", "description: p\n")
    for n in range(1, 11):
        write(reg.folder("p") / f"v{n}.j2", f"---\nprovider: openai\n---\nversion {n} {{{{ x }}}}\n")
    ctx = multiprocessing.get_context("fork")
    start, results = ctx.Barrier(10), ctx.Queue()
    procs = [ctx.Process(target=_publish_worker, args=(str(reg.root), n, start, results)) for n in range(1, 11)]
    for proc in procs:
        proc.start()
    reported = dict(results.get(timeout=60) for _ in procs)
    for proc in procs:
        proc.join(timeout=30)
        assert proc.exitcode == 0
    index = reg.index("p")  # parses
    assert len(reported) == 10
    for number, sha in reported.items():
        assert index.published(number).sha256 == sha, sha
        assert reg.get(f"p@{number}").sha256 == sha
    assert index.labels["production"] in range(2, 11, 2)
    assert len(index.label_history) == 5


def test_a_lock_edited_by_hand_is_reported_as_the_lockfile_changing(registry: Registry, tmp_path: Path) -> None:
    from promptctl.registry.registry import distinct_prefixes

    lock = registry.lock_references(["greet@production"], tmp_path / "promptctl.lock")
    real = lock.entries["greet@production"].sha256
    edited = real[:50] + ("0" if real[50] != "0" else "1") + real[51:]
    Lockfile(lock.path, {"greet@production": lock.entries["greet@production"].__class__("greet", 1, edited)}).write()
    locked_prefix, real_prefix = distinct_prefixes(edited, real)
    assert locked_prefix != real_prefix and len(locked_prefix) == 51
    with pytest.raises(IntegrityError) as info:
        Registry(registry.root, lock=lock.path).get("greet@production")
    assert f"sha256 {locked_prefix}, but" in info.value.message and real_prefix in info.value.message
    assert "the lockfile changed" in info.value.message and "promptctl lock" in (info.value.hint or "")
    [problem] = verify(registry, Lockfile.read(lock.path))
    assert problem.kind == "lock-mismatch" and problem.path == str(lock.path)
    assert "the lockfile changed" in problem.message and "promptctl lock" in (problem.hint or "")


def test_distinct_prefixes_keep_twelve_digits_when_they_already_differ() -> None:
    from promptctl.registry.registry import distinct_prefixes

    assert distinct_prefixes("a" * 64, "b" * 64) == ("a" * 12, "b" * 12)
    assert distinct_prefixes("ab" * 32, "ab" * 32) == ("ab" * 32, "ab" * 32)  # equal: shown whole


def test_setting_a_label_to_its_own_version_records_nothing(registry: Registry) -> None:
    before = (registry.folder("greet") / "prompt.yaml").read_bytes()
    move = registry.set_label("greet@1", "production")
    assert (move.from_version, move.to_version) == (1, 1)
    assert (registry.folder("greet") / "prompt.yaml").read_bytes() == before
    with pytest.raises(InputError, match="start with a letter"):
        registry.set_label("greet@1", "2")
    with pytest.raises(InputError, match="reserved for hash references"):
        registry.set_label("greet@1", "sha256abc")


def test_init_honours_an_existing_prompts_dir(tmp_path: Path) -> None:
    (tmp_path / "promptctl.toml").write_text('prompts_dir = "llm"\n')
    created = init_project(tmp_path)
    assert tmp_path / "llm" / "hello" / "v1.j2" in created and not (tmp_path / "prompts").exists()


@pytest.mark.parametrize(("name", "suggestion"), [("Résumé", "resume"), ("Support Agent", "support-agent"),
                                                  ("Ticket_Triage v2", "ticket_triage-v2"), ("客服", None)])
def test_an_invalid_prompt_name_suggests_a_valid_one(tmp_path: Path, name: str, suggestion: str | None) -> None:
    """trial-21: `promptctl new Résumé` named the rule but not the name import would have derived."""
    registry = Registry(tmp_path / "prompts")
    with pytest.raises(InputError, match="invalid prompt name") as info:
        new_prompt(registry, name)
    assert info.value.hint == "use lower-case letters, digits, '_', '.', '-'" + (
        f": e.g. promptctl new {suggestion}" if suggestion else "")


def test_new_without_a_description_lets_list_show_the_front_matter_one(tmp_path: Path) -> None:
    """trial-24: `promptctl new sentiment` wrote `description: sentiment` into prompt.yaml, so after the draft's
    front matter description was written, `promptctl list` still said 'sentiment'."""
    from tests.conftest import run_cli

    (tmp_path / "promptctl.toml").write_text('prompts_dir = "prompts"\n')
    env = {"PROMPTCTL_DATABASE_URL": f"sqlite:///{tmp_path / 'runs.db'}"}
    assert run_cli("new", "sentiment", cwd=tmp_path, env=env).returncode == 0
    assert run_cli("new", "notes", "-d", "Summarises notes", cwd=tmp_path, env=env).returncode == 0
    draft = tmp_path / "prompts" / "sentiment" / "v1.j2"
    draft.write_text(draft.read_text().replace("description: sentiment", "description: Classifies reviews"))
    listed = {row["name"]: row["description"]
              for row in json.loads(run_cli("list", "--json", cwd=tmp_path, env=env).stdout)}
    assert listed == {"sentiment": "Classifies reviews", "notes": "Summarises notes"}
