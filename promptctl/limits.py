"""Resource limits: what promptctl reads, renders and parses is bounded.

A hostile or broken input (a template computing ``'x' * 10**9``, ``--vars /dev/zero``, a FIFO named as
a dataset, a 500-byte YAML alias bomb) ends in one ``error:`` line (exit 2), never in a hang or an
exhausted memory. The limits, their defaults and the ``[limits]`` keys of ``promptctl.toml`` that change
them:

==========================  ===========  =============================================================
``input_file_mb``           50           largest file read: prompt and index files, ``--vars``,
                                         datasets, few-shot example files, lockfiles, suites (MiB)
``render_output_mb``        10           largest rendered template, and largest string or list a
                                         template may build on the way (MiB, counted in characters)
``render_time_s``           10           longest a template may render (seconds of wall time)
==========================  ===========  =============================================================

YAML aliases may add at most :data:`YAML_ALIAS_NODES` nodes to a document (the "billion laughs" guard;
not configurable). Library users change the limits with :func:`configure`; the CLI applies the
project's ``[limits]`` table.

Files are read with :func:`read_input_bytes` / :func:`read_input_text`: only a regular file (a symlink
to one is followed) no larger than the limit is read. The open never blocks (``O_NONBLOCK``), so a FIFO
is refused instead of waiting for a writer.
"""

from __future__ import annotations

import dataclasses
import os
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from promptctl.errors import InputError

MIB = 1024 * 1024
DEFAULT_CALL_TIMEOUT_S = 120.0
"""Default time limit of one model call (seconds), SDK retries included, unless config sets ``timeout``.

The SDKs' own default is 600 s per attempt with 2 retries, so a hung endpoint blocked a run for about
30 minutes. 120 s covers a long non-reasoning answer (several thousand output tokens at the slowest
commercial speeds, about 30 tokens/s)."""
REASONING_CALL_TIMEOUT_S = 600.0
"""Default time limit of one call to a reasoning model or with extended thinking (seconds): OpenAI's
reasoning guide warns that high-effort answers can take minutes, and Anthropic's SDK refuses
non-streaming calls expected to exceed 10 minutes."""

YAML_ALIAS_NODES = 100_000
"""Nodes that YAML aliases may add to one document when it is expanded (anchors reused more are refused)."""


@dataclass(frozen=True)
class Limits:
    """The resource limits in force.

    Attributes:
        input_file_bytes: Largest file promptctl reads (bytes).
        render_output_chars: Largest rendered text, and largest string or list built while rendering
            (characters, or items for a list).
        render_time_s: Longest wall time of one render (seconds).
    """

    input_file_bytes: int = 50 * MIB
    render_output_chars: int = 10 * MIB
    render_time_s: float = 10.0


DEFAULT_LIMITS = Limits()
_CONFIG_KEYS = {"input_file_mb": "input_file_bytes", "render_output_mb": "render_output_chars",
                "render_time_s": "render_time_s"}
_current = DEFAULT_LIMITS


def current() -> Limits:
    """The limits in force in this process."""
    return _current


def configure(limits: Limits | None = None, **changes: Any) -> Limits:
    """Set the process's limits: a whole :class:`Limits`, or some fields changed; returns the previous ones.

    Args:
        limits: The new limits (default: the current ones).
        **changes: Fields of :class:`Limits` to change, e.g. ``render_time_s=2.0``.

    Returns:
        The limits in force before the call (pass them back to restore).
    """
    global _current
    previous = _current
    _current = dataclasses.replace(limits or _current, **changes)
    return previous


def limits_from_table(table: dict[str, Any], where: str) -> Limits:
    """The :class:`Limits` described by a ``[limits]`` config table (missing keys keep their defaults).

    Raises:
        InputError: An unknown key, or a value that is not a positive number.
    """
    unknown = sorted(set(table) - set(_CONFIG_KEYS))
    if unknown:
        raise InputError(f"{where}: unknown [limits] key(s) {', '.join(unknown)}",
                         hint=f"keys: {', '.join(_CONFIG_KEYS)}")
    fields: dict[str, Any] = {}
    for key, value in table.items():
        if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
            raise InputError(f"{where}: [limits] {key} must be a positive number, not {value!r}")
        field = _CONFIG_KEYS[key]
        fields[field] = float(value) if field == "render_time_s" else max(1, int(value * MIB))
    return dataclasses.replace(DEFAULT_LIMITS, **fields)


def read_input_bytes(path: str | Path, *, what: str = "file", max_bytes: int | None = None) -> bytes:
    """Read a whole input file, only if it is a regular file within the size limit.

    Args:
        path: The file (a symlink to a regular file is followed).
        what: What the file is, for errors (``--vars file``, ``dataset``, ``prompt file`` ...).
        max_bytes: The size limit in bytes (default :attr:`Limits.input_file_bytes`).

    Returns:
        The file's bytes.

    Raises:
        FileNotFoundError: The file does not exist (callers decide whether that is an error).
        InputError: The path is a directory, FIFO, socket or device, the file is larger than the
            limit, or it cannot be read (exit 2).
    """
    limit = current().input_file_bytes if max_bytes is None else max_bytes
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_NOCTTY", 0)
    try:
        fd = os.open(path, flags)
    except FileNotFoundError:
        raise
    except IsADirectoryError:  # Windows and some platforms refuse to open a folder at all
        raise _not_regular(path, what, "a directory") from None
    except OSError as exc:
        raise InputError(f"cannot read {what} {path}: {exc.strerror or exc}") from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise _not_regular(path, what, _kind(info.st_mode))
        if info.st_size > limit:
            raise _too_large(path, what, limit)
        chunks: list[bytes] = []
        size = 0
        while True:
            chunk = os.read(fd, min(1 * MIB, limit + 1 - size))
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
            if size > limit:  # the file grew while being read
                raise _too_large(path, what, limit)
        return b"".join(chunks)
    except OSError as exc:
        raise InputError(f"cannot read {what} {path}: {exc.strerror or exc}") from None
    finally:
        os.close(fd)


def read_input_text(path: str | Path, *, what: str = "file", encoding: str = "utf-8") -> str:
    """:func:`read_input_bytes` decoded (``utf-8-sig`` drops a byte-order mark).

    Raises:
        FileNotFoundError: The file does not exist.
        InputError: As :func:`read_input_bytes`, or the bytes are not valid in ``encoding`` (exit 2).
    """
    data = read_input_bytes(path, what=what)
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as exc:
        raise InputError(f"{what} {path} is not {encoding.removesuffix('-sig').upper()} text "
                         f"(byte {exc.start}: {exc.reason})", hint="save the file as UTF-8") from None


def _kind(mode: int) -> str:
    if stat.S_ISDIR(mode):
        return "a directory"
    if stat.S_ISFIFO(mode):
        return "a FIFO (named pipe)"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    return "not a regular file"


def _not_regular(path: str | Path, what: str, kind: str) -> InputError:
    return InputError(f"{what} {path} is {kind}, not a regular file",
                      hint="give the path of a regular file (promptctl reads regular files only)")


def _too_large(path: str | Path, what: str, limit: int) -> InputError:
    return InputError(f"{what} {path} is larger than the {limit / MIB:g} MiB input limit",
                      hint="raise input_file_mb in the [limits] table of promptctl.toml if the file is meant "
                      "to be this large")
