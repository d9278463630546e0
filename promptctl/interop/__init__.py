"""Import prompts from the formats teams already have, and export them back.

Formats (one module each):

==============  =====================================================  ========  ========
format          source                                                  import    export
==============  =====================================================  ========  ========
``langfuse``    Langfuse prompt JSON (its public API's prompt objects)  yes       yes
``dotprompt``   Dotprompt ``.prompt`` files (Handlebars + Picoschema)   yes       yes
``prompty``     Prompty ``.prompty`` files, v1 and v2 front matter      yes       no
``promptfoo``   ``promptfooconfig.yaml`` (prompts, providers, tests)    yes       yes
``text``        ``.txt``/``.md`` files and folders; fabric patterns     yes       no
``csv``         CSV prompt lists with ``${var}``/``${var:default}``     yes       no
==============  =====================================================  ========  ========

:func:`read_source` reads a file or folder into :class:`~promptctl.interop.model.ImportedPrompt`
values; :func:`~promptctl.interop.writer.write_prompt` writes them into a registry.
"""

from __future__ import annotations

import json
from pathlib import Path

from promptctl.errors import InputError
from promptctl.interop import dotprompt, langfuse, promptfoo, prompty, text
from promptctl.interop.model import Finding, ImportedPrompt
from promptctl.interop.writer import ImportRow, write_prompt
from promptctl.limits import read_input_bytes

IMPORT_FORMATS = ("langfuse", "dotprompt", "prompty", "promptfoo", "text", "fabric", "csv")
EXPORT_FORMATS = ("langfuse", "dotprompt", "promptfoo")

__all__ = ["EXPORT_FORMATS", "IMPORT_FORMATS", "Finding", "ImportRow", "ImportedPrompt", "detect_format",
           "read_source", "write_prompt"]


def detect_format(path: Path) -> str:
    """The format of a source path, from its name and (for JSON and YAML) its content.

    Raises:
        InputError: The path does not exist, or its format cannot be told (with a hint to use --from).
    """
    if not path.exists():
        raise InputError(f"{path}: no such file or folder")
    if path.is_dir():
        config = path / "promptfooconfig.yaml"
        return "promptfoo" if config.is_file() else "text"
    suffix = path.suffix.lower()
    name = path.name.lower()
    if suffix == ".prompt":
        return "dotprompt"
    if suffix == ".prompty":
        return "prompty"
    if name.startswith("promptfooconfig") or (suffix in (".yaml", ".yml") and _has_key(path, "prompts")):
        return "promptfoo"
    if suffix == ".csv":
        return "csv"
    if suffix == ".json":
        return "langfuse"
    if suffix in text.TEXT_SUFFIXES:
        return "text"
    raise InputError(f"{path}: cannot tell its format", hint=f"give it with --from ({', '.join(IMPORT_FORMATS)})")


def _has_key(path: Path, key: str) -> bool:
    try:
        head = read_input_bytes(path, what="source file").decode("utf-8", errors="replace")
    except OSError:
        return False
    return any(line.startswith(f"{key}:") for line in head.splitlines())


def read_source(path: Path, fmt: str | None = None) -> list[ImportedPrompt]:
    """Read a source file or folder.

    Args:
        path: The file or folder.
        fmt: The format (see the module docstring); default detected by :func:`detect_format`.

    Returns:
        The prompts found, each with its versions and findings.

    Raises:
        InputError: Unknown format, unreadable or invalid source (one line naming file and line).
    """
    if fmt is None and path.is_dir() and not (path / "promptfooconfig.yaml").is_file() and not text.is_pattern(path):
        return _read_folder(path)
    fmt = fmt or detect_format(path)
    if fmt not in IMPORT_FORMATS:
        raise InputError(f"unknown import format '{fmt}'", hint=f"formats: {', '.join(IMPORT_FORMATS)}")
    if not path.exists():
        raise InputError(f"{path}: no such file or folder")
    if fmt == "promptfoo" and path.is_dir():
        path = path / "promptfooconfig.yaml"
    if fmt in ("text", "fabric"):
        if path.is_file() and path.name == "system.md":  # a fabric pattern given by its system.md
            return [text.read_pattern(path.parent)]
        return text.read_folder(path) if path.is_dir() else text.read_file(path)
    if path.is_dir():
        suffix = {"dotprompt": ".prompt", "prompty": ".prompty", "langfuse": ".json", "csv": ".csv"}[fmt]
        files = sorted(p for p in path.iterdir() if p.suffix == suffix and not p.name.startswith("_"))
        if not files:
            raise InputError(f"{path}: no {suffix} files")
        return [prompt for f in files for prompt in read_source(f, fmt)]
    readers = {"langfuse": langfuse.read, "dotprompt": dotprompt.read, "prompty": prompty.read,
               "promptfoo": promptfoo.read, "csv": text.read_csv}
    return readers[fmt](path)


def _read_folder(folder: Path) -> list[ImportedPrompt]:
    """Every importable file and fabric pattern in a folder, each read in its own format (sorted by name).

    Raises:
        InputError: Nothing importable in the folder.
    """
    prompts: list[ImportedPrompt] = []
    for child in sorted(folder.iterdir()):
        if child.is_dir():
            if text.is_pattern(child):
                prompts.append(text.read_pattern(child))
            elif (child / "promptfooconfig.yaml").is_file():
                prompts.extend(read_source(child, "promptfoo"))
            continue
        if child.name.startswith(("_", ".")) or child.name.lower() == "readme.md":
            continue
        try:
            fmt = detect_format(child)
        except InputError:
            continue
        prompts.extend(read_source(child, fmt))
    if not prompts:
        raise InputError(f"{folder}: no prompts found", hint="expected .prompt, .prompty, .json, .csv, .md or .txt "
                         "files, NAME/system.md pattern folders or a promptfooconfig.yaml")
    return prompts


def export_json(data: object) -> str:
    """JSON text as the exporters write it (indented, UTF-8, trailing newline)."""
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"
