"""Help topics shipped inside the package (``promptctl help TOPIC``): the file formats a user writes.

``docs/`` is not installed with the package, so the formats that error hints point to live here, as
plain text; the README's "File formats" section shows the same examples.
"""

from __future__ import annotations

from importlib import resources

TOPICS: dict[str, str] = {
    "datasets": "dataset files of promptctl ab / eval: JSONL, CSV, YAML cases",
    "snapshots": "snapshot suites (prompts/<name>/snapshots.yaml) and golden files",
    "examples": "few-shot examples: the examples: field and example datasets",
    "prompt-files": "version files: front matter fields, variables, layout",
    "templates": "the Jinja2 body: sandbox, filters, message and section tags",
    "strategies": "direct, cot, fewshot, consistency, structured, chain and their options",
    "lint": "promptctl lint: every rule with its rationale, examples and how to disable it",
}
"""Topic name -> one-line summary, in the order ``promptctl help`` lists them."""


def topic_text(name: str) -> str:
    """The text of a help topic.

    Raises:
        KeyError: No such topic.
    """
    if name not in TOPICS:
        raise KeyError(name)
    return resources.files(__package__).joinpath(f"{name}.md").read_text(encoding="utf-8")


def rule_section(rule_id: str) -> str | None:
    """The section of the ``lint`` topic about one rule: from its ``### RULE`` heading to the next heading.

    Args:
        rule_id: A lint rule id (``SYS003``), any case.

    Returns:
        The section's text without its heading, stripped; None when the topic has no such section.
    """
    lines = topic_text("lint").splitlines()
    heading = f"### {rule_id.upper()}"
    try:
        start = lines.index(heading) + 1
    except ValueError:
        return None
    end = next((i for i in range(start, len(lines)) if lines[i].startswith(("## ", "### "))), len(lines))
    return "\n".join(lines[start:end]).strip() or None
