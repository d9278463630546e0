"""FEW: few-shot hygiene (label balance, provider idiom, size, duplicates).

Examples are the front matter's ``examples`` list of ``{input, output}`` mappings (a dataset path is not
read by lint). An example's *label* is its output when that output is a classification: the value of
the output schema's enum or boolean fields, or a short output of at most four words. Examples whose
outputs are free text or structured data have no label and are not checked for balance.

Token figures are ``ceil(characters / 4)`` of each example's JSON text.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from promptctl.lint import text as T
from promptctl.lint.context import VersionContext, estimate_tokens
from promptctl.lint.model import Hit, rule
from promptctl.templating.variables import json_if_text

CATEGORY = "few-shot"
BUDGET_OPTIONS = ("token_budget", "example_token_budget", "max_example_tokens")
"""Strategy options giving the few-shot token budget (examples plus the input), in tokens."""


def examples_of(ctx: VersionContext) -> list[dict[str, Any]]:
    """The front matter's inline examples that are mappings (others are ignored)."""
    examples = ctx.fm.examples
    if not isinstance(examples, list):
        return []
    return [e for e in examples if isinstance(e, dict)]



def _label_fields(schema: Any) -> list[str]:
    props = schema.get("properties") if isinstance(schema, dict) else None
    if not isinstance(props, dict):
        return []
    return [
        str(name) for name, prop in props.items()
        if isinstance(prop, dict) and ("enum" in prop or prop.get("type") == "boolean")
    ]


def label_of(output: Any, schema: Any) -> str | None:
    """The classification label of an example output (see the module docstring), or None."""
    value = json_if_text(output)
    fields = _label_fields(schema)
    if fields and isinstance(value, dict):
        picked = [value.get(f) for f in fields if f in value]
        return json.dumps(picked, sort_keys=True) if picked else None
    if isinstance(value, bool | int | float):
        return json.dumps(value)
    if isinstance(value, str) and value.strip() and T.words(value) <= 4:
        return " ".join(value.split()).casefold()
    return None


def example_tokens(example: dict[str, Any]) -> int:
    """Estimated tokens of one example (its JSON text / 4)."""
    return estimate_tokens(json.dumps(example, ensure_ascii=False, default=str))


def _k(ctx: VersionContext, count: int) -> int:
    k = ctx.fm.strategy.options.get("k") if ctx.fm.strategy.name == "fewshot" else None
    return min(k, count) if isinstance(k, int) and not isinstance(k, bool) and k > 0 else count


@rule(
    "FEW001", "warning", "All few-shot examples carry the same label",
    rationale="""Models copy the distribution of their examples. When every example has the same label, the prompt
    teaches that label as the answer: the model over-predicts it, and the examples say nothing about where the
    boundaries between labels lie.""",
    fix="Give at least one example per label (balanced if you can), ordered so that labels alternate.",
    category=CATEGORY,
)
def balanced_labels(ctx: VersionContext) -> Iterator[Hit]:
    """Two or more examples, all labelled, all with the same label."""
    examples = examples_of(ctx)
    if len(examples) < 2:
        return
    schema = ctx.fm.output.json_schema if ctx.fm.output is not None else None
    labels = [label_of(e.get("output"), schema) for e in examples]
    if None in labels or len(set(labels)) != 1:
        return
    yield Hit(f"all {len(examples)} examples have the same label '{labels[0]}'", ctx.field_line("examples"))


@rule(
    "FEW002", "warning", "Few-shot examples are hard-coded text, not in the provider's idiom",
    rationale="""Claude is trained to read examples in XML tags (<example><input>...</input><output>...</output>
    </example>); hard-coded "Input:"/"Output:" lines blur where an example ends and the real task starts, and
    they cannot adapt when the template is rendered for another provider. Sections render as tags for Claude
    and as headings for GPT.""",
    fix='Write each example as {% section "example" %}{% section "input" %}...{% endsection %}'
    '{% section "output" %}...{% endsection %}{% endsection %} inside {% section "examples" %}.',
    category=CATEGORY,
)
def provider_idiom(ctx: VersionContext) -> Iterator[Hit]:
    """A target renders sections as XML and the template hard-codes a pair of example labels."""
    xml_targets = [t for t in ctx.targets if t.profile.section_style == "xml"]
    if not xml_targets:
        return
    lines: dict[str, list[int]] = {}
    in_fence = False
    for line, text in ctx.literal_lines:
        if T.FENCE.match(text):
            in_fence = not in_fence
            continue
        match = None if in_fence else T.EXAMPLE_LABEL.match(text)
        if match:
            lines.setdefault(" ".join(match.group(1).lower().split()), []).append(line)
    for left, right in T.EXAMPLE_PAIRS:
        # an example is a left label followed by a right one: a lone "INPUT:" after "OUTPUT:" only labels the input
        if left in lines and right in lines and lines[right][-1] > lines[left][0]:
            names = ", ".join(f"{t.provider}:{t.model}" for t in xml_targets)
            label_l, label_r = left.capitalize(), right.capitalize()
            secondary = ctx.secondary_only(xml_targets)
            which = "the secondary target " if secondary else ""
            yield Hit(f"examples hard-coded as '{label_l}:'/'{label_r}:' text; {which}{names} reads examples as XML "
                      "sections", lines[left][0], severity="info" if secondary else None)
            return


@rule(
    "FEW003", "error", "Few-shot examples plus a typical input exceed the model's context window",
    rationale="""The examples, the input and the output ceiling must fit in the model's context window together;
    otherwise every call fails (or the provider truncates) before any token is generated.""",
    fix="Use fewer or shorter examples (strategy fewshot with k: and dynamic selection), or a model with a larger "
    "context window.",
    category=CATEGORY,
)
def fits_context(ctx: VersionContext) -> Iterator[Hit]:
    """Examples (the k largest) + typical inputs + output ceiling > context window of a target."""
    examples = examples_of(ctx)
    if not examples:
        return
    sizes = sorted((example_tokens(e) for e in examples), reverse=True)
    shots = sum(sizes[: _k(ctx, len(sizes))])
    inputs = ctx.typical_input_tokens * max(1, len(ctx.input_variables))
    for target in ctx.targets:
        window = target.profile.context_window
        if not window:
            continue
        output = ctx.fm.parameters.max_tokens or target.profile.default_max_tokens or 0
        total = shots + inputs + output
        if total > window:
            yield Hit(
                f"examples (~{shots:,} tokens) + typical input ({inputs:,}) + output ceiling ({output:,}) = "
                f"~{total:,} tokens, over the {window:,}-token context window of {target.provider}:{target.model}",
                ctx.field_line("examples"),
            )


def _normalised(value: Any) -> str:
    value = json_if_text(value)
    if isinstance(value, str):
        return " ".join(value.split()).casefold()
    return json.dumps(value, sort_keys=True, ensure_ascii=False, default=str)


@rule(
    "FEW004", "warning", "Duplicate few-shot examples",
    rationale="""A repeated example spends tokens twice and weighs its label double; two examples with the same
    input and different outputs contradict each other.""",
    fix="Remove the duplicate, or replace it with an example that covers a case the others do not.",
    category=CATEGORY,
)
def no_duplicates(ctx: VersionContext) -> Iterator[Hit]:
    """Two examples with the same input (whitespace and case ignored)."""
    seen: dict[str, int] = {}
    for index, example in enumerate(examples_of(ctx)):
        if "input" not in example:
            continue
        key = _normalised(example["input"])
        if key in seen:
            same = _normalised(example.get("output")) == _normalised(examples_of(ctx)[seen[key]].get("output"))
            kind = "duplicates" if same else "has the same input as, but a different output from,"
            yield Hit(f"example {index + 1} {kind} example {seen[key] + 1}", ctx.field_line("examples", index))
        else:
            seen[key] = index


@rule(
    "FEW005", "warning", "Few-shot examples plus a typical input exceed the token budget",
    rationale="""The fewshot strategy's token_budget caps examples plus input. When even the k smallest examples and
    a typical input do not fit, the executor must drop examples at run time, so the prompt that runs is not the
    prompt that was reviewed.""",
    fix="Raise token_budget, lower k, or shorten the examples.",
    category=CATEGORY,
)
def fits_budget(ctx: VersionContext) -> Iterator[Hit]:
    """The k smallest examples + typical inputs > the strategy's token budget."""
    options = ctx.fm.strategy.options
    budget = next((options[k] for k in BUDGET_OPTIONS if isinstance(options.get(k), int)), None)
    examples = examples_of(ctx)
    if budget is None or not examples:
        return
    sizes = sorted(example_tokens(e) for e in examples)
    k = _k(ctx, len(sizes))
    needed = sum(sizes[:k]) + ctx.typical_input_tokens * max(1, len(ctx.input_variables))
    if needed > budget:
        option = next(name for name in BUDGET_OPTIONS if isinstance(options.get(name), int))
        yield Hit(f"{k} examples + a typical input need ~{needed:,} tokens, over the token budget of {budget:,}",
                  ctx.field_line("strategy", option))
