"""A cache of parsed prompt indexes for commands that read every prompt (``list``, ``verify``, ``lint``).

Parsing ``prompt.yaml`` with PyYAML's constructor costs about a millisecond per file; over a registry of
1,000 prompts it is most of ``promptctl list``. The cache keeps each prompt's parsed index (as validated
JSON) keyed by the sha256 of the index file's bytes, in one JSON file per registry under the user's cache
folder (``$PROMPTCTL_CACHE_DIR/registry``, else ``$XDG_CACHE_HOME/promptctl/registry``, else
``~/.cache/promptctl/registry``), never inside the project.

Correctness does not depend on the cache:

- Every index file is read and hashed on every use; a cached parse is used only for exactly the bytes it
  was made from, so an edit of any kind (same size, restored mtime, a tampered file) is a miss and is
  parsed again. ``promptctl verify`` still reads and hashes every version file itself.
- An index with fields promptctl does not know (kept as extras) is never cached, so what is returned is
  always what :func:`~promptctl.registry.index.read_index` would return.
- A missing, unreadable, corrupt or other-release cache file is ignored and rewritten; a cache folder that
  cannot be written is ignored (the commands work, at the uncached speed).
- Writes (``publish``, ``label``) never read through the cache (:func:`~promptctl.registry.index.locked_index`).
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from promptctl.errors import InputError
from promptctl.limits import read_input_bytes
from promptctl.registry.index import INDEX_FILE, PromptIndex, parse_index
from promptctl.types import code_digest, user_cache_dir

FORMAT = 1
"""Bumped when the cache file's layout or :class:`PromptIndex` changes; another format is ignored."""


def cache_folder() -> Path:
    """Where registry caches live: ``$PROMPTCTL_CACHE_DIR/registry``, else ``$XDG_CACHE_HOME/promptctl/registry``."""
    return user_cache_dir() / "registry"


def cache_path(root: Path) -> Path:
    """The cache file of the registry whose prompts folder is ``root`` (named by its absolute path's sha256)."""
    key = hashlib.sha256(str(root.resolve()).encode("utf-8")).hexdigest()[:24]
    return cache_folder() / f"{key}.json"


def _release() -> str:
    """The cache's format, promptctl's release and a digest of the code that parses an index."""
    from promptctl import __version__

    return f"{FORMAT}:{__version__} {code_digest('registry/index.py', 'registry/index_cache.py')}"


def read_indexes(root: Path, names: Iterable[str]) -> Iterator[tuple[str, PromptIndex | InputError]]:
    """Each prompt's parsed index, in the order of ``names``, through the cache.

    Args:
        root: The prompts folder.
        names: Prompt names (folders under ``root``).

    Yields:
        ``(name, index)``, or ``(name, error)`` when that prompt's ``prompt.yaml`` is invalid: the same
        :class:`~promptctl.errors.InputError` :func:`~promptctl.registry.index.read_index` raises, so a
        caller reports it per prompt and goes on. A missing ``prompt.yaml`` is an empty index.

    The cache file is rewritten once, after the last name, when something was parsed; it then holds
    exactly the prompts of ``names`` (entries of deleted prompts are dropped).
    """
    return _through_cache(cache_path(root), root, names, _index_entry, _index_of_entry)


def _index_entry(index: PromptIndex) -> Any:
    return index.model_dump(mode="json", by_alias=True) if _cacheable(index) else None


def _index_of_entry(entry: Any) -> PromptIndex | None:
    try:
        return PromptIndex.model_validate(entry)
    except ValidationError:  # a hand-edited or damaged cache: parse the file instead
        return None


@dataclass(frozen=True)
class IndexSummary:
    """What ``promptctl list`` shows of a prompt's index, without its 20 or 200 version records.

    Attributes:
        description: The index's description.
        labels: Label -> version number.
        published: The published version numbers, ascending.
        sha256: Version number -> recorded sha256, for the newest published version and each labelled one that
            was published (the versions ``list`` checks against their files).
    """

    description: str | None
    labels: dict[str, int]
    published: list[int]
    sha256: dict[int, str]

    @classmethod
    def of(cls, index: PromptIndex) -> IndexSummary:
        """The summary of a parsed index."""
        published = sorted(record.version for record in index.versions)
        shown = ({published[-1]} if published else set()) | set(index.labels.values())
        records = {number: index.published(number) for number in sorted(shown)}
        return cls(index.description, dict(index.labels), published,
                   {number: record.sha256 for number, record in records.items() if record is not None})


def read_summaries(root: Path, names: Iterable[str]) -> Iterator[tuple[str, IndexSummary | InputError]]:
    """Each prompt's :class:`IndexSummary`, as :func:`read_indexes` gives its index (same errors, same order).

    A cache file of its own (``<registry key>.list.json``, next to the index cache) keeps only the summaries,
    keyed like the indexes by the sha256 of each ``prompt.yaml``: a few dozen bytes per prompt, read without
    validating thousands of version records. Every index file is still read and hashed on every use.
    """
    path = cache_path(root)
    return _through_cache(path.with_name(path.stem + ".list.json"), root, names,
                          lambda index: _summary_entry(IndexSummary.of(index)), _summary_of_entry,
                          IndexSummary.of)


def _summary_entry(summary: IndexSummary) -> Any:
    entry = [summary.description, summary.labels, summary.published, {str(k): v for k, v in summary.sha256.items()}]
    return entry if _exact_in_json(entry[:1]) and all(type(v) is int for v in summary.labels.values()) else None


def _summary_of_entry(entry: Any) -> IndexSummary | None:
    """The summary a cache entry holds, or None when it is not exactly what :func:`_summary_entry` writes."""
    if not (isinstance(entry, list) and len(entry) == 4):
        return None
    description, labels, published, sha256 = entry
    if not (
        (description is None or type(description) is str)
        and type(labels) is dict and all(type(k) is str and type(v) is int for k, v in labels.items())
        and type(published) is list and all(type(n) is int for n in published)
        and type(sha256) is dict and all(k.isdigit() and type(v) is str for k, v in sha256.items())
    ):
        return None
    return IndexSummary(description, labels, published, {int(k): v for k, v in sha256.items()})


def _through_cache(path: Path, root: Path, names: Iterable[str], entry_of: Callable[[PromptIndex], Any],
                   of_entry: Callable[[Any], Any], convert: Callable[[PromptIndex], Any] = lambda index: index,
                   ) -> Iterator[tuple[str, Any]]:
    """Each name's ``convert(index)`` (or its error), through the cache file ``path``.

    An entry is used when the index file's sha256 matches it (``of_entry(entry)``; None for a damaged one), else
    the file is parsed and stored as ``entry_of(index)`` (None: not cached). The file is rewritten once, after
    the last name, when something changed.
    """
    old = _load(path)
    new: dict[str, list[Any]] = {}
    changed = False
    for name in names:
        index_path = root / name / INDEX_FILE
        try:
            data = read_input_bytes(index_path, what="prompt index")
        except FileNotFoundError:
            yield name, convert(PromptIndex())
            continue
        except InputError as exc:  # a directory, FIFO or oversized file
            yield name, exc
            continue
        digest = hashlib.sha256(data).hexdigest()
        entry = old.get(name)
        if entry is not None and entry[0] == digest:
            value = of_entry(entry[1])
            if value is not None:
                new[name] = entry
                yield name, value
                continue
        changed = True
        try:
            index = parse_index(data.decode("utf-8").replace("\r\n", "\n").replace("\r", "\n"), index_path)
        except InputError as exc:
            yield name, exc
            continue
        stored = entry_of(index)
        if stored is not None:
            new[name] = [digest, stored]
        yield name, convert(index)
    if changed or new.keys() != old.keys():
        _save(path, new)


def _cacheable(index: PromptIndex) -> bool:
    """Only indexes whose unknown fields JSON keeps exactly.

    That is strings, booleans, nulls, lists and string-keyed mappings of those (a version's ``files`` hashes). A
    number may be a YAML source type (``SourceInt``, which keeps the text it was written as) that JSON would not
    round-trip.
    """
    return all(_exact_in_json(extra) for extra in (index.model_extra, *(r.model_extra for r in index.versions)))


def _exact_in_json(value: Any) -> bool:
    if value is None or type(value) in (str, bool):
        return True
    if type(value) is list:
        return all(_exact_in_json(v) for v in value)
    if type(value) is dict:
        return all(type(k) is str and _exact_in_json(v) for k, v in value.items())
    return False


def _load(path: Path) -> dict[str, list[Any]]:
    try:
        data = json.loads(path.read_bytes())
    except (OSError, ValueError):
        return {}
    if not isinstance(data, dict) or data.get("release") != _release() or not isinstance(data.get("indexes"), dict):
        return {}
    return {k: v for k, v in data["indexes"].items() if isinstance(v, list) and len(v) == 2}


def _save(path: Path, entries: dict[str, list[Any]]) -> None:
    """Write the cache: a temporary file renamed over the old one (a reader sees the old or the new file)."""
    tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp.write_text(json.dumps({"release": _release(), "indexes": entries}, separators=(",", ":")), "utf-8")
        os.replace(tmp, path)
    except OSError:  # a read-only or full cache folder: the next run parses again
        try:
            tmp.unlink(missing_ok=True)
        except OSError:
            pass
