"""The static command table of ``promptctl --help`` (``promptctl.cli.COMMANDS``) equals what the command modules
register: every command, its module and the first paragraph of its help, so the lazy top-level group lists
exactly what an eager build would."""

from __future__ import annotations

import importlib
import pkgutil
from pathlib import Path

import typer
import typer.main

import promptctl.cli as cli
from tests.conftest import run_cli

ROOT = Path(__file__).resolve().parents[1]


def first_paragraph(text: str | None) -> str:
    return " ".join((text or "").split("\n\n")[0].split())


def registered() -> dict[str, tuple[str, str]]:
    """Every command the modules of promptctl.cli register, built eagerly: name -> (module, help's 1st paragraph)."""
    found: dict[str, tuple[str, str]] = {}
    for info in pkgutil.iter_modules(cli.__path__):
        module = importlib.import_module(f"promptctl.cli.{info.name}")
        if not hasattr(module, "register"):
            continue
        collector = typer.Typer()
        module.register(collector)
        group = typer.main.get_group(collector)
        for name, command in group.commands.items():
            assert name not in found, f"{name} registered by {found[name][0]} and {info.name}"
            found[name] = (info.name, first_paragraph(command.help))
    return found


def test_the_table_lists_every_registered_command_with_its_module_and_help() -> None:
    assert dict(sorted(cli.COMMANDS.items())) == dict(sorted(registered().items()))


def test_help_lists_every_command_in_table_order_with_its_help() -> None:
    result = run_cli("--help", cwd=ROOT)
    assert result.returncode == 0
    section = result.stdout.split("Commands:\n", 1)[1].split("\n\n", 1)[0]
    rows = [line.split(None, 1) for line in section.splitlines()]
    assert [name for name, _ in rows] == list(cli.COMMANDS)
    for (name, shown), (_, text) in zip(rows, cli.COMMANDS.values(), strict=True):
        assert text.startswith(shown.removesuffix("...")) and len(shown) > 20, name


def test_a_lazily_built_command_shortens_its_help_as_an_eager_build_does() -> None:
    lazy = typer.main.get_command(cli.app)
    eager = registered()
    for width in (40, 80, 200):
        for name in cli.COMMANDS:
            built = cli.build_command(name, lazy)  # type: ignore[arg-type]
            table = typer.core.TyperCommand(name, help=cli.COMMANDS[name][1])
            assert table.get_short_help_str(width) == built.get_short_help_str(width), (name, width)
            assert eager[name][1] == first_paragraph(built.help)


def test_unknown_command_is_one_error_line_with_a_suggestion() -> None:
    result = run_cli("lst", cwd=ROOT)
    assert result.returncode == 2
    assert "error: No such command 'lst'. Did you mean 'list'?" in result.stderr
