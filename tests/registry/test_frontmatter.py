from __future__ import annotations

import pytest

from promptctl.errors import FrontMatterError
from promptctl.registry.frontmatter import content_sha256, parse_version_text, split_front_matter
from promptctl.registry.registry import Registry
from tests.conftest import run_cli

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


@pytest.mark.parametrize(
    ("declaration", "variable", "shown"),
    [
        ("flag: {type: boolean, default: maybe}", "flag", "'maybe' is not a boolean"),
        ("n: {type: integer, default: lots}", "n", "'lots' is not an integer"),
        ("r: {type: number, default: plenty}", "r", "'plenty' is not a number"),
        ("e: {type: enum, values: [a, b], default: zzz}", "e", "'zzz' is not one of ['a', 'b']"),
        ("tags: {type: list, default: nope}", "tags", "'nope' is not a list"),
    ],
)
def test_invalid_default_is_a_front_matter_error_naming_the_variable(declaration: str, variable: str,
                                                                     shown: str) -> None:
    text = f"---\nvariables:\n  {declaration}\n---\nbody\n"
    with pytest.raises(FrontMatterError) as exc:
        parse_version_text(text, where="p/v1.j2")
    assert f"'variables.{variable}'" in exc.value.message and shown in exc.value.message
    assert "Value error" not in exc.value.message


def test_defaults_are_coerced_to_the_declared_type_and_strings_keep_source_text() -> None:
    text = (
        "---\nvariables:\n"
        "  v: {type: string, default: 1.10}\n  z: {type: string, default: 007}\n  t: {type: string, default: true}\n"
        "  n: {type: integer, default: '12'}\n  r: {type: number, default: 2}\n  f: {type: number, default: 0.50}\n"
        "  b: {type: boolean, default: 'false'}\n  e: {type: enum, values: [1, 2], default: 2}\n"
        "  l: {type: list, default: [1.10, x]}\n  o: {type: object, default: {k: 1}}\n"
        "  none: {type: string, default: ~}\n"
        "---\nbody\n"
    )
    fm, _, _ = parse_version_text(text, where="t")
    defaults = {name: spec.default for name, spec in fm.variables.items()}
    assert defaults == {"v": "1.10", "z": "007", "t": "true", "n": 12, "r": 2, "f": 0.5, "b": False, "e": "2",
                        "l": [1.1, "x"], "o": {"k": 1}, "none": None}
    assert all(not fm.variables[name].required for name in defaults)
    assert type(defaults["n"]) is int and type(defaults["f"]) is float and type(defaults["l"][0]) is float


def test_string_defaults_render_with_their_source_text(tmp_path) -> None:
    write(
        tmp_path / "p" / "d" / "v1.j2",
        "---\nvariables:\n  v: {type: string, default: 1.10}\n  z: {type: string, default: 007}\n---\n"
        "{{ v }} {{ z }}\n",
    )
    prompt = Registry(tmp_path / "p").get("d@1").prompt({})
    assert prompt.messages[0].parts == ("1.10 007",)
    assert prompt.variables == {"v": "1.10", "z": "007"}


def test_the_readme_names_every_front_matter_field() -> None:
    import re
    from pathlib import Path

    from promptctl.registry.frontmatter import FrontMatter

    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    listed = readme.split("Front matter fields:", 1)[1].split("An unknown field is an error", 1)[0]
    named = set(re.findall(r"`([a-z_]+)`", listed))
    fields = {info.alias or name for name, info in FrontMatter.model_fields.items()}
    assert fields - named == set()


def test_an_invalid_output_schema_is_a_front_matter_error_when_the_file_loads(tmp_path) -> None:
    """Found in the first-hour trial: `type: strin` in an output schema passed lint and publish, and only
    `render`/`run` refused the version, which was by then immutable."""
    text = ("---\noutput:\n  format: json\n  schema:\n    type: object\n    properties:\n"
            "      category: {type: strin}\n---\nClassify.\n")
    with pytest.raises(FrontMatterError, match=r"^t.j2:4: ") as info:
        parse_version_text(text, where="t.j2")
    assert ("front matter field 'output.schema': properties.category.type: 'strin' is not valid under any of "
            "the given schemas (not valid JSON Schema)") in str(info.value)
    fm, _, _ = parse_version_text(text.replace("strin}", "string}"), where="t.j2")
    assert fm.output is not None and fm.output.json_schema is not None
    write(tmp_path / "prompts" / "triage" / "v1.j2", text)
    (tmp_path / "promptctl.toml").write_text('prompts_dir = "prompts"\n')
    result = run_cli("publish", "triage", "-m", "first", cwd=tmp_path)
    assert result.returncode == 2 and "'strin' is not valid" in result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "prompts" / "triage" / "publish.log").exists()
