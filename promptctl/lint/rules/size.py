"""SIZE: rendered input tokens against the model's context window.

Input tokens are the rendered request (system prompt and messages) at ``ceil(characters / 4)``, with
each ``input: true`` variable counted as ``typical_input_tokens``. When that estimate comes within 20% of
the limit, the request is counted again with :func:`promptctl.tokens.count_request` (tiktoken, offline;
an estimate for Anthropic and watsonx) and that count decides.
"""

from __future__ import annotations

from collections.abc import Iterator

from promptctl.lint.context import VersionContext
from promptctl.lint.model import Hit, rule

CATEGORY = "size"


@rule(
    "SIZE001", "warning", "Rendered input takes too large a share of the model's context window",
    rationale="""A prompt whose input (with a typical user input) fills most of the context window leaves little
    room for the output ceiling, conversation history or retrieved context, costs the most per call, and
    degrades recall of instructions in the middle of long contexts. The share is [lint] context_share
    (default 0.5).""",
    fix="Shorten the prompt (move rarely needed material into retrieval), lower typical input sizes, or use a model "
    "with a larger context window.",
    category=CATEGORY,
)
def within_context(ctx: VersionContext) -> Iterator[Hit]:
    """Input tokens above ``context_share`` of a target's context window."""
    share = ctx.settings.context_share
    for target in ctx.targets:
        window = target.profile.context_window
        if not window or target.request is None:
            continue
        limit = share * window
        tokens, method = ctx.input_tokens(target.request)
        if tokens > 0.8 * limit:
            tokens, method = ctx.input_tokens(target.request, exact=True)
        if tokens > limit:
            output = ctx.fm.parameters.max_tokens or target.profile.default_max_tokens or 0
            overflow = " (with the output ceiling it does not fit at all)" if tokens + output > window else ""
            yield Hit(
                f"~{tokens:,} input tokens ({method}) is {tokens / window:.0%} of the {window:,}-token context window "
                f"of {target.provider}:{target.model}, above the {share:.0%} limit{overflow}",
                ctx.body_start(),
            )
