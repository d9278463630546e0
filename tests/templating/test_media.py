"""Media variables and the {% image %} / {% document %} tags (issue 16, item 1).

Values are sniffed from their bytes, read once, never rendered as templates; tags place a Media part in template
order with validated options; relative paths resolve in the prompt's folder, then the project's.
"""

from __future__ import annotations

import base64
import io
import textwrap
from pathlib import Path

import pytest
from PIL import Image

from promptctl.errors import TemplateError, VariableError
from promptctl.registry.registry import Registry
from promptctl.templating import media as media_module
from promptctl.templating.media import load_media, sniff
from promptctl.templating.prompt import Media, Section, placeholder
from tests.conftest import run_cli

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "invoice-extraction"


def png(width: int, height: int) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), (200, 30, 30)).save(buffer, format="PNG")
    return buffer.getvalue()


def project(tmp_path: Path, body: str, variables: str = "", files: dict[str, bytes] | None = None) -> Registry:
    folder = tmp_path / "prompts" / "look"
    folder.mkdir(parents=True)
    for name, data in (files or {}).items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_bytes(data)
    front = "---\ndescription: Look at media\nprovider: anthropic\nmodel: claude-sonnet-4-6\n"
    front += ("variables:\n" + textwrap.indent(textwrap.dedent(variables), "  ")) if variables else ""
    (folder / "v1.j2").write_text(front + "---\n" + textwrap.dedent(body), encoding="utf-8")
    return Registry(tmp_path)


def test_the_type_is_sniffed_from_the_bytes_not_the_name(tmp_path: Path) -> None:
    (tmp_path / "photo.txt").write_bytes(png(3, 2))  # a PNG under a misleading name is still a PNG
    part = load_media("image", "photo.txt", variable="shot", roots=(tmp_path,))
    assert (part.media_type, part.width, part.height, part.size) == ("image/png", 3, 2, len(png(3, 2)))
    assert sniff((FIXTURES / "invoice.pdf").read_bytes()) == "application/pdf"
    assert sniff(b"RIFF\x00\x00\x00\x00WEBPVP8 ") == "image/webp"
    assert sniff(b"GIF89a....") == "image/gif" and sniff(b"\xff\xd8\xff\xe0") == "image/jpeg"


def test_a_text_file_given_as_an_image_is_an_error_naming_the_variable(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("not a picture", encoding="utf-8")
    (tmp_path / "fake.png").write_text("not a picture either", encoding="utf-8")
    for name in ("notes.txt", "fake.png"):
        with pytest.raises(VariableError, match=rf"variable 'screenshot' \({name}\) is text, not a supported image"):
            load_media("image", name, variable="screenshot", roots=(tmp_path,))
    with pytest.raises(VariableError, match="'invoice' .* is image/png, not a supported document"):
        load_media("document", str(FIXTURES / "invoice.png"), variable="invoice")


def test_a_text_file_given_as_an_image_is_a_clean_cli_error(tmp_path: Path) -> None:
    project(tmp_path, "{% user %}{% image shot %}What is wrong?{% enduser %}", "shot: {type: image}\n")
    (tmp_path / "notes.txt").write_text("hello", encoding="utf-8")
    result = run_cli("render", "look@1", "--var", "shot=notes.txt", cwd=tmp_path)
    assert result.returncode == 2
    assert "variable 'shot' (notes.txt) is text, not a supported image" in result.stderr
    assert "Traceback" not in result.stderr


def test_data_urls_https_urls_and_bad_values(tmp_path: Path) -> None:
    data = png(4, 4)
    part = load_media("image", "data:image/png;base64," + base64.b64encode(data).decode(), variable="x")
    assert part.data == data and part.source == "data: URL"
    with pytest.raises(VariableError, match="says image/jpeg but the bytes are image/png"):
        load_media("image", "data:image/jpeg;base64," + base64.b64encode(data).decode(), variable="x")
    with pytest.raises(VariableError, match="not base64"):
        load_media("image", "data:image/png,abc", variable="x")
    url = "https://example.com/cat.jpg?size=2"
    ref = load_media("image", url, variable="x")
    assert (ref.url, ref.data, ref.media_type, ref.size) == (url, None, "image/jpeg", 0)
    with pytest.raises(VariableError, match="only https:// URLs"):
        load_media("image", "http://example.com/cat.jpg", variable="x")
    with pytest.raises(VariableError, match="no image file 'missing.png'"):
        load_media("image", "missing.png", variable="x", roots=(tmp_path,))
    with pytest.raises(VariableError, match="is image, placed with {% document %}"):
        load_media("document", part, variable="x")


def test_a_file_is_read_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "a.png").write_bytes(png(5, 5))
    reads: list[str] = []
    real = __import__("promptctl.limits", fromlist=["read_input_bytes"]).read_input_bytes

    def counting(path, **kw):  # type: ignore[no-untyped-def]
        reads.append(str(path))
        return real(path, **kw)

    monkeypatch.setattr("promptctl.limits.read_input_bytes", counting)
    media_module._read_cached.cache_clear()
    first = load_media("image", "a.png", variable="x", roots=(tmp_path,))
    again = load_media("image", "a.png", variable="x", roots=(tmp_path,))
    assert len(reads) == 1 and first == again


def test_tags_place_parts_in_order_with_options_and_bytes_are_never_template_text(tmp_path: Path) -> None:
    pdf = (FIXTURES / "invoice.pdf").read_bytes().replace(b"/Producer (", b"/Producer ({{ secret }} {% if %} ")
    registry = project(tmp_path, """\
        {% user %}
        {% section "invoice" %}
        Before.
        {% image shot detail="low" %}
        {% document doc title="March invoice" %}
        {% endsection %}
        Total?
        {% enduser %}
        """, "shot: {type: image}\ndoc: {type: document}\n", {"shot.png": png(30, 20), "doc.pdf": pdf})
    prompt = registry.get("look@1").prompt({"shot": "shot.png", "doc": "doc.pdf"})
    (message,) = prompt.messages
    section, question = message.parts
    assert isinstance(section, Section) and question == "Total?"
    text, image, document = section.parts
    assert text == "Before."
    assert isinstance(image, Media) and image.option("detail") == "low" and (image.width, image.height) == (30, 20)
    assert isinstance(document, Media) and document.option("title") == "March invoice" and document.pages == 1
    assert document.data == pdf  # the {{ ... }} inside the PDF was never rendered
    assert placeholder(image).startswith("[image shot: image/png, 30x20 px, ")


def test_bad_tag_options_are_errors(tmp_path: Path) -> None:
    registry = project(tmp_path, '{% user %}{% image shot detail="ultra" %}{% enduser %}', "shot: {type: image}\n",
                       {"shot.png": png(2, 2)})
    with pytest.raises(TemplateError, match="option detail='ultra' is not one of low, high, auto"):
        registry.get("look@1").prompt({"shot": "shot.png"})
    folder = tmp_path / "prompts" / "look"
    (folder / "v1.j2").write_text((folder / "v1.j2").read_text().replace('detail="ultra"', 'detial="low"'))
    with pytest.raises(TemplateError, match="no option 'detial'") as err:
        registry.get("look@1").prompt({"shot": "shot.png"})
    assert "detail" in (err.value.hint or "")


def test_few_shot_reference_images_resolve_in_the_prompt_folder(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    registry = project(tmp_path, """\
        {% user %}
        {% for example in examples %}
        {% image example.picture %}
        Label: {{ example.label }}
        {% endfor %}
        {% image shot %}
        Label?
        {% enduser %}
        """, "shot: {type: image}\nexamples:\n  type: list\n  default: [{picture: refs/ok.png, label: ok}]\n",
        {"refs/ok.png": png(8, 8)})
    (tmp_path / "elsewhere").mkdir()
    monkeypatch.chdir(tmp_path / "elsewhere")  # not found through the current folder
    (tmp_path / "input.png").write_bytes(png(9, 9))
    prompt = registry.get("look@1").prompt({"shot": "input.png"})  # the project folder: tmp_path
    parts = prompt.messages[0].parts
    assert [p.variable for p in parts if isinstance(p, Media)] == ["example.picture", "shot"]
    assert [p.width for p in parts if isinstance(p, Media)] == [8, 9]


def test_a_reference_image_in_the_prompt_folder_is_covered_by_the_version_hash(tmp_path: Path) -> None:
    from promptctl.errors import IntegrityError
    from promptctl.registry.frontmatter import content_sha256

    registry = project(tmp_path, "{% user %}{% image shot %}Same?{% enduser %}",
                       "shot: {type: image, default: reference.png}\n", {"reference.png": png(6, 6)})
    version = registry.get("look@1")
    assert version.sha256 != content_sha256(version.text)  # the image is part of the version
    registry.publish("look", 1, message="with a reference image")
    assert registry.get("look@1").sha256 == version.sha256
    (tmp_path / "prompts" / "look" / "reference.png").write_bytes(png(7, 7))
    with pytest.raises(IntegrityError, match="was modified"):
        registry.get("look@1")
    (tmp_path / "prompts" / "look" / "reference.png").unlink()  # deleted: named as missing, not the version file
    with pytest.raises(IntegrityError, match=r"reference\.png: the media file of published version look@1 is missing"):
        registry.get("look@1")
    result = run_cli("verify", cwd=tmp_path)
    assert result.returncode == 4 and "reference.png: the media file of published look@1 is missing" in (
        result.stdout + result.stderr), result.stdout + result.stderr


def test_a_version_naming_no_media_keeps_the_hash_of_its_text(tmp_path: Path) -> None:
    from promptctl.registry.frontmatter import content_sha256

    registry = project(tmp_path, "{% user %}Mentions notes.md and cat.png{% enduser %}", "",
                       {"notes.md": b"# not media\n"})
    version = registry.get("look@1")
    assert version.sha256 == content_sha256(version.text)


def test_diff_and_render_show_media_by_type_size_and_hash(tmp_path: Path) -> None:
    import hashlib

    old, new = png(20, 20), png(30, 30)
    registry = project(tmp_path, "{% user %}Compare:{% image shot %}{% enduser %}",
                       "shot: {type: image, default: a.png}\n", {"a.png": old, "b.png": new})
    folder = tmp_path / "prompts" / "look"
    (folder / "v2.j2").write_text((folder / "v1.j2").read_text().replace("a.png", "b.png"), encoding="utf-8")
    assert registry.get("look@2").sha256 != registry.get("look@1").sha256
    result = run_cli("diff", "look@1", "look@2", "-p", "anthropic", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    short = {data: hashlib.sha256(data).hexdigest()[:12] for data in (old, new)}
    assert f"-[image: image/png, {len(old):,} bytes, sha256 {short[old]}]" in result.stdout
    assert f"+[image: image/png, {len(new):,} bytes, sha256 {short[new]}]" in result.stdout
    assert "base64" not in result.stdout
    rendered = run_cli("render", "look@1", "--json", cwd=tmp_path)
    assert "<base64 elided: " in rendered.stdout and base64.b64encode(old).decode() not in rendered.stdout
    full = run_cli("render", "look@1", "--json", "--full", cwd=tmp_path)
    assert base64.b64encode(old).decode() in full.stdout


def test_tag_errors_name_the_reference_and_line_and_a_missing_variable_is_reported_as_missing(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from promptctl.errors import UndefinedVariableError

    registry = project(tmp_path, "{% user %}\nLook:\n{% image shot %}\n{% enduser %}\n", "shot: {type: image}\n")
    monkeypatch.chdir(tmp_path)  # the project folder and the current folder are the same: named once
    with pytest.raises(UndefinedVariableError, match=r"^look@1 \(draft\): line 10: missing variable 'shot'$"):
        registry.get("look@1").prompt({})
    with pytest.raises(VariableError, match=r"^look@1 \(draft\).*: variable 'shot': no image file") as err:
        registry.get("look@1").prompt({"shot": "nowhere.png"})
    looked = err.value.message.split("looked in ")[1].rstrip(")").split(", ")
    assert len(looked) == len(set(looked)) == 2, looked  # the prompt's folder, then the project (= current) folder
    result = run_cli("render", "look@1", cwd=tmp_path)
    assert result.returncode == 2 and "StrictUndefined" not in result.stderr, result.stderr
    assert "error: look@1 (draft): line 10: missing variable 'shot'" in result.stderr
