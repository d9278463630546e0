"""Helpers shared by the command modules: project context, variables, output."""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from promptctl.config import ProjectConfig
    from promptctl.registry.registry import Registry
    from promptctl.store.runs import RunStore


@dataclass
class Project:
    """The config, registry and (lazily) run store of the current project."""

    config: ProjectConfig
    registry: Registry

    def store(self) -> RunStore:
        """Open the run store (``PROMPTCTL_DATABASE_URL``, config ``database_url``, or the default SQLite file)."""
        import os

        from promptctl.store.runs import RunStore, default_url

        url = os.environ.get("PROMPTCTL_DATABASE_URL") or self.config.database_url or default_url(self.config.root)
        return RunStore(url)


def project() -> Project:
    """Load the project from the working directory (see :mod:`promptctl.config`)."""
    from promptctl.config import load_config
    from promptctl.registry.registry import Registry

    config = load_config()
    return Project(config=config, registry=Registry(config.prompts_dir))


def parse_vars(pairs: list[str] | None, vars_file: Path | None) -> dict[str, Any]:
    """Merge ``--vars FILE`` (JSON or YAML mapping) and ``--var k=v`` pairs (later wins).

    Raises:
        InputError: A pair without ``=``, an unreadable file, or a file that is not a mapping.
    """
    from promptctl.errors import InputError

    values: dict[str, Any] = {}
    if vars_file is not None:
        try:
            text = vars_file.read_text(encoding="utf-8")
        except OSError as exc:
            raise InputError(f"cannot read --vars file {vars_file}: {exc.strerror}") from None
        from promptctl.templating.variables import load_mapping

        values.update(load_mapping(text, str(vars_file)))
    for pair in pairs or []:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise InputError(f"--var {pair!r} is not NAME=VALUE", hint="e.g. --var topic=weather")
        values[key.strip()] = value
    return values


def print_json(data: Any) -> None:
    """Write JSON to stdout (indented, UTF-8)."""
    sys.stdout.write(json.dumps(data, indent=2, ensure_ascii=False, default=str) + "\n")


def warn(lines: tuple[str, ...] | list[str]) -> None:
    """Print notes to stderr as ``warning: ...`` lines."""
    for line in lines:
        sys.stderr.write(f"warning: {line}\n")


def console(stderr: bool = False) -> Any:
    """A rich console (stdout or stderr); colours only on a terminal."""
    from rich.console import Console

    stream = sys.stderr if stderr else sys.stdout
    width = None if stream.isatty() else 160  # piped output: wide tables, no wrapping mid-column
    return Console(stderr=stderr, highlight=False, soft_wrap=True, width=width)
