"""Image and PDF input tokens by each provider's documented formula (issue 16, item 2).

The arithmetic is written out next to each figure; the sources are in promptctl.tokens.media's docstring.
"""

from __future__ import annotations

import hashlib
import io
import json
import textwrap
from pathlib import Path

import pytest
from PIL import Image

from promptctl.adapters import adapt
from promptctl.templating.media import load_media
from promptctl.templating.prompt import Message, Prompt
from promptctl.tokens.media import (
    anthropic_image_tokens,
    media_tokens,
    openai_patch_tokens,
    openai_tile_tokens,
)
from promptctl.tokens.request_tokens import count_request
from tests.conftest import run_cli

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "invoice-extraction"


def png(width: int, height: int) -> bytes:
    buffer = io.BytesIO()
    Image.new("1", (width, height)).save(buffer, format="PNG")
    return buffer.getvalue()


def with_image(width: int, height: int, detail: str = "high") -> Prompt:
    from promptctl.templating.media import with_options

    part = with_options(load_media("image", png(width, height), variable="shot"), (("detail", detail),))
    return Prompt(messages=(Message("user", (part, "Describe it.")),))


def text_only() -> Prompt:
    return Prompt(messages=(Message("user", ("Describe it.",)),))


def test_a_1000_px_square_png_costs_the_documented_tokens_on_gpt_4o_and_claude() -> None:
    # gpt-4o, detail high: 1000 x 1000 fits 2048 x 2048; its shortest side 1000 > 768, so it is scaled to
    # 768 x 768, which takes ceil(768 / 512) x ceil(768 / 512) = 2 x 2 = 4 tiles: 85 + 170 x 4 = 765 tokens.
    assert openai_tile_tokens(1000, 1000, 85, 170, "high") == 85 + 170 * 4 == 765
    # Claude: 1000 x 1000 is under 1,568 px and 1.2 megapixels, so not resized: 1,000,000 / 750 = 1,333.3,
    # rounded up to 1,334 tokens.
    assert anthropic_image_tokens(1000, 1000) == 1334

    openai_request = adapt(with_image(1000, 1000), "openai", "gpt-4o")
    text = count_request(adapt(text_only(), "openai", "gpt-4o"))
    count = count_request(openai_request)
    assert count.tokens == text.tokens + 765
    assert count.quality == "exact"  # tiktoken text + the formula OpenAI bills by
    assert any("image 1000x1000: 765 tokens (512 px tiles, detail high)" in note for note in count.notes)

    claude = count_request(adapt(with_image(1000, 1000), "anthropic", "claude-sonnet-4-6"))
    claude_text = count_request(adapt(text_only(), "anthropic", "claude-sonnet-4-6"))
    assert claude.tokens == claude_text.tokens + 1334
    assert claude.quality == "estimate"  # Anthropic calls its formula approximate
    assert claude.low == claude_text.low + 1334 and claude.high == claude_text.high + 1334


def test_the_documented_examples_of_each_formula() -> None:
    # OpenAI "Calculating costs": 2048 x 4096 at high -> 1024 x 2048 -> 768 x 1536 -> 2 x 3 tiles = 1,105 tokens
    assert openai_tile_tokens(2048, 4096, 85, 170, "high") == 85 + 170 * 6 == 1105
    assert openai_tile_tokens(4096, 8192, 85, 170, "low") == 85  # detail low: the base only
    # patches: 1024 x 1024 = 32 x 32 = 1,024 patches (under the 1,536 cap); 1800 x 2400 = 57 x 75 = 4,275 patches,
    # over the cap: scaled by sqrt(1536 x 32^2 / (1800 x 2400)) = 0.603 to 1086 x 1448, then by 33 / 33.94 to
    # 1056 x 1408 -> 33 x 44 = 1,452 patches
    assert openai_patch_tokens(1024, 1024, 1.0) == 1024
    assert openai_patch_tokens(1800, 2400, 1.0) == 1452
    assert openai_patch_tokens(1800, 2400, 1.62) == 2353  # gpt-4.1-mini: ceil(1,452 x 1.62 = 2,352.24)
    # Claude: 200 x 200 -> 53.3 -> 54 tokens; 1092 x 1092 -> 1,589.9 -> 1,590 (the docs' table); a 4000 x 3000
    # photo is scaled to fit 1.2 megapixels and costs at most 1,600
    assert anthropic_image_tokens(200, 200) == 54
    assert anthropic_image_tokens(1092, 1092) == 1590
    assert 1590 <= anthropic_image_tokens(4000, 3000) <= 1600


@pytest.mark.parametrize(("model", "expected"), [
    ("gpt-4o", 85 + 170 * 4),          # 765: four 512 px tiles after scaling to 768 x 768
    ("gpt-4o-mini", 2833 + 5667 * 4),  # 25,501: the same four tiles at the mini model's constants
    ("o3", 75 + 150 * 4),              # 675
    ("gpt-4.1-mini", 1659),            # patches: ceil(1000 / 32)^2 = 32 x 32 = 1,024; ceil(1,024 x 1.62 = 1,658.9)
    ("o4-mini", 1762),                 # ceil(1,024 x 1.72 = 1,761.3)
])
def test_the_formula_follows_the_model_profile(model: str, expected: int) -> None:
    counted = media_tokens("openai", model, adapt(with_image(1000, 1000), "openai", model).body)
    assert counted.tokens == expected
    assert counted.exact


def test_low_detail_and_pdfs_and_urls() -> None:
    assert media_tokens("openai", "gpt-4o", adapt(with_image(3000, 3000, "low"), "openai", "gpt-4o").body).tokens == 85
    pdf = load_media("document", (FIXTURES / "invoice.pdf").read_bytes(), variable="invoice")
    prompt = Prompt(messages=(Message("user", (pdf, "Total?")),))
    counted = media_tokens("anthropic", "claude-sonnet-4-6", adapt(prompt, "anthropic", "claude-sonnet-4-6").body)
    # one US Letter page: its extracted text (o200k_base) plus the page as an image at 72 dpi:
    # 612 x 792 pt -> 484,704 / 750 = 646.3 -> 647 tokens
    assert not counted.exact and counted.tokens > 647
    assert "1 page(s)" in counted.notes[0] and "estimated" in counted.notes[0]
    by_url = Prompt(messages=(Message("user", (load_media("image", "https://example.com/a.png", variable="a"),)),))
    url_count = media_tokens("anthropic", "claude-sonnet-4-6", adapt(by_url, "anthropic", "claude-sonnet-4-6").body)
    assert url_count.tokens == 1600 and not url_count.exact  # the most one image costs: its size is unknown


VERSION = textwrap.dedent("""\
    ---
    description: Describe a photo
    provider: openai
    model: gpt-4o
    parameters: {max_tokens: 10}
    variables:
      photo: {type: image, default: photo.png}
    ---
    {% user %}{% image photo detail="high" %}Describe it in one word.{% enduser %}
    """)


@pytest.fixture(scope="module")
def photo_project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("media-cost")
    assert run_cli("init", cwd=root).returncode == 0
    folder = root / "prompts" / "describe"
    folder.mkdir(parents=True)
    (folder / "v1.j2").write_text(VERSION, encoding="utf-8")
    (folder / "prompt.yaml").write_text("description: Describe a photo\n", encoding="utf-8")
    (folder / "photo.png").write_bytes(png(1000, 1000))
    return root


def test_cost_and_max_cost_include_image_tokens(photo_project: Path) -> None:
    with_image = run_cli("cost", "describe@1", "--json", cwd=photo_project)
    assert with_image.returncode == 0, with_image.stderr
    data = json.loads(with_image.stdout)
    estimate = data[0] if isinstance(data, list) else data
    estimate = estimate.get("estimates", [estimate])[0] if "estimates" in estimate else estimate
    tokens = estimate["input_tokens"]
    assert tokens["tokens"] > 765 and any("765 tokens" in note for note in tokens["notes"])
    # gpt-4o input: $2.50 per million tokens; the image alone costs 765 x 2.5e-6 = $0.0019125, so a budget
    # of $0.0015 is crossed by the image even before the text and the output
    refused = run_cli("run", "describe@1", "--max-cost", "0.0015", cwd=photo_project,
                      env={"OPENAI_API_KEY": "sk-test", "OPENAI_BASE_URL": "http://127.0.0.1:9/v1"})
    assert refused.returncode == 2 and "max-cost" in refused.stderr.lower()


def test_a_cost_comparison_leaves_out_a_model_that_cannot_take_the_image(photo_project: Path) -> None:
    compared = run_cli("cost", "describe@1", "-m", "openai:gpt-3.5-turbo", "-m", "openai:gpt-4o",
                       "-m", "anthropic:claude-sonnet-4-6", "--json", cwd=photo_project)
    assert compared.returncode == 0, compared.stderr
    rows = json.loads(compared.stdout)
    assert sorted(f"{r['provider']}:{r['model']}" for r in rows) == ["anthropic:claude-sonnet-4-6", "openai:gpt-4o"]
    assert "warning: left out of the comparison: describe@1 (draft): openai model gpt-3.5-turbo does not take " \
           "images" in compared.stderr
    table = run_cli("cost", "describe@1", "-m", "openai:gpt-3.5-turbo", "-m", "openai:gpt-4o", cwd=photo_project)
    assert table.returncode == 0 and "vs cheapest" in table.stdout  # still a comparison table, one row
    alone = run_cli("cost", "describe@1", "-m", "openai:gpt-3.5-turbo", "-m", "watsonx:ibm/granite-3-8b-instruct",
                    cwd=photo_project)  # no model left: the first refusal is the error
    assert alone.returncode == 2 and alone.stderr.count("error:") == 1 and "left out" not in alone.stderr
    assert "gpt-3.5-turbo does not take images" in alone.stderr


def test_log_show_of_a_run_with_an_image_shows_the_stored_placeholder(photo_project: Path) -> None:
    # the run store keeps media as "<base64 elided: N bytes, sha256 H>": `log show` reads it, never decodes it
    ran = run_cli("run", "describe@1", "--provider", "fake", "--json", cwd=photo_project)
    assert ran.returncode == 0, ran.stderr
    run_id = json.loads(ran.stdout)["run_id"]
    shown = run_cli("log", "show", run_id, cwd=photo_project)
    assert shown.returncode == 0 and "Traceback" not in shown.stderr, shown.stderr
    digest = hashlib.sha256(png(1000, 1000)).hexdigest()[:12]
    assert f"[image: image/png, {len(png(1000, 1000)):,} bytes, sha256 {digest}, detail high]" in shown.stdout


def test_describe_block_reads_elided_and_damaged_base64() -> None:
    from promptctl.adapters.base import describe_block

    elided = {"type": "image", "source": {"type": "base64", "media_type": "image/png",
                                          "data": "<base64 elided: 9,699 bytes, sha256 40fe2415790eef86>"}}
    assert describe_block(elided) == "[image: image/png, 9,699 bytes, sha256 40fe2415790e]"
    damaged = {"type": "image_url", "image_url": {"url": "data:image/png;base64,abc", "detail": "low"}}
    assert describe_block(damaged) == "[image: image/png, 3 characters of base64 that cannot be decoded, detail low]"


def test_an_image_piped_to_a_media_variable_and_binary_stdin_for_text(photo_project: Path) -> None:
    piped = run_cli("render", "describe@1", "--var", "photo=@-", cwd=photo_project, stdin=png(40, 30))
    assert piped.returncode == 0, piped.stderr
    assert f"[image: image/png, {len(png(40, 30)):,} bytes, sha256 {hashlib.sha256(png(40, 30)).hexdigest()[:12]}" \
        in piped.stdout
    text = run_cli("render", "hello@1", "--var", "question=@-", cwd=photo_project, stdin=png(4, 3))
    assert text.returncode == 2 and "Traceback" not in text.stderr, text.stderr
    assert "error: --var question=@-: stdin is not UTF-8 text" in text.stderr
    accented = run_cli("render", "hello@1", "--var", "question=@-", cwd=photo_project,
                       stdin="Où est ma commande ?\n".encode())
    assert accented.returncode == 0 and "Où est ma commande ?" in accented.stdout
