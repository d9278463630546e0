"""TXT: text left over from where the prompt came from (placeholders, a sample request, a pasted front matter).

Prompts copied from collections and chat tools carry text meant for a human or for another tool:
``[insert topic here]`` and ``${topic}`` placeholders nobody filled, ``{{ topic }}`` that reached the
rendered text as literal braces, "My first request is ..." written for a chat window, and the
``---``/``model:``/``tools:`` header of an agent or skill file. The model reads all of it as
instructions. A placeholder named as what the user will send ("I will provide a ${website_link}") is a mention of
the input to come, not a leftover. A short bracketed label alone on its line that heads a block (``[Input]`` above
the text of a few-shot pattern, ``[CONTENT]`` ... ``[END CONTENT]``) names a section, not a value to fill. A pasted
header with only descriptive keys (name, description, color ...) is reported at info: no model, tools or
parameters are lost. Placeholders inside a pasted header TXT003 reports (``${file:...}`` of a Prompty file) are not
reported again by TXT001. The rules read the rendered instruction text (markers of declared variables removed),
outside code fences and ``>`` quotes.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from promptctl.lint import text as T
from promptctl.lint.context import VersionContext
from promptctl.lint.model import Hit, rule
from promptctl.templating.literal import kept_not_converted

CATEGORY = "leftovers"

PLACEHOLDER = re.compile(
    r"\[(?:insert|enter|add|put|paste|your|fill\s+in|replace\s+with)\b[^\]\n]{0,80}\](?!\()"
    r"|\[(?:input|topic|subject|text|content|question|keyword|project|company|product|process)"
    r"(?:\s*(?:name|title|/\s*\w+))?\](?!\()"
    r"|<(?:insert|your|enter|add)\b[^<>\n]{0,60}>"
    r"|\$\{[A-Za-z_][\w-]*(?::[^{}\n]{0,60})?\}",
    re.IGNORECASE,
)
"""A placeholder for the author: ``[insert ... here]``, ``[your name]``, ``[topic]``, ``<your text>``, ``${x}``.

Bracketed capitals in general (``[ISSUE TITLE]``, ``[VERSE]``) and single braces (``{emoji}``) are left
alone: prompts use them as slots of an output template for the model to fill.
"""

TEMPLATE_TEXT = re.compile(r"\{\{\s*[A-Za-z_][\w.]*\s*\}\}")
"""A variable of a template language left as text: ``{{ topic }}``.

Only reported when it reached the rendered text from a value (a default, a filled variable): written in the
template itself it can only be inside ``{% raw %}`` or a string literal, which is the author's (or
``promptctl import``'s) statement that the braces are literal text.
"""
TEMPLATE_DOC_LIMIT = 5
"""More distinct ``{{x}}`` than this: the prompt documents a template language (Nuclei, Hugo), not a leftover."""

_INLINE_CODE = re.compile(r"`[^`\n]*`")
_MAYBE_PLACEHOLDER = re.compile(r"\[|<|\$\{|\{\{")
"""Cheap test: a text without any of these characters has no placeholder."""

_FRONT_MATTER = re.compile(
    r"\A[\s\ufeff]*(?:---[ \t]*\n((?:[ \t]*[^\n]*\n){1,60}?)[ \t]*---[ \t]*(?:\n|\Z)"
    r"|((?:model|tools|allowed-tools|mode)[ \t]*:[^\n]*\n(?:(?:[ \t]+|-[ \t])[^\n]*\n)+))"
)
_FM_KEY = re.compile(r"^([A-Za-z][\w-]*)[ \t]*:", re.MULTILINE)
FRONT_MATTER_KEYS = frozenset(
    """model models tools allowed-tools allowed_tools mode temperature top_p max_tokens provider name description
    applyto globs alwaysapply argument-hint color version tags priority""".split()
)
"""Keys of agent, skill, chat-mode and rules files (Claude Code, Copilot, Cursor, Prompty)."""
_TOOL_KEYS = frozenset({"model", "models", "tools", "allowed-tools", "allowed_tools", "mode", "temperature", "top_p",
                        "max_tokens", "provider", "applyto", "globs", "alwaysapply"})


def _prose_texts(ctx: VersionContext, *, system_only: bool = False, skip_pasted: bool = False) -> list[str]:
    text = ctx.instruction_text(system_only=system_only)
    if skip_pasted:  # TXT003 reports the pasted block itself: its ${file:...} references once, not twice
        for block in _pasted_blocks(ctx):
            text = text.replace(block, "\n")
    text = T.prose(text)
    return [T.prose(t) for t in text.split("\n\n") if t.strip()]


@rule(
    "TXT001", "warning", "An unfilled placeholder in the rendered prompt",
    rationale="""Placeholders such as [insert topic here], [PROJECT NAME], ${topic} or {topic} were written for a
    person to fill in before sending; and {{ topic }} appearing as text means a variable was escaped or never
    declared. The model receives them literally and either invents a value or asks for one. The same for template
    syntax of another engine that promptctl import could not convert ({{list ingredients}}, {{upper name}}, a
    Jinja2 tag in a Handlebars file): the import kept it as text, marked with a
    {#+ promptctl import: not converted, sent as text +#} comment, and the model receives the template code.""",
    fix="Declare a variable for each placeholder and render it ({{ topic }}), or write the intended text. For "
    "template syntax an import kept: rewrite it in Jinja2, or delete the marker comment if the text is meant to be "
    "sent as written.",
    category=CATEGORY,
)
def no_placeholders(ctx: VersionContext) -> Iterator[Hit]:
    """A placeholder pattern in the rendered instruction text, outside code; source-template syntax an import kept.

    The second is found in the template source: a ``{% raw %}`` block right after ``promptctl import``'s
    :data:`~promptctl.templating.literal.NOT_CONVERTED` comment. An author's own ``{% raw %}`` is not reported.
    """
    kept = kept_not_converted(ctx.version.body)
    if kept:
        offset, expression = kept[0]
        more = f" (and {len(kept) - 1} more)" if len(kept) > 1 else ""
        yield Hit(f"template syntax promptctl import could not convert is sent to the model as text: "
                  f"{expression[:50]!r}{more}; rewrite it in Jinja2, or delete the 'promptctl import: not "
                  "converted' comment before it if the text is meant literally",
                  ctx.file_line(ctx.version.body.count("\n", 0, offset) + 1))
    if ctx.prompt is None or not _MAYBE_PLACEHOLDER.search(ctx.instruction_text()):
        return
    found: list[str] = []
    templated: list[str] = []
    for text in _prose_texts(ctx, skip_pasted=True):
        text = _INLINE_CODE.sub("", text)
        found += [m.group(0) for m in PLACEHOLDER.finditer(text) if m.group(0) not in found]
        templated += [m.group(0) for m in TEMPLATE_TEXT.finditer(text) if m.group(0) not in templated]
    if found:
        slots = (_template_slots(ctx, found) | _mentions(ctx, found) | _form_slots(ctx, found)
                 | _section_labels(ctx, found))
        found = [f for f in found if f not in slots]
    templated = [t for t in templated if t not in ctx.version.body]  # escaped on purpose: literal by declaration
    if len(templated) <= TEMPLATE_DOC_LIMIT:
        found += templated
    if found:
        more = f" (and {len(found) - 1} more)" if len(found) > 1 else ""
        yield Hit(f"unfilled placeholder {found[0][:50]!r} in the rendered prompt{more}",
                  ctx.line_of(found[0]) or ctx.body_start())


_ILLUSTRATION = re.compile(r"(?i)\b(?:such\s+as|e\.g\.|for\s+example|for\s+instance|like\s+this)\s*[:,]?\s*$"
                           r"|\b(?:such\s+as|e\.g\.|for\s+example)\s*:")
"""An illustration ("a clear title such as:", "e.g."): a placeholder right after it, or in the list it introduces,
is a slot of the example."""


_LIST_ITEM = re.compile(r"^\s*(?:[-*•+]|\d+[.)])\s+")


def _list_lead(lines: list[str], number: int) -> str:
    """The line that introduces the list holding line ``number`` (the nearest line above that is not an item)."""
    j = number - 1
    while j >= 0 and (_LIST_ITEM.match(lines[j]) or not lines[j].strip()):
        j -= 1
    return lines[j] if j >= 0 else ""


_TO_BE_SENT = re.compile(
    r"(?i)\b(?:i\s+will|i'll|i\s+am\s+going\s+to|the\s+user\s+will|users?\s+will)\s+(?:provide|give|send|share|paste|"
    r"supply|submit)\s+(?:you\s+)?(?:with\s+)?(?:(?:a|an|the|my|their|some)\s+)?"
    r"(?:\$\{[^{}\n]*\}\s*(?:,|\bor\b|\band\b|/)\s*(?:(?:a|an|the|my)\s+)?)*$"
)
"""A placeholder named as what the user will send ("I will provide a ${website_link} or ${project_data}"): it names
the input to come, and reads correctly as written."""
_NOT_TO_WRITE = re.compile(
    r"(?i)\b(?:none\s+of|not|never|n't|no|without|avoid)\b[^.\n]{0,60}\b(?:include|includes|including|contain|say|"
    r"write|output|use|print|show|leave|reply\s+with|respond\s+with)\s*$"
)
"""A placeholder named as something not to write ("none of your responses should include [insert x]"): a mention."""


def _mentions(ctx: VersionContext, found: list[str]) -> set[str]:
    """Placeholders of ``found`` mentioned, not left: named only as something not to write, or as what the user sends.

    "none of your responses should include [insert x]", "I will provide a ${website_link}".
    """
    text = ctx.instruction_text()
    where: dict[str, set[bool]] = {}
    for slot in found:
        start = 0
        while (at := text.find(slot, start)) >= 0:
            line_start = max(text.rfind("\n", 0, at), text.rfind(". ", 0, at)) + 1
            before = text[line_start:at]
            where.setdefault(slot, set()).add(bool(_NOT_TO_WRITE.search(before) or _TO_BE_SENT.search(before)))
            start = at + len(slot)
    return {slot for slot, mention in where.items() if mention == {True}}


_LABEL = re.compile(r"\[(?P<words>[A-Z][A-Za-z]*(?:[ _-][A-Z][A-Za-z]*){0,2})\]:?")
"""A line that is only a short bracketed label: one to three capitalised or all-capital words (``[Input]``,
``[CONTENT]``, ``[END CONTENT]``), an optional colon after it."""
_NOT_A_LABEL = re.compile(r"(?i)\b(?:insert|enter|add|put|paste|your|fill|replace|here|name|title)\b")
"""Words of a value to fill, not of a section: addressed to the person sending (``[Your Name]``, ``[Insert Topic]``)
or naming a single value (``[Company Name]``, ``[Project Title]``)."""
_BRACKET_LINE = re.compile(r"\[[^\]\n]*\]:?")
"""A line that is only a bracketed text: a run of them (``[Your Name]`` above ``[Your Title]``) is a form to fill."""


def _end_of(words: str) -> str:
    """The words of the line that closes a ``words`` label: ``END CONTENT`` for ``CONTENT`` or ``BEGIN CONTENT``."""
    return "END " + re.sub(r"(?i)^(?:begin|start)[ _-]", "", words)


def _section_labels(ctx: VersionContext, found: list[str]) -> set[str]:
    """Bracketed placeholders of ``found`` that are section labels of the prompt, not values left to fill.

    A label is short (one to three capitalised or all-capital words, none of them a word of a value to fill such as
    "insert", "your" or "name": :data:`_NOT_A_LABEL`) and stands alone on its line wherever it appears, never as the
    value a line ending in ``:`` introduces ("Text for analysis:" above ``[INPUT]`` asks for the text). It heads a
    block: the next non-blank line of its message holds text that is not another bracketed line (``[Input]`` above
    the sample of a few-shot pattern, or above the variable that fills it), or a matching ``[END X]`` line closes it
    (``[CONTENT]`` ... ``[END CONTENT]``). Once a label heads a block, a label that ends the message after it is the
    cue of the completion (``[Output]`` as the last line, for the model to continue).
    """
    candidates = {slot for slot in found if slot.startswith("[") and (m := _LABEL.fullmatch(slot)) is not None
                  and not _NOT_A_LABEL.search(m.group("words"))}
    if not candidates:
        return set()
    labels: set[str] = set()
    trailing: set[str] = set()
    spoiled: set[str] = set()
    for seg in ctx.instruction_segments():
        lines = [line.strip() for line in seg.text.split("\n")]
        closers = {m.group("words").upper() for line in lines if (m := _LABEL.fullmatch(line))}
        heads = False
        for number, line in enumerate(lines):
            for slot in candidates:
                if slot not in line:
                    continue
                if _LABEL.fullmatch(line) is None or line.rstrip(":") != slot:
                    spoiled.add(slot)  # written inside a sentence: a value in the text
                    continue
                before = next((x for x in reversed(lines[:number]) if x), "")
                after = next((x for x in lines[number + 1:] if x), "")
                if before.endswith(":"):
                    spoiled.add(slot)  # the value a "Text for analysis:" line asks for
                elif (after and not _BRACKET_LINE.fullmatch(after)) or _end_of(slot[1:-1]).upper() in closers:
                    labels.add(slot)
                    heads = True
                elif not after and heads:
                    trailing.add(slot)
    return (labels | trailing) - spoiled


_FORM_FIELD = re.compile(r"^\s*(?:[-*•+]\s+)?(?:\*\*)?[A-Za-z][\w /&()'-]{0,40}(?:\*\*)?:(?:\*\*)?\s*\[[^\]\n]+\]")
"""A field of a fill-in form: ``- Source Type: [Insert type]``."""
FORM_FIELDS = 3
"""With this many form fields (:data:`_FORM_FIELD`) in the prompt, their bracketed values are slots of a form."""
_USE_PLACEHOLDERS = re.compile(r"(?i)\b(?:use|leave|keep|with|insert|add)\s+(?:\w+\s+)?placeholders?\b")
"""The prompt says what its placeholders are for ("Use placeholders if info is missing", "Use these placeholders if
the user provides them, otherwise fall back to defaults"): every placeholder is explained, none is left over."""


def _form_slots(ctx: VersionContext, found: list[str]) -> set[str]:
    """Bracketed placeholders of ``found`` that are slots the model fills, not leftovers.

    Either the prompt says what its placeholders are for ("use placeholders if info is missing", "use these
    placeholders if the user provides them": every placeholder is then explained), or
    the placeholder appears only as the value of a field of a fill-in form of
    :data:`FORM_FIELDS` or more fields (``- Source Type: [Insert type]``, ``- Capture Date: [Insert date]``) or as
    a list item of slots only (``- [Insert]``).
    """
    text = ctx.instruction_text()
    if _USE_PLACEHOLDERS.search(text):
        return set(found)  # the prompt says what the placeholders are for: explained, not left
    brackets = [f for f in found if f.startswith(("[", "<"))]
    if not brackets:
        return set()
    brackets = [f for f in brackets if not _FOR_THE_SENDER.match(f)]
    lines = text.split("\n")
    fields = [line for line in lines if _FORM_FIELD.match(line)]
    if len(fields) < FORM_FIELDS:
        return set()
    return {slot for slot in brackets
            if all(_FORM_FIELD.match(line) or _FORM_ITEM.fullmatch(line.strip()) for line in lines if slot in line)}


_FORM_ITEM = re.compile(r"[-*•+]\s+\[[^\]\n]+\](?:\s*\[[^\]\n]+\])*")
"""A list item of a fill-in form that is only bracketed slots: ``- [Insert]``, ``- [TAG] [Detail]``."""
_FOR_THE_SENDER = re.compile(r"(?i)^[\[<]\s*(?:paste|enter|attach|upload|add\s+your|insert\s+your|your)\b")
"""A placeholder addressed to the person sending the prompt ("[PASTE YOUR CODE HERE]"): never a slot of a form."""


def _template_slots(ctx: VersionContext, found: list[str]) -> set[str]:
    """Placeholders of ``found`` that appear only in a reply template or an example block: slots, not leftovers.

    ``${x}`` under an output-format heading is a slot of the reply; any placeholder inside an example block
    (``Example:`` with its ``Input:``/``Output:``), right after an illustration ("a title such as:", "e.g.") or in
    a list it introduces on the line ("parameters such as ${a}, ${b}") illustrates the shape of an exchange; so does
    any placeholder of the block a "present the result in this format:" line introduces
    (:func:`promptctl.lint.text.format_block_lines`), and one in a JSON key's value position (:data:`_JSON_VALUE`).
    """
    text = ctx.instruction_text()
    lines = text.split("\n")
    examples = T.example_lines(text)
    output = T.output_template_lines(text)
    shown = T.format_block_lines(text)
    where: dict[str, set[bool]] = {}
    for number, line in enumerate(lines):
        for slot in found:
            if slot in line:
                before = line[: line.index(slot)]
                illustrated = bool(_ILLUSTRATION.search(before) or _ILLUSTRATED_LIST.search(before)) or (
                    bool(_LIST_ITEM.match(line)) and bool(_ILLUSTRATION.search(_list_lead(lines, number))))
                inside = (number in examples or number in shown or illustrated or bool(_JSON_VALUE.search(before))
                          or (slot.startswith("${") and number in output))
                where.setdefault(slot, set()).add(inside)
    return {slot for slot, inside in where.items() if inside == {True}}


_JSON_VALUE = re.compile(r'"[\w .-]{1,60}"\s*:\s*"?$')
"""A placeholder in a JSON key's value position (``"reason": <your-reason-here>``): a slot of the JSON the reply
shows, for the model to fill (judge-24: deepeval's "Example JSON" output templates)."""


_ILLUSTRATED_LIST = re.compile(
    r"(?i)\b(?:such\s+as|like|e\.g\.|for\s+example)\s*[:,]?\s*(?:\$\{[^{}\n]*\}\s*,?\s*(?:and\s+|or\s+)?)*$"
)
"""A placeholder in a list introduced by "such as" / "like" on its line ("parameters such as ${a}, ${b}, ${c}",
"variables like ${toolName}"): named as an example of the syntax, not a slot left unfilled."""


@rule(
    "TXT002", "warning", "A sample request baked into the system prompt",
    rationale="""Chat-window prompts end with "My first request is ..." to start the conversation. In a system
    prompt that sample is sent with every call: the model answers it, or mixes it with the real request in the
    user message.""",
    fix="Remove the sample from the system prompt; put it in a dataset case, a snapshot or an example instead.",
    category=CATEGORY,
)
def no_sample_request(ctx: VersionContext) -> Iterator[Hit]:
    """"My first request is ..." in the system prompt."""
    if ctx.prompt is None or not ctx.has_system or "first" not in ctx.instruction_text(system_only=True).lower():
        return
    for text in _prose_texts(ctx, system_only=True):
        match = T.SAMPLE_REQUEST.search(text)
        if match:
            sentence = text[match.start(): match.start() + 60]
            yield Hit(f"a sample request is part of the system prompt ({sentence!r})",
                      ctx.line_of(sentence) or ctx.body_start())
            return


def _pasted(block: str) -> tuple[set[str], bool]:
    """``(known keys, reported)`` of a front matter block: TXT003 reports it with 2+ known keys or a tool key."""
    keys = {k.lower() for k in _FM_KEY.findall(block)}
    known = keys & FRONT_MATTER_KEYS
    return known or keys, len(known) >= 2 or bool(keys & _TOOL_KEYS)


def _pasted_blocks(ctx: VersionContext) -> list[str]:
    """The pasted front matter blocks TXT003 reports (the block text, without its ``---`` lines)."""
    blocks = []
    for seg in ctx.segments:
        match = _FRONT_MATTER.match(seg.text)
        if match is not None:
            block = match.group(1) or match.group(2)
            if _pasted(block)[1]:
                blocks.append(block)
    return blocks


def pasted_front_matter_keys(ctx: VersionContext, role: str) -> set[str]:
    """The keys (lower case) of a front matter block at the start of the ``role`` message, or an empty set."""
    for seg in ctx.segments:
        if seg.role == role:
            match = _FRONT_MATTER.match(seg.text)
            if match is not None:
                return {k.lower() for k in _FM_KEY.findall(match.group(1) or match.group(2))}
    return set()


@rule(
    "TXT003", "warning", "Model or tool front matter pasted into the prompt text",
    rationale="""An agent, skill or chat-mode file starts with a front matter block (name, description, model,
    tools ...) that its own tool reads and strips. Pasted into a promptctl template it is sent to the model as
    text, and the settings it names (model, tools, temperature) are not applied.""",
    fix="Remove the block from the template; put the description, model and parameters in the version's front "
    "matter.",
    category=CATEGORY,
)
def no_pasted_front_matter(ctx: VersionContext) -> Iterator[Hit]:
    """A ``---`` block of known front matter keys, or a ``tools:``/``model:`` block, at the start of a message."""
    if ctx.prompt is None:
        return
    for seg in ctx.segments:
        match = _FRONT_MATTER.match(seg.text)
        if match is None:
            continue
        block = match.group(1) or match.group(2)
        known, reported = _pasted(block)
        if reported:
            shown = ", ".join(sorted(known)[:4])
            line = ctx.line_of(block.strip().split("\n")[0]) or ctx.body_start()
            message = f"a front matter block ({shown}) is part of the {seg.role} message text"
            if known & _TOOL_KEYS or known - _DESCRIPTIVE_KEYS:
                yield Hit(message, line)
            else:
                yield Hit(message + " (only weak evidence of a loss: the block holds only descriptive keys, no model,"
                          " tools or parameters go unapplied; it is noise sent with every call)", line, severity="info")
            return


_DESCRIPTIVE_KEYS = frozenset({"name", "description", "color", "version", "tags", "argument-hint", "priority"})
"""Keys of a pasted front matter block that configure nothing: with only these, TXT003 is info."""
