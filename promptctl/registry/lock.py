"""``promptctl.lock``: the exact version and sha256 each reference of an application resolved to.

Format (JSON, sorted keys, LF, so a pull-request diff shows what moved)::

    {
      "lock_version": 1,
      "prompts": {
        "support-agent@production": {"name": "support-agent", "version": 2, "sha256": "9f2c..."}
      }
    }

Loading through a lock (``Registry(path, lock="promptctl.lock")``) returns exactly
the locked bytes, with no network and no registry server: a reference that is
not in the lock, or a version whose file no longer has the locked sha256, is an
error; nothing falls back silently.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from promptctl.errors import InputError
from promptctl.limits import read_input_text

LOCK_FILE = "promptctl.lock"
LOCK_VERSION = 1


@dataclass(frozen=True)
class LockEntry:
    """What one reference resolved to when the lock was written."""

    name: str
    version: int
    sha256: str

    def to_dict(self) -> dict[str, Any]:
        """JSON form."""
        return {"name": self.name, "version": self.version, "sha256": self.sha256}


@dataclass(frozen=True)
class Lockfile:
    """A parsed lockfile.

    Attributes:
        path: Where it lives.
        entries: Reference string -> what it resolved to.

    """

    path: Path
    entries: dict[str, LockEntry]

    @classmethod
    def read(cls, path: str | Path) -> Lockfile:
        """Read a lockfile.

        Raises:
            InputError: Missing, not JSON, or with invalid entries (exit 2).

        """
        file = Path(path)
        try:
            data = json.loads(read_input_text(file, what="lockfile"))
            if data.get("lock_version") != LOCK_VERSION:
                raise ValueError(f"unsupported lock_version {data.get('lock_version')!r}")
            entries = {
                ref: LockEntry(str(e["name"]), int(e["version"]), str(e["sha256"]))
                for ref, e in data["prompts"].items()
            }
        except FileNotFoundError:
            raise InputError(f"no lockfile at {file}", hint="create it with: promptctl lock REF ...") from None
        except (ValueError, KeyError, TypeError, AttributeError, RecursionError) as exc:
            raise InputError(f"{file}: invalid lockfile: {exc}", hint="regenerate it with promptctl lock") from None
        return cls(file, entries)

    def to_json(self) -> str:
        """Serialise with sorted keys and a trailing newline."""
        data = {
            "lock_version": LOCK_VERSION,
            "prompts": {ref: self.entries[ref].to_dict() for ref in sorted(self.entries)},
        }
        return json.dumps(data, indent=2, sort_keys=True) + "\n"

    def write(self) -> None:
        """Write atomically (temporary file, fsync, rename)."""
        from promptctl.registry.index import atomic_write_text

        atomic_write_text(self.path, self.to_json())
