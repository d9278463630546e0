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
``jinja2``      plain Jinja2 templates (``.jinja2``, ``.jinja``)        yes       no
==============  =====================================================  ========  ========

:func:`read_source` reads a file or folder (subfolders too: :func:`walk`) into
:class:`~promptctl.interop.model.ImportedPrompt` values, giving same-named prompts of different files distinct
names (:func:`distinct_names`); :func:`~promptctl.interop.writer.write_prompt` writes them into a registry.
"""

from __future__ import annotations

import json
from pathlib import Path

from promptctl.errors import InputError
from promptctl.interop import dotprompt, langfuse, promptfoo, prompty, text
from promptctl.interop.model import Finding, ImportedPrompt, derive_name
from promptctl.interop.writer import ImportRow, write_prompt
from promptctl.limits import read_input_bytes

IMPORT_FORMATS = ("langfuse", "dotprompt", "prompty", "promptfoo", "text", "fabric", "csv", "jinja2")
EXPORT_FORMATS = ("langfuse", "dotprompt", "promptfoo")

__all__ = ["EXPORT_FORMATS", "IMPORT_FORMATS", "Finding", "ImportRow", "ImportedPrompt", "detect_format",
           "distinct_names", "found_summary", "read_source", "walk", "write_prompt"]


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
    if suffix in prompty.JINJA_SUFFIXES:
        return "jinja2"
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


def read_source(path: Path, fmt: str | None = None, *, skipped: list[str] | None = None) -> list[ImportedPrompt]:
    """Read a source file or folder.

    A folder is read recursively (:func:`walk`): every importable file at its top, and in its subfolders the
    ``.prompt`` and ``.prompty`` files, fabric pattern folders and promptfoo configs. Prompts of different
    files that would get the same name get distinct names from their folders (:func:`distinct_names`).
    A ``.json`` or ``.csv`` file at a folder's top that is not a prompt collection (a JSON Schema or a sample
    input beside ``.prompty`` files, a dataset) is skipped, and said in ``skipped``.

    Args:
        path: The file or folder.
        fmt: The format (see the module docstring); default detected by :func:`detect_format`.
        skipped: Where a folder import appends ``"FILE: why"`` for each file it skipped.

    Returns:
        The prompts found, each with its versions, findings and ``source_file``.

    Raises:
        InputError: Unknown format, unreadable or invalid source (one line naming file and line).
    """
    if fmt is None and path.is_dir() and not (path / "promptfooconfig.yaml").is_file() and not text.is_pattern(path):
        return distinct_names(_read_folder(path, skipped if skipped is not None else []))
    fmt = fmt or detect_format(path)
    if fmt not in IMPORT_FORMATS:
        raise InputError(f"unknown import format '{fmt}'", hint=f"formats: {', '.join(IMPORT_FORMATS)}")
    if not path.exists():
        raise InputError(f"{path}: no such file or folder")
    if fmt == "promptfoo" and path.is_dir():
        path = path / "promptfooconfig.yaml"
    if fmt in ("text", "fabric"):
        if path.is_file() and path.name == "system.md":  # a fabric pattern given by its system.md
            return _from(path, [text.read_pattern(path.parent)])
        if path.is_dir():
            return distinct_names(text.read_folder(path))
        return _from(path, text.read_file(path))
    if path.is_dir():
        suffixes = {"dotprompt": (".prompt",), "prompty": (".prompty",), "langfuse": (".json",), "csv": (".csv",),
                    "jinja2": (*prompty.JINJA_SUFFIXES, ".j2", *text.TEXT_SUFFIXES)}[fmt]
        deep = fmt in ("dotprompt", "prompty", "jinja2")  # a .json or .csv in a subfolder is rarely a prompt
        files = [p for p in walk(path, deep=deep) if p.is_file() and p.suffix.lower() in suffixes
                 and p.name.lower() != "readme.md"]
        if not files:
            raise InputError(f"{path}: no {'/'.join(suffixes)} files" + (" (subfolders searched too)" if deep else ""))
        return distinct_names([prompt for f in files for prompt in read_source(f, fmt)])
    readers = {"langfuse": langfuse.read, "dotprompt": dotprompt.read, "prompty": prompty.read,
               "promptfoo": promptfoo.read, "csv": text.read_csv, "jinja2": prompty.read_jinja}
    return _from(path, readers[fmt](path))


def _from(path: Path, prompts: list[ImportedPrompt]) -> list[ImportedPrompt]:
    for prompt in prompts:
        prompt.source_file = prompt.source_file or str(path)
    return prompts


SKIPPED_FOLDERS = frozenset({"node_modules", "__pycache__", "site-packages", "partials"})
"""Folders a folder import does not enter (besides hidden ones, ``.git``, ``.venv``..., and virtualenvs, which
hold a ``pyvenv.cfg``): installed packages, caches, and Dotprompt's ``partials/`` (inlined where used)."""
DEEP_SUFFIXES = (".prompt", ".prompty", *prompty.JINJA_SUFFIXES)
"""What a folder import reads from subfolders (with pattern folders and promptfoo configs); other files only at
the top: a ``.json``, ``.md`` or ``.csv`` deep in a source tree is a package file or documentation."""


def walk(folder: Path, *, deep: bool = True) -> list[Path]:
    """The files and subfolders a folder import looks at, in a fixed order (by name, depth first).

    Hidden entries (``.git``, ``.venv``), ``_NAME`` files (Dotprompt partials), :data:`SKIPPED_FOLDERS`,
    virtualenvs and symbolic links to folders are skipped. Each folder is listed before its contents;
    with ``deep=False`` only the folder's own entries.
    """
    out: list[Path] = []
    for child in sorted(folder.iterdir(), key=lambda p: p.name):
        if child.name.startswith("."):
            continue
        if child.is_dir():
            if child.is_symlink() or child.name in SKIPPED_FOLDERS or (child / "pyvenv.cfg").is_file():
                continue
            out.append(child)
            if deep and not text.is_pattern(child) and not (child / "promptfooconfig.yaml").is_file():
                out.extend(walk(child))
        elif not child.name.startswith("_"):
            out.append(child)
    return out


def _read_folder(folder: Path, skipped: list[str]) -> list[ImportedPrompt]:
    """Every importable file and fabric pattern in a folder (see :func:`read_source`), in :func:`walk` order.

    A ``.json`` or ``.csv`` file that is not a Langfuse export or a CSV prompt list is appended to ``skipped``.

    Raises:
        InputError: Nothing importable in the folder or its subfolders.
    """
    prompts: list[ImportedPrompt] = []
    for child in walk(folder):
        if child.is_dir():
            if text.is_pattern(child):
                prompts.extend(_from(child / "system.md", [text.read_pattern(child)]))
            elif (child / "promptfooconfig.yaml").is_file():
                prompts.extend(read_source(child, "promptfoo"))
            continue
        if child.name.lower() == "readme.md" or (child.parent != folder and child.suffix not in DEEP_SUFFIXES):
            continue
        try:
            fmt = detect_format(child)
        except InputError:
            continue
        try:
            prompts.extend(read_source(child, fmt))
        except InputError as exc:
            if fmt not in ("langfuse", "csv"):
                raise
            skipped.append(f"{child}: not imported: {str(exc).removeprefix(f'{child}: ')}")
    if not prompts:
        raise InputError(f"{folder}: no prompts found (subfolders searched for {', '.join(DEEP_SUFFIXES)} files)",
                         hint=(f"skipped {skipped[0]}; " if skipped else "") + "expected .prompt, .prompty, .json, "
                         ".csv, .md or .txt files, NAME/system.md pattern folders or a promptfooconfig.yaml")
    return prompts


_GENERIC_FOLDERS = frozenset({"prompts", "prompt", "src"})
"""Folder names that tell nothing about a prompt (``prompts/`` is where Dotprompt looks): left out of names."""


def distinct_names(prompts: list[ImportedPrompt]) -> list[ImportedPrompt]:
    """Give prompts of different files that derived the same name distinct names, from their folders.

    Five ``recipe.prompt`` files in five folders are five prompts, not five versions of one: each is named
    after the nearest folders that tell it apart (``basic-prompts-recipe``, ``go-samples-recipe``; folders
    named ``prompts`` or ``src`` are left out when that still tells them apart); files of one folder that give
    the same name (Prompty files sharing a ``name:``) are told apart by their file names (``1-build-chat-0``).
    A ``reported`` finding says so. Prompts of one file (the versions of a Langfuse or promptfoo prompt) and a
    file imported again keep their name: importing the same file or folder again gives the same names, so its
    prompts get their next versions as before. Changes ``prompts`` in place and returns it.
    """
    groups: dict[str, list[ImportedPrompt]] = {}
    for prompt in prompts:
        groups.setdefault(prompt.name, []).append(prompt)
    taken = set(groups)
    for name, group in groups.items():
        files = sorted({p.source_file for p in group if p.source_file})
        if len(files) < 2 or any(p.source_file is None for p in group):
            continue
        names = _distinct([Path(f) for f in files], name)
        for prompt in group:
            assert prompt.source_file is not None
            new = base = derive_name(names[prompt.source_file])
            n = 2
            while new in taken:
                new, n = derive_name(f"{base}-{n}"), n + 1
            taken.add(new)
            others = len(files) - 1
            prompt.note("reported", prompt.source_file, f"named '{new}', not '{name}': {others} other "
                        f"file{'s' if others > 1 else ''} of this import also give{'' if others > 1 else 's'} "
                        f"'{name}', and different files are different prompts, not versions of one")
            prompt.name = new
    return prompts


def _distinct(files: list[Path], name: str) -> dict[str, str]:
    """For each file, its nearest folder names (as few as tell it apart from the other files) and ``name``.

    Files sharing a folder end in their file name (without suffix) instead of ``name``.
    """
    parents = [str(f.resolve().parent) for f in files]

    def chain(path: Path, parent: str, generic: bool) -> list[str]:
        parts = list(path.resolve().parent.parts[1:])
        kept = [p for p in parts if generic or p.lower() not in _GENERIC_FOLDERS] or parts
        last = path.name.split(".")[0] if parents.count(parent) > 1 else name
        return [*kept, last]

    for generic in (False, True):
        chains = {str(f): chain(f, parent, generic) for f, parent in zip(files, parents, strict=True)}
        out: dict[str, str] = {}
        for key, parts in chains.items():
            for k in range(2, len(parts) + 1):
                tail = parts[-k:]
                if all(other[-k:] != tail for other_key, other in chains.items() if other_key != key):
                    out[key] = "-".join(tail)
                    break
        if len(out) == len(chains):
            return out
    return {str(f): f"{f.resolve().parent.name}-{name}" for f in files}  # not told apart: numbered by the caller


def found_summary(root: Path, prompts: list[ImportedPrompt]) -> str:
    """One line saying how many files a folder import read, and from which folders (relative to ``root``)."""
    files = sorted({p.source_file for p in prompts if p.source_file})
    where: dict[str, int] = {}
    for f in files:
        parent = Path(f).parent
        rel = parent.relative_to(root) if parent.is_relative_to(root) else parent
        where[str(rel)] = where.get(str(rel), 0) + 1
    shown = [f"{folder} ({n})" for folder, n in where.items()]
    more = f", and {len(shown) - 10} more folders" if len(shown) > 10 else ""
    return (f"found {len(files)} file{'s' if len(files) != 1 else ''} in {len(where)} "
            f"folder{'s' if len(where) != 1 else ''} under {root}: " + ", ".join(shown[:10]) + more)


def export_json(data: object) -> str:
    """JSON text as the exporters write it (indented, UTF-8, trailing newline)."""
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"
