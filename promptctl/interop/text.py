"""Plain prompt collections: text and markdown files, folders of them, fabric patterns, CSV lists.

- A ``.txt``/``.md`` file is one prompt named after the file: ``{{name}}`` placeholders become
  variables; any other ``{{``, ``{%`` or ``{#`` is literal text (escaped, reported), as are syntax words
  (Go templates' ``{{ end }}``) and names bound by a Jinja example's ``{% for x in ... %}``. A file without a
  placeholder is one user message.
- A fabric pattern folder ``patterns/NAME/system.md`` (optionally ``user.md``) is the prompt ``NAME``:
  ``system.md`` is the system message; the user message is ``user.md``, or the ``{{ input }}`` variable
  when there is no ``user.md``. A ``{{input}}`` inside ``system.md`` is replaced there instead, as fabric
  does, except at its very end (``# INPUT`` then ``{{input}}``, the usual layout), which becomes the user
  message: the same text, with user input kept out of the system prompt. A folder holding such pattern
  folders imports every pattern.
- A ``.csv`` file with a header row is a list of prompts: the name comes from the ``act``, ``name`` or
  ``title`` column and the text from ``prompt``, ``text`` or ``content``; ``${var}`` and
  ``${var:default}`` placeholders become variables (with defaults).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from promptctl.errors import InputError
from promptctl.interop.common import convert_mustache, front_matter, read_text, string_variables
from promptctl.interop.model import ImportedPrompt, ImportedVersion, derive_name

TEXT_SUFFIXES = (".md", ".txt", ".markdown")


def _metadata(fmt: str, name: str, source: str) -> dict[str, Any]:
    return {"imported_from": {"format": fmt, "name": name, "source": source}}


def read_file(path: Path) -> list[ImportedPrompt]:
    """A text or markdown file as one prompt (see the module docstring)."""
    original = path.stem
    prompt = ImportedPrompt(derive_name(original), original, "text")
    body, found = convert_mustache(read_text(path).strip("\n"), prompt, where=str(path), prose=True)
    fm = front_matter(variables=string_variables(found), metadata=_metadata("text", original, path.name))
    prompt.versions.append(ImportedVersion(fm, body, source=str(path)))
    return [prompt]


def is_pattern(folder: Path) -> bool:
    """True when ``folder`` is a fabric pattern (holds ``system.md``)."""
    return (folder / "system.md").is_file()


def read_pattern(folder: Path) -> ImportedPrompt:
    """A fabric pattern folder as one prompt (see the module docstring)."""
    original = folder.name
    prompt = ImportedPrompt(derive_name(original), original, "fabric")
    system_path = folder / "system.md"
    system, found = convert_mustache(read_text(system_path).strip("\n"), prompt, where=str(system_path),
                                     prose=True)
    user_path = folder / "user.md"
    user_text = read_text(user_path).strip("\n") if user_path.is_file() else ""
    if user_text.strip():
        user, more = convert_mustache(user_text, prompt, where=str(user_path), prose=True)
        found.update(more)
    elif "input" in found:
        system, user = split_trailing_input(system)
        if user:
            prompt.note("converted", str(system_path), "the input section at the end of system.md -> the user "
                        "message (user input is kept out of the system prompt)")
    else:
        user, found["input"] = "{{ input }}", None
    body = f"{{% system %}}\n{system}\n{{% endsystem %}}\n"
    if user:
        body += f"{{% user %}}\n{user}\n{{% enduser %}}\n"
    fm = front_matter(variables=string_variables(found),
                      metadata=_metadata("fabric", original, f"{folder.name}/system.md"))
    prompt.versions.append(ImportedVersion(fm, body, source=str(system_path)))
    return prompt


_INPUT_HEADING = re.compile(
    r"^[ \t]*(?:#{1,6}[ \t]+|\*\*)?[A-Za-z ]{0,30}\binput\b[A-Za-z ]{0,30}(?:\*\*)?[ \t]*:?(?:\*\*)?[ \t]*$",
    re.IGNORECASE,
)
"""An input heading or label line: ``# INPUT``, ``INPUT:``, ``**Input**``."""


def split_trailing_input(system: str) -> tuple[str, str]:
    """Split a pattern's final input section off its system text: ``(system, user)``.

    A ``{{ input }}`` at the very end (under ``# INPUT`` headings or ``INPUT:`` labels, if any) moves to the user
    message; ``(system, "")`` when the input is elsewhere in the text. Fabric substitutes the input wherever
    the pattern says; at the end it is the same text in a user message, which keeps user input out of the system
    prompt (lint INJ001) and gives Claude the user turn it requires.
    """
    body = system.rstrip()
    if not body.endswith("{{ input }}") or system.count("{{ input }}") != 1:
        return system, ""
    lines = body[: -len("{{ input }}")].rstrip().split("\n")
    heads: list[str] = []
    while lines and _INPUT_HEADING.match(lines[-1]) and len(heads) < 2:
        heads.insert(0, lines.pop().strip())
        while lines and not lines[-1].strip():
            lines.pop()
    rest = "\n".join(lines).rstrip()
    return (rest, "\n\n".join([*heads, "{{ input }}"])) if rest.strip() else (system, "")


def read_folder(folder: Path) -> list[ImportedPrompt]:
    """Every pattern, text and markdown file in a folder (one level of pattern folders), by name.

    Raises:
        InputError: The folder holds nothing importable.
    """
    if is_pattern(folder):
        return [read_pattern(folder)]
    prompts: list[ImportedPrompt] = []
    for child in sorted(folder.iterdir()):
        if child.is_dir() and is_pattern(child):
            prompts.append(read_pattern(child))
        elif child.is_file() and child.suffix.lower() in TEXT_SUFFIXES and child.name.lower() != "readme.md":
            prompts.extend(read_file(child))
    if not prompts:
        raise InputError(f"{folder}: no prompts found",
                         hint="expected NAME/system.md pattern folders or .md/.txt files")
    return prompts


_NAME_COLUMNS = ("act", "name", "title")
_TEXT_COLUMNS = ("prompt", "text", "content", "template")


def read_csv(path: Path) -> list[ImportedPrompt]:
    """A CSV collection: one prompt per row (see the module docstring).

    Raises:
        InputError: No header with a name and a prompt column.
    """
    from promptctl.rows import read_rows

    read_text(path)  # the interop checks (size, encoding) before the row reader
    rows = read_rows(path, what="prompts").rows
    fieldnames = list(rows[0][1]) if rows else []
    columns = {c.strip().lower(): c for c in fieldnames}
    name_col = next((columns[c] for c in _NAME_COLUMNS if c in columns), None)
    text_col = next((columns[c] for c in _TEXT_COLUMNS if c in columns), None)
    if name_col is None or text_col is None:
        raise InputError(f"{path}: a CSV collection needs a name column ({', '.join(_NAME_COLUMNS)}) and a text "
                         f"column ({', '.join(_TEXT_COLUMNS)})", hint=f"columns found: {fieldnames}")
    prompts: dict[str, ImportedPrompt] = {}
    for line, row in rows:  # the line each record starts on, multi-line cells included
        original = (row.get(name_col) or "").strip()
        if not original:
            continue
        name = derive_name(original)
        prompt = prompts.get(name) or ImportedPrompt(name, original, "csv")
        prompts[name] = prompt
        where = f"{path}:{line}"
        body, found = convert_mustache(row.get(text_col) or "", prompt, where=where, dollar=True)
        extra = {k: v for k, v in row.items() if k not in (name_col, text_col) and k and v not in (None, "")}
        meta = _metadata("csv", original, f"{path.name}:{line}")
        if extra:
            meta["columns"] = extra
        fm = front_matter(variables=string_variables(found, input_names=()), metadata=meta)
        prompt.versions.append(ImportedVersion(fm, body, source=where))
    return list(prompts.values())
