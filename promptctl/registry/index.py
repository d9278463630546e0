"""The prompt index file ``prompts/<name>/prompt.yaml`` and atomic, locked writes to it.

Format::

    description: Answers customer questions for Acme Cloud
    labels:
      production: 2
    versions:
    - version: 1
      sha256: 9f2c...            # of the file with LF line endings
      published_at: '2026-11-29T12:00:00+00:00'
      message: first version
    label_history:
    - {label: production, from: 1, to: 2, at: '2026-11-30T09:00:00+00:00'}

Writes go to a temporary file in the same folder, are fsynced, then renamed over
the index (``os.replace`` is atomic on POSIX and Windows), under a
:class:`filelock.FileLock` on ``prompt.yaml.lock``, so concurrent publishers
never lose a version and a crash leaves the previous index intact.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from promptctl import _yaml
from promptctl.errors import InputError
from promptctl.templating.variables import YStr
from promptctl.types import utc_now as utc_now  # re-exported: its home is promptctl.types

INDEX_FILE = "prompt.yaml"


class PublishedVersion(BaseModel):
    """The record of one published version: number, sha256, time (ISO 8601 UTC) and message."""

    model_config = ConfigDict(extra="allow", populate_by_name=True)

    version: int
    sha256: YStr
    published_at: YStr
    message: YStr | None = None


class LabelMove(BaseModel):
    """One label move: which label, from which version (None when new) to which, and when."""

    model_config = ConfigDict(populate_by_name=True)

    label: YStr
    from_version: int | None = Field(default=None, alias="from")
    to_version: int = Field(alias="to")
    at: YStr


class PromptIndex(BaseModel):
    """Contents of ``prompt.yaml``: description, labels, published versions and label history."""

    model_config = ConfigDict(extra="allow", populate_by_name=True)

    description: YStr | None = None
    labels: dict[str, int] = Field(default_factory=dict)
    versions: list[PublishedVersion] = Field(default_factory=list)
    label_history: list[LabelMove] = Field(default_factory=list)

    def published(self, number: int) -> PublishedVersion | None:
        """The record of version ``number`` if it was published."""
        for record in self.versions:
            if record.version == number:
                return record
        return None

    def to_yaml(self) -> str:
        """Serialise with a stable field order."""
        data: dict[str, Any] = self.model_dump(by_alias=True, exclude_none=False)
        data["versions"] = [{k: v for k, v in r.items() if v is not None} for r in data["versions"]]
        if data.get("description") is None:
            data.pop("description")
        return _yaml.dump(data)


def read_index(folder: Path) -> PromptIndex:
    """Read ``folder/prompt.yaml``; a missing file is an empty index.

    Raises:
        InputError: The index is not valid YAML or has invalid fields (exit 2).

    """
    path = folder / INDEX_FILE
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return PromptIndex()
    return parse_index(text, path)


def parse_index(text: str, path: Path) -> PromptIndex:
    """Parse the text of the index file ``path`` (named in errors).

    Raises:
        InputError: The index is not valid YAML or has invalid fields (exit 2).

    """
    try:
        data = _yaml.load(text) or {}
        return PromptIndex.model_validate(data)
    except (yaml.YAMLError, ValidationError) as exc:
        raise InputError(
            f"{path}: invalid prompt index: {' '.join(str(exc).split())}",
            hint="fix the YAML (quote values that contain ': '), or restore the file from version control",
        ) from None


def atomic_write_text(path: Path, text: str) -> None:
    """Write text (UTF-8, LF) to ``path`` atomically: temp file in the same folder, fsync, rename."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        # mkstemp creates 0600 files; give the result the mode a normal write would (existing mode, else umask).
        try:
            mode = path.stat().st_mode & 0o777
        except FileNotFoundError:
            umask = os.umask(0)
            os.umask(umask)
            mode = 0o666 & ~umask
        os.chmod(tmp, mode)
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise


@contextmanager
def locked_index(folder: Path, timeout_s: float = 30.0) -> Iterator[PromptIndex]:
    """Lock a prompt's index, yield it for changes, and write it back atomically on success.

    Args:
        folder: The prompt's folder.
        timeout_s: Seconds to wait for another writer before failing.

    Raises:
        InputError: The lock could not be taken within ``timeout_s`` seconds.

    """
    from filelock import FileLock, Timeout

    lock = FileLock(str(folder / f"{INDEX_FILE}.lock"))
    try:
        lock.acquire(timeout=timeout_s)
    except Timeout:
        raise InputError(
            f"{folder / INDEX_FILE} is locked by another promptctl process",
            hint="wait for it to finish, or remove a stale prompt.yaml.lock",
        ) from None
    try:
        index = read_index(folder)
        yield index
        atomic_write_text(folder / INDEX_FILE, index.to_yaml())
    finally:
        lock.release()
