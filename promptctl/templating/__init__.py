"""Templating: the sandboxed Jinja2 environment, declared variables and the provider-neutral prompt."""

from __future__ import annotations

import re
import warnings
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from promptctl.templating.prompt import Message, Prompt, Section
from promptctl.templating.variables import VariableSpec, validate_variables

if TYPE_CHECKING:
    from promptctl.registry.registry import PromptVersion
    from promptctl.templating.environment import render_prompt

__all__ = ["Message", "Prompt", "PromptctlWarning", "Section", "VariableSpec", "render", "render_prompt"]


class PromptctlWarning(UserWarning):
    """A non-fatal finding, e.g. an undeclared extra variable. The CLI prints it as ``warning: ...``."""


def render(version: PromptVersion, variables: Mapping[str, Any]) -> Prompt:
    """Validate variables against a version's declarations and render its template.

    Variables given but neither declared nor read by the template are reported as a
    :class:`PromptctlWarning` (and kept in ``Prompt.warnings``).

    Args:
        version: The prompt version.
        variables: Variable values by name.

    Returns:
        The provider-neutral prompt, with the validated variables (defaults applied).

    Raises:
        VariableError, UndefinedVariableError, TemplateSecurityError, TemplateError.
    """
    # Jinja2 is imported when something is rendered: reading front matter (list, show, verify) never needs it
    from promptctl.templating.environment import referenced_variables, render_prompt

    where = version.display
    specs = version.front_matter.variables
    values = validate_variables(specs, variables, where=where)
    offset = version.body_line - 1
    used = referenced_variables(version.body, where=where, line_offset=offset) if not specs or set(values) - set(
        specs) else set(specs)
    extras = sorted(set(values) - set(specs) - used)
    notes = _extra_notes(where, extras, set(specs) | used)
    for note in notes:
        warnings.warn(note, PromptctlWarning, stacklevel=2)
    prompt = render_prompt(version.body, values, where=where, line_offset=offset)
    front = version.front_matter
    tools = None if front.tools_file is not None else front.tool_set()  # the registry loads a tools file
    return Prompt(messages=prompt.messages, variables=values, warnings=notes, tools=tools)


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
