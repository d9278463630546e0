r"""Datasets of cases for ``promptctl ab``: JSONL, CSV and YAML, validated before anything is sent.

A case is the variables of one prompt run, plus optionally the expected value, metadata (``tags``,
``difficulty``, anything else) and a scorer for that case. Every row is checked when the file is
loaded; the first bad row is reported as ``FILE:LINE: what is wrong`` (a :class:`DatasetError`,
exit 2), and nothing has been sent at that point.

Formats (chosen by the file extension):

**JSONL** (``.jsonl``, ``.ndjson``): one JSON object per line; blank lines are skipped::

    {"id": "refund-dup", "vars": {"subject": "Charged twice", "body": "..."}, "expected": {"category": "billing"},
     "tags": ["billing"], "difficulty": "easy"}

**YAML** (``.yaml``, ``.yml``): a list of such mappings, or a mapping with ``cases`` and optional
dataset-wide ``scorer``, ``rubric`` and ``description``::

    scorer: regex
    cases:
      - id: leaked-key
        vars: {customer_message: "I pasted my API key in a public repo"}
        expected: '\\A\\s*\\[ESCALATE: [^\\]]*security'

**CSV** (``.csv``): a header row; columns ``id``, ``expected``, ``scorer``, ``tags`` (separated by
``;`` or ``,``), ``difficulty`` and ``metadata.NAME`` are reserved, ``vars.NAME`` or any other column is
a variable. An empty cell leaves the variable out (its declared default applies). An ``expected``
cell holding a JSON object or array (``{...}``/``[...]``) is parsed as JSON.

Keys of a JSON/YAML case: ``id`` (default: ``L<line>``), ``vars`` (alias ``variables``; a mapping,
required), ``expected``, ``scorer``, ``rubric`` (judge rubric text for this case), ``tags`` (list of
strings), ``difficulty``, ``metadata`` (mapping). Any other key is an error, so typos are caught.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from promptctl.rows import RowError, read_rows

FORMATS = {".jsonl": "jsonl", ".ndjson": "jsonl", ".csv": "csv", ".yaml": "yaml", ".yml": "yaml"}
CASE_KEYS = ("id", "vars", "variables", "expected", "scorer", "rubric", "tags", "difficulty", "metadata")
_CSV_RESERVED = ("id", "expected", "scorer", "rubric", "tags", "difficulty")
MISSING: Any = type("Missing", (), {"__repr__": lambda self: "MISSING", "__bool__": lambda self: False})()
"""Sentinel for a case without an expected value (``None`` is a valid expected value)."""


class DatasetError(RowError):
    """A dataset file or row is invalid (exit 2). The message starts with ``FILE:LINE:``.

    The hint ends by pointing to the format, shipped with the package: ``promptctl help datasets``.

    Attributes:
        path: The dataset file.
        line: 1-based line of the bad row, or None for a file-level problem.
    """

    def __init__(self, path: Path | str, line: int | None, message: str, *, hint: str | None = None) -> None:
        topic = "the dataset format: promptctl help datasets"
        super().__init__(path, line, message, hint=f"{hint} ({topic})" if hint else topic)


@dataclass(frozen=True)
class Case:
    """One case of a dataset.

    Attributes:
        index: 0-based position in the dataset (the key of stored results, with the dataset's sha256).
        id: The case's id (given, or ``L<line>``); unique in the dataset.
        variables: Template variables.
        expected: The expected value, or :data:`MISSING`.
        scorer: Scorer spec for this case, or None (the run's or dataset's applies).
        rubric: Judge rubric text for this case, or None.
        tags: Tags.
        difficulty: Difficulty label, or None.
        metadata: Other metadata.
        line: 1-based line in the file where the case starts.
    """

    index: int
    id: str
    variables: dict[str, Any]
    expected: Any = MISSING
    scorer: str | None = None
    rubric: str | None = None
    tags: tuple[str, ...] = ()
    difficulty: str | None = None
    metadata: dict[str, Any] = field(default_factory=dict)
    line: int = 0

    @property
    def has_expected(self) -> bool:
        """True when the case carries an expected value."""
        return self.expected is not MISSING

    def context(self) -> dict[str, Any]:
        """What a scorer's ``case`` argument holds: id, variables, tags, difficulty, metadata."""
        return {"id": self.id, "variables": self.variables, "tags": list(self.tags), "difficulty": self.difficulty,
                "metadata": self.metadata}


@dataclass(frozen=True)
class Dataset:
    """A loaded, validated dataset.

    Attributes:
        path: The file.
        format: ``jsonl``, ``csv`` or ``yaml``.
        cases: The cases, in file order.
        sha256: sha256 of the file's bytes (a resumed A/B run refuses a changed dataset).
        scorer: Dataset-wide scorer spec (YAML mapping form), or None.
        rubric: Dataset-wide judge rubric text (YAML mapping form), or None.
        description: Free text, or None.
    """

    path: Path
    format: str
    cases: tuple[Case, ...]
    sha256: str
    scorer: str | None = None
    rubric: str | None = None
    description: str | None = None

    def __len__(self) -> int:
        return len(self.cases)

    def __iter__(self) -> Iterator[Case]:
        return iter(self.cases)

    def where(self, case: Case) -> str:
        """``FILE:LINE`` of a case, for messages."""
        return f"{self.path}:{case.line}"


def load_dataset(path: str | Path) -> Dataset:
    """Read and validate a dataset file.

    Args:
        path: A ``.jsonl``/``.ndjson``, ``.csv`` or ``.yaml``/``.yml`` file.

    Returns:
        The :class:`Dataset` (at least one case).

    Raises:
        DatasetError: Unreadable file, unknown extension, a malformed row (reported with its line), a
            duplicate id, or no cases (exit 2).
    """
    file = Path(path)
    fmt = FORMATS.get(file.suffix.lower())
    if fmt is None:
        raise DatasetError(file, None, f"unknown dataset format '{file.suffix}'",
                           hint="use .jsonl, .csv or .yaml")
    read = read_rows(file, list_keys=("cases",), what="cases", error=DatasetError)
    raw, header = read.raw, read.header
    if fmt == "csv":
        rows = [(line, _csv_case(file, line, cells)) for line, cells in read.rows]
    else:
        rows = read.rows
    if fmt == "yaml":
        _check_header(file, header)
    cases = []
    seen: dict[str, int] = {}
    for index, (line, row) in enumerate(rows):
        case = _case(file, line, index, row)
        if case.id in seen:
            raise DatasetError(file, line, f"duplicate case id '{case.id}' (first at line {seen[case.id]})")
        seen[case.id] = line
        cases.append(case)
    if not cases:
        raise DatasetError(file, None, "no cases", hint="a dataset needs at least one case")
    return Dataset(path=file, format=fmt, cases=tuple(cases), sha256=hashlib.sha256(raw).hexdigest(),
                   scorer=header.get("scorer"), rubric=header.get("rubric"), description=header.get("description"))


# -- formats --------------------------------------------------------------------------------------------
def _csv_case(file: Path, line: int, cells: dict[str, str]) -> dict[str, Any]:
    row: dict[str, Any] = {"vars": {}}
    metadata: dict[str, Any] = {}
    for name, value in cells.items():
        if name in _CSV_RESERVED:
            if value.strip() == "":
                continue
            if name == "tags":
                row["tags"] = [t.strip() for t in value.replace(";", ",").split(",") if t.strip()]
            elif name == "expected" and value.strip()[:1] in ("{", "["):
                try:
                    row["expected"] = json.loads(value)
                except (ValueError, RecursionError) as exc:
                    raise DatasetError(file, line, f"column 'expected' looks like JSON but is not: {exc}") from None
            else:
                row[name] = value
        elif name.startswith(("metadata.", "meta.")):
            if value != "":
                metadata[name.partition(".")[2]] = value
        else:
            var = name.removeprefix("vars.")
            if value != "":
                row["vars"][var] = value
    if metadata:
        row["metadata"] = metadata
    return row


def _check_header(file: Path, header: dict[str, Any]) -> None:
    unknown = sorted(set(header) - {"scorer", "rubric", "description"})
    if unknown:
        raise DatasetError(file, 1, f"unknown top-level key '{unknown[0]}'",
                           hint="a YAML dataset is a list of cases, or a mapping with 'cases' "
                                "(and optional 'scorer', 'rubric', 'description')")
    for key in ("scorer", "rubric", "description"):
        if header.get(key) is not None and not isinstance(header[key], str):
            raise DatasetError(file, 1, f"'{key}' must be a string")
    for key in [k for k, v in header.items() if v is None]:
        del header[key]


# -- one case -------------------------------------------------------------------------------------------
def _case(file: Path, line: int, index: int, row: Any) -> Case:
    def fail(message: str, hint: str | None = None) -> DatasetError:
        return DatasetError(file, line, message, hint=hint)

    if not isinstance(row, Mapping):
        raise fail(f"a case must be a mapping with 'vars', not {type(row).__name__}")
    unknown = [k for k in row if k not in CASE_KEYS]
    if unknown:
        import difflib

        close = difflib.get_close_matches(str(unknown[0]), CASE_KEYS, n=1)
        raise fail(f"unknown key '{unknown[0]}'",
                   hint=(f"did you mean '{close[0]}'? " if close else "") + f"case keys: {', '.join(CASE_KEYS)}")
    if "vars" in row and "variables" in row:
        raise fail("give 'vars' or 'variables', not both")
    variables = row.get("vars", row.get("variables"))
    if variables is None:
        variables = {}
    if not isinstance(variables, Mapping):
        raise fail(f"'vars' must be a mapping of variable names to values, not {type(variables).__name__}")
    for name in variables:
        if not isinstance(name, str) or not name.isidentifier():
            raise fail(f"variable name {name!r} is not a valid identifier")
    case_id = row.get("id", f"L{line}")
    if not isinstance(case_id, str | int) or isinstance(case_id, bool) or str(case_id).strip() == "":
        raise fail("'id' must be a non-empty string or integer")
    scorer = row.get("scorer")
    if scorer is not None and (not isinstance(scorer, str) or not scorer.strip()):
        raise fail("'scorer' must be a scorer spec string, e.g. 'exact' or 'regex:^ok'")
    rubric = row.get("rubric")
    if rubric is not None and not isinstance(rubric, str):
        raise fail("'rubric' must be text")
    tags = row.get("tags", [])
    if isinstance(tags, str):
        tags = [tags]
    if not isinstance(tags, list) or not all(isinstance(t, str) for t in tags):
        raise fail("'tags' must be a list of strings")
    difficulty = row.get("difficulty")
    if difficulty is not None and not isinstance(difficulty, str | int | float):
        raise fail("'difficulty' must be a string or number")
    metadata = row.get("metadata", {})
    if not isinstance(metadata, Mapping):
        raise fail("'metadata' must be a mapping")
    return Case(
        index=index, id=str(case_id).strip(), variables=dict(variables),
        expected=row["expected"] if "expected" in row else MISSING, scorer=scorer.strip() if scorer else None,
        rubric=rubric, tags=tuple(tags), difficulty=str(difficulty) if difficulty is not None else None,
        metadata=dict(metadata), line=line,
    )
