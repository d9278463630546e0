"""``print_text_table`` prints byte for byte what rich prints for the same table, at any width and content."""

from __future__ import annotations

import contextlib
import io
import random

import pytest
from rich.console import Console
from rich.table import Table
from rich.text import Text

from promptctl.cli import common

ALPHABET = ["a", "b", "Z", "0", " ", "-", "=", ",", "[", "]", "[bold]", ":smile:", "é", "ß", "漢", "字", "🙂", "\t",
            "\n", "\x1b", "\u00a0", "\u200b"]


def rich_prints(headers: list[str], rows: list[list[str]], width: int, **options: object) -> str:
    out = io.StringIO()
    console = Console(file=out, width=width, highlight=False, soft_wrap=True, **options)  # type: ignore[arg-type]
    table = Table(*headers, box=None, pad_edge=False)
    for row in rows:
        table.add_row(*map(Text, row))
    console.print(table)
    return out.getvalue()


def ours(headers: list[str], rows: list[list[str]], width: int, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("COLUMNS", str(width))
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        common.print_text_table(headers, rows)
    return out.getvalue()


def cell(rng: random.Random, plain: bool) -> str:
    pieces = ALPHABET[:16] if plain else ALPHABET
    return "".join(rng.choice(pieces) for _ in range(rng.choice([0, 1, 2, 5, 12, 30])))


@pytest.mark.parametrize("width", [20, 40, 80, 120, 160, 300])
def test_the_same_bytes_as_rich(width: int, monkeypatch: pytest.MonkeyPatch) -> None:
    import rich.table

    by_rich: list[int] = []

    class Counted(Table):
        def __init__(self, *args: object, **kwargs: object) -> None:
            by_rich.append(1)
            super().__init__(*args, **kwargs)  # type: ignore[arg-type]

    rng = random.Random(width)
    for case in range(60):
        columns = rng.choice([2, 3, 5])
        plain = case % 4 != 0  # a quarter of the tables have tabs, newlines, escapes or other non-printables
        headers = ["prompt", "latest", "drafts", "labels", "description"][:columns]
        rows = [[cell(rng, plain) for _ in range(columns)] for _ in range(rng.choice([0, 1, 3, 8]))]
        expected = rich_prints(headers, rows, width)
        with monkeypatch.context() as patch:
            patch.setattr(rich.table, "Table", Counted)
            assert ours(headers, rows, width, patch) == expected, (headers, rows)
    assert len(by_rich) >= 5 and 60 - len(by_rich) >= 5  # both compared: tables written directly, and by rich


def test_a_list_of_1000_prompts_is_written_directly(monkeypatch: pytest.MonkeyPatch) -> None:
    headers = ["prompt", "latest", "drafts", "labels", "description"]
    rows = [[f"prompt-{i:04d}", "20", "-", "production=20", f"Generated prompt {i}"] for i in range(1000)]
    import rich.table

    built: list[object] = []
    monkeypatch.setattr(rich.table, "Table", lambda *a, **k: built.append(a))  # rich is not asked
    printed = ours(headers, rows, 160, monkeypatch)
    assert not built
    monkeypatch.undo()
    assert printed == rich_prints(headers, rows, 160)


def test_a_terminal_gets_richs_styles(monkeypatch: pytest.MonkeyPatch) -> None:
    styled = Console(file=io.StringIO(), width=80, highlight=False, soft_wrap=True, force_terminal=True,
                     color_system="standard")
    monkeypatch.setattr(common, "console", lambda *a, **k: styled)
    monkeypatch.setenv("FORCE_COLOR", "1")  # what makes rich style a stream that is not a terminal
    common.print_text_table(["prompt", "description"], [["a", "b [x]"]])
    assert styled.file.getvalue() == rich_prints(["prompt", "description"], [["a", "b [x]"]], 80,  # type: ignore[attr-defined]
                                                 force_terminal=True, color_system="standard")
    assert "\x1b[1m" in styled.file.getvalue()  # type: ignore[attr-defined]


def test_rich_decides_whenever_it_might_style(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("FORCE_COLOR", raising=False)
    monkeypatch.delenv("TTY_COMPATIBLE", raising=False)
    monkeypatch.setenv("COLUMNS", "99")
    with contextlib.redirect_stdout(io.StringIO()):
        assert common._unstyled_stdout_width() == 99
        for name, value in [("FORCE_COLOR", "1"), ("FORCE_COLOR", ""), ("TTY_COMPATIBLE", "1"),
                            ("TTY_COMPATIBLE", "0")]:
            with monkeypatch.context() as patch:
                patch.setenv(name, value)
                assert common._unstyled_stdout_width() is None

    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    with contextlib.redirect_stdout(Terminal()):
        assert common._unstyled_stdout_width() is None
    monkeypatch.setitem(__import__("sys").modules, "IPython", object())
    with contextlib.redirect_stdout(io.StringIO()):
        assert common._unstyled_stdout_width() is None
