"""Render limits enforced inside the sandbox: output size, loop iterations and wall time.

Jinja2's sandbox keeps a template away from Python internals but not from exhausting the machine:
``{{ 'a' * 10**8 }}`` builds 100 MB, ``{{ 'x'|center(10**9) }}`` a gigabyte, ``{{ 9**(9**9) }}``
computes for minutes, and two nested ``range(100000)`` loops run ten billion iterations. Every render
therefore runs under a :class:`RenderBudget` (the limits of :func:`promptctl.limits.current`):

- **size**: string repetition and concatenation (``*``, ``+``, ``~``), ``%``/``format`` widths, the
  width-taking filters and ``str`` methods (``center``, ``indent``, ``ljust``, ``replace``, ``join``
  ...), every value printed by ``{{ }}`` and every block of text joined are checked *before* the
  string is built, against ``render_output_chars``; list repetition against the same number of items;
- **power**: ``**`` refuses results past 4,300 decimal digits (Python's own cap on ``int``-to-``str``
  conversion, ``sys.int_info.default_max_str_digits``);
- **loops**: all ``for`` loops of one render run at most :data:`MAX_LOOP_ITERATIONS` iterations;
- **time**: loops, calls, filters and operators check the wall-time deadline (``render_time_s``), so
  no template runs past it by more than one bounded operation.

A violation raises :class:`RenderLimitExceeded` inside the render; :func:`render_prompt` reports it as
one :class:`~promptctl.errors.TemplateError` naming the template line (exit 2).
"""

from __future__ import annotations

import contextvars
import functools
import math
import re
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from promptctl.limits import MIB, current

MAX_LOOP_ITERATIONS = 1_000_000
"""Iterations of all ``for`` loops of one render together (a prompt never needs more)."""
MAX_POWER_DIGITS = 4300
"""Decimal digits a ``**`` result may have (Python's ``sys.int_info.default_max_str_digits``)."""
LOOP_GUARD = "promptctl_loop_guard__"
"""The global wrapped around every ``for`` loop's iterable at compile time (see :func:`guard_loops`)."""


class RenderLimitExceeded(Exception):
    """A template went past a render limit; raised inside the render (the caller adds the reference and line).

    Attributes:
        hint: What to do about it.
    """

    def __init__(self, message: str, hint: str) -> None:
        super().__init__(message)
        self.hint = hint


_SIZE_HINT = "build less text in the template (pass large values in as variables), or raise render_output_mb " \
             "in the [limits] table of promptctl.toml"
_VALUE_HINT = "a value the template prints (a variable given with --var/--vars/stdin, or text the template " \
              "built) is past the limit: pass a shorter text (no model takes this much in one request), or raise " \
              "render_output_mb in the [limits] table of promptctl.toml"
_TIME_HINT = "compute less in the template, or raise render_time_s in the [limits] table of promptctl.toml"


@dataclass
class RenderBudget:
    """What one render may still spend.

    Attributes:
        max_chars: Largest string (characters) or list (items) the render may build.
        deadline: ``time.monotonic()`` value after which the render is stopped.
        time_s: The time limit (seconds), for messages.
        iterations: Loop iterations so far.
    """

    max_chars: int
    deadline: float
    time_s: float
    iterations: int = field(default=0)

    def check_time(self) -> None:
        """Raise :class:`RenderLimitExceeded` once the deadline has passed."""
        if time.monotonic() > self.deadline:
            raise RenderLimitExceeded(f"rendering took longer than the {self.time_s:g} s render time limit",
                                      _TIME_HINT)

    def check_size(self, size: int, what: str = "the rendered text") -> None:
        """Raise :class:`RenderLimitExceeded` when ``size`` (characters or items) is past the limit."""
        if size > self.max_chars:
            raise RenderLimitExceeded(
                f"{what} would be larger than the {_chars(self.max_chars)} render output limit",
                _VALUE_HINT if what == "a printed value" else _SIZE_HINT,
            )


def _chars(n: int) -> str:
    return f"{n / MIB:g} MiB" if n >= MIB // 16 else f"{n:,}-character"


_BUDGET: contextvars.ContextVar[RenderBudget | None] = contextvars.ContextVar("promptctl_render_budget", default=None)


@contextmanager
def render_budget() -> Iterator[RenderBudget]:
    """Run the enclosed render under a fresh budget taken from :func:`promptctl.limits.current`."""
    limits = current()
    budget = RenderBudget(limits.render_output_chars, time.monotonic() + limits.render_time_s, limits.render_time_s)
    token = _BUDGET.set(budget)
    try:
        yield budget
    finally:
        _BUDGET.reset(token)


def budget() -> RenderBudget:
    """The budget of the render in progress; outside a render (constant folding at compile time) a fresh one."""
    active = _BUDGET.get()
    if active is not None:
        return active
    limits = current()
    return RenderBudget(limits.render_output_chars, time.monotonic() + limits.render_time_s, limits.render_time_s)


# -- loops ------------------------------------------------------------------------------------------------
def loop_guard(iterable: Iterable[Any]) -> Iterator[Any]:
    """Iterate ``iterable``, counting the render's loop iterations and checking its deadline."""
    spent = budget()
    for item in iterable:
        spent.iterations += 1
        if spent.iterations > MAX_LOOP_ITERATIONS:
            raise RenderLimitExceeded(
                f"the template's loops ran more than {MAX_LOOP_ITERATIONS:,} iterations",
                "loop over less data in the template (a prompt never needs this many iterations)",
            )
        if not spent.iterations & 1023:
            spent.check_time()
        yield item


def guard_loops(ast: Any) -> Any:
    """Wrap every ``for`` loop's iterable of a parsed template in :func:`loop_guard` (the AST is changed in place).

    Returns:
        The same AST.
    """
    from jinja2 import nodes

    for loop in ast.find_all(nodes.For):
        loop.iter = nodes.Call(nodes.Name(LOOP_GUARD, "load"), [loop.iter], [], None, None, lineno=loop.lineno)
    return ast


# -- sizes ------------------------------------------------------------------------------------------------
def text_size(value: Any, limit: int) -> int:
    """An upper estimate of ``len(str(value))`` that stops counting once past ``limit``.

    Strings count their length; lists, tuples, sets and dicts their items (recursively, plus separators);
    anything else the length of its ``str`` when that is cheap (numbers), else 0.
    """
    stack = [value]
    total = 0
    while stack and total <= limit:
        item = stack.pop()
        if isinstance(item, str):
            total += len(item)
        elif isinstance(item, list | tuple | set | frozenset):
            total += 2 + 2 * len(item)
            stack.extend(item)
        elif isinstance(item, dict):
            total += 2 + 4 * len(item)
            for key, val in item.items():
                stack.append(key)
                stack.append(val)
        elif isinstance(item, int) and not isinstance(item, bool):
            total += max(1, math.ceil(item.bit_length() * 0.30103)) + 1
        elif item is not None:
            total += 24
    return total


def check_text(value: Any, what: str = "a printed value") -> Any:
    """Raise when ``str(value)`` would be past the size limit; return ``value`` (the environment's ``finalize``)."""
    spent = budget()
    if not isinstance(value, str):
        spent.check_size(text_size(value, spent.max_chars), what)
    elif len(value) > spent.max_chars:
        spent.check_size(len(value), what)
    return value


def bounded_concat(parts: Iterable[Any]) -> str:
    """``"".join(parts)`` that stops as soon as the joined text would pass the size limit (``Environment.concat``)."""
    spent = budget()
    limit = spent.max_chars
    out: list[str] = []
    total = 0
    for part in parts:
        total += len(part)
        if total > limit:
            spent.check_size(total)
        out.append(part)
    return "".join(out)


def bounded_str_join(seq: Iterable[Any]) -> str:
    """Jinja2's ``str_join`` (the ``~`` operator) with the size checked before joining."""
    items = list(seq)
    spent = budget()
    spent.check_size(sum(text_size(item, spent.max_chars) for item in items), "a '~' concatenation")
    return "".join(map(str, items))


# -- operators --------------------------------------------------------------------------------------------
_SEQUENCES = (str, list, tuple)


def check_binop(operator: str, left: Any, right: Any) -> None:
    """Raise before ``left <operator> right`` would build something past the limits."""
    spent = budget()
    spent.check_time()
    if operator == "*":
        for seq, count in ((left, right), (right, left)):
            if isinstance(seq, _SEQUENCES) and isinstance(count, int) and not isinstance(count, bool):
                spent.check_size(len(seq) * max(count, 0), "a '*' repetition")
    elif operator == "+":
        if isinstance(left, _SEQUENCES) and isinstance(right, _SEQUENCES):
            spent.check_size(len(left) + len(right), "a '+' concatenation")
    elif operator == "**":
        if isinstance(left, int) and isinstance(right, int) and abs(left) > 1 and right > 0:
            digits = right * math.log10(abs(left))
            if digits > MAX_POWER_DIGITS:
                raise RenderLimitExceeded(
                    f"a '**' power would have about {digits:,.0f} digits, more than the {MAX_POWER_DIGITS:,} allowed",
                    "compute less in the template, or pass the value in as a variable",
                )
    elif operator == "%" and isinstance(left, str):
        check_format_widths(left, right if isinstance(right, tuple) else (right,))


_PERCENT_SPEC = re.compile(r"%(?:\([^)]*\))?[-+ #0]*(\d+|\*)?(?:\.(\d+|\*))?")
_BRACE_SPEC = re.compile(r"\{[^{}]*:([^{}]*)\}")


def check_format_widths(fmt: str, args: Iterable[Any] = ()) -> None:
    """Refuse ``%`` and ``str.format`` specifications whose width or precision is past the size limit."""
    spent = budget()
    widths: list[int] = []
    star = False
    for match in _PERCENT_SPEC.finditer(fmt):
        for group in match.groups():
            if group == "*":
                star = True
            elif group:
                widths.append(int(group))
    for match in _BRACE_SPEC.finditer(fmt):
        widths.extend(int(n) for n in re.findall(r"\d+", match.group(1)))
    if star:
        widths.extend(a for a in args if isinstance(a, int) and not isinstance(a, bool))
    if widths:
        spent.check_size(max(widths), "a format width")


# -- calls and filters ------------------------------------------------------------------------------------
_WIDTH_METHODS = frozenset({"center", "ljust", "rjust", "zfill"})


def check_call(func: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
    """Raise before a ``str`` method call would build a string past the limit; check the deadline."""
    spent = budget()
    spent.check_time()
    if getattr(func, "__name__", "") == "generate_lorem_ipsum":  # Jinja2's ``lipsum`` global
        _check_lipsum(spent, args, kwargs)
        return
    owner = getattr(getattr(func, "__wrapped__", func), "__self__", None)
    if not isinstance(owner, str):
        return
    name = getattr(func, "__name__", "")
    if name in _WIDTH_METHODS and args and isinstance(args[0], int):
        spent.check_size(max(args[0], len(owner)), f"str.{name}()")
    elif name == "expandtabs":
        tab = args[0] if args and isinstance(args[0], int) else kwargs.get("tabsize", 8)
        spent.check_size(len(owner) + owner.count("\t") * max(int(tab), 0), "str.expandtabs()")
    elif name == "replace" and len(args) >= 2:
        spent.check_size(_replaced_size(owner, args[0], args[1]), "str.replace()")
    elif name == "join" and args:
        spent.check_size(_joined_size(args[0], owner, spent.max_chars), "str.join()")
    elif name in ("format", "format_map"):
        check_format_widths(owner, args)


def _check_lipsum(spent: RenderBudget, args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
    """Refuse ``lipsum(n, html, min, max)`` whose text could pass the limit before it is generated.

    ``n`` paragraphs of up to ``max`` words, each word at least 2 characters with its separator
    (Jinja2's ``generate_lorem_ipsum``): ``lipsum(10**6)`` would otherwise run for minutes.
    """
    names = ("n", "html", "min", "max")
    given = dict(zip(names, args, strict=False)) | {k: v for k, v in kwargs.items() if k in names}
    paragraphs, words = given.get("n", 5), given.get("max", 100)
    if isinstance(paragraphs, int) and isinstance(words, int):
        spent.check_size(max(paragraphs, 0) * max(words, 0) * 2, "lipsum()")


def check_result(value: Any, what: str) -> Any:
    """Raise when a call's result is a string or list past the size limit; return it."""
    if isinstance(value, _SEQUENCES):
        budget().check_size(len(value), what)
    return value


def _replaced_size(text: str, old: Any, new: Any) -> int:
    if not isinstance(old, str) or not isinstance(new, str):
        return len(text)
    hits = len(text) + 1 if old == "" else text.count(old)
    return len(text) + hits * max(len(new) - len(old), 0)


def _joined_size(items: Any, separator: str, limit: int) -> int:
    """An upper estimate of ``len(separator.join(map(str, items)))``, exact for strings, stopping past ``limit``."""
    if not isinstance(items, list | tuple):
        return 0
    total = len(separator) * max(len(items) - 1, 0)
    for item in items:
        if total > limit:
            break
        total += len(item) if isinstance(item, str) else text_size(item, limit - total)
    return total


def _filter_precheck(name: str, args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
    """Size checks, before the call, of the filters whose output can be far larger than their input."""
    spent = budget()
    values = [a for a in args if not _is_jinja_state(a)]
    if not values:
        return
    subject = values[0]
    rest = values[1:]
    if name == "center":
        width = rest[0] if rest else kwargs.get("width", 80)
        if isinstance(width, int):
            spent.check_size(width, "the center filter")
    elif name == "indent":
        width = rest[0] if rest else kwargs.get("width", 4)
        pad = width if isinstance(width, int) else len(str(width))
        lines = str(subject).count("\n") + 1 if isinstance(subject, str) else 1
        spent.check_size(text_size(subject, spent.max_chars) + lines * max(pad, 0), "the indent filter")
    elif name == "replace" and len(rest) >= 2 and isinstance(subject, str):
        spent.check_size(_replaced_size(subject, rest[0], rest[1]), "the replace filter")
    elif name == "join":
        separator = rest[0] if rest else kwargs.get("d", "")
        spent.check_size(_joined_size(subject, str(separator), spent.max_chars), "the join filter")
    elif name == "format" and isinstance(subject, str):
        check_format_widths(subject, rest)
    elif name in ("string", "tojson", "pprint", "list"):
        spent.check_size(text_size(subject, spent.max_chars), f"the {name} filter")


def _is_jinja_state(value: Any) -> bool:
    """True for the context, eval context or environment a ``pass_*`` filter receives first."""
    from jinja2 import Environment
    from jinja2.nodes import EvalContext
    from jinja2.runtime import Context

    return isinstance(value, Context | EvalContext | Environment)


def guard_filter(name: str, func: Callable[..., Any]) -> Callable[..., Any]:
    """``func`` (a filter) with the size pre-checks, the deadline check and a size check of its result."""

    @functools.wraps(func)
    def guarded(*args: Any, **kwargs: Any) -> Any:
        budget().check_time()
        _filter_precheck(name, args, kwargs)
        return check_result(func(*args, **kwargs), f"the {name} filter's result")

    return guarded
