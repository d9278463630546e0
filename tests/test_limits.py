"""Bounded input files and the ``[limits]`` table (issue 12, item 4)."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from promptctl import limits
from promptctl.errors import InputError
from promptctl.limits import Limits, limits_from_table, read_input_bytes, read_input_text


def test_a_regular_file_and_a_symlink_to_one_are_read(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("hello")
    (tmp_path / "link.txt").symlink_to(tmp_path / "a.txt")
    assert read_input_bytes(tmp_path / "a.txt") == b"hello"
    assert read_input_text(tmp_path / "link.txt") == "hello"


def test_a_missing_file_is_file_not_found(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        read_input_bytes(tmp_path / "nope")


def test_a_directory_is_refused(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="is a directory, not a regular file"):
        read_input_bytes(tmp_path, what="dataset")


def test_dev_zero_is_refused_at_once() -> None:
    start = time.monotonic()
    with pytest.raises(InputError, match="--vars file /dev/zero is a device"):
        read_input_bytes("/dev/zero", what="--vars file")
    assert time.monotonic() - start < 1


def test_a_fifo_is_refused_without_waiting_for_a_writer(tmp_path: Path) -> None:
    fifo = tmp_path / "cases.jsonl"
    os.mkfifo(fifo)
    start = time.monotonic()
    with pytest.raises(InputError, match="is a FIFO"):
        read_input_bytes(fifo, what="dataset")
    assert time.monotonic() - start < 1


def test_a_file_over_the_limit_is_refused(tmp_path: Path) -> None:
    big = tmp_path / "big.json"
    big.write_bytes(b"x" * 2048)
    assert read_input_bytes(big, max_bytes=2048) == b"x" * 2048
    with pytest.raises(InputError, match="larger than the .* MiB input limit") as info:
        read_input_bytes(big, what="--vars file", max_bytes=2047)
    assert "input_file_mb" in (info.value.hint or "")
    previous = limits.configure(input_file_bytes=100)
    try:
        with pytest.raises(InputError, match="input limit"):
            read_input_text(big)
    finally:
        limits.configure(previous)


def test_text_that_is_not_utf8_is_one_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "latin1.yaml"
    path.write_bytes("caf\u00e9".encode("latin-1"))
    with pytest.raises(InputError, match="is not UTF-8 text"):
        read_input_text(path, what="--vars file")


def test_the_limits_table_in_config() -> None:
    got = limits_from_table({"input_file_mb": 1, "render_output_mb": 0.5, "render_time_s": 2}, "promptctl.toml")
    assert got == Limits(input_file_bytes=1024 * 1024, render_output_chars=512 * 1024, render_time_s=2.0)
    assert limits_from_table({}, "x") == limits.DEFAULT_LIMITS
    with pytest.raises(InputError, match="unknown \\[limits\\] key"):
        limits_from_table({"render_mb": 1}, "promptctl.toml")
    with pytest.raises(InputError, match="must be a positive number"):
        limits_from_table({"render_time_s": 0}, "promptctl.toml")
    with pytest.raises(InputError, match="must be a positive number"):
        limits_from_table({"render_time_s": True}, "promptctl.toml")
