r"""Few-shot: choose examples, fit them in a budget, order them, and render them in the provider's idiom.

Examples come from the strategy's ``dataset`` option, else the front matter's ``examples`` (a list
of mappings, or a dataset path). A dataset is a JSONL, CSV, YAML or JSON file (a list of mappings,
or a mapping with an ``examples`` list); relative paths are relative to the project root. Each
example has an input and an output (fields ``input_field``/``output_field``, default ``input`` and
``output``) and may have a label (``label_field``).

Selection (``selection``):

- ``static``: the examples in file order.
- ``similar`` (dynamic): the k examples most similar to the input, by Okapi BM25 (Robertson and
  Zaragoza 2009, "The Probabilistic Relevance Framework: BM25 and Beyond"; k1 = 1.5, b = 0.75,
  idf = ln(1 + (N - n + 0.5) / (n + 0.5))) over lower-cased word tokens (``\w+``) of each example's
  input, the query being the input text. Lexical: no model and no network. Ties keep file order.

Default: ``similar`` when ``k`` is set, there are more than k examples and there is an input text;
otherwise ``static``. The input text is the values of the version's ``input: true`` variables (or
of the variables named by ``query``), joined by newlines.

Budget: ``token_budget`` (with ``budget_unit``: ``tokens``, the default, counted with tiktoken for
the request's model, o200k_base for non-OpenAI models; or ``words``, whitespace-separated) caps the
input text plus every selected example rendered with ``example_format`` (default
``"Input: {input}\nOutput: {output}"``). Candidates are taken in selection order; one that does not
fit is skipped and the next is tried, so selected examples plus the input never exceed the budget.

``balance: true`` takes candidates round-robin across labels (in the order labels first appear in
the ranking), so no label dominates (Zhao et al. 2021, "Calibrate Before Use", on majority-label
bias). ``order`` then arranges the selection: ``given`` (file order; the static default),
``similar_last`` (ascending similarity, the closest example right before the input; the dynamic
default, after Liu et al. 2022, "What Makes Good In-Context Examples for GPT-3?"),
``similar_first``, or ``random`` (shuffled with ``seed``, default 0). Order matters (Lu et al. 2022,
"Fantastically Ordered Prompts"): the result records the chosen examples, their order and the seed.

Placement (``placement``, default ``auto``), in each provider's idiom:

- ``variable``: the selection is passed to the template as the variable named by ``variable``
  (default ``examples``); the template lays it out (entity-extraction's ``examples`` section:
  ``<examples><example>...`` for Claude).
- ``messages``: alternating user/assistant message pairs inserted before the final user message
  (OpenAI's idiom). The user turn has the same single section as the final user message, if it has
  exactly one. The template's variable, if it reads one, gets an empty list.
- ``section``: an ``examples`` section of ``example`` sections (``input``, ``output``) at the start of
  the final user message.
- ``auto``: ``messages`` for providers whose sections are markdown (OpenAI, watsonx, fake);
  for XML providers (Claude) ``variable`` when the template reads the variable, else ``section``.

Options: ``k``, ``selection``, ``dataset``, ``input_field``, ``output_field``, ``label_field``,
``query``, ``token_budget``, ``budget_unit``, ``example_format``, ``balance``, ``order``, ``seed``,
``placement``, ``variable``.
"""

from __future__ import annotations

import math
import random
import re
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from promptctl.errors import InputError, did_you_mean
from promptctl.executors.examples import Example, as_text, load_examples
from promptctl.templating.prompt import Message, Prompt, Section, clean_text

if TYPE_CHECKING:
    from promptctl.executors.pipeline import Source

DEFAULT_FORMAT = "Input: {input}\nOutput: {output}"
DEFAULT_DYNAMIC_K = 4
ORDERS = ("given", "similar_last", "similar_first", "random")
PLACEMENTS = ("auto", "variable", "messages", "section")


@dataclass(frozen=True)
class FewShotOptions:
    """Few-shot settings (see the module docstring for each option)."""

    k: int | None = None
    selection: Literal["static", "similar"] | None = None
    dataset: str | None = None
    input_field: str = "input"
    output_field: str = "output"
    label_field: str | None = None
    query: tuple[str, ...] = ()
    token_budget: int | None = None
    budget_unit: Literal["tokens", "words"] = "tokens"
    example_format: str = DEFAULT_FORMAT
    balance: bool = False
    order: str | None = None
    seed: int = 0
    placement: str = "auto"
    variable: str = "examples"

    @classmethod
    def from_options(cls, options: Mapping[str, Any], *, where: str = "strategy fewshot") -> FewShotOptions:
        """Read the few-shot options of a strategy mapping.

        Raises:
            InputError: A value of the wrong type or outside its choices.
        """

        def integer(key: str, minimum: int) -> int | None:
            value = options.get(key)
            if value is None:
                return None
            if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
                raise InputError(f"{where}: {key} must be an integer >= {minimum}, not {value!r}")
            return value

        def choice(key: str, choices: tuple[str, ...], default: Any) -> Any:
            value = options.get(key, default)
            if value is not None and value not in choices:
                close = did_you_mean(str(value), choices)
                raise InputError(f"{where}: {key} must be one of {', '.join(choices)}, not {value!r}",
                                 hint=(f"{close} " if close else "") + "(promptctl help strategies)")
            return value

        query = options.get("query") or ()
        budget = integer("token_budget", 0)
        for alias in ("example_token_budget", "max_example_tokens"):
            budget = budget if budget is not None else integer(alias, 0)
        return cls(
            k=integer("k", 0), selection=choice("selection", ("static", "similar", "dynamic"), None),
            dataset=str(options["dataset"]) if options.get("dataset") else None,
            input_field=str(options.get("input_field", "input")),
            output_field=str(options.get("output_field", "output")),
            label_field=str(options["label_field"]) if options.get("label_field") else None,
            query=(query,) if isinstance(query, str) else tuple(str(q) for q in query),
            token_budget=budget, budget_unit=choice("budget_unit", ("tokens", "words"), "tokens"),
            example_format=str(options.get("example_format", DEFAULT_FORMAT)),
            balance=bool(options.get("balance", False)), order=choice("order", ORDERS, None),
            seed=integer("seed", 0) or 0, placement=choice("placement", PLACEMENTS, "auto"),
            variable=str(options.get("variable", "examples")),
        )


@dataclass
class Selection:
    """The chosen examples, in prompt order, and how they were chosen (``details``, JSON-ready)."""

    examples: list[Example]
    details: dict[str, Any] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)


# -- similarity ------------------------------------------------------------------------------------
_WORD = re.compile(r"\w+", re.UNICODE)


def bm25_scores(query: str, documents: list[str], *, k1: float = 1.5, b: float = 0.75) -> list[float]:
    """Okapi BM25 score of each document for the query (see the module docstring for the formula)."""
    docs = [[w.lower() for w in _WORD.findall(d)] for d in documents]
    terms = [w.lower() for w in _WORD.findall(query)]
    if not docs:
        return []
    n_docs = len(docs)
    avg = sum(len(d) for d in docs) / n_docs or 1.0
    df = Counter(term for d in docs for term in set(d))
    scores = []
    for doc in docs:
        tf = Counter(doc)
        score = 0.0
        for term in terms:
            if term not in tf:
                continue
            idf = math.log(1 + (n_docs - df[term] + 0.5) / (df[term] + 0.5))
            score += idf * tf[term] * (k1 + 1) / (tf[term] + k1 * (1 - b + b * len(doc) / avg))
        scores.append(score)
    return scores


# -- selection -------------------------------------------------------------------------------------
def render_example(example: Example, fmt: str) -> str:
    """An example in ``fmt`` (``{input}``, ``{output}``, ``{label}`` are replaced once, never re-parsed)."""
    values = {"input": as_text(example.input), "output": as_text(example.output), "label": example.label or ""}
    return re.sub(r"\{(input|output|label)\}", lambda m: values[m.group(1)], fmt)


def counter_for(unit: str, model: str | None) -> Callable[[str], int]:
    """``text -> size`` in ``words`` or ``tokens`` (tiktoken, the model's encoding or o200k_base)."""
    if unit == "words":
        return lambda text: len(text.split())
    from promptctl.tokens.counting import count_text, encoding_for_model

    encoding = encoding_for_model(model)[0] if model else "o200k_base"
    return lambda text: count_text(text, encoding)[0]


def select(
    examples: list[Example], query: str, options: FewShotOptions, *, count: Callable[[str], int] | None = None
) -> Selection:
    """Choose, fit and order examples (see the module docstring).

    Args:
        examples: The pool.
        query: The input text (for similarity and the budget).
        options: Few-shot settings.
        count: Size of a text in the budget's unit; default words for ``budget_unit: words``, else tokens
            with o200k_base.

    Returns:
        The :class:`Selection`; ``details`` holds selection, k, pool, selected (indices in prompt
        order), order, seed, scores and budget {limit, unit, used, skipped}.
    """
    count = count or counter_for(options.budget_unit, None)
    selection = options.selection
    if selection == "dynamic":
        selection = "similar"
    if selection is None:
        dynamic = options.k is not None and options.k < len(examples) and bool(query.strip())
        selection = "similar" if dynamic else "static"
    k = options.k if options.k is not None else (DEFAULT_DYNAMIC_K if selection == "similar" else len(examples))
    scores = bm25_scores(query, [as_text(e.input) for e in examples])
    if selection == "similar":
        ranked = sorted(examples, key=lambda e: (-scores[e.index], e.index))
    else:
        ranked = list(examples)
    if options.balance:
        ranked = _round_robin(ranked, options.label_field is not None)
    notes: list[str] = []
    used = count(query) if options.token_budget is not None else 0
    if options.token_budget is not None and used > options.token_budget:
        notes.append(f"the input alone ({used} {options.budget_unit}) exceeds the few-shot budget of "
                     f"{options.token_budget}; no examples were added")
    chosen: list[Example] = []
    skipped: list[int] = []
    for example in ranked:
        if len(chosen) >= k:
            break
        size = count(render_example(example, options.example_format)) if options.token_budget is not None else 0
        if options.token_budget is not None and used + size > options.token_budget:
            skipped.append(example.index)
            continue
        chosen.append(example)
        used += size
    order = options.order or ("similar_last" if selection == "similar" else "given")
    ordered = _arrange(chosen, order, scores, options.seed)
    details = {
        "selection": selection, "k": k, "pool": len(examples),
        "selected": [e.index for e in ordered], "order": order,
        "seed": options.seed if order == "random" else None,
        "scores": {str(e.index): round(scores[e.index], 4) for e in ordered} if selection == "similar" else None,
        "balance": options.balance,
        "budget": None if options.token_budget is None else {
            "limit": options.token_budget, "unit": options.budget_unit, "used": used, "skipped": skipped},
    }
    return Selection(ordered, details, notes)


def _round_robin(ranked: list[Example], labelled: bool) -> list[Example]:
    """Interleave ranked examples across labels (the output text is the label when no label_field is set)."""
    groups: dict[str, list[Example]] = {}
    for example in ranked:
        label = example.label if labelled else " ".join(as_text(example.output).split()).casefold()
        groups.setdefault(label or "", []).append(example)
    out: list[Example] = []
    while any(groups.values()):
        for queue in groups.values():
            if queue:
                out.append(queue.pop(0))
    return out


def _arrange(chosen: list[Example], order: str, scores: list[float], seed: int) -> list[Example]:
    by_index = sorted(chosen, key=lambda e: e.index)
    if order == "given":
        return by_index
    if order == "random":
        shuffled = list(by_index)
        random.Random(seed).shuffle(shuffled)
        return shuffled
    most_similar_first = sorted(chosen, key=lambda e: (-scores[e.index], e.index))
    return most_similar_first if order == "similar_first" else most_similar_first[::-1]


# -- rendering -------------------------------------------------------------------------------------
def query_text(source: Source, variables: Mapping[str, Any], options: FewShotOptions) -> str:
    """The input text: the ``query`` variables, else the ``input: true`` ones, joined by newlines."""
    specs = source.template.variables
    names = list(options.query) or [n for n, s in specs.items() if s.input and n != options.variable]
    return "\n".join(as_text(variables[n]) for n in names if variables.get(n) is not None)


def placement_for(options: FewShotOptions, source: Source, section_style: str) -> str:
    """The placement ``auto`` resolves to for this provider's section style (``xml`` or ``markdown``)."""
    if options.placement != "auto":
        return options.placement
    if section_style == "markdown":
        return "messages"
    return "variable" if uses_variable(source, options.variable) else "section"


def uses_variable(source: Source, name: str) -> bool:
    """True when the template reads the variable ``name``."""
    from promptctl.templating.environment import referenced_variables

    template = source.template
    return name in referenced_variables(template.body, where=template.where, line_offset=template.line - 1)


def render_with_examples(
    source: Source, variables: Mapping[str, Any], selection: Selection, placement: str, variable: str
) -> Prompt:
    """Render the prompt with the selected examples placed as ``placement`` says.

    Raises:
        InputError: ``variable`` placement but the template does not read the variable.
        and the rendering errors of :func:`promptctl.templating.render`.
    """
    values = dict(variables)
    reads = uses_variable(source, variable)
    if placement == "variable":
        if not reads:
            raise InputError(f"{source.where}: few-shot placement 'variable' but the template never reads "
                             f"'{variable}'", hint="use placement: section or messages, or read the variable")
        values[variable] = [e.row for e in selection.examples]
        return source.prompt(values)
    if reads:
        values[variable] = []
    prompt = source.prompt(values)
    if not selection.examples:
        return prompt
    messages = list(prompt.messages)
    last = max((i for i, m in enumerate(messages) if m.role == "user"), default=None)
    if last is None:
        raise InputError(f"{source.where}: few-shot examples need a user message to precede")
    final = messages[last]
    if placement == "section":
        block = Section("examples", tuple(
            Section("example", (Section("input", (clean_text(as_text(e.input)),)),
                                Section("output", (clean_text(as_text(e.output)),))))
            for e in selection.examples))
        messages[last] = Message("user", (block, *final.parts))
    else:
        wrapper = final.parts[0].name if len(final.parts) == 1 and isinstance(final.parts[0], Section) else None
        pairs: list[Message] = []
        for e in selection.examples:
            text = clean_text(as_text(e.input))
            pairs.append(Message("user", (Section(wrapper, (text,)),) if wrapper else (text,)))
            pairs.append(Message.text("assistant", clean_text(as_text(e.output))))
        messages[last:last] = pairs
    return Prompt(messages=tuple(messages), variables=prompt.variables, warnings=prompt.warnings)


def prepare(
    source: Source,
    variables: Mapping[str, Any],
    options: FewShotOptions,
    *,
    section_style: str,
    model: str | None,
) -> tuple[Prompt, Selection]:
    """Load, select and place examples; return the rendered prompt and the selection.

    Args:
        source: The prompt (its template, front matter ``examples``, and the project root dataset paths are
            relative to).
        variables: Its variables (the query text comes from them).
        options: Few-shot settings.
        section_style: The target provider's section style (``xml`` or ``markdown``), for ``auto``.
        model: The target model when its text is counted with its own tiktoken encoding, else None (o200k_base).

    Raises:
        InputError: No examples, a bad dataset, or a bad placement.
    """
    given = options.dataset if options.dataset else source.front_matter.examples
    examples, described = load_examples(given, options, root=source.root, where=source.where)
    query = query_text(source, variables, options)
    selection = select(examples, query, options, count=counter_for(options.budget_unit, model))
    placement = placement_for(options, source, section_style)
    selection.details.update({"source": described, "placement": placement})
    return render_with_examples(source, variables, selection, placement, options.variable), selection
