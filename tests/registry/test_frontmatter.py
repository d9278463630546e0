from __future__ import annotations

import pytest

from promptctl.errors import FrontMatterError
from promptctl.registry.frontmatter import content_sha256, parse_version_text, split_front_matter
from promptctl.registry.registry import Registry

from .conftest import write


def test_strings_stay_strings() -> None:
    text = (
        "---\nversion: 1.10\ndescription: NO\nmodel: 2024-01-01\ntags: [yes, off, 1.0]\n"
        "parameters: {temperature: 0.5, max_tokens: 100}\n"
        "variables:\n  country: {type: string, default: NO}\n  n: {type: integer, default: 3}\n---\nbody\n"
    )
    fm, body, offset = parse_version_text(text, where="t")
    assert fm.version == "1.10"
    assert fm.description == "NO"
    assert fm.model == "2024-01-01"
    assert fm.tags == ["yes", "off", "1.0"]
    assert fm.variables["country"].default == "NO"
    assert fm.parameters.temperature == 0.5 and fm.parameters.max_tokens == 100
    assert body == "body\n"
    assert offset == 10  # lines before the body


def test_version_110_and_11_are_different_drafts(tmp_path) -> None:
    write(tmp_path / "p" / "v" / "v1.j2", "---\nversion: 1.10\n---\nA\n")
    write(tmp_path / "p" / "v" / "v2.j2", "---\nversion: 1.1\n---\nB\n")
    reg = Registry(tmp_path / "p")
    a, b = reg.get("v@1"), reg.get("v@2")
    assert (a.front_matter.version, b.front_matter.version) == ("1.10", "1.1")
    assert a.sha256 != b.sha256 and a.body == "A\n" and b.body == "B\n"


def test_crlf_bytes_parse_like_lf(tmp_path) -> None:
    crlf = b'---\r\nname: greet\r\nversion: "1"\r\n---\r\nHello {{ who }}\r\n'
    lf = crlf.replace(b"\r\n", b"\n")
    write(tmp_path / "a" / "greet" / "v1.j2", crlf)
    write(tmp_path / "b" / "greet" / "v1.j2", lf)
    va = Registry(tmp_path / "a").get("greet@1")
    vb = Registry(tmp_path / "b").get("greet@1")
    assert va.front_matter.name == "greet" and va.front_matter.version == "1"
    assert va.sha256 == vb.sha256 == content_sha256(lf)
    assert va.prompt({"who": "Ann"}) == vb.prompt({"who": "Ann"})
    assert va.prompt({"who": "Ann"}).messages[0].parts == ("Hello Ann",)


def test_only_opening_pair_delimits() -> None:
    fm, body, _ = split_front_matter("---\na: 1\n---\nbody\n---\nmore\n")
    assert fm == "a: 1"
    assert body == "body\n---\nmore\n"
    assert split_front_matter("no front matter\n---\nx") == (None, "no front matter\n---\nx", 0)


def test_front_matter_errors_are_one_line() -> None:
    with pytest.raises(FrontMatterError, match="never closed"):
        parse_version_text("---\na: 1\nbody", where="f.j2")
    with pytest.raises(FrontMatterError, match="invalid YAML"):
        parse_version_text("---\na: [1\n---\nbody", where="f.j2")
    with pytest.raises(FrontMatterError, match="'modle'"):
        parse_version_text("---\nmodle: gpt-4o\n---\nbody", where="f.j2")
    with pytest.raises(FrontMatterError, match="provider"):
        parse_version_text("---\nprovider: openia\n---\nbody", where="f.j2")
    with pytest.raises(FrontMatterError, match="values"):
        parse_version_text("---\nvariables:\n  x: {type: enum}\n---\nbody", where="f.j2")
