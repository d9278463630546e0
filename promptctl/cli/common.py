"""Helpers shared by the command modules: project context, variables, output."""

from __future__ import annotations

import functools
import json
import os
import re
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    from collections.abc import Coroutine

    from promptctl.config import ProjectConfig
    from promptctl.registry.registry import Registry
    from promptctl.store.fastread import RunReader
    from promptctl.store.runs import RunStore


@dataclass
class Project:
    """The config, and (lazily) the registry and run store of the current project."""

    config: ProjectConfig

    @functools.cached_property
    def registry(self) -> Registry:
        """The prompt registry of ``config.prompts_dir``, made on first use (``log`` reads only the run store)."""
        from promptctl.registry.registry import Registry

        return Registry(self.config.prompts_dir)

    def store(self, origin: str = "run") -> RunStore:
        """Open the run store (``PROMPTCTL_DATABASE_URL``, config ``database_url``, or the default SQLite file).

        Args:
            origin: What the runs this command records are (``run``, ``snapshot``; see ``promptctl log --origin``).
        """
        from promptctl.store.runs import RunStore

        store = RunStore(self.store_url())
        store.origin = origin
        return store

    def reader(self) -> RunReader:
        """The run store for a command that only reads it: a current SQLite store is read without SQLAlchemy.

        See :mod:`promptctl.store.fastread`; anything else opens :meth:`store` (which creates a missing store,
        upgrades an older one and reports every error as before).
        """
        from promptctl.store.fastread import open_reader

        return open_reader(self.store_url()) or self.store()

    def store_url(self) -> str:
        """The run store URL: ``PROMPTCTL_DATABASE_URL``, else config ``database_url``, else .promptctl/runs.db."""
        import os

        from promptctl.store.records import default_url, rooted_url

        if os.environ.get("PROMPTCTL_DATABASE_URL"):
            return os.environ["PROMPTCTL_DATABASE_URL"]
        if self.config.database_url:  # a relative SQLite path: relative to the project folder
            return rooted_url(self.config.database_url, self.config.root)
        return default_url(self.config.root)


MAX_ROWS = 2**63 - 1
"""SQLite's largest INTEGER: a larger ``-n`` lists every row (as a LIMIT it overflowed with a traceback)."""


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
    return Project(config=config)


def parse_vars(
    pairs: list[str] | None, vars_file: Path | None, *, version: Any = None, input_text: str | None = None
) -> dict[str, Any]:
    """Merge ``--vars FILE`` (JSON or YAML mapping), ``--var k=v`` pairs (later wins) and the prompt's input.

    ``--vars -`` reads the mapping from stdin; ``--var name=@path`` reads the value from a file (``@-``: stdin,
    ``@@text``: the literal ``@text``), except for an ``image``/``document`` variable, whose value is the
    path. ``input_text`` (``run REF -`` or ``--input``; ``-`` is stdin) becomes the
    value of ``version``'s one ``input: true`` variable. Stdin can be read once. A value read from a file or
    stdin is taken byte for byte except its final newlines, which are dropped (as the shell's ``$(cat FILE)``).

    Raises:
        InputError: A pair without ``=``, an unreadable file, a file that is not a mapping, stdin used twice,
            an input for a version without exactly one ``input: true`` variable, or an input and a ``--var`` for
            the same variable (a ``--vars FILE`` value is replaced by the input).
    """
    from promptctl.errors import InputError

    stdin = _StdinOnce()
    values: dict[str, Any] = {}
    given: set[str] = set()  # names set by --var (the input may not silently replace one)
    readers = ((["--vars -"] if vars_file is not None and str(vars_file) == "-" else [])
               + [f"--var {p.partition('=')[0].strip()}=@-" for p in pairs or [] if p.partition("=")[2] == "@-"]
               + (["the input (-)"] if input_text == "-" and version is not None else []))
    if len(readers) > 1:  # said before reading: the first reader's parse error would hide the clash
        raise InputError(f"{', '.join(readers[:-1])} and {readers[-1]} {'both' if len(readers) == 2 else 'all'} "
                         "read stdin, which can be read once", hint="read all but one from a file instead: --vars "
                         "FILE, --var NAME=@FILE")
    if vars_file is not None:
        from promptctl.templating.variables import load_mapping

        if str(vars_file) == "-":
            values.update(load_mapping(stdin.read("--vars -"), "--vars - (stdin)"))
        else:
            values.update(load_mapping(read_text_file(vars_file, "--vars file"), str(vars_file)))
    for pair in pairs or []:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise InputError(f"--var {pair!r} is not NAME=VALUE",
                             hint="e.g. --var topic=weather, --var text=@notes.md (a file), --var text=@- (stdin)")
        media = _media_variable(version, key.strip())
        if media and value.startswith("@") and value not in ("@-", "@@"):
            value = value[1:]  # an image or a document: the path itself (read as bytes when rendered, not as text)
        elif value.startswith("@@"):
            value = value[1:]
        elif value == "@-" and media:
            values[key.strip()] = stdin.read_bytes(f"--var {key.strip()}=@-")  # an image or a PDF piped in: bytes
            given.add(key.strip())
            continue
        elif value == "@-":
            value = stdin.read(f"--var {key.strip()}=@-").rstrip("\r\n")
        elif value.startswith("@"):
            value = read_text_file(Path(value[1:]), f"--var {key.strip()}={value}",
                                   hint=f"to pass a value starting with @, double it: --var {key.strip()}=@{value}"
                                   ).rstrip("\r\n")
        values[key.strip()] = value
        given.add(key.strip())
    if input_text is not None and version is not None:
        name = input_variable(version)
        text = stdin.read(f"the input of {version.display}").rstrip("\r\n") if input_text == "-" else input_text
        if name in given:
            shown = "-" if input_text == "-" else "--input"
            raise InputError(f"two values for '{name}': --var {name}=... and the input ({shown}) of {version.display}",
                             hint=f"give '{name}' once: either --var {name}=... or the input")
        values[name] = text
    return values


def _media_variable(version: Any, name: str) -> bool:
    """True when ``version`` declares ``name`` as an ``image`` or ``document`` variable."""
    spec = getattr(getattr(version, "front_matter", None), "variables", {}).get(name)
    return getattr(spec, "type", None) in ("image", "document")


def input_variable(version: Any) -> str:
    """The name of ``version``'s one ``input: true`` variable (where ``run REF -`` puts stdin).

    Raises:
        InputError: The version declares no input variable, or several.
    """
    from promptctl.errors import InputError

    names = [name for name, spec in version.front_matter.variables.items() if spec.input]
    if len(names) == 1:
        return str(names[0])
    if not names:
        raise InputError(f"{version.display} declares no 'input: true' variable to take the input",
                         hint="pass values with --var NAME=VALUE (NAME=@file reads a file), or mark the variable "
                              "holding user input with input: true in the front matter")
    raise InputError(f"{version.display} has {len(names)} input variables ({', '.join(names)}): which one is meant?",
                     hint=f"name it: --var {names[0]}=@- reads stdin, --var {names[0]}=@FILE a file")


class _StdinOnce:
    """Reads stdin at most once per command, naming the option that used it."""

    def __init__(self) -> None:
        self.used_by: str | None = None

    def read(self, who: str) -> str:
        from promptctl.errors import InputError

        data = self.read_bytes(who)
        try:
            return data.decode("utf-8")
        except UnicodeDecodeError:
            raise InputError(f"{who}: stdin is not UTF-8 text",
                             hint="pipe UTF-8 text (e.g. through iconv -t UTF-8); an image or a PDF goes to an image "
                                  "or document variable") from None

    def read_bytes(self, who: str) -> bytes:
        """Stdin's bytes, at most the input size limit.

        Raises:
            InputError: Stdin was already read, there is none, it is empty (or only whitespace), or it is larger
                than the input limit.
        """
        from promptctl.errors import InputError

        if self.used_by is not None:
            raise InputError(f"{who} and {self.used_by} both read stdin", hint="read one of them from a file instead")
        self.used_by = who
        if sys.stdin is None:
            raise InputError(f"{who}: there is no stdin to read")
        if sys.stdin.isatty():
            sys.stderr.write(f"reading {who} from stdin (end with Ctrl-D)\n")
        from promptctl.limits import current

        limit = current().input_file_bytes
        buffer = getattr(sys.stdin, "buffer", None)
        data = buffer.read(limit + 1) if buffer is not None else sys.stdin.read(limit + 1).encode("utf-8")
        if len(data) > limit:
            raise InputError(f"{who}: stdin is larger than the {limit / 2**20:g} MiB input limit",
                             hint="raise input_file_mb in the [limits] table of promptctl.toml")
        if not data.strip():  # `cat missing.md | promptctl run REF -`: never pay for a call on an empty input
            raise InputError(f"{who}: stdin is empty" + (" (only whitespace)" if data else ""),
                             hint="pipe the text in (cat notes.md | promptctl run REF -), or pass it with --input TEXT "
                                  "or --var NAME=@FILE")
        return bytes(data)


def read_text_file(path: Path, what: str, *, hint: str | None = None) -> str:
    """Read a UTF-8 text file given on the command line, byte for byte (newlines as written).

    Goes through :func:`promptctl.limits.read_input_text`: regular files under the input size limit only.

    Raises:
        InputError: The file is missing, not a regular file, too large or not UTF-8.
    """
    from promptctl.errors import InputError
    from promptctl.limits import read_input_text

    try:
        return read_input_text(path, what=f"{what}:")  # `--var notes=@x.md: x.md is not UTF-8 text`
    except FileNotFoundError:
        raise InputError(f"{what}: {path} does not exist",
                         hint=hint or f"check the path (relative to the current folder, {Path.cwd()})") from None


_CONTROL = re.compile(r"\r(?!\n)|[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
"""Control characters a terminal would interpret: all C0 but tab and newline (a lone CR too), DEL, C1."""


def model_text(text: str, *, newline: bool = True) -> None:
    r"""Write text a model produced (an output, a step's output) to stdout.

    On a terminal, control characters other than newline and tab (ESC and the C1 controls among them) are
    shown as ``\x1b``-style escapes instead of being interpreted: a reply can then not clear the screen,
    move the cursor, retitle the window or write the clipboard (OSC 52), whatever a prompt injection made
    the model say. Piped or redirected output is written byte for byte.

    Args:
        text: The model's text.
        newline: End with a newline when the text does not.
    """
    if sys.stdout.isatty():
        text = _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", text)
    sys.stdout.write(text + ("\n" if newline and not text.endswith("\n") else ""))


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


def note(lines: tuple[str, ...] | list[str]) -> None:
    """Print notes to stderr as ``note: ...`` lines, each distinct text once per process.

    A chain's steps or several targets share notes (the Claude tokenizer factor): they are printed once.
    """
    for line in lines:
        key = f"note: {line}"
        if key in PRINTED_WARNINGS:
            continue
        PRINTED_WARNINGS.add(key)
        sys.stderr.write(f"note: {line}\n")


def console(stderr: bool = False, width: int | None = None) -> Any:
    """A rich console (stdout or stderr); colours only on a terminal.

    Its width is ``width``, else the terminal's; piped output is ``COLUMNS`` wide when that environment
    variable is a positive number (as rich, click and argparse honour it), else 160 columns (no wrapping
    mid-column).
    """
    from rich.console import Console

    stream = sys.stderr if stderr else sys.stdout
    if width is None and not stream.isatty():
        width = _piped_width()
    return Console(stderr=stderr, highlight=False, soft_wrap=True, width=width)


def _piped_width() -> int:
    """The width of :func:`console` on a stream that is not a terminal: ``COLUMNS`` when positive, else 160."""
    columns = os.environ.get("COLUMNS", "").strip()
    return int(columns) if columns.isdigit() and int(columns) > 0 else 160


def _unstyled_stdout_width() -> int | None:
    """The width of :func:`console` on stdout when rich would style nothing there, else None (ask rich).

    Rich styles nothing on a stream that is not a terminal; it treats a stream as a terminal when
    ``FORCE_COLOR`` or ``TTY_COMPATIBLE`` says so or in Jupyter, so with either variable set, or IPython loaded,
    this answers None and rich decides.
    """
    if "FORCE_COLOR" in os.environ or "TTY_COMPATIBLE" in os.environ or "IPython" in sys.modules:
        return None
    try:
        if sys.stdout.isatty():
            return None
    except ValueError:  # a closed stream: rich's business
        return None
    return _piped_width()


def print_text_table(headers: list[str], rows: list[list[str]]) -> None:
    """Print a table of plain-text cells to stdout as rich prints ``Table(*headers, box=None, pad_edge=False)``.

    Each cell is a rich ``Text`` (a ``[...]`` in it is printed as written, never read as markup). Rich measures,
    lays out and renders every cell (about 0.3 ms per row: 0.3 s for ``list`` of 1,000 prompts); when nothing is
    styled (a pipe or file, by rich's rules) and every row fits the width on one line, its output is each
    cell padded to its column's widest cell (in terminal cells, by rich's own ``cell_len``), columns two spaces
    apart, and that is written directly, byte for byte what rich writes (``tests/interop/test_text_table.py``
    compares both at many widths and contents). Anything else (a terminal, a cell with a tab, newline or other
    non-printable character, a row wider than the console) is printed by rich.
    """
    width = _unstyled_stdout_width()  # without importing rich.console (a third of a short list's rich cost)
    if width is not None and len(headers) > 1 and all(len(row) == len(headers) for row in rows) and \
            all(cell.isprintable() for row in (headers, *rows) for cell in row):
        from rich.cells import cell_len

        widths = [max(cell_len(row[i]) for row in (headers, *rows)) for i in range(len(headers))]
        if sum(widths) + 2 * (len(widths) - 1) <= width:
            lines = ["  ".join(cell + " " * (wide - cell_len(cell)) for cell, wide in zip(row, widths, strict=True))
                     + "\n" for row in (headers, *rows)]
            sys.stdout.write("".join(lines))
            sys.stdout.flush()
            return
    from rich.table import Table
    from rich.text import Text

    table = Table(*headers, box=None, pad_edge=False)
    for row in rows:
        table.add_row(*map(Text, row))
    console().print(table)


def fitted_table(headers: list[str], rows: list[list[str]], width: int, *, priority: list[int] | None = None,
                 wrap: tuple[int, ...] = (), right: tuple[int, ...] = ()) -> tuple[Any, list[str]]:
    """A rich table that fits ``width`` columns: whole columns dropped by priority, never a cell cut with "…".

    Args:
        headers: Column headers.
        rows: Cells, as text.
        width: Columns available (the console's width).
        priority: Column indexes, most important first (default: left to right); a column that does not fit
            is left out, and the next one tried. A column with nothing in it (every cell ``-``) is left out.
        wrap: Columns whose text may wrap onto several lines (at least 12 columns wide) rather than be dropped.
        right: Columns aligned right (numbers).

    Returns:
        ``(table, hidden)``: the rich Table and the headers of the columns left out.
    """
    from rich.table import Table
    from rich.text import Text

    natural = [max([len(h) for h in headers[i].splitlines() or [""]]
                   + [len(line) for row in rows for line in str(row[i]).splitlines() or [""]])
               for i in range(len(headers))]
    least = [min(natural[i], 12) if i in wrap else natural[i] for i in range(len(headers))]
    chosen: list[int] = []
    empty = {i for i in range(len(headers)) if rows and all(str(row[i]).strip() in ("", "-") for row in rows)}
    for i in priority if priority is not None else range(len(headers)):
        if i not in empty and sum(least[j] for j in [*chosen, i]) + 2 * len(chosen) <= width:
            chosen.append(i)
    chosen.sort()
    table = Table(box=None, pad_edge=False, show_edge=False)
    for i in chosen:
        table.add_column(Text(headers[i]), justify="right" if i in right else "left",
                         no_wrap=i not in wrap, overflow="fold", min_width=least[i] if i not in wrap else None)
    for row in rows:
        table.add_row(*(Text(str(row[i])) for i in chosen))  # text, never rich markup: "\\[" stays "\\["
    return table, [headers[i] for i in range(len(headers)) if i not in chosen and i not in empty and headers[i]]


T = TypeVar("T")


def finish_without_loop(coro: Coroutine[Any, Any, T]) -> T:
    """The result of a coroutine that never waits (a dry run: it makes no call), run without an event loop.

    A dry run renders, adapts and estimates, all of it synchronous behind ``async def``; driving its coroutine
    directly spares the command asyncio's import (about 25 ms of CPU). Exceptions propagate as from
    ``asyncio.run``.

    Raises:
        RuntimeError: The coroutine waited for something (it would need an event loop): a bug in the caller.
    """
    try:
        coro.send(None)
    except StopIteration as done:
        return done.value  # type: ignore[no-any-return]
    coro.close()
    raise RuntimeError("a dry run waited for an event: it must make no call")
