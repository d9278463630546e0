"""The render's placeholder split (``str.find``, no per-render regex) gives exactly what ``re.split`` gave."""

from __future__ import annotations

import random
import re

from promptctl.templating.environment import _Builder


def test_split_equals_re_split_on_random_texts_with_real_forged_and_broken_placeholders() -> None:
    rng = random.Random(14)
    builder = _Builder()
    other = _Builder()
    pattern = re.compile(f"(\x00{builder.nonce}:[smo][0-9]+\x00)")
    head = f"\x00{builder.nonce}:"
    pieces = [builder.token("s"), builder.token("m"), builder.token("o"), other.token("s"),  # another render's
              head, head + "s", head + "s12", head + "x1\x00", head + "m\x00", head + "o١\x00",  # broken
              "\x00", ":", "s1", "7", "\x00\x00", "text", "\n", " ", "é", ""]
    for _ in range(5000):
        text = "".join(rng.choice(pieces) for _ in range(rng.randint(0, 9)))
        assert builder.split(text) == pattern.split(text), repr(text)
