r"""The one row reader: datasets, few-shot example files and any other file of rows, with line numbers.

Formats, by extension:

- JSONL (``.jsonl``, ``.ndjson``): one JSON value per line; blank lines are skipped.
- CSV (``.csv``, RFC 4180 through :mod:`csv`): a header row, then one mapping of column -> cell text per
  record. A quoted cell may hold line breaks (``"a\nb"`` stays ``a\nb``); a record is reported at the
  line it starts on; rows whose cells are all blank are skipped.
- YAML (``.yaml``, ``.yml``; the YAML 1.2 core schema of :mod:`promptctl._yaml`) and JSON (``.json``): a
  list, or a mapping holding the list under one of ``list_keys`` (its other keys are the header).

Every error is a :class:`RowError` whose message starts with ``FILE:LINE:`` (exit 2). This module
belongs to the leaf: it imports nothing of promptctl but errors and the YAML loader.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from promptctl.errors import InputError
from promptctl.limits import read_input_bytes

FORMATS = {".jsonl": "jsonl", ".ndjson": "jsonl", ".csv": "csv", ".yaml": "yaml", ".yml": "yaml", ".json": "json"}


class RowError(InputError):
    """A file of rows, or one row, is invalid (exit 2). The message starts with ``FILE:LINE:``.

    Attributes:
        path: The file.
        line: 1-based line of the bad row, or None for a file-level problem.
    """

    def __init__(self, path: Path | str, line: int | None, message: str, *, hint: str | None = None) -> None:
        where = f"{path}:{line}" if line is not None else str(path)
        super().__init__(f"{where}: {message}", hint=hint)
        self.path = str(path)
        self.line = line


@dataclass(frozen=True)
class Rows:
    """The rows of a file.

    Attributes:
        path: The file.
        format: ``jsonl``, ``csv``, ``yaml`` or ``json``.
        rows: ``(line, value)`` pairs in file order; a CSV value is a ``{column: cell}`` mapping.
        header: The other keys of a YAML/JSON mapping that held the list (empty otherwise).
        raw: The file's bytes (for hashing).
    """

    path: Path
    format: str
    rows: list[tuple[int, Any]]
    header: dict[str, Any] = field(default_factory=dict)
    raw: bytes = b""


def read_rows(path: str | Path, *, list_keys: Sequence[str] = ("cases",), what: str = "rows",
              error: type[RowError] = RowError) -> Rows:
    """Read a file of rows.

    Args:
        path: The file (its extension picks the format, see the module docstring).
        list_keys: Keys of a YAML/JSON mapping that may hold the list, first found wins.
        what: What the rows are, for messages (``cases``, ``examples``).
        error: The :class:`RowError` subclass to raise.

    Returns:
        The :class:`Rows`.

    Raises:
        RowError: Unknown extension, unreadable or non-UTF-8 file, malformed JSON/CSV/YAML (with the line).
    """
    file = Path(path)
    fmt = FORMATS.get(file.suffix.lower())
    if fmt is None:
        raise error(file, None, f"unknown format '{file.suffix}'", hint="use .jsonl, .csv, .yaml or .json")
    try:
        raw = read_input_bytes(file, what=f"{what} file")  # regular files under the input limit only
    except FileNotFoundError:
        raise error(file, None, "cannot read: no such file") from None
    try:
        text = raw.decode("utf-8-sig").replace("\r\n", "\n").replace("\r", "\n")
    except UnicodeDecodeError as exc:
        utf16 = raw[:2] in (b"\xff\xfe", b"\xfe\xff")  # a UTF-16 byte order mark: Excel's "Unicode Text" export
        raise error(file, None, f"not UTF-8 text (byte {exc.start})" + (": it is UTF-16" if utf16 else ""),
                    hint="save it as UTF-8 (Excel: CSV UTF-8)" if utf16 else None) from None
    header: dict[str, Any] = {}
    if fmt == "jsonl":
        rows = list(_jsonl(file, text, error))
    elif fmt == "csv":
        rows = list(_csv(file, text, error))
    else:
        rows, header = _tree(file, text, fmt, list_keys, what, error)
    return Rows(file, fmt, rows, header, raw)


def _jsonl(file: Path, text: str, error: type[RowError]) -> Iterator[tuple[int, Any]]:
    for number, line in enumerate(text.split("\n"), start=1):
        if not line.strip():
            continue
        try:
            yield number, json.loads(line)
        except (ValueError, RecursionError) as exc:  # RecursionError: nested too deeply
            raise error(file, number, f"invalid JSON: {exc}", hint="one JSON object per line (JSON Lines)") from None


def _csv(file: Path, text: str, error: type[RowError]) -> Iterator[tuple[int, dict[str, str]]]:
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader)
    except StopIteration:
        return
    except csv.Error as exc:
        raise error(file, 1, f"invalid CSV header: {exc}") from None
    names = [h.strip() for h in header]
    for i, name in enumerate(names):
        if not name:
            raise error(file, 1, f"column {i + 1} has no name")
        if names.index(name) != i:
            raise error(file, 1, f"duplicate column '{name}'")
    last = reader.line_num
    while True:
        start = last + 1
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            raise error(file, start, f"invalid CSV: {exc}") from None
        last = reader.line_num
        if not any(c.strip() for c in cells):
            continue
        if len(cells) != len(names):
            if last > start and any("\n" in c for c in cells):  # an unclosed quote swallowed the next lines
                hint = (f"a double quote opened on line {start} runs on to line {last}: close it (a quote inside a "
                        "quoted cell is written twice: \"\")")
            elif text.count('"') % 2 == 1:
                hint = ("a double quote in this row is never closed (a quote inside a quoted cell is written "
                        "twice: \"\")")
            else:
                hint = ("a cell holding a comma is written in double quotes (\"refund, duplicate\"); an empty cell is "
                        "still a cell (a,,c)")
            raise error(file, start, f"{len(cells)} cells, but the header has {len(names)} columns", hint=hint)
        yield start, dict(zip(names, cells, strict=True))


def _tree(file: Path, text: str, fmt: str, list_keys: Sequence[str], what: str,
          error: type[RowError]) -> tuple[list[tuple[int, Any]], dict[str, Any]]:
    import yaml

    from promptctl._yaml import CoreLoader, load, plain

    try:
        data = json.loads(text) if fmt == "json" else plain(load(text))
    except (ValueError, RecursionError) as exc:  # JSON (RecursionError: nested too deeply)
        raise error(file, getattr(exc, "lineno", None), f"invalid JSON: {getattr(exc, 'msg', exc)}") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise error(file, mark.line + 1 if mark is not None else None, f"invalid YAML: {problem}") from None
    try:  # line numbers of the items (JSON is YAML here too)
        node: Any = yaml.compose(text, Loader=CoreLoader)
    except yaml.YAMLError:
        node = None
    header: dict[str, Any] = {}
    if isinstance(data, dict):
        key = next((k for k in list_keys if k in data), None)
        header = {k: v for k, v in data.items() if k != key}
        pairs = node.value if isinstance(node, yaml.MappingNode) else []
        node = next((v for k, v in pairs if getattr(k, "value", None) == key), None) if key else None
        data = data.get(key) if key else None
        if data is None:
            return [], header
    if data is None:
        return [], header
    if not isinstance(data, list):
        keys = " or ".join(f"'{k}'" for k in list_keys)
        raise error(file, 1, f"expected a list of {what} (or a mapping with a {keys} list)")
    if isinstance(node, yaml.SequenceNode) and len(node.value) == len(data):
        lines = [item.start_mark.line + 1 for item in node.value]
    else:
        lines = list(range(1, len(data) + 1))
    return list(zip(lines, data, strict=True)), header
