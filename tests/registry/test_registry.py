from __future__ import annotations

import pytest

from promptctl.errors import ExitCode, InputError, IntegrityError, ReferenceNotFound
from promptctl.registry.frontmatter import content_sha256
from promptctl.registry.registry import Reference, Registry

from .conftest import write


def test_reference_parsing() -> None:
    assert Reference.parse("greet") == Reference("greet")
    assert Reference.parse("greet@3") == Reference("greet", 3)
    assert Reference.parse("greet@production") == Reference("greet", "production")
    assert Reference.parse("greet@sha256:ABCDEF12") == Reference("greet", "sha256:abcdef12")
    for bad in ("", "Greet Me", "greet@", "greet@sha256:abc", "greet@bad label"):
        with pytest.raises(InputError):
            Reference.parse(bad)


def test_latest_published_number_label_and_hash(registry: Registry) -> None:
    assert registry.get("greet").number == 2  # v3 is a draft, not "latest"
    assert registry.get("greet@1").number == 1
    assert registry.get("greet@production").number == 1
    sha = registry.get("greet@2").sha256
    assert registry.get(f"greet@sha256:{sha[:8]}").number == 2


def test_draft_usable_by_number_and_always_shown_as_draft(registry: Registry) -> None:
    draft = registry.get("greet@3")
    assert draft.is_draft
    assert draft.display == "greet@3 (draft)"
    assert registry.get("greet@2").display == "greet@2"


def test_draft_resolvable_by_hash(registry: Registry) -> None:
    sha = content_sha256(registry.folder("greet").joinpath("v3.j2").read_bytes())
    assert registry.get(f"greet@sha256:{sha[:10]}").number == 3


def test_unknown_references_have_hints(registry: Registry) -> None:
    with pytest.raises(ReferenceNotFound) as exc:
        registry.get("gret")
    assert "did you mean 'greet'" in (exc.value.hint or "")
    with pytest.raises(ReferenceNotFound):
        registry.get("greet@9")
    with pytest.raises(ReferenceNotFound) as exc:
        registry.get("greet@staging")
    assert "production" in (exc.value.hint or "")
    with pytest.raises(ReferenceNotFound):
        registry.get("greet@sha256:00000000")


def test_only_drafts_has_no_latest(tmp_path) -> None:
    write(tmp_path / "p" / "solo" / "v1.j2", "Hello")
    reg = Registry(tmp_path / "p")
    with pytest.raises(ReferenceNotFound) as exc:
        reg.get("solo")
    assert "solo@1" in (exc.value.hint or "")
    assert reg.get("solo@1").is_draft


def test_tampered_published_version_is_refused_others_still_load(registry: Registry) -> None:
    path = registry.folder("greet") / "v1.j2"
    path.write_bytes(path.read_bytes().replace(b"Hello", b"Hellp"))
    with pytest.raises(IntegrityError) as exc:
        registry.get("greet@1")
    assert exc.value.exit_code == ExitCode.INTEGRITY == 4
    assert str(path) in exc.value.message
    with pytest.raises(IntegrityError):
        registry.get("greet@production")
    assert registry.get("greet@2").number == 2
    assert registry.get("greet@1", allow_modified=True).modified


def test_deleted_published_version_is_an_integrity_error(registry: Registry) -> None:
    (registry.folder("greet") / "v2.j2").unlink()
    with pytest.raises(IntegrityError):
        registry.get("greet@2")


def test_crlf_checkout_keeps_hash(registry: Registry) -> None:
    path = registry.folder("greet") / "v2.j2"
    path.write_bytes(path.read_bytes().replace(b"\n", b"\r\n"))
    version = registry.get("greet@2")  # no integrity error
    assert version.sha256 == registry.index("greet").published(2).sha256


def test_publish_refuses_republish_and_broken_templates(registry: Registry) -> None:
    with pytest.raises(InputError):
        registry.publish("greet", 1)
    write(registry.folder("greet") / "v4.j2", "---\nprovider: openai\n---\n{% if x %}unclosed\n")
    with pytest.raises(InputError) as exc:
        registry.publish("greet", 4)
    assert "line" in exc.value.message


def test_label_only_on_published_and_recorded(registry: Registry) -> None:
    with pytest.raises(InputError):
        registry.set_label("greet@3", "staging")
    move = registry.set_label("greet@2", "production")
    assert (move.from_version, move.to_version) == (1, 2)
    index = registry.index("greet")
    assert index.labels["production"] == 2
    assert [(m.label, m.from_version, m.to_version) for m in index.label_history] == [
        ("production", None, 1),
        ("production", 1, 2),
    ]


def test_index_round_trips(registry: Registry) -> None:
    text = (registry.folder("greet") / "prompt.yaml").read_text()
    assert "sha256:" in text and "published_at:" in text and "message: first" in text
    assert registry.index("greet").description == "Greets people"


def test_names_and_versions(registry: Registry) -> None:
    assert registry.names() == ["greet"]
    assert registry.version_numbers("greet") == [1, 2, 3]
    assert registry.next_number("greet") == 4


def test_registry_accepts_project_folder(registry: Registry) -> None:
    assert Registry(registry.root.parent).root == registry.root


def test_remove_label_records_a_move_to_no_version(registry: Registry) -> None:
    from promptctl.errors import ReferenceNotFound

    registry.set_label("greet@2", "staging")
    with pytest.raises(InputError, match="differs from 'Staging' only in case"):
        registry.set_label("greet@1", "Staging")
    move = registry.remove_label("greet", "staging")
    assert (move.label, move.from_version, move.to_version) == ("staging", 2, None)
    index = registry.index("greet")
    assert "staging" not in index.labels and index.label_history[-1].to_version is None
    with pytest.raises(ReferenceNotFound, match="no label 'staging'"):
        registry.remove_label("greet", "staging")
    with pytest.raises(ReferenceNotFound):
        registry.resolve("greet@staging")
