"""Few-shot examples: where they come from (front matter list or a JSONL/CSV/YAML/JSON dataset) and their text.

A dataset row is a mapping with an input and an output field (``input_field``/``output_field``,
default ``input`` and ``output``) and optionally a label (``label_field``). JSONL: one JSON object
per line. CSV: a header row, then one example per row (values are strings). YAML or JSON: a list of
mappings, or a mapping with an ``examples`` (or ``cases``) list. Errors name the file and line (JSONL,
CSV) or item number (YAML, JSON).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from promptctl.errors import InputError

if TYPE_CHECKING:
    from promptctl.executors.fewshot import FewShotOptions


@dataclass(frozen=True)
class Example:
    """One few-shot example.

    Attributes:
        index: 0-based position in its source.
        input: The input value.
        output: The expected output value.
        label: The label (``label_field``), or None.
        row: The whole source mapping (what the template's variable receives).
    """

    index: int
    input: Any
    output: Any
    label: str | None
    row: dict[str, Any]


def as_text(value: Any) -> str:
    """A value as prompt text: strings as they are, anything else as compact JSON."""
    if isinstance(value, str):
        return value
    import json

    return json.dumps(value, ensure_ascii=False)


def load_examples(source: Any, options: FewShotOptions, *, root: Path, where: str) -> tuple[list[Example], str]:
    """The examples of an inline list or a dataset file.

    Args:
        source: A list of mappings, or a dataset path (str).
        options: Field names.
        root: Folder relative paths start from (the project root).
        where: Reference named in errors.

    Returns:
        ``(examples, source description)``.

    Raises:
        InputError: No examples, a missing, unreadable or malformed file, or a row without input or output
            (the message names the file and line or row).
    """
    if isinstance(source, str):
        path = Path(source) if Path(source).is_absolute() else root / source
        if not path.exists():  # a file beside the version file, named from there, is the likely slip
            raise InputError(f"{where}: examples file '{source}' not found: {path} does not exist",
                             hint=f"a relative path starts from the project root ({root}), e.g. "
                                  f"prompts/NAME/{Path(source).name} for a file beside the version file "
                                  "(promptctl help examples)")
        rows, described = _read_dataset(path), str(source)
    elif isinstance(source, list):
        rows, described = [(i + 1, row) for i, row in enumerate(source)], "front matter examples"
    else:
        raise InputError(f"{where}: few-shot needs examples", hint="add 'examples:' to the front matter or "
                         "'dataset: FILE' (JSONL, CSV or YAML) to the strategy (promptctl help examples)")
    examples = []
    for index, (line, row) in enumerate(rows):
        if not isinstance(row, dict) or options.input_field not in row or options.output_field not in row:
            place = f"{where}: example {line} of the front matter's examples" if isinstance(source, list) \
                else f"{described}:{line}"
            raise InputError(
                f"{place}: an example needs '{options.input_field}' and '{options.output_field}'"
                f"{_keys_it_has(row, (options.input_field, options.output_field))}",
                hint="set input_field/output_field in the strategy if the dataset names them differently "
                "(promptctl help examples)",
            )
        label = row.get(options.label_field) if options.label_field else None
        examples.append(Example(index, row[options.input_field], row[options.output_field],
                                None if label is None else str(label), dict(row)))
    if not examples:
        raise InputError(f"{where}: {described} holds no examples")
    return examples, described


def _keys_it_has(row: Any, wanted: tuple[str, str]) -> str:
    """``" (it has 'inpt', 'output': is 'inpt' a typo of 'input'?)"``: what an example missing a wanted key holds."""
    if not isinstance(row, dict):
        return f" (it is a {type(row).__name__}, not a mapping)"
    import difflib

    keys = [str(k) for k in row]
    typos = [(k, w) for w in wanted if w not in row
             for k in difflib.get_close_matches(w, [k for k in keys if k not in wanted], n=1, cutoff=0.6)]
    has = ", ".join(f"'{k}'" for k in keys) or "no keys"
    return f" (it has {has}" + (f": is '{typos[0][0]}' a typo of '{typos[0][1]}'?" if typos else "") + ")"


def _read_dataset(path: Path) -> list[tuple[int, Any]]:
    """The rows of a few-shot dataset file with their lines (:func:`promptctl.rows.read_rows`)."""
    from promptctl.rows import read_rows

    return read_rows(path, list_keys=("examples", "cases"), what="examples").rows
