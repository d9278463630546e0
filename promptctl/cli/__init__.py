"""The ``promptctl`` command: a thin typer app over the library.

Each command group lives in its own module; commands parse options, call one
library function and print with rich. Only the invoked command's module is
imported and only that command is built (:data:`COMMANDS` lists them all for
``--help``); library modules are imported inside the commands, so that
``promptctl --help`` loads typer and nothing else: no SDK, SQLAlchemy, Jinja2,
pydantic or rich.

Exit codes: 0 ok, 1 a check failed, 2 invalid input, 3 provider or credentials
error, 4 integrity error. ``PROMPTCTL_DEBUG=1`` prints tracebacks.
"""

from __future__ import annotations

import gc
import importlib
import os
import re
import sys
from collections.abc import Iterator, MutableMapping
from pathlib import Path
from typing import Any


def _collect_garbage_after_start_up(objects: int = 200_000) -> None:
    """No cyclic garbage collection until ``objects`` container objects have been allocated, then as before.

    Importing the libraries a command uses allocates ~50,000-130,000 objects, nearly all of them kept (modules,
    classes, functions); the collector would traverse them again and again while they are made (about a tenth
    of a reading command's CPU time). A short command now never collects; a long one collects once the budget is
    spent and from then on with the thresholds it had (restored at that first collection, unless a program that
    imported this module has set thresholds of its own meanwhile: those are kept). A collector that is off, or
    whose first threshold is 0 or already as high, is left alone.
    """
    previous = gc.get_threshold()
    if not gc.isenabled() or not 0 < previous[0] < objects:
        return

    def restore(phase: str, info: dict[str, int]) -> None:
        if phase == "stop" and restore in gc.callbacks:
            gc.callbacks.remove(restore)
            if gc.get_threshold() == budget:  # still ours: nobody has tuned the collector since
                gc.set_threshold(*previous)

    budget = (objects, *previous[1:])
    gc.set_threshold(*budget)
    gc.callbacks.append(restore)


_collect_garbage_after_start_up()  # before typer is imported

import typer  # noqa: E402
import typer.core  # noqa: E402
import typer.main  # noqa: E402

#: Every command, in ``--help`` order: name -> (module of ``promptctl.cli`` whose ``register`` adds it, the first
#: paragraph of its help). Only the invoked command's module is imported and only that command is built (typer
#: inspects every parameter of every command it builds); ``--help`` lists the commands from this table.
#: ``tests/test_cli_commands_table.py`` keeps it equal to what the modules register.
COMMANDS: dict[str, tuple[str, str]] = {
    "render": ("prompts", "Print exactly the request the provider's SDK would send (a chain: each step's). "
               "No network."),
    "run": ("prompts", "Render and send a prompt version with its strategy, print the output, and record the run."),
    "list": ("prompts", "List the prompts: latest published version, drafts, labels and description."),
    "show": ("prompts", "Show a version: status, hash, labels, front matter and template."),
    "ab": ("ab", "Compare variants case by case on a dataset: scores with 95% CIs, paired tests, verdict, cost and "
           "latency."),
    "eval": ("ab", "Evaluate one prompt version (or model, or strategy) on a dataset: pass rate or mean with its 95% "
             "CI."),
    "report": ("runs", "Write the report of a stored comparison or evaluation: --html FILE and/or --markdown FILE."),
    "cost": ("cost", "Estimate input/output tokens and USD low/expected/high before running; several --model: "
             "cheapest first."),
    "init": ("registry", "Scaffold a project that works right away: a prompt, its sample input, a dataset and a "
             "snapshot suite."),
    "new": ("registry", "Create a prompt with a draft v1, or the next draft of NAME from --from REF."),
    "publish": ("registry", "Publish a draft: record its sha256, time and message. It is immutable from then on."),
    "label": ("registry", "Point LABEL at the published version REF resolves to, and record the move; or --delete it."),
    "history": ("registry", "Show a prompt's versions and label moves."),
    "verify": ("registry", "Check every published version against its recorded sha256, and the lockfile. Exit 4 on a "
               "mismatch."),
    "lock": ("registry", "Write promptctl.lock: the exact version and sha256 each reference resolves to."),
    "diff": ("diff", "Show front-matter, template, rendered-request, token and cost changes between A and B."),
    "lint": ("lint", "Check prompt versions for anti-patterns and provider mistakes, offline. Exit 1 on findings at "
             "--severity."),
    "help": ("help", "Print a help topic: the format of datasets, snapshot suites, few-shot examples, prompt files."),
    "import": ("interop", "Import prompts from Langfuse JSON, Dotprompt, Prompty, promptfoo configs, "
               "text/markdown/fabric, CSV."),
    "export": ("interop", "Export a prompt for Langfuse (its prompt JSON), Dotprompt (a .prompt file) or promptfoo (a "
               "config)."),
    "runs": ("runs", "List past comparisons (ab) and evaluations (eval); show one again."),
    "log": ("log", "Show recorded runs, newest first, with their cost; 'log show RUN_ID' prints one run in full."),
    "snapshot": ("snapshot", "Golden-file snapshots of rendered requests and checked outputs "
                 "(prompts/<name>/snapshots.yaml)."),
    "db": ("db", "The run store's schema: show its revision, upgrade it (Alembic; SQLite or PostgreSQL)."),
}


def build_command(name: str, group: typer.core.TyperGroup) -> Any:
    """The click command (or group) ``name`` of :data:`COMMANDS`, built alone with ``group``'s typer settings.

    Raises:
        KeyError: ``name`` is not in :data:`COMMANDS`, or its module does not register it.
    """
    module = importlib.import_module(f"promptctl.cli.{COMMANDS[name][0]}")
    collector = typer.Typer()
    module.register(collector)
    short, markup = app.pretty_exceptions_short, group.rich_markup_mode
    for info in collector.registered_commands:
        if (info.name or typer.main.get_command_name(info.callback.__name__)) == name:  # type: ignore[union-attr]
            command = typer.main.get_command_from_info(info, pretty_exceptions_short=short, rich_markup_mode=markup)
            return _defer_coercion(command)
    for group_info in collector.registered_groups:
        if group_info.name == name:
            return _defer_coercion(typer.main.get_group_from_info(
                group_info, pretty_exceptions_short=short, rich_markup_mode=markup,
                suggest_commands=group.suggest_commands))
    raise KeyError(name)


def _defer_coercion(command: Any) -> Any:
    """Let typer build a parameter's coercion (a pydantic ``TypeAdapter``) only once a value is given.

    typer (0.29) builds it for every parameter a command has, given or not, at parse time: importing and
    generating pydantic schemas that cost tens of ms on each run of a command whose options were left out. An
    absent option coerces to ``None`` (``()`` when repeatable) without it, as typer's own ``RuntimeParam.coerce``
    does, and a plain ``str`` parameter to the string given (typer's str coercion is ``str(value)``); any other
    given value is coerced by exactly typer's coercion, built on first use. With a typer that has no such
    coercion, the command is returned as is. Applied to ``command``'s built subcommands too; returns ``command``.
    """
    coercion = sys.modules.get("typer._coercion")
    if coercion is None or not hasattr(coercion, "build_runtime_param"):
        return command

    def defer(param: Any) -> Any:
        descriptor = getattr(param, "type_descriptor", None)
        if descriptor is not None and getattr(param, "_runtime_param", False) is None:
            param._runtime_param = _deferred_type(coercion)(descriptor.parameter_info, descriptor.annotation,
                                                            descriptor)
        return param

    for param in command.params:
        defer(param)
    help_option = command.get_help_option  # typer makes the --help option on first use, as a typer parameter
    command.get_help_option = lambda ctx: defer(help_option(ctx))
    subcommands = getattr(command, "commands", None)
    if subcommands is not None and not isinstance(subcommands, _Commands):  # the lazy ones defer as they are built
        for sub in subcommands.values():
            _defer_coercion(sub)
    return command


def _deferred_type(coercion: Any) -> Any:
    """The class of :func:`_defer_coercion`'s stand-ins, a subclass of typer's ``RuntimeParam`` (made once)."""
    global _DEFERRED
    if _DEFERRED is None:
        import dataclasses

        @dataclasses.dataclass(frozen=True)
        class DeferredRuntimeParam(coercion.RuntimeParam):  # type: ignore[misc,name-defined]
            descriptor: Any

            def coerce(self, value: Any, param: Any, ctx: Any) -> Any:
                if value is None:
                    return super().coerce(value, param, ctx)
                plain = _plain_coercion(self.descriptor, value, param, ctx)
                if plain is not _UNSURE:
                    return plain
                param._runtime_param = coercion.build_runtime_param(self.descriptor)
                return param._runtime_param.coerce(value, param=param, ctx=ctx)

            def _coerce_value(self, value: Any, param: Any, ctx: Any) -> Any:  # pragma: no cover - coerce builds
                raise NotImplementedError

        _DEFERRED = DeferredRuntimeParam
    return _DEFERRED


_DEFERRED: Any = None
_UNSURE: Any = object()
_WHOLE_NUMBER = re.compile(r"0|[1-9][0-9]{0,17}")
_DECIMAL_NUMBER = re.compile(r"[0-9]{1,15}(?:\.[0-9]{1,15})?")


def _plain_coercion(descriptor: Any, value: Any, param: Any, ctx: Any) -> Any:
    """What typer's coercion gives ``value`` (not None), computed without its pydantic adapter, or ``_UNSURE``.

    Only where the result is provably the adapter's (``tests/test_cli_coercion.py`` checks each case against
    typer's own coercion): a ``str`` parameter given a str (typer's ``str(value)``); ``int``/``float`` given a
    plain decimal string (``"12"``, ``"0.25"``) or a number (a default), within the parameter's ``min``/``max``;
    ``Path`` given a str (typer's ``coerce_cli_path`` of ``Path(value)``: its ``TypeAdapter(Path)`` makes
    ``Path(value)`` of any str); a repeatable ``list[...]`` of those given a tuple or list. Anything else (a
    parser, clamp, another type, a value of another kind, a number out of bounds) is ``_UNSURE``: typer then
    builds its adapter, so a bad value gets typer's own error message.
    """
    info = descriptor.parameter_info
    if info.parser is not None or info.clamp:
        return _UNSURE
    annotation = descriptor.annotation
    if not (param.multiple or param.nargs == -1):
        return _plain_item(annotation, info, value, param, ctx)
    if getattr(annotation, "__origin__", None) is not list or type(value) not in (tuple, list):
        return _UNSURE
    items = [_plain_item(annotation.__args__[0], info, item, param, ctx) for item in value]
    return _UNSURE if any(item is _UNSURE for item in items) else items


def _plain_item(annotation: Any, info: Any, value: Any, param: Any, ctx: Any) -> Any:
    """:func:`_plain_coercion` of one value of type ``annotation``."""
    kind = type(value)
    if annotation is str:
        return value if kind is str else _UNSURE
    if annotation is int or annotation is float:
        if kind is str and (_WHOLE_NUMBER if annotation is int else _DECIMAL_NUMBER).fullmatch(value):
            number = annotation(value)
        elif kind is annotation or (kind is int and annotation is float):
            number = annotation(value)
        else:
            return _UNSURE
        if (info.min is not None and number < info.min) or (info.max is not None and number > info.max):
            return _UNSURE
        return number
    if annotation is Path and kind is str and info.path_type in (None, Path):
        coerce_cli_path = getattr(sys.modules.get("typer._param_types"), "coerce_cli_path", None)
        if coerce_cli_path is None:
            return _UNSURE
        return coerce_cli_path(Path(value), info, path_type=Path, param=param, ctx=ctx)
    return _UNSURE


class _Commands(MutableMapping[str, Any]):
    """The top-level group's commands: every name of :data:`COMMANDS`, each built on first access."""

    def __init__(self, group: typer.core.TyperGroup) -> None:
        self._group = group
        self._built: dict[str, Any] = {}
        self._names = list(COMMANDS)

    def built(self, name: str) -> bool:
        """Whether ``name`` has been built (or added) already."""
        return name in self._built

    def __getitem__(self, name: str) -> Any:
        if name not in self._built:
            if name not in COMMANDS:
                raise KeyError(name)
            self._built[name] = build_command(name, self._group)
        return self._built[name]

    def __setitem__(self, name: str, command: Any) -> None:
        if name not in self._names:
            self._names.append(name)
        self._built[name] = command

    def __delitem__(self, name: str) -> None:
        self._names.remove(name)
        self._built.pop(name, None)

    def __iter__(self) -> Iterator[str]:
        return iter(list(self._names))

    def __len__(self) -> int:
        return len(self._names)


class _LazyGroup(typer.core.TyperGroup):
    """The ``promptctl`` group: builds only the command invoked; ``--help`` lists every command from the table."""

    def __init__(self, **attrs: Any) -> None:
        super().__init__(**attrs)
        self.commands = _Commands(self)
        _defer_coercion(self)

    def format_commands(self, ctx: Any, formatter: Any) -> None:
        """The ``Commands`` section as click writes it, with the help of unbuilt commands from :data:`COMMANDS`."""
        commands = self.commands
        assert isinstance(commands, _Commands)
        names = [n for n in commands if commands.built(n) or n in COMMANDS]
        if not names:
            return
        limit = formatter.width - 6 - max(len(n) for n in names)
        rows = []
        for name in names:  # an unbuilt command shortens its help exactly as a built one would
            command = commands[name] if commands.built(name) else typer.core.TyperCommand(name, help=COMMANDS[name][1])
            if not command.hidden:
                rows.append((name, command.get_short_help_str(limit)))
        with formatter.section("Commands"):
            formatter.write_dl(rows)


app = typer.Typer(
    cls=_LazyGroup,
    name="promptctl",
    help="Versioned prompts: render per provider, run, record. Exit codes: 0 ok, 1 check failed, "
    "2 invalid input, 3 provider/credentials, 4 integrity.",
    epilog="File formats (datasets, snapshot suites, few-shot examples, prompt files, templates, strategies): "
    "promptctl help TOPIC; 'promptctl help' lists the topics.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)


def _show_version(value: bool) -> None:
    if value:
        from promptctl import __version__

        sys.stdout.write(f"promptctl {__version__}\n")
        raise typer.Exit()


@app.callback()
def _options(
    version: bool = typer.Option(
        False, "--version", help="Print the version and exit.", callback=_show_version, is_eager=True
    ),
) -> None:
    pass




def _command_path(args: list[str]) -> str:
    """``promptctl NAME`` for the command ``args`` name, else ``promptctl``.

    click raises some usage errors without a context (an option given without its value: ``run REF --model``),
    and the hint then named ``promptctl --help`` instead of the command's.
    """
    first = next((a for a in args if not a.startswith("-")), None)
    return f"promptctl {first}" if first in COMMANDS else "promptctl"


_SAMPLING_PARAMETERS = ("temperature", "top_p", "max_tokens", "seed", "stop")


def _sampling_parameter(option: str | None) -> str | None:
    """The sampling parameter an unknown option names or misspells (``--temp``, ``--max-tokens``), or None."""
    from promptctl.errors import did_you_mean

    if not option or not option.startswith("--"):
        return None
    name = option[2:].replace("-", "_").lower()
    if name in _SAMPLING_PARAMETERS:
        return name
    close = did_you_mean(name, _SAMPLING_PARAMETERS, cutoff=0.75)
    return close.split("'")[1] if close else None


def main(argv: list[str] | None = None) -> None:
    """Entry point of the console script: run the app and map errors to exit codes.

    A usage error (an unknown option, a bad option value, a missing argument) becomes one ``error:`` line
    and a ``hint:`` naming the command's ``--help`` (exit 2); :class:`~promptctl.errors.PromptctlError`
    becomes one ``error:`` line, an optional ``hint:`` line and the error's exit code.
    """
    from promptctl import limits
    from promptctl.errors import PromptctlError, in_our_words
    from promptctl.redaction import redact

    # The command line's pydantic models need no pydantic plugin, and finding plugins reads the entry points of
    # every installed distribution (tens of ms on every command); a PYDANTIC_DISABLE_PLUGINS you set is kept.
    os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")
    _defer_pydantic_plugin_loader()
    _route_warnings()
    previous = limits.current()  # the project's [limits] apply to this invocation only
    # click's exceptions, wherever this typer keeps them (click itself, or typer's vendored copy)
    click_errors = sys.modules[typer.BadParameter.__module__]
    no_args: type[Any] = getattr(click_errors, "NoArgsIsHelpError", _NeverRaised)
    try:
        code = app(args=argv, prog_name="promptctl", standalone_mode=False)
        # like click's standalone mode: always leave through SystemExit (a command's typer.Exit(code) returns code)
        sys.exit(code if isinstance(code, int) and not isinstance(code, bool) else 0)
    except no_args as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except click_errors.UsageError as exc:  # a bad option or argument: one line, like every other user error
        where = exc.ctx.command_path if exc.ctx is not None else _command_path(sys.argv[1:] if argv is None else argv)
        parameter = _sampling_parameter(getattr(exc, "option_name", None)) \
            if isinstance(exc, click_errors.NoSuchOption) else None
        if parameter is not None:  # --temperature 0.3: a front matter parameter, not an option
            sys.stderr.write(f"error: no such option: {exc.option_name}\n"  # type: ignore[attr-defined]
                             f"hint: '{parameter}' is a front matter parameter (parameters: {{{parameter}: ...}} in "
                             f"the version file, published as a new version); ab and eval try another value as a "
                             f"variant: REF::{parameter}=VALUE\n")
            sys.exit(exc.exit_code)
        sys.stderr.write(f"error: {redact(in_our_words(exc.format_message()))}\n")
        sys.stderr.write(f"hint: see '{where} --help'\n")
        sys.exit(exc.exit_code)
    except click_errors.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except typer.Abort:
        sys.stderr.write("Aborted.\n")
        sys.exit(1)
    except PromptctlError as exc:
        if os.environ.get("PROMPTCTL_DEBUG") == "1":
            _print_traceback()
        sys.stderr.write(f"error: {redact(exc.message)}\n")
        if exc.hint:
            sys.stderr.write(f"hint: {redact(exc.hint)}\n")
        sys.exit(int(exc.exit_code))
    except UnicodeEncodeError as exc:
        if "surrogates not allowed" not in str(exc) or os.environ.get("PROMPTCTL_DEBUG") == "1":
            _print_traceback()
            sys.exit(1)
        # a command-line argument (or file name) with bytes that are not UTF-8 reaches a text-only API
        given = list(sys.argv[1:] if argv is None else argv)
        sys.stderr.write(f"error: {redact(_undecodable(given))} holds bytes that are not UTF-8 text\n"
                         "hint: pass text in UTF-8 (a value from a file in another encoding: --var NAME=@FILE)\n")
        sys.exit(2)
    except Exception as exc:  # a bug: its traceback is shown (exit 1), with credentials redacted like any error
        damage = _damaged_database(exc)
        locked = _locked_database(exc) if damage is None else None
        if (damage is None and locked is None) or os.environ.get("PROMPTCTL_DEBUG") == "1":
            _print_traceback()
        if locked is not None:
            sys.stderr.write(f"error: the run store is locked by another process ({redact(locked)})\n"
                             "hint: another program holds a write lock on it past the wait (a database tool with a "
                             "transaction open, or a copy in progress); let it finish and run the command again\n")
            sys.exit(2)
        if damage is None:
            sys.exit(1)
        sys.stderr.write(f"error: a SQLite database promptctl reads is damaged: {redact(damage)}\n"
                         "hint: the run store is .promptctl/runs.db unless PROMPTCTL_DATABASE_URL or database_url in "
                         "promptctl.toml names another; move it aside (the next command starts an empty one) or "
                         "restore it from a backup (PROMPTCTL_DEBUG=1 shows where the read failed)\n")
        sys.exit(2)
    finally:
        limits.configure(previous)


def _undecodable(args: list[str]) -> str:
    r"""The first argument holding bytes that are not UTF-8, shown with them escaped (``'a\xffb'``)."""
    for arg in args:
        if any("\udc80" <= ch <= "\udcff" for ch in arg):
            shown = arg.encode("utf-8", "surrogateescape").decode("ascii", "backslashreplace")
            return f"the argument '{shown}'"
    return "an argument or a file name"


_PLUGIN_LOADER = "pydantic.plugin._loader"


def _defer_pydantic_plugin_loader() -> None:
    """Let pydantic import its plugin loader (and with it ``importlib.metadata``) only to look plugins up.

    pydantic imports ``pydantic.plugin._loader`` on building its first model or adapter, and that module imports
    ``importlib.metadata`` (with email, zipfile, csv...: about 10% of a reading command's start) before it checks
    ``PYDANTIC_DISABLE_PLUGINS``. Until then, ``sys.modules`` holds a stand-in whose ``get_plugins()`` returns
    ``()`` when plugins are disabled (what pydantic's own returns then) and otherwise imports the real loader,
    puts it back and answers from it, as does any other attribute. Nothing is changed once the real one is loaded.
    """
    import types

    if _PLUGIN_LOADER in sys.modules:
        return

    def load() -> Any:
        if sys.modules.get(_PLUGIN_LOADER) is stand_in:
            del sys.modules[_PLUGIN_LOADER]
        return importlib.import_module(_PLUGIN_LOADER)

    def get_plugins() -> Any:
        if os.environ.get("PYDANTIC_DISABLE_PLUGINS") in ("__all__", "1", "true"):
            return ()
        return load().get_plugins()

    stand_in: Any = types.ModuleType(_PLUGIN_LOADER, "Stands for pydantic's plugin loader until it is needed.")
    stand_in.get_plugins = get_plugins
    def attribute(name: str) -> Any:
        if name.startswith("__"):  # asked by the import system (``__path__``...): the real module has none either
            raise AttributeError(name)
        return getattr(load(), name)

    stand_in.__getattr__ = attribute
    sys.modules[_PLUGIN_LOADER] = stand_in


class _NeverRaised(Exception):
    """Stands for an exception class this click version does not have."""


def _damaged_database(exc: BaseException) -> str | None:
    """sqlite3's message when ``exc`` or an exception it was raised from is a damaged SQLite file, else None.

    Opening a damaged run store is reported where it is opened (:func:`promptctl.store.runs.store_errors`); a file
    whose damage shows only in a later page fails in the middle of a read (``log --summary``), through SQLAlchemy
    or :mod:`sqlite3` directly.
    """
    sqlite3 = sys.modules.get("sqlite3")
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen and sqlite3 is not None:
        seen.add(id(current))
        if isinstance(current, sqlite3.DatabaseError) and any(
                words in str(current) for words in ("malformed", "not a database")):
            return str(current).splitlines()[0]
        current = current.__cause__ or current.__context__
    return None


def _locked_database(exc: BaseException) -> str | None:
    """sqlite3's message when ``exc`` or an exception it was raised from is a write lock held past the wait, else None.

    A run store's write waits for another writer (SQLite's busy timeout, 5 s); a lock held longer (a ``sqlite3``
    shell with a transaction open) fails the write with ``database is locked``.
    """
    sqlite3 = sys.modules.get("sqlite3")
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen and sqlite3 is not None:
        seen.add(id(current))
        if isinstance(current, sqlite3.OperationalError) and "database is locked" in str(current):
            return str(current).splitlines()[0]
        current = current.__cause__ or current.__context__
    return None


def _print_traceback() -> None:
    """Print the exception being handled, its chain included, with credentials redacted."""
    import traceback

    from promptctl.redaction import redact

    sys.stderr.write(redact(traceback.format_exc()))


def _route_warnings() -> None:
    """Print library warnings as one ``warning: ...`` line on stderr, through :func:`~promptctl.cli.common.warn`.

    Both paths share one set of printed texts, so a warning the library raises and a command also prints from
    a request's ``warnings`` appears once. The set starts empty on each :func:`main` call.
    """
    import warnings

    from promptctl.cli.common import PRINTED_WARNINGS, warn

    PRINTED_WARNINGS.clear()

    def show(message: Warning | str, category: type[Warning], *_: object, **__: object) -> None:
        warn([str(message)])

    warnings.showwarning = show  # type: ignore[assignment]
