"""The ``promptctl`` command: a thin typer app over the library.

Each command group lives in its own module; commands parse options, call one
library function and print with rich. Library modules are imported inside the
commands so that ``promptctl --help`` loads no SDK, no SQLAlchemy, no Jinja2.

Exit codes: 0 ok, 1 a check failed, 2 invalid input, 3 provider or credentials
error, 4 integrity error. ``PROMPTCTL_DEBUG=1`` prints tracebacks.
"""

from __future__ import annotations

import os
import sys
from typing import Any

import typer

from promptctl.cli import ab as _ab
from promptctl.cli import cost as _cost
from promptctl.cli import db as _db
from promptctl.cli import diff as _diff
from promptctl.cli import help as _help
from promptctl.cli import interop as _interop
from promptctl.cli import lint as _lint
from promptctl.cli import log as _log
from promptctl.cli import prompts as _prompts
from promptctl.cli import registry as _registry
from promptctl.cli import runs as _runs
from promptctl.cli import snapshot as _snapshot

app = typer.Typer(
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


_prompts.register(app)
_ab.register(app)
_runs.register(app)
_log.register(app)
_cost.register(app)
_registry.register(app)
_diff.register(app)
_snapshot.register(app)
_lint.register(app)
_help.register(app)
_interop.register(app)
_db.register(app)


def main(argv: list[str] | None = None) -> None:
    """Entry point of the console script: run the app and map errors to exit codes.

    A usage error (an unknown option, a bad option value, a missing argument) becomes one ``error:`` line
    and a ``hint:`` naming the command's ``--help`` (exit 2); :class:`~promptctl.errors.PromptctlError`
    becomes one ``error:`` line, an optional ``hint:`` line and the error's exit code.
    """
    from promptctl import limits
    from promptctl.errors import PromptctlError
    from promptctl.redaction import redact

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
        sys.stderr.write(f"error: {redact(exc.format_message())}\n")
        where = exc.ctx.command_path if exc.ctx is not None else "promptctl"
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
    except Exception:  # a bug: its traceback is shown (exit 1), with credentials redacted like any error
        _print_traceback()
        sys.exit(1)
    finally:
        limits.configure(previous)


class _NeverRaised(Exception):
    """Stands for an exception class this click version does not have."""


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
