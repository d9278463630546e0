"""Templating: the sandboxed Jinja2 environment, declared variables and the provider-neutral prompt."""

from __future__ import annotations

import re
import warnings
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from promptctl.errors import UndefinedVariableError
from promptctl.templating.prompt import Message, Prompt, Section, ToolSet
from promptctl.templating.variables import MEDIA_TYPES, VariableSpec, validate_variables

if TYPE_CHECKING:
    from types import FrameType

    from promptctl.templating.environment import render_prompt

__all__ = ["Message", "Prompt", "PromptctlWarning", "Section", "Template", "VariableSpec", "render", "render_prompt"]


def _caller_stacklevel() -> int:
    """The ``stacklevel`` of the first frame outside promptctl, so a warning names the caller's own line."""
    import sys

    package = str(Path(__file__).resolve().parents[1])
    frame: FrameType | None = sys._getframe(1)
    level = 1
    while frame is not None and frame.f_code.co_filename.startswith(package):
        frame, level = frame.f_back, level + 1
    return level


class PromptctlWarning(UserWarning):
    """A non-fatal finding, e.g. an undeclared extra variable. The CLI prints it as ``warning: ...``."""


@dataclass(frozen=True)
class Template:
    """A template body and the variables it declares: what rendering needs of a prompt version (a value).

    Attributes:
        body: The Jinja2 template text.
        where: The reference errors and warnings name (``name@N``, ``name@N (draft)``).
        line: 1-based line of the version file where ``body`` starts (errors give file lines).
        variables: The declared variables by name (front matter ``variables:``); empty when none are declared.
        tools: The tools the prompt declares (front matter ``tools:``), carried into the rendered prompt; None
            without tools.
        media_roots: Folders a relative media path (an ``image``/``document`` value, a path given to
            ``{% image %}``) is looked up in, in order: a version's own folder, then its project folder; the
            current directory is tried after them.
    """

    body: str
    where: str
    line: int = 1
    variables: Mapping[str, VariableSpec] = field(default_factory=dict)
    tools: ToolSet | None = None
    media_roots: tuple[Path, ...] = ()


def render(template: Template, variables: Mapping[str, Any]) -> Prompt:
    """Validate variables against a template's declarations and render it.

    Variables given but neither declared nor read by the template are reported as a
    :class:`PromptctlWarning` (and kept in ``Prompt.warnings``).

    Args:
        template: The template (a prompt version's is ``PromptVersion.template``).
        variables: Variable values by name.

    Returns:
        The provider-neutral prompt, with the validated variables (defaults applied).

    Raises:
        VariableError, UndefinedVariableError, TemplateSecurityError, TemplateError.
    """
    # Jinja2 is imported when something is rendered: reading front matter (list, show, verify) never needs it
    from promptctl.templating.environment import referenced_variables, render_prompt

    where = template.where
    specs = template.variables
    values = validate_variables(specs, variables, where=where)
    offset = template.line - 1
    used = referenced_variables(template.body, where=where, line_offset=offset) if not specs or set(values) - set(
        specs) else set(specs)
    extras = sorted(set(values) - set(specs) - used)
    notes = _extra_notes(where, extras, set(specs) | used)
    for note in notes:
        warnings.warn(note, PromptctlWarning, stacklevel=_caller_stacklevel())
    values = load_media_variables(specs, values, roots=template.media_roots, where=where)
    from promptctl.templating.media import media_roots

    try:
        with media_roots(template.media_roots):  # a path given to {% image %} (a few-shot example's picture)
            prompt = render_prompt(template.body, values, where=where, line_offset=offset)
    except UndefinedVariableError as exc:
        raise _misspelt(exc, specs) from None
    return Prompt(messages=prompt.messages, variables=values, warnings=notes, tools=template.tools)


def _misspelt(exc: UndefinedVariableError, specs: Mapping[str, VariableSpec]) -> UndefinedVariableError:
    """``exc`` with a hint naming the declared variable a misspelt, undeclared name in the template is close to.

    ``{{ reveiw }}`` with ``review`` declared is a typo in the template, not a value to pass with ``--var``.
    """
    from promptctl.errors import did_you_mean

    close = did_you_mean(exc.variable, specs) if exc.variable not in specs else None
    if close is None:
        return exc
    hint = (f"the template reads '{exc.variable}', which is not declared: {close} (fix the template, or declare "
            f"'{exc.variable}' under variables:)")
    return UndefinedVariableError(exc.message, variable=exc.variable, hint=hint)


def load_media_variables(
    specs: Mapping[str, VariableSpec], values: dict[str, Any], *, roots: tuple[Path, ...], where: str
) -> dict[str, Any]:
    """Replace each given ``image``/``document`` variable's value by its loaded media part.

    Raises:
        VariableError: A value is not a readable file, URL or data URL of its kind (naming the variable).
    """
    media = [name for name, spec in specs.items() if spec.type in MEDIA_TYPES and values.get(name) is not None]
    if not media:
        return values
    from promptctl.templating.media import load_media

    loaded = dict(values)
    for name in media:
        loaded[name] = load_media(specs[name].type, values[name], variable=name, roots=roots,  # type: ignore[arg-type]
                                  where=where)
    return loaded


def _ignored_note(where: str, name: str, known: set[str]) -> str:
    """The warning for a variable given but neither declared nor read, with a "did you mean" among those that are."""
    from promptctl.errors import did_you_mean

    close = did_you_mean(name, known)
    return f"{where}: variable '{name}' is not declared or used by the template; ignored" + (
        f" ({close})" if close else "")


_SHOWN_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,63}$")


def _extra_notes(where: str, extras: list[str], known: set[str]) -> tuple[str, ...]:
    """Warnings for variables that are neither declared nor used.

    Only names that could be template variables (identifiers of at most 64 characters) are echoed: the
    others are most likely a file's content read as a mapping (``--vars /etc/passwd``), and a value read
    from a file is never printed, so they are counted instead.
    """
    shown = [name for name in extras if _SHOWN_NAME.match(name)]
    notes = [_ignored_note(where, name, known) for name in shown]
    hidden = len(extras) - len(shown)
    if hidden:
        notes.append(f"{where}: {hidden} variable name(s) that are not identifiers (not shown) are not declared or "
                     "used by the template; ignored; is the --vars file the right one?")
    return tuple(notes)


def __getattr__(name: str) -> Any:
    """``render_prompt`` on first use (it brings Jinja2, see :func:`render`)."""
    if name == "render_prompt":
        from promptctl.templating.environment import render_prompt

        return render_prompt
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
