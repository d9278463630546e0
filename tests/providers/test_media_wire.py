"""Images and PDFs on the wire, through the real SDKs against the loopback server (issue 16, items 1 and 5).

The goldens are the exact request bodies with the base64 elided by size and sha256
(:func:`promptctl.types.elide_media`); the test also checks that the elided data is the file's real base64.
"""

from __future__ import annotations

import base64
import hashlib
import io
import textwrap
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from promptctl.adapters import adapt
from promptctl.errors import AdapterError
from promptctl.providers.anthropic import AnthropicProvider
from promptctl.providers.openai import OpenAIProvider
from promptctl.registry.registry import Registry
from promptctl.templating.media import load_media
from promptctl.templating.prompt import Media, Message, Prompt
from promptctl.types import elide_media

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "invoice-extraction"
PNG = (FIXTURES / "invoice.png").read_bytes()
PDF = (FIXTURES / "invoice.pdf").read_bytes()
PNG_SHA = hashlib.sha256(PNG).hexdigest()
PDF_SHA = hashlib.sha256(PDF).hexdigest()
PNG_ELIDED = f"<base64 elided: {len(PNG):,} bytes, sha256 {PNG_SHA[:16]}>"
PDF_ELIDED = f"<base64 elided: {len(PDF):,} bytes, sha256 {PDF_SHA[:16]}>"

VERSION = textwrap.dedent("""\
    ---
    description: Compare a scanned receipt with the invoice PDF
    provider: openai
    model: gpt-4o
    parameters: {temperature: 0, max_tokens: 200}
    variables:
      receipt: {type: image}
      invoice: {type: document}
    ---
    {% system %}You check receipts against invoices.{% endsystem %}
    {% user %}
    {% section "receipt" %}
    {% image receipt detail="high" %}
    {% endsection %}
    {% document invoice title="Invoice FOS-2026-0412" %}
    Do the totals match?
    {% enduser %}
    """)


@pytest.fixture(scope="module")
def prompt(tmp_path_factory: pytest.TempPathFactory) -> Prompt:
    root = tmp_path_factory.mktemp("media-wire")
    folder = root / "prompts" / "check"
    folder.mkdir(parents=True)
    (folder / "v1.j2").write_text(VERSION, encoding="utf-8")
    return Registry(root).get("check@1").prompt({"receipt": str(FIXTURES / "invoice.png"),
                                                  "invoice": str(FIXTURES / "invoice.pdf")})


OPENAI_GOLDEN = {
    "model": "gpt-4o",
    "messages": [
        {"role": "system", "content": "You check receipts against invoices."},
        {"role": "user", "content": [
            {"type": "text", "text": "## Receipt"},
            {"type": "image_url", "image_url": {"url": f"data:image/png;base64,{PNG_ELIDED}", "detail": "high"}},
            {"type": "file", "file": {"filename": "Invoice FOS-2026-0412.pdf",
                                      "file_data": f"data:application/pdf;base64,{PDF_ELIDED}"}},
            {"type": "text", "text": "Do the totals match?"},
        ]},
    ],
    "temperature": 0,
    "max_tokens": 200,
}

ANTHROPIC_GOLDEN = {
    "model": "claude-sonnet-4-6",
    "max_tokens": 200,
    "system": "You check receipts against invoices.",
    "messages": [
        {"role": "user", "content": [
            {"type": "text", "text": "<receipt>"},
            {"type": "image", "source": {"type": "base64", "media_type": "image/png", "data": PNG_ELIDED}},
            {"type": "text", "text": "</receipt>"},
            {"type": "document", "source": {"type": "base64", "media_type": "application/pdf", "data": PDF_ELIDED},
             "title": "Invoice FOS-2026-0412"},
            {"type": "text", "text": "Do the totals match?"},
        ]},
    ],
    "temperature": 0,
}


def _blocks(body: dict[str, Any]) -> list[dict[str, Any]]:
    return [block for message in body["messages"] if isinstance(message["content"], list)
            for block in message["content"]]


def test_openai_request_with_an_image_and_a_pdf_matches_the_golden(prompt, server, monkeypatch, complete):
    monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test")
    server.replies = ["They match."]
    request = adapt(prompt, "openai", "gpt-4o", {"temperature": 0, "max_tokens": 200})

    completion = complete(OpenAIProvider({"max_retries": 0}), request)

    [wire] = server.requests
    assert wire.body == request.body  # what the SDK sent is the adapted body, base64 and all
    assert elide_media(wire.body) == OPENAI_GOLDEN
    image, document = (b for b in _blocks(wire.body) if b["type"] != "text")
    assert image["image_url"]["url"] == "data:image/png;base64," + base64.b64encode(PNG).decode()
    assert document["file"]["file_data"] == "data:application/pdf;base64," + base64.b64encode(PDF).decode()
    assert completion.text == "They match."


def test_anthropic_request_with_an_image_and_a_pdf_matches_the_golden(prompt, server, monkeypatch, complete):
    monkeypatch.setenv("ANTHROPIC_BASE_URL", server.anthropic_base_url)
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-ant-test")
    server.replies = ["They match."]
    request = adapt(prompt, "anthropic", "claude-sonnet-4-6", {"temperature": 0, "max_tokens": 200})

    completion = complete(AnthropicProvider({"max_retries": 0}), request)

    [wire] = server.requests
    assert wire.path == "/v1/messages"
    assert wire.body == request.body
    assert elide_media(wire.body) == ANTHROPIC_GOLDEN
    image, document = (b for b in _blocks(wire.body) if b["type"] in ("image", "document"))
    assert base64.b64decode(image["source"]["data"]) == PNG
    assert base64.b64decode(document["source"]["data"]) == PDF
    assert completion.text == "They match."


def test_media_by_https_url_is_sent_by_reference(server, monkeypatch, complete):
    monkeypatch.setenv("ANTHROPIC_BASE_URL", server.anthropic_base_url)
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-ant-test")
    server.replies = ["A cat."]
    url = "https://example.com/cat.jpg"
    prompt = Prompt(messages=(Message("user", (load_media("image", url, variable="pic"), "What is it?")),))

    complete(AnthropicProvider({"max_retries": 0}), adapt(prompt, "anthropic", "claude-sonnet-4-6"))
    assert server.requests[0].body["messages"][0]["content"][0] == {
        "type": "image", "source": {"type": "url", "url": url}}
    openai_body = adapt(prompt, "openai", "gpt-4.1-mini").body
    assert openai_body["messages"][0]["content"][0] == {
        "type": "image_url", "image_url": {"url": url, "detail": "auto"}}


def test_watsonx_vision_models_get_image_url_parts_and_refuse_pdfs(prompt):
    image_only = Prompt(messages=(Message("user", (load_media("image", PNG, variable="scan"), "Total?")),))
    body = adapt(image_only, "watsonx", "meta-llama/llama-3-2-11b-vision-instruct").body
    assert elide_media(body["messages"]) == [{"role": "user", "content": [
        {"type": "image_url", "image_url": {"url": f"data:image/png;base64,{PNG_ELIDED}"}},
        {"type": "text", "text": "Total?"}]}]
    with pytest.raises(AdapterError, match="does not take PDF documents"):
        adapt(prompt, "watsonx", "meta-llama/llama-3-2-90b-vision-instruct")
    with pytest.raises(AdapterError, match="ibm/granite-3-8b-instruct does not take images") as err:
        adapt(image_only, "watsonx", "ibm/granite-3-8b-instruct")
    assert "llama-3-2-11b-vision-instruct" in (err.value.hint or "")


def png(width: int, height: int) -> bytes:
    buffer = io.BytesIO()
    Image.new("1", (width, height)).save(buffer, format="PNG")
    return buffer.getvalue()


def image(width: int, height: int, name: str = "shot") -> Media:
    return load_media("image", png(width, height), variable=name)


def user(*parts: object) -> Prompt:
    return Prompt(messages=(Message("user", tuple(parts)),))  # type: ignore[arg-type]


def test_limits_are_checked_before_sending() -> None:
    # Anthropic: 8000 x 8000 px; 2000 x 2000 px when a request has more than 20 images; 100 images; 5 MB
    with pytest.raises(AdapterError, match=r"'wide' is 8001x10 px; anthropic refuses images over 8000x8000 px"):
        adapt(user(image(8001, 10, "wide")), "anthropic", "claude-sonnet-4-6")
    adapt(user(*[image(2001, 10) for _ in range(20)]), "anthropic", "claude-sonnet-4-6")
    with pytest.raises(AdapterError, match="over 2000x2000 px when a request has more than 20 images"):
        adapt(user(*[image(2001, 10) for _ in range(21)]), "anthropic", "claude-sonnet-4-6")
    with pytest.raises(AdapterError, match="101 images in one request; anthropic takes at most 100"):
        adapt(user(*[image(2, 2) for _ in range(101)]), "anthropic", "claude-sonnet-4-6")
    big = Media(kind="image", variable="huge", media_type="image/png", data=b"x", sha256="0" * 64,
                size=6 * 1024 * 1024, width=100, height=100)
    with pytest.raises(AdapterError, match="'huge' is 6,291,456 bytes; anthropic takes at most 5,242,880"):
        adapt(user(big), "anthropic", "claude-sonnet-4-6")
    adapt(user(big), "openai", "gpt-4o")  # OpenAI's limit is 50 MB per request
    # OpenAI: a PDF goes as file data only; media only in user messages; text-only models refuse images
    by_url = load_media("document", "https://example.com/invoice.pdf", variable="invoice")
    with pytest.raises(AdapterError, match="takes a PDF as file data, not by URL"):
        adapt(user(by_url), "openai", "gpt-4o")
    with pytest.raises(AdapterError, match="is in a system message; openai takes media in user messages only"):
        adapt(Prompt(messages=(Message("system", (image(2, 2),)), Message.text("user", "hi"))), "openai", "gpt-4o")
    with pytest.raises(AdapterError, match="gpt-3.5-turbo does not take images"):
        adapt(user(image(2, 2)), "openai", "gpt-3.5-turbo")


def test_pdf_pages_are_counted_against_the_limit() -> None:
    from pypdf import PdfWriter

    writer = PdfWriter()
    for _ in range(101):
        writer.add_blank_page(width=200, height=200)
    buffer = io.BytesIO()
    writer.write(buffer)
    document = load_media("document", buffer.getvalue(), variable="report")
    assert document.pages == 101
    for provider, model in (("openai", "gpt-4o"), ("anthropic", "claude-sonnet-4-6")):
        with pytest.raises(AdapterError, match=f"101 PDF pages in one request; {provider} takes at most 100"):
            adapt(user(document), provider, model)


def test_consecutive_user_turns_with_media_merge_into_one_claude_turn() -> None:
    shot = image(3, 3)
    prompt = Prompt(messages=(Message("user", ("First.",)), Message("user", (shot, "Second."))))
    content = elide_media(adapt(prompt, "anthropic", "claude-sonnet-4-6").body["messages"])
    assert [m["role"] for m in content] == ["user"]
    assert [b["type"] for b in content[0]["content"]] == ["text", "image", "text"]
    assert content[0]["content"][0] == {"type": "text", "text": "First."}
