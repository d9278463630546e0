"""REG: registry hygiene (labels, publish messages, declared and used variables, integrity)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING

from promptctl.errors import PromptctlError
from promptctl.limits import read_input_text
from promptctl.lint.context import VersionContext
from promptctl.lint.loading import PromptFiles
from promptctl.lint.model import Hit, rule
from promptctl.lint.settings import LintSettings

if TYPE_CHECKING:
    from promptctl.registry.registry import PromptVersion

CATEGORY = "registry"


@dataclass
class PromptContext:
    """What prompt-scoped rules read: one prompt's index and version files.

    Attributes:
        prompt: The prompt's index and files.
        settings: Project lint settings.
    """

    prompt: PromptFiles
    settings: LintSettings

    @cached_property
    def index_lines(self) -> list[str]:
        """Lines of ``prompt.yaml`` (empty when it does not exist)."""
        try:
            return read_input_text(self.prompt.index_path, what="prompt index").split("\n")
        except (OSError, PromptctlError):
            return []

    def label_line(self, label: str) -> int:
        """Line of ``label:`` under ``labels:`` in ``prompt.yaml`` (1 when not found)."""
        in_labels = False
        for number, text in enumerate(self.index_lines, start=1):
            if re.match(r"^labels\s*:", text):
                in_labels = True
                continue
            if in_labels and text and not text[0].isspace():
                in_labels = False
            if in_labels and re.match(rf"^\s+['\"]?{re.escape(label)}['\"]?\s*:", text):
                return number
        return 1


def version_record_line(lines: list[str], number: int) -> int:
    """Line of ``- version: N`` in a ``prompt.yaml`` (1 when not found)."""
    for line, text in enumerate(lines, start=1):
        if re.match(rf"^\s*-?\s*version\s*:\s*{number}\s*$", text):
            return line
    return 1


@rule(
    "REG001", "error", "A label points at a draft or at a version that does not exist",
    rationale="""Labels are what applications resolve (support-agent@production). A label on a draft points at a
    file that can still change, so the same reference can return different prompts; a label on a missing
    version makes every lookup fail. promptctl label refuses both; this catches hand edits of prompt.yaml.""",
    fix="Publish the draft (promptctl publish NAME) or move the label to a published version "
    "(promptctl label NAME@N LABEL).",
    category=CATEGORY,
    scope="prompt",
)
def labels_on_published(ctx: PromptContext) -> Iterator[Hit]:
    """Each label must point at a published version whose file exists (or at least a published record)."""
    prompt = ctx.prompt
    published = prompt.published
    for label, number in sorted(prompt.index.labels.items()):
        if number in published:
            continue
        where = str(prompt.index_path)
        if number in prompt.files:
            yield Hit(f"label '{label}' points at draft v{number}", ctx.label_line(label), file=where)
        else:
            yield Hit(f"label '{label}' points at version {number}, which does not exist", ctx.label_line(label),
                      file=where)


@rule(
    "REG002", "warning", "A published version without a message",
    rationale="""The publish message is the changelog of a prompt: it is what a reviewer, an on-call engineer or an
    A/B report reads to learn why version 7 replaced version 6. Without it the history is a list of hashes.""",
    fix="Always publish with -m \"what changed and why\"; for a version already published, add message: under its "
    "entry in prompt.yaml (the index is not covered by the version's hash).",
    category=CATEGORY,
    pipelines=True,
)
def published_with_message(ctx: VersionContext) -> Iterator[Hit]:
    """A published version whose index record has no message."""
    record = ctx.version.published
    if record is None or (record.message and record.message.strip()):
        return
    index = ctx.version.path.parent / "prompt.yaml"
    try:
        lines = read_input_text(index, what="prompt index").split("\n")
    except (OSError, PromptctlError):
        lines = []
    yield Hit(f"{ctx.version.ref} was published without a message", version_record_line(lines, ctx.version.number),
              file=str(index))


@rule(
    "REG003", "warning", "A declared variable is never used",
    rationale="""A declared variable the template never reads is either dead configuration or, worse, a value the
    author meant to include and forgot: callers pass it, validation accepts it, and the model never sees it.""",
    fix="Use the variable in the template, or remove its declaration.",
    category=CATEGORY,
    pipelines=True,
)
def declared_are_used(ctx: VersionContext) -> Iterator[Hit]:
    """Declared variables that the template never reads (for a chain: that no step input or step prompt takes)."""
    if ctx.ast is None:
        return
    used = set(ctx.used_variables)
    if ctx.is_pipeline:
        used |= ctx.chain_variable_sources
        for _, step_version, _ in chain_step_versions(ctx):
            if step_version is not None:
                used |= set(step_version.front_matter.variables)  # passed on by name when a step declares it
    what = "no chain step uses it" if ctx.is_pipeline else "the template never uses it"
    for name in sorted(set(ctx.declared_variables) - used):
        yield Hit(f"variable '{name}' is declared but {what}", ctx.field_line("variables", name))


def chain_step_versions(ctx: VersionContext) -> list[tuple[int, PromptVersion | None, str | None]]:
    """Each chain step's ``(index, resolved version or None, error or None)``, resolved once per context."""
    cached = ctx.__dict__.get("_chain_step_versions")
    if cached is not None:
        return cached
    out: list[tuple[int, PromptVersion | None, str | None]] = []
    registry = ctx.version.registry
    for index, step in enumerate(ctx.chain_steps):
        ref = step.get("prompt")
        if not isinstance(ref, str) or not ref.strip() or registry is None:
            out.append((index, None, "the step names no prompt" if registry is not None else None))
            continue
        try:
            out.append((index, registry.get(ref), None))
        except PromptctlError as exc:
            out.append((index, None, exc.message))
    ctx.__dict__["_chain_step_versions"] = out
    return out


@rule(
    "REG004", "error", "A used variable is not declared",
    rationale="""An undeclared variable has no type, no default and no input: flag: it is not validated, it is
    missing from the documentation of the prompt, and injection checks cannot see it. Rendering fails when a
    caller does not happen to pass it.""",
    fix="Declare it under variables: with a type and a description (and input: true if it carries user text).",
    category=CATEGORY,
    pipelines=True,
)
def used_are_declared(ctx: VersionContext) -> Iterator[Hit]:
    """Variables the template reads that are not declared."""
    for name in sorted(ctx.used_variables - set(ctx.declared_variables)):
        yield Hit(f"variable '{name}' is used but not declared", ctx.variable_line(name) or ctx.body_start())


@rule(
    "REG005", "error", "A published version's file was modified or deleted",
    rationale="""Published versions are immutable: applications pin their sha256. A file that no longer matches its
    recorded hash means the prompt in production is not the prompt that was reviewed (promptctl verify reports
    the same).""",
    fix="Restore the file from version control; publish changes as a new version (promptctl new NAME --from NAME).",
    category=CATEGORY,
    pipelines=True,
)
def unmodified(ctx: VersionContext) -> Iterator[Hit]:
    """The version file's sha256 differs from the published record."""
    record = ctx.version.published
    if ctx.version.modified and record is not None:
        yield Hit(f"published {ctx.version.ref} was modified (sha256 {ctx.version.sha256[:12]}, recorded "
                  f"{record.sha256[:12]})", 1)


@rule(
    "REG006", "error", "A chain step references a prompt version that does not resolve, or a draft",
    rationale="""A chain runs the prompt versions its steps name. A step reference that does not resolve (unknown
    prompt, version or label; a modified published file) makes every run fail at that step; a published chain
    whose step resolves to a draft is not reproducible, since the draft can still change. A step input (or the
    chain output) ``steps.ID.parsed.FIELD`` naming a field the step's closed output schema
    (``additionalProperties: false``) does not have is refused by ``run`` before any call: lint reports it too.""",
    fix="Point the step at a published version (prompt: NAME@N or NAME@label) and publish it first.",
    category=CATEGORY,
    pipelines=True,
)
def chain_steps_resolve(ctx: VersionContext) -> Iterator[Hit]:
    """Each step's ``prompt`` resolves, to no draft in a published chain, and its ``parsed`` fields exist.

    A ``steps.ID.parsed.FIELD`` source must name a field the step's closed output schema has (the check ``run``
    makes before any call).
    """
    by_id: dict[str, PromptVersion | None] = {}
    for index, step_version, error in chain_step_versions(ctx):
        step = ctx.chain_steps[index]
        name = step.get("id") or f"step{index + 1}"
        line = ctx.field_line("strategy", "steps", index, "prompt")
        if error is not None:
            yield Hit(f"chain step '{name}': {step.get('prompt')!r} does not resolve: {error}", line)
        elif step_version is not None and step_version.is_draft and not ctx.version.is_draft:
            yield Hit(f"chain step '{name}': {step.get('prompt')!r} resolves to draft {step_version.ref}", line)
        inputs = step.get("inputs")
        for key, raw in inputs.items() if isinstance(inputs, dict) else ():
            yield from _parsed_field_hits(ctx, by_id, raw, f"step '{name}' input '{key}'",
                                          ("strategy", "steps", index, "inputs", key))
        by_id[str(name)] = step_version
    if ctx.chain_steps and ctx.fm.strategy.options.get("output") is not None:
        yield from _parsed_field_hits(ctx, by_id, ctx.fm.strategy.options["output"], "output", ("strategy", "output"))


def _parsed_field_hits(ctx: VersionContext, steps: dict[str, PromptVersion | None], raw: object, where: str,
                       path: tuple[str | int, ...]) -> Iterator[Hit]:
    """A hit when the source ``raw`` names a field its step's closed output schema does not have."""
    from promptctl.errors import did_you_mean
    from promptctl.executors.chain import Source, unknown_parsed_field

    try:
        source = Source.parse(raw, where=where)
    except PromptctlError:
        return  # not a source at all: loading the chain reports it
    version = steps.get(source.name) if source.kind == "step" else None
    output = version.front_matter.output if version is not None else None
    unknown = unknown_parsed_field(source, output.json_schema if output is not None else None)
    if version is not None and unknown is not None:
        close = did_you_mean(unknown[0], unknown[1])
        yield Hit(f"chain {where}: '{source.text}': the output schema of {version.display} has no field "
                  f"'{unknown[0]}'" + (f" ({close})" if close else ""), ctx.field_line(*path))
