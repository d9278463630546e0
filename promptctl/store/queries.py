"""The run store's read statements, built once here for both ways of running them.

:class:`promptctl.store.runs.RunStore` executes these SQLAlchemy statements on any database. For the everyday
reading commands (``log``, ``log show``, ``log --summary``, the output estimate of ``cost`` and ``run --dry-run``)
on a SQLite store already at this release's schema revision, :mod:`promptctl.store.fastread` runs the same
statements through :mod:`sqlite3` without importing SQLAlchemy (its import alone costs more CPU than the whole
command may). It runs them from :mod:`promptctl.store.compiled_reads`, a module generated from this one:
every statement of :data:`VARIANTS` compiled by SQLAlchemy's own SQLite compiler (qmark parameters), with the
order of its parameters and, per result column, the conversion SQLAlchemy's result processing applies
(``json``: the JSON type's decoding, ``bool``: the Boolean type's, ``""``: none).

Regenerate it after changing a statement, a table or SQLAlchemy's release::

    python -m promptctl.store.queries

``tests/store/test_fast_reads.py`` compiles every statement again and fails when the generated module differs,
and runs every read both ways on a populated store and compares the rows.

Why a generated module rather than compiling on first use and caching the text in the user cache: the fast path
then never imports SQLAlchemy (not even once per release), has no cache file to go stale, damaged or unwritable,
and the exact SQL it runs is reviewed in the diff like any other code.
"""

from __future__ import annotations

import itertools
import re
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from promptctl.store.records import ORIGINS, TOKENS
from promptctl.store.runs import calls, runs
from promptctl.types import LOOPBACK_REQUEST_ID_PREFIX

GENERATED = Path(__file__).with_name("compiled_reads.py")


def recent(*, prompt: bool, origins: bool) -> sa.Select[Any]:
    """Newest runs first. Parameters: ``limit``; ``prompt`` (prompt name) and ``origins`` (a list) when given."""
    query = sa.select(runs).order_by(runs.c.created_at.desc(), runs.c.id.desc()).limit(sa.bindparam("limit"))
    if prompt:
        query = query.where(runs.c.prompt_name == sa.bindparam("prompt"))
    if origins:
        query = query.where(runs.c.origin.in_(sa.bindparam("origins", expanding=True)))
    return query


def output_tokens(*, version: bool, test_replies: bool) -> sa.Select[Any]:
    """Output tokens of a prompt's successful calls on one provider and model, newest first.

    Parameters: ``prompt``, ``provider``, ``model``, ``limit``; ``version`` when given. Without ``test_replies``,
    calls whose request id marks promptctl's loopback test server are left out.
    """
    query = (
        sa.select(calls.c.output_tokens)
        .select_from(calls.join(runs, calls.c.run_id == runs.c.id))
        .where(runs.c.prompt_name == sa.bindparam("prompt"), runs.c.status == "ok", calls.c.error.is_(None),
               calls.c.output_tokens > 0, calls.c.provider == sa.bindparam("provider"),
               calls.c.model == sa.bindparam("model"))
    )
    if not test_replies:
        query = query.where(sa.or_(calls.c.request_id.is_(None),
                                   sa.not_(calls.c.request_id.startswith(LOOPBACK_REQUEST_ID_PREFIX))))
    if version:
        query = query.where(runs.c.prompt_version == sa.bindparam("version"))
    return query.order_by(calls.c.id.desc()).limit(sa.bindparam("limit"))


def count_by_origin(*, prompt: bool) -> sa.Select[Any]:
    """``(origin, runs)`` per origin. Parameter ``prompt`` when given."""
    query = sa.select(runs.c.origin, sa.func.count()).group_by(runs.c.origin)
    if prompt:
        query = query.where(runs.c.prompt_name == sa.bindparam("prompt"))
    return query


def run_by_prefix() -> sa.Select[Any]:
    """At most two runs whose id starts with parameter ``id`` (one: found; two: ambiguous)."""
    return sa.select(runs).where(runs.c.id.startswith(sa.bindparam("id"))).limit(2)


def calls_of() -> sa.Select[Any]:
    """The calls of run ``run_id``, in order."""
    return sa.select(calls).where(calls.c.run_id == sa.bindparam("run_id")).order_by(calls.c.seq)


def totals(*, by: str, prompt: bool, origins: bool = False) -> sa.Select[Any]:
    """Sums of runs per run (``by="run"``) or per prompt, version and UTC day (``by="version_day"``).

    Columns: the group's keys, ``runs``, ``errors``, the token sums (:data:`~promptctl.store.records.TOKENS`),
    ``cost_usd`` and ``unpriced`` (see :mod:`promptctl.store.summary`). Parameters ``prompt`` and ``origins``
    (a list) when given.
    """
    keys, grouping = _grouping(by)
    query = sa.select(
        *keys, sa.func.count().label("runs"),
        sa.func.sum(sa.case((runs.c.status == "error", 1), else_=0)).label("errors"),
        *(sa.func.coalesce(sa.func.sum(runs.c[k]), 0).label(k) for k in TOKENS),
        sa.func.coalesce(sa.func.sum(runs.c.cost_usd), 0.0).label("cost_usd"),
        sa.func.sum(sa.case(((runs.c.cost_usd.is_(None)) & (runs.c.status == "ok"), 1), else_=0)).label("unpriced"),
    ).group_by(*(keys if by == "run" else grouping))
    return _filtered(query, prompt, origins)


def call_counts(*, by: str, prompt: bool, origins: bool = False) -> sa.Select[Any]:
    """Calls per group of :func:`totals`: the group's keys, then the count. Parameters as :func:`totals`."""
    _, grouping = _grouping(by)
    query = sa.select(*grouping, sa.func.count().label("calls")).select_from(
        calls.join(runs, calls.c.run_id == runs.c.id)).group_by(*grouping)
    return _filtered(query, prompt, origins)


def _filtered(query: sa.Select[Any], prompt: bool, origins: bool) -> sa.Select[Any]:
    """``query`` limited to runs of the ``prompt`` parameter and of the ``origins`` list, when asked."""
    if prompt:
        query = query.where(runs.c.prompt_name == sa.bindparam("prompt"))
    if origins:
        query = query.where(runs.c.origin.in_(sa.bindparam("origins", expanding=True)))
    return query


def _grouping(by: str) -> tuple[list[Any], list[Any]]:
    if by == "run":
        return ([runs.c.id, runs.c.created_at, runs.c.prompt_name, runs.c.prompt_version, runs.c.provider,
                 runs.c.model, runs.c.status], [runs.c.id])
    day = sa.func.substr(runs.c.created_at, 1, 10)
    return ([runs.c.prompt_name, runs.c.prompt_version, day.label("day")],
            [runs.c.prompt_name, runs.c.prompt_version, day])


BUILDERS: dict[str, Callable[..., sa.Select[Any]]] = {
    "recent": recent, "output_tokens": output_tokens, "count_by_origin": count_by_origin,
    "run_by_prefix": run_by_prefix, "calls_of": calls_of, "totals": totals, "call_counts": call_counts,
}
"""Statement name -> builder; a builder's keyword arguments are its shape (which optional filters it has)."""

_FLAGS = (False, True)
_BY = ("run", "version_day")


def variants() -> Iterator[tuple[str, dict[str, Any], dict[str, int]]]:
    """Every ``(name, shape, expanding list lengths)`` compiled into :mod:`promptctl.store.compiled_reads`.

    ``recent`` is compiled for one to every origin (``log --origin`` takes each at most once); other shapes
    fall back to SQLAlchemy.
    """
    for prompt in _FLAGS:
        yield "recent", {"prompt": prompt, "origins": False}, {}
        for n in range(1, len(ORIGINS) + 1):
            yield "recent", {"prompt": prompt, "origins": True}, {"origins": n}
        yield "count_by_origin", {"prompt": prompt}, {}
        for by in _BY:
            yield "totals", {"by": by, "prompt": prompt}, {}
            yield "call_counts", {"by": by, "prompt": prompt}, {}
    for version, test_replies in itertools.product(_FLAGS, _FLAGS):
        yield "output_tokens", {"version": version, "test_replies": test_replies}, {}
    yield "run_by_prefix", {}, {}
    yield "calls_of", {}, {}


class _Arg:
    """A stand-in value bound while compiling, so that each ``?`` can be traced back to the argument it takes."""

    def __init__(self, name: str, index: int | None = None) -> None:
        self.name, self.index = name, index


def compile_variant(name: str, shape: dict[str, Any], lengths: dict[str, int]) -> tuple[str, tuple[Any, ...],
                                                                                      tuple[tuple[str, str], ...]]:
    """One statement compiled by SQLAlchemy for SQLite: ``(sql, parameters, columns)``.

    ``parameters``: per ``?`` in order, ``("arg", name)``, ``("item", name, index)`` (an element of an expanding
    list argument) or ``("const", value)`` (a value the statement itself holds). ``columns``: per result column,
    ``(key, conversion)``, conversion ``json``, ``bool`` or ``""``.

    Raises:
        ValueError: A parameter or result column needs a conversion this module does not know.
    """
    from sqlalchemy.dialects import sqlite

    dialect = sqlite.dialect(paramstyle="qmark")
    statement = BUILDERS[name](**shape)
    compiled = statement.compile(dialect=dialect)
    values: dict[str, Any] = {}
    for bind, key in compiled.bind_names.items():
        if key in lengths:
            values[key] = [_Arg(key, i) for i in range(lengths[key])]
        elif bind.value is None and not bind.callable:
            values[key] = _Arg(key)
    expanded = compiled.construct_expanded_state(values)
    parameters: list[Any] = []
    for key in expanded.positiontup or ():
        value, processor = expanded.parameters[key], expanded.processors.get(key)
        if isinstance(value, _Arg):
            if processor is not None:
                raise ValueError(f"{name}: parameter {key} needs a conversion the fast path lacks")
            parameters.append(("arg", value.name) if value.index is None else ("item", value.name, value.index))
            continue
        value = processor(value) if processor is not None else value  # a constant: bound as SQLAlchemy binds it
        if not (isinstance(value, (str, int, float)) or value is None):
            raise ValueError(f"{name}: parameter {key} holds {value!r}, not a plain value")
        parameters.append(("const", value))
    columns = []
    for key, column in zip(statement.selected_columns.keys(), statement.selected_columns, strict=True):
        columns.append((key, _conversion(name, key, column.type, dialect)))
    return expanded.statement, tuple(parameters), tuple(columns)


def _conversion(name: str, key: str, type_: Any, dialect: Any) -> str:
    """What SQLAlchemy does to a value of this column as it reads it: ``json``, ``bool`` or ``""`` (nothing)."""
    impl = type_.dialect_impl(dialect)  # a variant's type for SQLite; a TypeDecorator's copy for this dialect
    if isinstance(impl, sa.types.TypeDecorator):
        if type(impl).process_result_value is not sa.types.TypeDecorator.process_result_value:
            raise ValueError(f"{name}: column {key} ({type_!r}) converts what it reads; the fast path cannot")
        impl = impl.impl_instance
    if isinstance(impl, sa.JSON):
        return "json"
    if isinstance(impl, sa.Boolean):
        return "bool"
    if impl.result_processor(dialect, None) is not None:
        raise ValueError(f"{name}: column {key} ({type_!r}) needs a conversion the fast path lacks")
    return ""


def variant_key(name: str, shape: dict[str, Any], lengths: dict[str, int]) -> str:
    """The key of a compiled variant in :data:`promptctl.store.compiled_reads.STATEMENTS`."""
    from promptctl.store.fastread import variant_key as key

    return key(name, shape, lengths)


def generated_source() -> str:
    """The text of :mod:`promptctl.store.compiled_reads` for this statement set and SQLAlchemy release."""
    from promptctl.store.revision import HEAD

    entries = []
    compiled = sorted((variant_key(name, shape, lengths), compile_variant(name, shape, lengths))
                      for name, shape, lengths in variants())
    for key, (sql, parameters, columns) in compiled:
        pieces = [f"        {piece!r}\n" for piece in _pieces(sql)]
        pieces[-1] = pieces[-1].removesuffix("\n") + ",\n"
        entries.append(f"    {key!r}: (\n" + "".join(pieces) + _wrapped(parameters) + _wrapped(columns) + "    ),\n")
    return (
        '"""The run store\'s read statements compiled for SQLite by SQLAlchemy: GENERATED, do not edit.\n\n'
        "Made by ``python -m promptctl.store.queries`` from :mod:`promptctl.store.queries` (see its docstring) with\n"
        f"SQLAlchemy {sa.__version__}, for schema revision {HEAD}; read by :mod:`promptctl.store.fastread`.\n"
        "Each entry: the SQL (qmark parameters), its parameters in order, and per result column its key and the\n"
        "conversion SQLAlchemy applies to it.\n"
        '"""\n\n'
        "from typing import Any\n\n"
        f'REVISION = "{HEAD}"\n'
        '"""The schema revision the statements were compiled for."""\n\n'
        "STATEMENTS: dict[str, tuple[str, tuple[Any, ...], tuple[tuple[str, str], ...]]] = {\n"
        + "".join(entries) + "}\n"
    )


def _pieces(text: str) -> list[str]:
    """``text`` cut after spaces into pieces of at most about 100 characters and after each newline."""
    pieces, piece = [], ""
    for word in re.split(r"(?<=[ \n])", text):
        if piece and (piece.endswith("\n") or len(piece) + len(word) > 100):
            pieces.append(piece)
            piece = ""
        piece += word
    return [*pieces, piece]


def _wrapped(items: tuple[Any, ...]) -> str:
    """``items`` as a tuple literal, 8 spaces in, lines at most 116 characters, ending with a comma."""
    lines, line = [], "        ("
    for item in items:
        text = repr(item) + ", "
        if len(line) + len(text) > 116:
            lines.append(line.rstrip())
            line = "         "
        line += text
    lines.append(line.rstrip().removesuffix(",") + ("," if len(items) == 1 else "") + "),")
    return "".join(f"{line}\n" for line in lines)


def main() -> None:
    """Write :mod:`promptctl.store.compiled_reads`."""
    GENERATED.write_text(generated_source(), encoding="utf-8")
    sys.stdout.write(f"wrote {GENERATED}\n")


if __name__ == "__main__":
    main()
