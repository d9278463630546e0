"""Input tokens of images and PDFs, by each provider's documented formula.

Images (dimensions read from the image header):

- **OpenAI, tile models** (gpt-4o, gpt-4.1, gpt-4.5, gpt-5, o1, o3 ...): ``detail: low`` costs the base
  tokens; otherwise the image is scaled down to fit a 2048 x 2048 square, then down so that its shortest
  side is 768 px, and costs ``base + per_tile x`` the number of 512 px tiles that cover it (gpt-4o: 85 + 170
  per tile; gpt-4o-mini 2,833 + 5,667; o1/o3 75 + 150; gpt-5 70 + 140). Source: platform.openai.com
  "Images and vision", "Calculating costs" (its examples: 1024 x 1024 at high = 765 tokens; 2048 x 4096 =
  1,105 tokens), read 2026-12.
- **OpenAI, patch models** (gpt-4.1-mini, gpt-4.1-nano, o4-mini, gpt-5-mini, gpt-5-nano): the number of
  32 px patches that cover the image, capped at 1,536 by scaling the image down (then down again so a whole
  number of patches spans the width), times the model's multiplier (1.62, 2.46, 1.72 ...). Same source; its
  example: 1800 x 2400 -> 1,452 patches.
- **Anthropic**: ``width x height / 750`` after Claude's resize (long edge at most 1,568 px and at most
  about 1,600 tokens, i.e. 1.2 megapixels), rounded up. Anthropic calls the figure approximate, so it is
  labelled an estimate. Source: platform.claude.com "Vision", "Evaluate image size" and "Calculate image
  costs" (1000 x 1000 -> about 1,334 tokens; 1092 x 1092 -> about 1,590).
- **watsonx**: IBM publishes no image token formula; OpenAI's gpt-4o tile formula stands in, labelled an
  estimate.

PDFs (both OpenAI and Anthropic send each page's extracted text and an image of the page: platform.openai.com
"File inputs", platform.claude.com "PDF support"): per page, the page's text (extracted with pypdf, counted
with o200k_base) plus the page as an image at 72 dpi (its size in points) by the provider's image formula.
Always labelled an estimate; a page whose text cannot be extracted counts 1,500 text tokens, the low end
of Anthropic's documented 1,500-3,000 per page.

An image or a PDF sent by URL is not read offline: it is counted at the most the model can bill for one
image (OpenAI tile models: a 768 x 2048 image, 8 tiles; patch models: the cap; Claude: 1,600 tokens) or, for a PDF,
at 3,000 tokens (one page, the high end of Anthropic's range), and labelled an estimate.
"""

from __future__ import annotations

import base64
import binascii
import io
import math
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from promptctl.adapters.profiles import MediaSupport, media_support

PDF_PAGE_TEXT_FALLBACK = 1500
"""Text tokens assumed for a PDF page whose text cannot be extracted (Anthropic's documented low end)."""
PDF_URL_TOKENS = 3000
"""Tokens assumed for a PDF sent by URL (one page at the high end of Anthropic's 1,500-3,000 range)."""
ANTHROPIC_LONG_EDGE = 1568
"""Claude scales an image down until its long edge is at most this (pixels)."""
ANTHROPIC_MAX_TOKENS = 1600
"""...and until it costs at most about this many tokens (``width x height / 750 <= 1,600``)."""


@dataclass
class MediaTokens:
    """Input tokens of the media of one request.

    Attributes:
        tokens: Total (tokens).
        exact: True when every part was counted by a formula documented as what is billed.
        notes: One line per part counted, and why a count is an estimate.
    """

    tokens: int = 0
    exact: bool = True
    notes: list[str] = field(default_factory=list)

    def add(self, tokens: int, exact: bool, note: str) -> None:
        """Count one part."""
        self.tokens += tokens
        self.exact &= exact
        self.notes.append(note)


def openai_tile_tokens(width: int, height: int, base: float, per_tile: float, detail: str = "auto") -> int:
    """Tokens of an image on an OpenAI tile model (see the module docstring for the method and source).

    Args:
        width: Image width (pixels).
        height: Image height (pixels).
        base: Base tokens (85 for gpt-4o).
        per_tile: Tokens per 512 px tile (170 for gpt-4o).
        detail: ``low`` (base only), ``high`` or ``auto`` (counted as high: the upper figure).

    Returns:
        Tokens.
    """
    if detail == "low":
        return int(base)
    w, h = float(width), float(height)
    if max(w, h) > 2048:
        scale = 2048 / max(w, h)
        w, h = w * scale, h * scale
    if min(w, h) > 768:
        scale = 768 / min(w, h)
        w, h = w * scale, h * scale
    tiles = math.ceil(round(w, 6) / 512) * math.ceil(round(h, 6) / 512)
    return int(base + per_tile * tiles)


def openai_patch_tokens(width: int, height: int, multiplier: float, cap: int = 1536) -> int:
    """Tokens of an image on an OpenAI patch model: 32 px patches (at most ``cap``) times ``multiplier``.

    The scaling follows the documented steps: shrink by ``sqrt(cap x 32^2 / (width x height))``, then again
    so that a whole number of patches spans the width. Source: see the module docstring.
    """
    patches = math.ceil(width / 32) * math.ceil(height / 32)
    if patches > cap:
        shrink = math.sqrt(cap * 32 * 32 / (width * height))
        w, h = width * shrink, height * shrink
        across = w / 32
        fit = math.floor(across) / across
        w, h = w * fit, h * fit
        patches = min(cap, math.ceil(round(w, 6) / 32) * math.ceil(round(h, 6) / 32))
    return math.ceil(patches * multiplier)


def anthropic_resized(width: int, height: int) -> tuple[int, int]:
    """The size Claude scales an image to: long edge <= 1,568 px and width x height / 750 <= 1,600 tokens."""
    scale = min(1.0, ANTHROPIC_LONG_EDGE / max(width, height),
                math.sqrt(ANTHROPIC_MAX_TOKENS * 750 / (width * height)))
    if scale >= 1.0:
        return width, height
    return max(1, math.floor(width * scale)), max(1, math.floor(height * scale))


def anthropic_image_tokens(width: int, height: int) -> int:
    """Approximate tokens of an image for Claude: ``ceil(width x height / 750)`` after :func:`anthropic_resized`."""
    w, h = anthropic_resized(width, height)
    return math.ceil(w * h / 750)


def image_tokens(support: MediaSupport, width: int, height: int, detail: str = "auto") -> int:
    """Tokens of one image for a model with the given media facts (``none``: gpt-4o's tile formula)."""
    if support.image_tokens == "area":
        return anthropic_image_tokens(width, height)
    if support.image_tokens == "patch":
        multiplier, cap = support.tile_tokens
        return openai_patch_tokens(width, height, multiplier, int(cap))
    base, per_tile = support.tile_tokens if support.image_tokens == "tile" else (85, 170)
    return openai_tile_tokens(width, height, base, per_tile, detail)


def _largest_image(support: MediaSupport) -> int:
    if support.image_tokens == "area":
        return ANTHROPIC_MAX_TOKENS
    if support.image_tokens == "patch":
        multiplier, cap = support.tile_tokens
        return math.ceil(cap * multiplier)
    base, per_tile = support.tile_tokens if support.image_tokens == "tile" else (85, 170)
    return int(base + per_tile * 8)  # the most tiles: 768 x 2048 after scaling, 2 x 4 tiles


@lru_cache(maxsize=32)
def _image_size(data: bytes) -> tuple[int, int] | None:
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(io.BytesIO(data)) as image:
            return int(image.width), int(image.height)
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError):
        return None


@lru_cache(maxsize=32)
def _pdf_pages(data: bytes) -> tuple[tuple[float, float, int | None], ...] | None:
    """Per page: (width pt, height pt, text tokens or None when no text could be extracted)."""
    import logging

    from pypdf import PdfReader

    from promptctl.tokens.counting import FALLBACK_ENCODING, count_text

    logging.getLogger("pypdf").setLevel(logging.ERROR)
    try:
        reader = PdfReader(io.BytesIO(data))
        pages = []
        for page in reader.pages:
            box = page.mediabox
            try:
                text = page.extract_text() or ""
            except Exception:  # noqa: BLE001 - pypdf's text extraction can fail in many ways on odd PDFs
                text = ""
            tokens = count_text(text, FALLBACK_ENCODING)[0] if text.strip() else None
            pages.append((float(box.width), float(box.height), tokens))
        return tuple(pages)
    except Exception:  # noqa: BLE001 - a PDF pypdf cannot read is estimated, not an error (render checked it)
        return None


def _decode(data_url_or_b64: str) -> bytes | None:
    text = data_url_or_b64.split(",", 1)[1] if data_url_or_b64.startswith("data:") else data_url_or_b64
    try:
        return base64.b64decode(text, validate=False)
    except (binascii.Error, ValueError):
        return None


def _count_image(out: MediaTokens, support: MediaSupport, data: bytes | None, detail: str, label: str) -> None:
    size = _image_size(data) if data is not None else None
    if size is None:
        tokens = _largest_image(support)
        out.add(tokens, False, f"{label}: {tokens} tokens, the most one image can cost (its size is not known "
                               "offline)")
        return
    width, height = size
    tokens = image_tokens(support, width, height, detail)
    exact = support.exact and support.image_tokens in ("tile", "patch")
    how = {"area": "width x height / 750 after Claude's resize", "patch": "32 px patches x multiplier",
           "tile": f"512 px tiles, detail {detail}"}.get(support.image_tokens, "gpt-4o's tile formula as a stand-in")
    out.add(tokens, exact, f"{label} {width}x{height}: {tokens} tokens ({how})")


def _count_pdf(out: MediaTokens, support: MediaSupport, data: bytes | None, label: str) -> None:
    pages = _pdf_pages(data) if data is not None else None
    if pages is None:
        out.add(PDF_URL_TOKENS, False, f"{label}: {PDF_URL_TOKENS} tokens assumed (the PDF is not read offline)")
        return
    total = 0
    for width, height, text in pages:
        page_image = image_tokens(support, max(1, round(width)), max(1, round(height)), "auto")
        total += (PDF_PAGE_TEXT_FALLBACK if text is None else text) + page_image
    out.add(total, False, f"{label}: {len(pages)} page(s), {total} tokens estimated (each page's text plus the "
                          "page as an image)")


def media_tokens(provider: str, model: str, body: dict[str, Any]) -> MediaTokens:
    """Input tokens of the images and PDFs in a request body (OpenAI, Anthropic or watsonx shape).

    Args:
        provider: ``openai``, ``anthropic``, ``watsonx`` or ``fake``.
        model: Model id (chooses the formula through its profile's media facts).
        body: The wire body (:attr:`~promptctl.types.ProviderRequest.body`).

    Returns:
        The total, whether it is exact, and one note per part. No media: zero tokens, exact.
    """
    support = media_support(provider, model)
    out = MediaTokens()
    for message in body.get("messages") or []:
        content = message.get("content") if isinstance(message, dict) else None
        if not isinstance(content, list):
            continue
        for block in content:
            if not isinstance(block, dict):
                continue
            kind = block.get("type")
            if kind == "image_url":
                spec = block.get("image_url") or {}
                url = str(spec.get("url", ""))
                data = _decode(url) if url.startswith("data:") else None
                _count_image(out, support, data, str(spec.get("detail", "auto")), "image")
            elif kind == "file":
                spec = block.get("file") or {}
                data = _decode(str(spec.get("file_data", ""))) if spec.get("file_data") else None
                _count_pdf(out, support, data, f"PDF {spec.get('filename', '')}".rstrip())
            elif kind in ("image", "document"):
                source = block.get("source") or {}
                data = _decode(str(source.get("data", ""))) if source.get("type") == "base64" else None
                if kind == "image":
                    _count_image(out, support, data, "auto", "image")
                else:
                    _count_pdf(out, support, data, "PDF")
    return out


def is_media_block(block: Any) -> bool:
    """True for an image or PDF content block of any supported provider (counted here, not as text)."""
    return isinstance(block, dict) and block.get("type") in ("image_url", "file", "image", "document")
