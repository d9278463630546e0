"""NEG: negative instructions only.

The template's instruction text (all messages except examples and user input) is split into
directive units (lines, bullets, sentences). A unit is *negative* when it starts with "Do not",
"Don't", "Never", "Avoid", "No", "Must not" ... (or says "you must not/never"); it is *positive* when
it starts with an imperative verb ("Reply", "List", "Use" ...), possibly after a lead-in ("If unsure,
ask ..."), or says "always/must/should" without a negation. Descriptions ("You are ...") are neither.
"""

from __future__ import annotations

from collections.abc import Iterator

from promptctl.lint import text as T
from promptctl.lint.context import VersionContext
from promptctl.lint.model import Hit, rule

CATEGORY = "instructions"


@rule(
    "NEG001", "warning", "The prompt only says what not to do",
    rationale="""A list of prohibitions without a single positive instruction leaves the model to infer the task
    from what is forbidden. Models follow "do X" more reliably than "don't do Y", and naming the unwanted
    behaviour can even prime it. Say what to do, then add the few restrictions that matter.""",
    fix='Rewrite the rules as positive instructions ("Reply in two sentences" instead of "Don\'t write long '
    'answers") and keep only the prohibitions that have no positive form.',
    category=CATEGORY,
)
def not_only_negative(ctx: VersionContext) -> Iterator[Hit]:
    """Two or more negative directives and no positive one."""
    if ctx.prompt is None:
        return
    units = ctx.instruction_units
    negatives = [u for u in units if T.is_negative(u)]
    if len(negatives) >= 2 and not any(T.is_positive(u) for u in units):
        yield Hit(f"{len(negatives)} instructions say what not to do and none says what to do",
                  ctx.line_of(negatives[0]) or ctx.body_start())
