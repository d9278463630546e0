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
    - {label: staging, from: 1, to: null, at: '2026-12-01T10:00:00+00:00'}   # removed

Writes go to a temporary file in the same folder, are fsynced, then renamed over
the index (``os.replace`` is atomic on POSIX and Windows), under a
:class:`filelock.FileLock` on ``prompt.yaml.lock``, so concurrent publishers
never lose a version and a crash leaves the previous index intact.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from promptctl import _yaml
from promptctl.errors import InputError
from promptctl.limits import read_input_text
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
    """One label move: which label, from which version (None when new) to which (None: removed), and when."""

    model_config = ConfigDict(populate_by_name=True)

    label: YStr
    from_version: int | None = Field(default=None, alias="from")
    to_version: int | None = Field(alias="to")
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
        text = read_input_text(path, what="prompt index")
    except FileNotFoundError:
        return PromptIndex()
    return parse_index(text, path)


def parse_index(text: str, path: Path) -> PromptIndex:
    """Parse the text of the index file ``path`` (named in errors).

    Raises:
        InputError: The index is not valid YAML or has invalid fields (exit 2).

    """
    import yaml  # here: indexes read from the index cache need no YAML

    try:
        data = _yaml.load(text) or {}
        return PromptIndex.model_validate(data)
    except (yaml.YAMLError, ValidationError) as exc:
        raise InputError(
            f"{path}: invalid prompt index: {' '.join(str(exc).split())}",
            hint="fix the YAML (quote values that contain ': '), or restore the file from version control",
        ) from None


def atomic_write_text(path: Path, text: str, *, exclusive: bool = False) -> None:
    """Write text (UTF-8, LF) to ``path`` atomically: temp file in the same folder, fsync, rename.

    The temporary file is ``.<name>.<pid>.<random>.tmp``: no command reads such files, and the next write
    to the same path removes those a killed process left behind (see :func:`remove_stale_temp_files`).

    Args:
        path: The file to write.
        text: Its new content.
        exclusive: Create the file only if it does not exist (``link`` instead of ``rename``): a reader
            never sees it half-written and a concurrent creator never overwrites it.

    Raises:
        FileExistsError: ``exclusive`` and the file exists.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.{os.getpid()}.", suffix=".tmp", dir=path.parent)
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
        if exclusive:
            os.link(tmp, path)  # fails with FileExistsError rather than replace
            os.unlink(tmp)
        else:
            os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise
    remove_stale_temp_files(path)


_TEMP_RE = re.compile(r"^\.(?P<name>.+)\.(?P<pid>[0-9]+)\.[^.]+\.tmp$")
STALE_TEMP_S = 60.0
"""Age (seconds) after which a temporary file of a process that no longer runs is removed."""


def remove_stale_temp_files(path: Path) -> list[Path]:
    """Remove the temporary files of earlier writes to ``path`` that a killed process left behind.

    A temporary file is removed when its process (the pid in its name) no longer runs on this machine and
    it is older than :data:`STALE_TEMP_S` seconds, so a write in progress (even on another machine
    sharing the folder) is never disturbed.

    Returns:
        The files removed.
    """
    removed: list[Path] = []
    now = time.time()
    try:
        candidates = [p for p in path.parent.iterdir() if p.name.startswith(f".{path.name}.")]
    except OSError:
        return removed
    for candidate in candidates:
        match = _TEMP_RE.match(candidate.name)
        if match is None or match["name"] != path.name or _pid_alive(int(match["pid"])):
            continue
        try:
            if now - candidate.lstat().st_mtime > STALE_TEMP_S:
                candidate.unlink()
                removed.append(candidate)
        except OSError:
            continue
    return removed


def _pid_alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # exists, owned by someone else
        return True
    return True


PUBLISH_LOG = "publish.log"
"""An append-only record of every publish of a prompt, one JSON object a line (version, sha256, published_at).

``prompt.yaml`` is rewritten by every publish and label move; the log is only ever appended to, so a
published record removed from (or rewritten in) ``prompt.yaml`` is still known and ``verify`` reports it.
Keep it in version control next to ``prompt.yaml``.
"""


@dataclass(frozen=True)
class LoggedPublish:
    """One line of the publish log.

    Attributes:
        version: The version number.
        sha256: Its sha256 when published.
        published_at: ISO 8601 UTC time of the publish.
        line: The line of the log (1-based).
    """

    version: int
    sha256: str
    published_at: str
    line: int


def read_publish_log(folder: Path) -> list[LoggedPublish]:
    """The publish log of a prompt's folder (empty when there is none).

    Raises:
        InputError: A line is not a JSON object with ``version``, ``sha256`` and ``published_at`` (exit 2).
    """
    path = folder / PUBLISH_LOG
    try:
        text = read_input_text(path, what="publish log")
    except FileNotFoundError:
        return []
    entries: list[LoggedPublish] = []
    for number, line in enumerate(text.split("\n"), start=1):
        if not line.strip():
            continue
        try:
            data = json.loads(line)
            entries.append(LoggedPublish(int(data["version"]), str(data["sha256"]), str(data["published_at"]),
                                         number))
        except (ValueError, KeyError, TypeError, RecursionError):
            raise InputError(f"{path}:{number}: invalid publish log line",
                             hint="restore the file from version control; it is only ever appended to") from None
    return entries


def append_publish_log(folder: Path, records: list[PublishedVersion]) -> None:
    """Append publish records to the folder's publish log (one ``write`` of whole lines, fsynced).

    When the log does not exist yet (a registry from before the log), it is started with every record of
    the current index, so that all published versions are protected from then on.
    """
    path = folder / PUBLISH_LOG
    if not path.exists():
        known = {r.version for r in records}
        records = [r for r in read_index(folder).versions if r.version not in known] + list(records)
    lines = "".join(
        json.dumps({"version": r.version, "sha256": r.sha256, "published_at": r.published_at}) + "\n"
        for r in records
    )
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o666)
    try:
        os.write(fd, lines.encode("utf-8"))
        os.fsync(fd)
    finally:
        os.close(fd)


@contextmanager
def folder_lock(folder: Path, timeout_s: float = 30.0) -> Iterator[None]:
    """Hold the prompt folder's lock (``prompt.yaml.lock``): every write to the folder happens under it.

    Args:
        folder: The prompt's folder (created if missing).
        timeout_s: Seconds to wait for another writer before failing.

    Raises:
        InputError: The lock could not be taken within ``timeout_s`` seconds.
    """
    from filelock import FileLock, Timeout

    folder.mkdir(parents=True, exist_ok=True)
    lock = FileLock(str(folder / f"{INDEX_FILE}.lock"))
    try:
        lock.acquire(timeout=timeout_s)
    except Timeout:
        raise InputError(
            f"{folder / INDEX_FILE} is locked by another promptctl process",
            hint="wait for it to finish, or remove a stale prompt.yaml.lock",
        ) from None
    try:
        yield
    finally:
        lock.release()


@contextmanager
def locked_index(folder: Path, timeout_s: float = 30.0) -> Iterator[PromptIndex]:
    """Lock a prompt's index, yield it for changes, and write it back atomically on success.

    Args:
        folder: The prompt's folder.
        timeout_s: Seconds to wait for another writer before failing.

    Raises:
        InputError: The lock could not be taken within ``timeout_s`` seconds.

    """
    with folder_lock(folder, timeout_s):
        index = read_index(folder)
        yield index
        atomic_write_text(folder / INDEX_FILE, index.to_yaml())
