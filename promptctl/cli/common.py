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


def project(*, create: bool = False) -> Project:
    """Load the project from the working directory (see :mod:`promptctl.config`).

    Args:
        create: The command creates the prompts folder (``new``): a project with a config file but no
            prompts folder yet is accepted.

    Raises:
        InputError: ``PROMPTCTL_PROJECT`` is not a folder, no project was found (no ``promptctl.toml``,
            ``[tool.promptctl]`` or ``prompts/`` here or above), or the configured prompts folder is missing.
    """
    import os

    from promptctl.config import load_config
    from promptctl.errors import InputError
    from promptctl.registry.registry import Registry

    env = os.environ.get("PROMPTCTL_PROJECT")
    if env and not Path(env).is_dir():
        raise InputError(
            f"PROMPTCTL_PROJECT={env} is not a folder",
            hint="set it to your project folder (the one holding promptctl.toml or prompts/), or unset it",
        )
    config = load_config()
    if not config.prompts_dir.is_dir() and not (create and config.source is not None):
        if config.source is None:
            raise InputError(
                f"no promptctl project in {config.root} or its parents "
                "(no promptctl.toml, [tool.promptctl] in pyproject.toml, or prompts/ folder)",
                hint="run promptctl init, or cd into your project (or set PROMPTCTL_PROJECT)",
            )
        raise InputError(
            f"the prompts folder {config.prompts_dir} does not exist (project {config.source})",
            hint="run promptctl init, or cd into your project; check prompts_dir in " + config.source.name,
        )
    from promptctl.limits import configure

    configure(config.limits)
    return Project(config=config, registry=Registry(config.prompts_dir))


def parse_vars(pairs: list[str] | None, vars_file: Path | None) -> dict[str, Any]:
    """Merge ``--vars FILE`` (JSON or YAML mapping) and ``--var k=v`` pairs (later wins).

    Raises:
        InputError: A pair without ``=``, an unreadable file, or a file that is not a mapping.
    """
    from promptctl.errors import InputError

    values: dict[str, Any] = {}
    if vars_file is not None:
        from promptctl.limits import read_input_text

        try:
            text = read_input_text(vars_file, what="--vars file")
        except FileNotFoundError:
            raise InputError(f"cannot read --vars file {vars_file}: no such file") from None
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


PRINTED_WARNINGS: set[str] = set()
"""Warning texts already printed by this process: :func:`warn` and the ``warnings`` hook print each once."""


def warn(lines: tuple[str, ...] | list[str]) -> None:
    """Print notes to stderr as ``warning: ...`` lines, each distinct text once per process.

    The ``warnings`` module hook of the CLI (``promptctl.cli._route_warnings``) prints through here too, so a
    note both warned by the library and returned in a request's ``warnings`` appears once.
    """
    for line in lines:
        if line in PRINTED_WARNINGS:
            continue
        PRINTED_WARNINGS.add(line)
        sys.stderr.write(f"warning: {line}\n")


def console(stderr: bool = False) -> Any:
    """A rich console (stdout or stderr); colours only on a terminal."""
    from rich.console import Console

    stream = sys.stderr if stderr else sys.stdout
    width = None if stream.isatty() else 160  # piped output: wide tables, no wrapping mid-column
    return Console(stderr=stderr, highlight=False, soft_wrap=True, width=width)
