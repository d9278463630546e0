"""The command line's own coercion of option values gives exactly what typer's pydantic adapters give.

typer (0.29) coerces every given value through a pydantic ``TypeAdapter`` built per parameter; promptctl computes
plain cases itself (:func:`promptctl.cli._plain_coercion`) and leaves everything else to typer. Every parameter of
every command is checked here against typer's own coercion, for good and bad values: where promptctl answers, the
value and its type equal typer's; a value typer rejects is always left to typer (same error message).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import typer.main
from typer._click import Context
from typer._coercion import build_runtime_param

from promptctl.cli import _UNSURE, COMMANDS, _plain_coercion, app, build_command

VALUES: dict[str, list[Any]] = {
    "str": ["x", "", " a b ", "\udcff", "-", 5, None],
    "int": ["0", "1", "5", "20", "123456789012345678", "007", "-3", " 5", "5 ", "+5", "1_000", "5.0", "1e3", "abc",
            "", "٣", "99999999999999999999999", 0, 1, 5, 2.0, True],
    "float": ["0", "0.25", "1", "1.5", "0.0001", "0.5", "0.51", "2", "1e3", "-0.1", ".5", "5.", "nan", "inf", " 1",
              "abc", "", 0, 1, 0.5, 2.5, True],
    "pathlib.Path": ["a", "", "-", "x/y", "\udcff", "/nonexistent/file", "fixtures", "pyproject.toml", Path("a"), 3],
}


def _parameters() -> list[tuple[str, Any]]:
    group = typer.main.get_command(app)
    found: dict[str, Any] = {}

    def walk(command: Any, path: str) -> None:
        for param in command.params:
            if getattr(param, "type_descriptor", None) is not None:
                found.setdefault(f"{path} {param.name}", (command, param))
        for name, sub in (getattr(command, "commands", None) or {}).items():
            walk(sub, f"{path} {name}")

    for name in COMMANDS:
        walk(build_command(name, group), name)
    return sorted(found.items())


PARAMETERS = _parameters()


def _typer(command: Any, param: Any, value: Any) -> tuple[str, Any]:
    """typer's own coercion of ``value``: ("ok", result) or ("error", (exception type, message))."""
    ctx = Context(command)
    try:
        return "ok", build_runtime_param(param.type_descriptor).coerce(value, param=param, ctx=ctx)
    except Exception as exc:  # noqa: BLE001 - the error itself is what is compared
        return "error", (type(exc), str(exc))


def _values(param: Any) -> list[Any]:
    annotation = param.type_descriptor.annotation
    if param.multiple or param.nargs == -1:
        item = repr(annotation.__args__[0]) if getattr(annotation, "__origin__", None) is list else "str"
        single = VALUES.get(item.removeprefix("<class '").removesuffix("'>"), ["x"])
        return [(), [], *[(v,) for v in single], tuple(v for v in single if v is not None)[:3], "x"]
    return VALUES.get(repr(annotation).removeprefix("<class '").removesuffix("'>"), ["x", 1])


@pytest.mark.parametrize(("where", "command_param"), PARAMETERS, ids=[w for w, _ in PARAMETERS])
def test_plain_coercion_equals_typers_for_every_parameter(where: str, command_param: tuple[Any, Any],
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(Path(__file__).resolve().parents[1])  # for the paths that exist
    command, param = command_param
    for value in _values(param):
        if value is None:
            continue
        ours = _plain_coercion(param.type_descriptor, value, param, Context(command))
        outcome, theirs = _typer(command, param, value)
        if ours is _UNSURE:
            continue
        assert outcome == "ok", (where, value, theirs)
        assert ours == theirs and type(ours) is type(theirs), (where, value, ours, theirs)
        if isinstance(ours, list):
            assert [type(v) for v in ours] == [type(v) for v in theirs]


def test_the_common_values_need_no_adapter() -> None:
    """The values people type (a number, a path, a string, repeated strings) are coerced without pydantic."""
    by_name = {where: command_param for where, command_param in PARAMETERS}
    for where, value, expected in [("log n", "5", 5), ("render vars_file", "a.yaml", Path("a.yaml")),
                                   ("render var", ("a=1", "b=2"), ["a=1", "b=2"]), ("render ref", "p@2", "p@2")]:
        command, param = by_name[where]
        assert _plain_coercion(param.type_descriptor, value, param, Context(command)) == expected


def test_bad_values_get_the_same_message_as_through_typers_adapter(tmp_path: Path) -> None:
    """typer's message (pydantic's English, put in promptctl's words by :func:`promptctl.errors.in_our_words`)."""
    from tests.conftest import run_cli

    for args, message in [(["log", "-n", "abc"], "must be a whole number"),
                          (["log", "-n", "0"], "must be at least 1")]:
        result = run_cli(*args, cwd=tmp_path, env={"PROMPTCTL_DATABASE_URL": f"sqlite:///{tmp_path / 'r.db'}"})
        assert result.returncode == 2 and f"error: Invalid value for '-n': {message}" in result.stderr, result.stderr
