"""LOAD: the version cannot be loaded, parsed or rendered, or its lint settings are wrong."""

from __future__ import annotations

from collections.abc import Iterator

from promptctl.lint.context import VersionContext
from promptctl.lint.model import Hit, rule

CATEGORY = "loading"


@rule(
    "LOAD001", "error", "The version file cannot be loaded or its template does not parse",
    rationale="""A version whose front matter is invalid or whose template has a syntax error cannot be rendered or
    run at all; every other rule is skipped for it.""",
    fix="Fix the field or the Jinja2 tag named in the message; a published version cannot be edited, so publish a "
    "corrected copy as a new version (promptctl new NAME --from NAME@N).",
    category=CATEGORY,
    pipelines=True,
)
def template_parses(ctx: VersionContext) -> Iterator[Hit]:
    """A template syntax error (front-matter errors are reported by the engine, which cannot load the version)."""
    error = ctx.parse_error
    if error is not None:
        message, line = error
        yield Hit(f"template syntax error: {message}", line)


@rule(
    "LOAD002", "info", "The template cannot be rendered with placeholder values",
    rationale="""Lint renders each version once with placeholder values (defaults, enum values, markers for user
    input). When that fails, the rules that read the rendered prompt (system prompt structure, injection exposure,
    size, provider requests) are skipped for the version, so it is less thoroughly checked.""",
    fix="Give the variable a default in the front matter, or declare its type precisely (a list or object variable "
    "that the template indexes), so that the template renders without real data.",
    category=CATEGORY,
)
def renders(ctx: VersionContext) -> Iterator[Hit]:
    """Rendering with placeholder values failed."""
    if ctx.ast is not None and ctx.render_error is not None:
        yield Hit(f"render with placeholder values failed ({ctx.render_error}); render-based rules skipped",
                  ctx.body_start())


@rule(
    "LOAD003", "warning", "The front matter disables an unknown lint rule",
    rationale="""A rule id under lint.disable that no rule has is usually a typo: the rule meant to be disabled still
    runs, and the reason recorded for disabling it documents nothing.""",
    fix="Correct the rule id (promptctl lint --list-rules) or remove the entry.",
    category=CATEGORY,
    pipelines=True,
)
def known_disables(ctx: VersionContext) -> Iterator[Hit]:
    """Rule ids in ``lint.disable`` that do not exist."""
    from promptctl.lint.rules import all_rules

    known = all_rules()
    for rule_id in ctx.fm.lint.disable:
        if rule_id not in known:
            yield Hit(f"lint.disable names unknown rule {rule_id}", ctx.field_line("lint", "disable", rule_id))
