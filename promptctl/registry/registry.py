"""The prompt registry: prompt folders, versions, references, publishing and labels.

Layout::

    prompts/<name>/prompt.yaml     index: description, labels, published versions (see index.py)
    prompts/<name>/v<N>.j2         version N: YAML front matter + Jinja2 body

A version file that the index does not list is a *draft*: usable by number,
always shown as a draft, editable. A published version is immutable: its file
must keep the sha256 recorded at publish time.

References: ``name`` (latest published), ``name@N``, ``name@<label>``,
``name@sha256:<8+ hex digits>``.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from promptctl.errors import FrontMatterError, InputError, IntegrityError, ReferenceNotFound
from promptctl.limits import read_input_bytes
from promptctl.registry.frontmatter import (
    FrontMatter,
    bundle_sha256,
    content_sha256,
    folder_media,
    load_tools_text,
    media_names,
    normalise_newlines,
    parse_version_text,
    tools_reference,
)
from promptctl.registry.index import (
    INDEX_FILE,
    LabelMove,
    PromptIndex,
    PublishedVersion,
    append_publish_log,
    atomic_write_text,
    folder_lock,
    locked_index,
    read_index,
    read_publish_log,
)
from promptctl.registry.index_cache import IndexSummary, read_indexes, read_summaries
from promptctl.registry.lock import LockEntry, Lockfile
from promptctl.types import utc_now

if TYPE_CHECKING:
    from promptctl.templating import Template
    from promptctl.templating.prompt import Prompt

NAME_RE = re.compile(r"^[a-z0-9][a-z0-9_.-]{0,99}$")
VERSION_FILE_RE = re.compile(r"^v([1-9][0-9]*)\.j2$")
_SHA_RE = re.compile(r"^sha256:([0-9a-f]{8,64})$")
_LABEL_RE = re.compile(r"^[A-Za-z][A-Za-z0-9_.-]{0,63}$")


@dataclass(frozen=True)
class Reference:
    """A parsed prompt reference.

    Attributes:
        name: Prompt name.
        selector: ``None`` (latest published), a version number, a label, or ``sha256:<hex>``.

    """

    name: str
    selector: int | str | None = None

    @classmethod
    def parse(cls, text: str) -> Reference:
        """Parse ``name``, ``name@N``, ``name@label`` or ``name@sha256:<hex>``.

        Raises:
            InputError: The text is not a valid reference (exit 2).

        """
        name, sep, selector = text.strip().partition("@")
        if not NAME_RE.match(name) or (sep and not selector):
            raise InputError(
                f"invalid prompt reference {text!r}",
                hint="use NAME, NAME@3, NAME@production or NAME@sha256:1a2b3c4d (lower-case names)",
            )
        if not sep:
            return cls(name)
        if selector.isdigit():
            return cls(name, int(selector))
        if selector.startswith("sha256:"):
            if not _SHA_RE.match(selector.lower()):
                raise InputError(
                    f"invalid hash in reference {text!r}", hint="give at least 8 hex digits: NAME@sha256:1a2b3c4d"
                )
            return cls(name, selector.lower())
        if not _LABEL_RE.match(selector):
            raise InputError(f"invalid label in reference {text!r}", hint=_LABEL_RULE)
        return cls(name, selector)

    def __str__(self) -> str:
        return self.name if self.selector is None else f"{self.name}@{self.selector}"


@dataclass(frozen=True)
class PromptVersion:
    """One version of a prompt, loaded and checked.

    Attributes:
        name: Prompt name.
        number: Version number (1, 2, ...).
        path: The version file.
        text: File text with LF line endings (what the hash covers).
        sha256: Hex sha256 of ``text`` (UTF-8).
        front_matter: Typed front matter.
        body: The Jinja2 template body.
        body_line: 1-based file line where the body starts.
        published: Publish record, or ``None`` for a draft.
        labels: Labels pointing at this version.
        modified: True when a published file no longer matches its recorded hash (only loadable
            with ``allow_modified=True``).

    """

    name: str
    number: int
    path: Path
    text: str
    sha256: str
    front_matter: FrontMatter
    body: str
    body_line: int
    published: PublishedVersion | None = None
    labels: tuple[str, ...] = ()
    modified: bool = False
    registry: Registry | None = field(default=None, repr=False, compare=False)

    @property
    def is_draft(self) -> bool:
        """True when the version is not published."""
        return self.published is None

    @property
    def ref(self) -> str:
        """The exact reference ``name@N``."""
        return f"{self.name}@{self.number}"

    @property
    def display(self) -> str:
        """``name@N`` plus ``(draft)`` for drafts."""
        return self.ref + (" (draft)" if self.is_draft else "")

    @property
    def template(self) -> Template:
        """The body and its declared variables, as rendering takes them (:func:`promptctl.templating.render`)."""
        from promptctl.templating import Template

        front = self.front_matter
        tools = None if front.tools_file is not None else front.tool_set()  # a loaded tools file is a list here
        return Template(self.body, self.display, self.body_line, front.variables, tools, self.media_roots)

    @property
    def media_roots(self) -> tuple[Path, ...]:
        """Folders a relative media path is looked up in: the prompt's own folder, then the project folder.

        The project folder is the one holding ``prompts/`` (the registry root's parent when it is named ``prompts``).
        """
        roots = [self.path.parent]
        if self.registry is not None:
            root = Path(self.registry.root)
            roots.append(root.parent if root.name == "prompts" else root)
        return tuple(dict.fromkeys(roots))

    def prompt(self, variables: Mapping[str, Any] | None = None) -> Prompt:
        """Validate variables and render the template into a provider-neutral :class:`Prompt`.

        Raises:
            VariableError: A value does not fit its declared type.
            UndefinedVariableError: The template reads a variable that was not given.
            TemplateSecurityError, TemplateError: See :func:`promptctl.templating.render_prompt`.

        """
        from promptctl.templating import render

        return render(self.template, dict(variables or {}))

    if not TYPE_CHECKING:  # at run time only: to type checkers a misspelt attribute stays an error

        def __getattr__(self, name: str) -> Any:
            """Point the removed methods ``render``/``run``/``arun`` at the functions that replace them."""
            if name in ("render", "run", "arun"):
                raise AttributeError(f"PromptVersion.{name}() was removed: call promptctl.{name}(version, ...) "
                                     "instead (a version is data plus .prompt(); rendering and running are functions)")
            raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")


class Registry:
    """A folder of prompts.

    Args:
        path: The prompts folder, or a project folder containing ``prompts/``.
        lock: A lockfile path (or :class:`~promptctl.registry.lock.Lockfile`). When given, :meth:`get`
            resolves only references recorded in the lock, to exactly the locked version and sha256.

    Resolving a reference reads only that prompt's ``prompt.yaml`` and one version file.

    Raises:
        InputError: The lockfile is missing or invalid.

    """

    def __init__(self, path: str | Path = "prompts", *, lock: str | Path | Lockfile | None = None) -> None:
        root = Path(path)
        if (root / "prompts").is_dir() and not (root / INDEX_FILE).exists():
            root = root / "prompts"
        self.root = root
        self.lock = lock if isinstance(lock, Lockfile) or lock is None else Lockfile.read(lock)

    def __repr__(self) -> str:
        return f"Registry({str(self.root)!r})"

    # -- reading -----------------------------------------------------------------------------
    def folder(self, name: str) -> Path:
        """The folder of prompt ``name`` (which may not exist)."""
        return self.root / name

    def names(self) -> list[str]:
        """Names of all prompts (folders holding a ``prompt.yaml`` or a version file), sorted."""
        if not self.root.is_dir():
            return []
        return sorted(
            p.name
            for p in self.root.iterdir()
            if p.is_dir() and NAME_RE.match(p.name) and ((p / INDEX_FILE).exists() or any(_version_files(p)))
        )

    def index(self, name: str) -> PromptIndex:
        """The index of prompt ``name``.

        Raises:
            ReferenceNotFound: No such prompt.

        """
        folder = self.folder(name)
        if not folder.is_dir():
            raise ReferenceNotFound(
                f"no prompt named '{name}' in {self.root}",
                hint=_did_you_mean(name, self.names()) or "run 'promptctl list' to see the prompts",
            )
        return read_index(folder)

    def indexes(self, names: Iterable[str] | None = None) -> Iterator[tuple[str, PromptIndex | InputError]]:
        """Every prompt's index (or ``names``'), read through the index cache: for commands that read them all.

        Args:
            names: Prompt names; None: :meth:`names`.

        Yields:
            ``(name, index)``, or ``(name, InputError)`` for an invalid ``prompt.yaml`` (see
            :func:`~promptctl.registry.index_cache.read_indexes`; the result equals :meth:`index`'s).
        """
        return read_indexes(self.root, self.names() if names is None else names)

    def summaries(self) -> Iterator[tuple[str, IndexSummary | InputError]]:
        """Every prompt's :class:`~promptctl.registry.index_cache.IndexSummary`: what ``list`` shows of an index.

        Read through a cache of its own; an invalid ``prompt.yaml`` gives the error :meth:`indexes` gives.
        """
        return read_summaries(self.root, self.names())

    def version_numbers(self, name: str) -> list[int]:
        """Numbers of all version files of a prompt (published and drafts), ascending."""
        try:  # names only: no Path per file (21,000 of them in a list of 1,000 prompts x 20 versions)
            entries = os.listdir(self.folder(name))
        except (FileNotFoundError, NotADirectoryError):  # as _version_files: no folder, no versions
            return []
        return sorted(int(match.group(1)) for entry in entries if (match := VERSION_FILE_RE.match(entry)))

    def resolve(self, ref: str | Reference) -> tuple[str, int]:
        """Resolve a reference to ``(name, version number)`` without loading the version.

        Raises:
            InputError: Invalid reference syntax.
            ReferenceNotFound: Unknown prompt, version, label or hash; or no published version.

        """
        reference = ref if isinstance(ref, Reference) else Reference.parse(ref)
        name, sel = reference.name, reference.selector
        index = self.index(name)
        if sel is None:
            if not index.versions:
                drafts = self.version_numbers(name)
                raise ReferenceNotFound(
                    f"prompt '{name}' has no published version",
                    hint=f"use a draft by number ({name}@{drafts[-1]}) or publish it" if drafts else None,
                )
            return name, max(r.version for r in index.versions)
        if isinstance(sel, int):
            if not (self.folder(name) / f"v{sel}.j2").exists() and index.published(sel) is None:
                raise ReferenceNotFound(
                    f"prompt '{name}' has no version {sel}",
                    hint=f"versions: {', '.join(map(str, self.version_numbers(name))) or 'none'}",
                )
            return name, sel
        if sel.startswith("sha256:"):
            prefix = sel.removeprefix("sha256:")
            hits = {r.version for r in index.versions if r.sha256.startswith(prefix)}
            published = {r.version for r in index.versions}
            for number, path in _version_files(self.folder(name)):
                if number not in published and version_hashes(self.root, path)[0].startswith(prefix):
                    hits.add(number)
            if not hits:
                raise ReferenceNotFound(f"no version of '{name}' has sha256 starting with {prefix}")
            if len(hits) > 1:
                raise ReferenceNotFound(
                    f"sha256 prefix {prefix} of '{name}' is ambiguous (versions {sorted(hits)})",
                    hint="give more hex digits",
                )
            return name, hits.pop()
        if sel not in index.labels:
            raise _no_label(name, sel, index)
        return name, index.labels[sel]

    def get(self, ref: str | Reference, *, allow_modified: bool = False) -> PromptVersion:
        """Load the version a reference points at, checking its integrity.

        Args:
            ref: A reference string or :class:`Reference`.
            allow_modified: Load a published version even when its file no longer matches its hash
                (the result has ``modified=True``).

        Raises:
            InputError, ReferenceNotFound: See :meth:`resolve`.
            IntegrityError: A published version's file was edited or deleted, or (with a lock) no
                longer has the locked sha256 (exit 4).
            FrontMatterError: The version file's front matter is invalid.

        """
        if self.lock is not None:
            return self._get_locked(ref)
        name, number = self.resolve(ref)
        return self.load(name, number, allow_modified=allow_modified)

    def _get_locked(self, ref: str | Reference) -> PromptVersion:
        key = str(ref if isinstance(ref, Reference) else Reference.parse(ref))
        assert self.lock is not None
        entry = self.lock.entries.get(key)
        if entry is None:
            raise ReferenceNotFound(
                f"'{key}' is not in {self.lock.path}",
                hint=f"add it with: promptctl lock {key} (plus the references already locked)",
            )
        version = self.load(entry.name, entry.version)
        if version.sha256 != entry.sha256:
            locked, actual = distinct_prefixes(entry.sha256, version.sha256)
            if version.published is not None:
                # load() checked the file against its published record: the lockfile is what changed.
                raise IntegrityError(
                    f"{self.lock.path}: {key} is locked to {entry.name}@{entry.version} sha256 {locked}, but "
                    f"{version.path} and its published record both have {actual}: the lockfile changed",
                    path=str(self.lock.path),
                    hint=f"restore {self.lock.path.name} from version control, or re-lock deliberately with: "
                    "promptctl lock",
                )
            raise IntegrityError(
                f"{version.path}: {key} is locked to {entry.name}@{entry.version} sha256 {locked}, but that version "
                f"is not published any more (the file has {actual})",
                path=str(version.path),
                hint="restore the prompt's files from version control, or re-lock deliberately with: promptctl lock",
            )
        return version

    def lock_references(self, refs: list[str], path: str | Path) -> Lockfile:
        """Resolve references and build a lockfile (not written).

        Raises:
            ReferenceNotFound, IntegrityError: A reference does not resolve or its version is tampered.
            InputError: A reference resolves to a draft (drafts cannot be pinned).

        """
        entries: dict[str, LockEntry] = {}
        for ref in refs:
            key = str(Reference.parse(ref))
            version = self.load(*self.resolve(key))
            if version.is_draft:
                raise InputError(
                    f"{key} resolves to draft {version.ref}",
                    hint=f"publish it first: promptctl publish {version.name}",
                )
            entries[key] = LockEntry(version.name, version.number, version.sha256)
        return Lockfile(Path(path), entries)

    def load(self, name: str, number: int, *, allow_modified: bool = False) -> PromptVersion:
        """Load version ``number`` of prompt ``name`` (see :meth:`get`)."""
        index = self.index(name)
        path = self.folder(name) / f"v{number}.j2"
        record = index.published(number)
        try:
            raw = read_prompt_file(self.root, path)
        except FileNotFoundError:
            if record is not None:
                raise IntegrityError(
                    f"{path}: published version {name}@{number} is missing",
                    path=str(path),
                    hint="restore the file from version control; published versions are never deleted",
                ) from None
            raise ReferenceNotFound(f"prompt '{name}' has no version {number}") from None
        text = normalise_newlines(raw)
        sha, files = version_hashes(self.root, path, text)
        modified = record is not None and record.sha256 != sha
        if modified and not allow_modified:
            assert record is not None
            raise modified_error(path, f"{name}@{number}", sha, files, record,
                                 hint=f"restore the file, or copy it to a new draft (v{self.next_number(name)}.j2) "
                                 "and publish that")
        front, body, offset = parse_version_text(text, where=str(path))
        if front.tools_file is not None and (not modified or files.get(front.tools_file) != MISSING):
            front = load_tools(self.root, path, front, where=str(path))
        labels = tuple(sorted(label for label, n in index.labels.items() if n == number))
        return PromptVersion(
            name=name,
            number=number,
            path=path,
            text=text,
            sha256=sha,
            front_matter=front,
            body=body,
            body_line=offset + 1,
            published=record,
            labels=labels,
            modified=modified,
            registry=self,
        )

    def versions(self, name: str, *, allow_modified: bool = True) -> Iterator[PromptVersion]:
        """Every version of a prompt, ascending (modified published versions flagged, not raised)."""
        for number in self.version_numbers(name):
            yield self.load(name, number, allow_modified=allow_modified)

    def next_number(self, name: str) -> int:
        """The number a new draft of ``name`` gets (never one that was published, even if its record is gone)."""
        folder = self.folder(name)
        index = read_index(folder)
        known = self.version_numbers(name) + [r.version for r in index.versions]
        known += [entry.version for entry in read_publish_log(folder)]
        return max(known, default=0) + 1

    # -- writing -----------------------------------------------------------------------------
    def publish(self, name: str, number: int | None = None, *, message: str | None = None) -> PublishedVersion:
        """Publish a draft: record its sha256, time and message; it is immutable from then on.

        Args:
            name: Prompt name.
            number: Draft to publish; default the highest-numbered draft.
            message: What changed, shown in history.

        Returns:
            The new publish record.

        Raises:
            ReferenceNotFound: No such prompt or no draft to publish.
            InputError: The version is already published, or its front matter or template is invalid.

        """
        folder = self.folder(name)
        self.index(name)  # raises for an unknown prompt
        with folder_lock(folder):
            index = read_index(folder)
            published = {r.version for r in index.versions}
            drafts = [n for n in self.version_numbers(name) if n not in published]
            if number is None:
                if not drafts:
                    raise ReferenceNotFound(f"prompt '{name}' has no draft to publish")
                number = drafts[-1]
            elif number in published:
                raise InputError(f"{name}@{number} is already published", hint="published versions are immutable")
            elif number not in drafts:
                raise ReferenceNotFound(f"prompt '{name}' has no draft v{number}.j2")
            path = folder / f"v{number}.j2"
            text = normalise_newlines(read_prompt_file(self.root, path))
            # Refuse to publish what cannot be loaded: front matter and template syntax are checked.
            front, body, offset = parse_version_text(text, where=str(path))
            load_tools(self.root, path, front, where=str(path))
            _parse_template(body, where=f"{name}@{number} (draft)", line_offset=offset)
            sha, files = version_hashes(self.root, path, text)
            record = PublishedVersion(version=number, sha256=sha, published_at=utc_now(), message=message,
                                      **({"files": files} if files else {}))
            _warn_if_identical(name, record, index.versions)
            index.versions.append(record)
            index.versions.sort(key=lambda r: r.version)
            atomic_write_text(folder / INDEX_FILE, index.to_yaml())
            append_publish_log(folder, [record])  # after the index: a crash in between loses no protection
        return record

    def drafts(self, name: str) -> list[int]:
        """Numbers of the drafts (unpublished version files) of prompt ``name``, ascending."""
        published = {r.version for r in read_index(self.folder(name)).versions}
        return [n for n in self.version_numbers(name) if n not in published]

    def publish_all(self, *, message: str | None = None) -> list[tuple[str, PublishedVersion]]:
        """Publish every draft of every prompt, oldest first, with one message.

        Every draft is checked (front matter and template) before any is published, so a bad draft
        publishes nothing.

        Returns:
            ``(name, record)`` for each version published, in prompt and version order.

        Raises:
            InputError: A draft's front matter or template is invalid (naming the file); nothing was
                published.
        """
        todo = [(name, number) for name in self.names() for number in self.drafts(name)]
        for name, number in todo:
            path = self.folder(name) / f"v{number}.j2"
            _, body, offset = parse_version_text(normalise_newlines(read_prompt_file(self.root, path)),
                                                 where=str(path))
            _parse_template(body, where=f"{name}@{number} (draft)", line_offset=offset)
        return [(name, self.publish(name, number, message=message)) for name, number in todo]

    def set_label(self, ref: str, label: str) -> LabelMove:
        """Point ``label`` at the published version ``ref`` resolves to, recording the move.

        Returns:
            The move. When the label already points at that version nothing is written or recorded,
            and the move returned has ``from_version == to_version``.

        Raises:
            InputError: Invalid label, or the version is a draft.
            ReferenceNotFound: The reference does not resolve.

        """
        check_label(label)
        name, number = self.resolve(ref)
        current = self.index(name)
        if current.labels.get(label) == number and current.published(number) is not None:
            return LabelMove.model_validate({"label": label, "from": number, "to": number, "at": utc_now()})
        with locked_index(self.folder(name)) as index:
            if index.published(number) is None:
                raise InputError(f"{name}@{number} is a draft", hint=f"publish it first: promptctl publish {name}")
            twin = next((other for other in sorted(index.labels) if other != label and other.lower() == label.lower()),
                        None)
            if twin is not None:  # Production beside production: a second label nobody meant
                raise InputError(
                    f"{name} already has label '{twin}', which differs from '{label}' only in case",
                    hint=f"labels are case-sensitive: move '{twin}' (promptctl label {name}@{number} {twin}); to "
                         f"rename it, remove it first (promptctl label {name} {twin} --delete)",
                )
            previous = index.labels.get(label)
            move = LabelMove.model_validate({"label": label, "from": previous, "to": number, "at": utc_now()})
            if previous != number:
                index.labels[label] = number
                index.label_history.append(move)
        return move


    def remove_label(self, name: str, label: str) -> LabelMove:
        """Remove ``label`` from prompt ``name``, recording the removal as a move to no version (``to: null``).

        A lockfile entry that pins ``name@label`` is then stale: ``promptctl lock --check`` reports it (exit 1).

        Returns:
            The move (``to_version`` None).

        Raises:
            ReferenceNotFound: No such prompt, or it has no such label (with a "did you mean").
        """
        self.index(name)  # no such prompt: the usual error
        with locked_index(self.folder(name)) as index:
            if label not in index.labels:
                raise _no_label(name, label, index)
            move = LabelMove.model_validate({"label": label, "from": index.labels.pop(label), "to": None,
                                             "at": utc_now()})
            index.label_history.append(move)
        return move


def _no_label(name: str, label: str, index: PromptIndex) -> ReferenceNotFound:
    """``prompt 'x' has no label 'Production'``, with a "did you mean" among its labels, else the list of them."""
    labels = ", ".join(sorted(index.labels)) or "none"
    close = _did_you_mean(label, list(index.labels))
    return ReferenceNotFound(f"prompt '{name}' has no label '{label}'",
                             hint=f"{close} (labels: {labels})" if close else f"labels: {labels}")


_LABEL_RULE = "a label is a letter followed by letters, digits, '_', '.' or '-' (at most 64), e.g. production"


def _parse_template(body: str, *, where: str, line_offset: int) -> None:
    """Check that a template parses before it is published (Jinja2 is imported here, not for reading).

    ``where`` is the reference (``NAME@N (draft)``), so the error reads as render's and run's do:
    ``error: hello@2 (draft): line 23: unknown filter 'uper'`` (the line of the version file).
    """
    from promptctl.templating.environment import parse_source

    parse_source(body, where=where, line_offset=line_offset)


def prompt_info(version: PromptVersion) -> dict[str, Any]:
    """``{"name", "version", "sha256", "draft"}`` of a version (the ``prompt`` of records and ``--json``)."""
    return {"name": version.name, "version": version.number, "sha256": version.sha256, "draft": version.is_draft}


def is_chain(version: PromptVersion) -> bool:
    """True when the version's front matter declares ``strategy: {name: chain}``."""
    return version.front_matter.strategy.name == "chain"


def check_label(label: str) -> None:
    """Raise :class:`InputError` saying why ``label`` cannot be a label name.

    Labels start with a letter (``NAME@3`` is version 3, so a number cannot be a label) and ``sha256``
    is reserved for hash references (``NAME@sha256:1a2b3c4d``).
    """
    if label[:1].isdigit():
        raise InputError(
            f"invalid label {label!r}: labels must start with a letter",
            hint=f"NAME@{label} would read as a version number; {_LABEL_RULE}",
        )
    if label.startswith("sha256"):
        raise InputError(
            f"invalid label {label!r}: 'sha256' is reserved for hash references (NAME@sha256:1a2b3c4d)",
            hint=_LABEL_RULE,
        )
    if not _LABEL_RE.match(label):
        raise InputError(f"invalid label {label!r}", hint=_LABEL_RULE)


def modified_error(path: Path, ref: str, sha: str, files: dict[str, str], record: PublishedVersion, *,
                   hint: str) -> IntegrityError:
    """The :class:`IntegrityError` for a published version whose sha256 changed, naming the file that changed.

    A version's tools file or media file is named when it is the one that changed (missing, or its sha256
    differs from the one recorded at publish time); otherwise the version file is.
    """
    recorded_files = getattr(record, "files", None) or {}
    for name, now_sha in files.items():
        what = "tools file" if name.lower().endswith((".json", ".yaml", ".yml")) else "media file"
        if now_sha == MISSING:
            return IntegrityError(f"{path.parent / name}: the {what} of published version {ref} is missing",
                                  path=str(path.parent / name), hint="restore it from version control")
        if name in recorded_files and recorded_files[name] != now_sha:
            now, was = distinct_prefixes(now_sha, recorded_files[name])
            return IntegrityError(
                f"{path.parent / name}: the {what} of published version {ref} was modified (sha256 {now}, "
                f"recorded {was})", path=str(path.parent / name),
                hint=f"restore the {what}; to change it, copy the version to a new draft with a new {what} and "
                "publish that")
    for name in recorded_files:
        if name not in files:  # a deleted media file is simply not found in the folder any more
            what = "tools file" if name.lower().endswith((".json", ".yaml", ".yml")) else "media file"
            return IntegrityError(f"{path.parent / name}: the {what} of published version {ref} is missing",
                                  path=str(path.parent / name), hint="restore it from version control")
    now, recorded = distinct_prefixes(sha, record.sha256)
    return IntegrityError(f"{path}: published version {ref} was modified (sha256 {now}, recorded {recorded})",
                          path=str(path), hint=hint)


def distinct_prefixes(a: str, b: str, minimum: int = 12) -> tuple[str, str]:
    """Prefixes of two hex digests long enough to tell them apart (at least ``minimum`` characters)."""
    first = next((i for i, (x, y) in enumerate(zip(a, b, strict=False)) if x != y), min(len(a), len(b)))
    n = max(minimum, first + 1)
    return a[:n], b[:n]


def read_prompt_file(root: Path, path: Path) -> bytes:
    """The bytes of a version file of the registry at ``root``, read within the input limits.

    Raises:
        FileNotFoundError: No such file.
        InputError: The path is a symlink (or in a symlinked folder) leading outside the registry, is not a
            regular file, or is larger than the input limit (exit 2).
    """
    check_inside(root, path)
    return read_input_bytes(path, what="prompt file")


def matches_record(root: Path, path: Path, sha256: str) -> bool:
    """Whether the version file at ``path`` (with its tools file) exists, can be read and has the published sha256."""
    try:
        return version_hashes(root, path)[0] == sha256
    except (FileNotFoundError, InputError):
        return False


MISSING = "missing"
"""The hash :func:`version_hashes` gives a tools file that does not exist (so the version's sha256 cannot match)."""


def version_hashes(root: Path, path: Path, text: str | None = None) -> tuple[str, dict[str, str]]:
    """The sha256 of the version at ``path`` and of each file it reads besides its own (tools file, media).

    A version's sha256 is its file's :func:`~promptctl.registry.frontmatter.content_sha256`, or, when its
    front matter names a tools file (``tools: tools.json``) or its text names media files of its own folder
    (a reference image: :func:`~promptctl.registry.frontmatter.folder_media`),
    :func:`~promptctl.registry.frontmatter.bundle_sha256` over all of them, so editing the tools file or
    replacing the image changes the version's hash like editing the version does.

    Args:
        root: The registry's folder.
        path: The version file.
        text: The version file's normalised text, when already read.

    Returns:
        ``(sha256, {file name: sha256})``; a tools file that does not exist hashes as :data:`MISSING`.

    Raises:
        FileNotFoundError: No version file.
        InputError: A file is not a regular file inside the registry, or is too large.
    """
    raw = read_prompt_file(root, path) if text is None else None
    text_sha = content_sha256(raw if raw is not None else text or "")
    candidates = media_names(path.parent)
    if text is None:
        if b"\ntools:" not in (raw or b"") and not any(rel.encode("utf-8") in (raw or b"") for rel in candidates):
            return text_sha, {}
        text = normalise_newlines(raw or b"")
    files: dict[str, str] = {}
    name = tools_reference(text)
    if name is not None:
        try:
            files[name] = content_sha256(read_prompt_file(root, path.parent / name))
        except FileNotFoundError:
            files[name] = MISSING
    if candidates:
        for rel, sha in folder_media(text, path.parent):
            if rel != name:
                check_inside(root, path.parent / rel)
                files[rel] = sha
    if not files:
        return text_sha, {}
    return bundle_sha256(text_sha, files), files


def load_tools(root: Path, path: Path, front: FrontMatter, *, where: str) -> FrontMatter:
    """``front`` with its tools file read and validated in place of the file name (unchanged without one).

    Raises:
        FrontMatterError: The tools file is missing, is not JSON/YAML, or holds an invalid tool (naming it
            and the field), or ``tool_choice`` names a tool it does not hold.
    """
    name = front.tools_file
    if name is None:
        return front
    file = path.parent / name
    try:
        text = read_prompt_file(root, file).decode("utf-8-sig")
    except FileNotFoundError:
        raise FrontMatterError(f"{where}: tools file {file} does not exist",
                               hint="create it (a JSON or YAML list of tools) or list the tools in the front matter"
                               ) from None
    except UnicodeDecodeError:
        raise FrontMatterError(f"{file}: the tools file is not UTF-8 text") from None
    tools = load_tools_text(text, str(file))
    loaded = front.model_copy(update={"tools": tools})
    try:
        loaded.tool_set()
    except ValueError as exc:
        raise FrontMatterError(f"{where}: {exc}", hint="promptctl help prompt-files describes tools") from None
    return loaded


def check_inside(root: Path, path: Path) -> None:
    """Refuse a prompt file that is, or sits in a folder that is, a symlink leading outside the registry.

    A published version's sha256 protects the file's bytes, not where a link points: a link out of the
    registry could be changed behind it, or expose any file on the machine, so it is refused.

    Raises:
        InputError: The file resolves outside ``root`` (exit 2).
    """
    if not (path.is_symlink() or path.parent.is_symlink()):
        return
    real = path.resolve()
    if not real.is_relative_to(root.resolve()):
        raise InputError(
            f"{path} is a symlink to {real}, outside the registry {root}",
            hint="keep prompt files inside the prompts folder: copy the file instead of linking it",
        )


def _version_files(folder: Path) -> Iterator[tuple[int, Path]]:
    if not folder.is_dir():
        return
    for path in folder.iterdir():
        match = VERSION_FILE_RE.match(path.name)
        if match:
            yield int(match.group(1)), path


def _warn_if_identical(name: str, record: PublishedVersion, published: list[PublishedVersion]) -> None:
    """Warn when the version being published has the bytes of the newest published one (a no-op version)."""
    earlier = [r for r in published if r.version < record.version]
    if earlier and max(earlier, key=lambda r: r.version).sha256 == record.sha256:
        import warnings

        from promptctl.templating import PromptctlWarning

        previous = max(earlier, key=lambda r: r.version).version
        warnings.warn(f"{name}@{record.version} is identical to {name}@{previous} (same sha256): publishing it "
                      "changes nothing a model sees", PromptctlWarning, stacklevel=3)


def _did_you_mean(name: str, choices: list[str]) -> str | None:
    from promptctl.errors import did_you_mean

    return did_you_mean(name, choices)
