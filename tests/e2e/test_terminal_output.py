"""A model's reply cannot drive the user's terminal: control sequences are shown, not interpreted, on a TTY."""

from __future__ import annotations

import io

import pytest

from promptctl.cli.common import model_text

HOSTILE = "Done.\x1b]52;c;ZXZpbA==\x07\x1b[2J\rfake prompt$ \x9b31m\ttab\r\nnext\n"


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_on_a_terminal_escapes_bells_lone_returns_and_c1_controls_are_shown_as_escapes(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    screen = _Terminal()
    monkeypatch.setattr("sys.stdout", screen)
    model_text(HOSTILE)
    shown = screen.getvalue()
    assert shown == "Done.\\x1b]52;c;ZXZpbA==\\x07\\x1b[2J\\x0dfake prompt$ \\x9b31m\ttab\r\nnext\n"
    assert not any(ch in shown for ch in "\x1b\x07\x9b")


def test_piped_output_is_byte_for_byte(monkeypatch: pytest.MonkeyPatch) -> None:
    pipe = io.StringIO()
    monkeypatch.setattr("sys.stdout", pipe)
    model_text(HOSTILE)
    model_text("no newline", newline=True)
    assert pipe.getvalue() == HOSTILE + "no newline\n"
