"""Which versions lint checks, and loading them quickly.

Default selection, per prompt: every draft, every version a label points at, and the latest published
version. Superseded published versions that no label points at are skipped: they are immutable and no
reference resolves to them except by number (``--all-versions`` checks them too).

Loading reads each prompt's ``prompt.yaml`` once (``Registry.load`` reads it for every version) and
parses each version file with :func:`promptctl.registry.frontmatter.parse_version_text`, so versions
load exactly as everywhere else, errors included.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from promptctl.registry.frontmatter import normalise_newlines, parse_version_text
from promptctl.registry.index import INDEX_FILE, PromptIndex, read_index
from promptctl.registry.registry import (
    MISSING,
    VERSION_FILE_RE,
    PromptVersion,
    Reference,
    Registry,
    load_tools,
    read_prompt_file,
    version_hashes,
)


@dataclass
class PromptFiles:
    """One prompt's index and version files, read once.

    Attributes:
        name: Prompt name.
        folder: The prompt's folder.
        index: Its ``prompt.yaml`` (empty when missing).
        files: Version number -> version file, for the files that exist.
    """

    name: str
    folder: Path
    index: PromptIndex
    files: dict[int, Path]

    @property
    def index_path(self) -> Path:
        """The prompt's ``prompt.yaml``."""
        return self.folder / INDEX_FILE

    @property
    def published(self) -> set[int]:
        """Numbers of the published versions."""
        return {r.version for r in self.index.versions}

    def default_selection(self) -> list[int]:
        """Drafts, label targets and the latest published version, ascending.

        A published version in the selection whose file is missing stays selected (lint reports it); a label
        pointing at a version that was never published nor written is left to the label rule.
        """
        published = self.published
        chosen = {n for n in self.files if n not in published}
        chosen |= {n for n in self.index.labels.values() if n in self.files or n in published}
        if published:
            chosen.add(max(published))
        return sorted(chosen)


def read_prompt(registry: Registry, name: str, index: PromptIndex | None = None) -> PromptFiles:
    """Read a prompt's index (unless given, already read) and list its version files.

    Raises:
        InputError: The index is invalid.
    """
    folder = registry.folder(name)
    files = {}
    if folder.is_dir():
        for path in folder.iterdir():
            match = VERSION_FILE_RE.match(path.name)
            if match:
                files[int(match.group(1))] = path
    return PromptFiles(name=name, folder=folder, index=read_index(folder) if index is None else index, files=files)


def load_version(registry: Registry, prompt: PromptFiles, number: int) -> PromptVersion:
    """Load one version like :meth:`Registry.load` with ``allow_modified=True``, from an index already read.

    A published version whose file no longer matches its recorded hash loads with ``modified=True``.

    Raises:
        FrontMatterError: Invalid front matter.
        OSError: The file cannot be read.
    """
    path = prompt.files[number]
    text = normalise_newlines(read_prompt_file(registry.root, path))
    sha, files = version_hashes(registry.root, path, text)
    record = prompt.index.published(number)
    front, body, offset = parse_version_text(text, where=str(path))
    if front.tools_file is not None and files.get(front.tools_file) != MISSING:
        front = load_tools(registry.root, path, front, where=str(path))
    labels = tuple(sorted(label for label, n in prompt.index.labels.items() if n == number))
    return PromptVersion(
        name=prompt.name, number=number, path=path, text=text, sha256=sha, front_matter=front, body=body,
        body_line=offset + 1, published=record, labels=labels,
        modified=record is not None and record.sha256 != sha, registry=registry,
    )


@dataclass(frozen=True)
class Selection:
    """What to lint: per prompt name, the version numbers (None: the default selection)."""

    prompts: dict[str, list[int] | None]

    def names(self) -> list[str]:
        """Prompt names, sorted."""
        return sorted(self.prompts)


def select(registry: Registry, refs: list[str] | None, *, all_versions: bool = False) -> Selection:
    """Decide which versions to lint.

    Args:
        registry: The registry.
        refs: References. A bare ``NAME`` selects that prompt's default selection (or every version with
            ``all_versions``); ``NAME@N``, ``NAME@label`` and ``NAME@sha256:...`` select exactly one
            version. None or empty: every prompt of the registry.
        all_versions: Check every version file instead of the default selection.

    Raises:
        InputError, ReferenceNotFound: A reference is invalid or does not resolve.
    """
    chosen: dict[str, list[int] | None] = {}
    if not refs:
        return Selection({name: None for name in registry.names()})
    for text in refs:
        reference = Reference.parse(text)
        if reference.selector is None:
            registry.index(reference.name)  # raises for an unknown prompt
            chosen[reference.name] = None
            continue
        name, number = registry.resolve(reference)
        current = chosen.get(name, [])
        if current is None:
            continue  # the whole prompt is already selected
        chosen[name] = sorted({*current, number})
    return Selection(chosen)


def selected_numbers(prompt: PromptFiles, numbers: list[int] | None, *, all_versions: bool) -> Iterator[int]:
    """The version numbers of ``prompt`` to check: explicit ones, all, or the default selection."""
    if numbers is not None:
        yield from numbers
    elif all_versions:
        yield from sorted(prompt.files)
    else:
        yield from prompt.default_selection()
