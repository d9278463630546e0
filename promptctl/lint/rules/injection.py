"""INJ: where user input lands. Variables declared ``input: true`` are rendered as unique markers and found.

A marker is *delimited* when it sits inside a section (an XML tag for Claude, a heading for GPT), or,
as bare text, between a pair of hard-coded delimiters in the same text: a code fence (```` ``` ````
or ``~~~``), triple quotes (``\"\"\"`` or ``'''``), ``<<<``/``>>>``, an XML-style tag pair
(``<input>`` ... ``</input>``), or two delimiter lines of three or more ``-``, ``=``, ``#``, ``*``
or ``~``; or when it is the whole user message, after at most one label line (``CONTENT:``).
An input that is the value of a labelled field on its own line (``"CONTEXT": {{context}},``, ``Question:
{{question}}``) is reported at info: a label is a weak boundary, not none. So is a **short value** inline in a
one-line request ("What's the weather in {{city}}?", "a {{role}} position at {{company}}"): a variable named as a
short scalar (topic, city, role, company, name, language ...; :data:`SHORT_VALUE`) or declared ``enum`` or
number, on a line of at most :data:`ONE_LINE_WORDS` words; a user pasting instructions into a city field gains
little a delimiter would stop. A variable named as material (text, document, content, transcript, code, message,
question, history ...; :data:`MATERIAL`) keeps the warning wherever it lands. A value alone on the last line(s)
of the user message right after a label line ending with ":" (``Customer {{name}} asks:`` then ``{{question}}``)
is a labelled field too.

Application prompts (RAG answers, LLM-as-judge scorers) bound inputs with the structure their authors write: an
input alone on its line under a markdown heading (``# Question``, ``#question``) and closed by the next heading or the
message's end is delimited, as is one between upper-case ``BEGIN``/``END`` lines (``---BEGIN RETRIEVED
DOCUMENTS---``); one under a short label line (``context:``, ``Source Document:``) followed by the next label or the
message's end is a labelled block (info). A user message holding only the input and a markdown media link is the whole
message, and a media link's target is a reference, not text. An input filling a word inside a noun phrase of a
one-line request ("Write a simple {{ text }} program that ...") is a short value whatever its name (info); a variable
named as few-shot examples (``few_shot_examples``; :data:`DEVELOPER_MATERIAL`) is the developer's material (info).
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from promptctl.lint.context import Segment, VersionContext
from promptctl.lint.model import Hit, rule

CATEGORY = "injection"
_LABEL_LINE = re.compile(r"(?:#{1,6}\s+)?[\w][\w '/-]{0,40}:?")
_DELIMITER_LINE = re.compile(r"^\s*([-=#*~])\1{2,}\s*$", re.MULTILINE)


def delimited(text: str, marker: str) -> bool:
    """True when ``marker`` sits between a pair of hard-coded delimiters in ``text`` (see the module docstring)."""
    at = text.find(marker)
    before, after = text[:at], text[at + len(marker):]
    for fence in ("```", "~~~", '"""', "'''"):
        if before.count(fence) % 2 == 1 and fence in after:
            return True
    if "<<<" in before and ">>>" in after:
        return True
    for name in re.findall(r"<([A-Za-z][\w.-]*)(?:\s[^<>]*)?>", before):
        if f"</{name}>" not in before.rsplit(f"<{name}", 1)[-1] and f"</{name}>" in after:
            return True
    if _BEGIN_LINE.search(before) and _END_LINE.search(after):
        return True
    if _heading_block(text, marker):
        return True
    return bool(_DELIMITER_LINE.search(before) and _DELIMITER_LINE.search(after))


_BEGIN_LINE = re.compile(r"^[^\w\n]*(?:BEGIN|START)\b[^\n]*$", re.MULTILINE)
_END_LINE = re.compile(r"^[^\w\n]*END\b[^\n]*$", re.MULTILINE)
"""Upper-case begin and end marker lines: ``---BEGIN RETRIEVED DOCUMENTS---`` ... ``---END RETRIEVED DOCUMENTS---``,
``[START OF TEXT]`` ... ``[END OF TEXT]``."""
_HEADING = re.compile(r"^\s*#{1,6}\s*[A-Za-z][^\n]{0,60}$")
"""A markdown heading line, with or without the space (``# Question``, ``#question``)."""


def _own_line(text: str, marker: str) -> tuple[list[str], list[str]] | None:
    """The non-blank lines before and after ``marker`` when it stands alone on its line, else None."""
    at = text.find(marker)
    line_start = text.rfind("\n", 0, at) + 1
    line_end = text.find("\n", at)
    end = len(text) if line_end < 0 else line_end
    if text[line_start:at].strip() or text[at + len(marker):end].strip():
        return None
    return ([line for line in text[:line_start].split("\n") if line.strip()],
            [line for line in text[end:].split("\n") if line.strip()])


def _heading_block(text: str, marker: str) -> bool:
    """True when the input stands alone under a heading and the next heading (or the message's end) closes it.

    ``# Question`` / ``{{ question }}`` / ``# Chat Response``: the headings bound the input as a section does (a GPT
    section renders as exactly that), the boundary authors of application prompts write.
    """
    lines = _own_line(text, marker)
    if lines is None:
        return False
    before, after = lines
    return bool(before) and bool(_HEADING.match(before[-1])) and (not after or bool(_HEADING.match(after[0])))


def _whole_message(ctx: VersionContext, seg: Segment, marker: str) -> bool:
    """True when the input is all the message holds, after at most one label line (``CONTENT:``, ``# INPUT``).

    The message boundary then delimits it: nothing of the template follows it for it to blur into.
    """
    parts = [s for s in ctx.segments if s.message == seg.message]
    before, _, after = seg.text.partition(marker)
    after = _MARKDOWN_MEDIA.sub("", after)
    return len(parts) == 1 and not after.strip() and (not before.strip() or bool(_LABEL_LINE.fullmatch(before.strip())))


_MARKDOWN_MEDIA = re.compile(r"!?\[[^\]\n]*\]\([^)\n]*\)")
"""A markdown image or link (``![image]({{ image_url }})``): media attached to the user's turn, not instructions."""


_FIELD_LABEL = re.compile(r"(?:^|[{,\s])[\"']?[A-Za-z][\w -]{0,30}[\"']?\s*[:=]\s*[\"']?$")
_FIELD_END = re.compile(r"[\"']?\s*(?:[,}\]].*)?$")


SHORT_VALUE = frozenset(
    """topic topics subject city town country region location place name names firstname lastname role job title
    position company organisation organization brand product industry field sector language lang level tone style
    genre audience keyword keywords tag tags date time year month day age experience seniority currency amount price
    number count format length size color colour category type mode team department platform""".split()
)
"""Name parts of a variable that holds a short scalar: a topic, a city, a role, a company (INJ002 at info inline in a
one-line request)."""
MATERIAL = frozenset(
    """text content contents document documents doc docs input transcript code snippet source diff patch log logs
    article essay message messages email emails body html page context answer answers history question questions
    query request prompt notes description data json csv file files report review feedback comment comments
    conversation chat paper story post resume cv""".split()
)
"""Name parts of a variable that holds material a user pastes (INJ002 keeps the warning)."""
_NAME_PART = re.compile(r"[A-Z]?[a-z]+|[A-Z]+(?![a-z])|\d+")
ONE_LINE_WORDS = 40
"""A line of at most this many words (markers included) is a one-line request or label."""


def name_parts(name: str) -> set[str]:
    """The lower-case words of a variable name: ``FullBody`` -> {full, body}, ``few_shot`` -> {few, shot}."""
    return {p.lower() for p in _NAME_PART.findall(name)}


DEVELOPER_MATERIAL = frozenset("examples example shots demonstrations demos".split())
"""Name parts of a variable that holds the developer's few-shot examples (``few_shot_examples``): filled by the
application from its own example set, not untrusted user input (INJ002 at info)."""


def _short_value(ctx: VersionContext, var: str, seg: Segment) -> bool:
    """True for a short scalar inline in a one-line user request (see the module docstring)."""
    parts = name_parts(var)
    if parts & MATERIAL:
        return False
    spec = ctx.declared_variables.get(var)
    typed_short = spec is not None and (spec.type in ("enum", "integer", "number", "boolean") or bool(spec.values))
    if not (typed_short or parts & SHORT_VALUE):
        return False
    at = seg.text.find(ctx.marker(var))
    start, end = seg.text.rfind("\n", 0, at) + 1, seg.text.find("\n", at)
    line = seg.text[start: len(seg.text) if end < 0 else end]
    return len(line.split()) <= ONE_LINE_WORDS


_SLOT_BEFORE = re.compile(r"(?i)\b(?:a|an|the|this|that|your|my|our)\s+(?:[\w-]+\s+){0,2}$")
_SLOT_AFTER = re.compile(
    r"(?i)^[ \t]+(?!(?:in|on|at|of|for|to|and|or|with|from|by|as|into|about|is|are|was|that|which|who)\b)[a-z][\w-]*\b"
)


def _noun_phrase_slot(text: str, marker: str) -> bool:
    """True when the input fills a word inside a noun phrase of a one-line request ("Write a simple {{x}} program").

    An article or determiner before it and a noun after it on the same line ("a simple ___ program"): the sentence's
    grammar asks for a word, a short value whatever the variable's name (INJ002 at info).
    """
    at = text.find(marker)
    line_start, line_end = text.rfind("\n", 0, at) + 1, text.find("\n", at)
    line = text[line_start: len(text) if line_end < 0 else line_end]
    if "\n" in text.strip() or len(line.split()) > ONE_LINE_WORDS:
        return False
    after = text[at + len(marker): len(text) if line_end < 0 else line_end]
    return bool(_SLOT_BEFORE.search(text[line_start:at]) and _SLOT_AFTER.match(after))


def _labelled_field(text: str, marker: str) -> bool:
    """True when the input is the value of a labelled field (``"CONTEXT": {{context}},``, ``Q: {{q}}``).

    On the label's line, or alone on the last line(s) of the message right after a label line ending with ":"
    (``Customer {{ name }} asks:`` then ``{{ question }}``).

    The label names where the value starts and the line (or the field separator) where it ends: weaker than a
    delimiter pair, since the value can contain a line that reads as the next label, but not input pasted into a
    sentence. INJ002 reports it at info.
    """
    at = text.find(marker)
    line_start = text.rfind("\n", 0, at) + 1
    line_end = text.find("\n", at)
    after = text[at + len(marker): len(text) if line_end < 0 else line_end]
    if _FIELD_LABEL.search(text[line_start:at]) and _FIELD_END.match(after.strip()):
        return True
    # the value on its own line(s) after a label line ending with ":", and nothing of the template after it
    before = text[:line_start].rstrip()
    if (not text[line_start:at].strip() and not text[at + len(marker):].strip()
            and before.endswith(":") and len(before.rsplit("\n", 1)[-1].split()) <= ONE_LINE_WORDS):
        return True
    return _label_block(text, marker)


_BLOCK_LABEL = re.compile(r"^\s*[A-Za-z][\w-]*(?:\s+[\w-]+){0,2}\s*:\s*$")
"""A label line of one to three words ending with ":" (``context:``, ``Source Document:``, ``Summary:``)."""
_NEXT_LABEL = re.compile(r"^\s*(?:#{1,6}\s*)?[A-Za-z][\w -]{0,40}(?:\([^)\n]{0,40}\))?\s*:\s*$")


def _label_block(text: str, marker: str) -> bool:
    """True when the input stands alone under a short label line and the next label (or the message's end) follows.

    ``Source Document:`` / ``{{ Document }}`` / ``Summary:`` / ``{{ Summary }}`` / ``Evaluation Form (scores ONLY):``:
    a labelled block, weaker than a delimiter pair (the value can contain a line that reads as the next label) but
    not input running into instructions. A lead-in sentence ("Here's some code for you:") is no label, and input
    followed by more instructions has no end: both keep the warning.
    """
    lines = _own_line(text, marker)
    if lines is None:
        return False
    before, after = lines
    return bool(before) and bool(_BLOCK_LABEL.match(before[-1])) and (
        not after or bool(_NEXT_LABEL.match(after[0]) or _HEADING.match(after[0])))


@rule(
    "INJ001", "error", "User input is rendered into the system prompt",
    rationale="""The system prompt carries the highest authority in the conversation. A variable declared as user
    input (input: true) rendered there lets whoever writes that input rewrite the rules ("ignore the above and
    ..."); in an assistant message it puts words in the model's mouth. User text belongs in a user message.""",
    fix="Move the variable into a {% user %} message, inside a section ({% section \"input\" %}{{ var }}"
    "{% endsection %}), and tell the system prompt to treat that section as data.",
    category=CATEGORY,
)
def input_not_in_system(ctx: VersionContext) -> Iterator[Hit]:
    """An ``input: true`` marker in a system or assistant message."""
    for var in ctx.input_variables:
        marker = ctx.marker(var)
        roles = sorted({s.role for s in ctx.segments if marker in s.text and s.role != "user"})
        for role in roles:
            start = ctx.tag_lines.get(("message", role))
            yield Hit(f"user input '{var}' (input: true) is rendered in the {role} message",
                      ctx.variable_line(var, after=start) or ctx.field_line("variables", var))


@rule(
    "INJ002", "info", "User input is rendered outside any section or delimiter",
    rationale="""Input pasted into the middle of the instructions has no boundary: the model cannot tell where the
    user's text ends and the instructions resume, which is what prompt injection exploits. A section (an XML tag
    for Claude, a heading for GPT) or a delimiter pair marks it as data.""",
    fix='Wrap the variable in a section: {% section "input" %}{{ var }}{% endsection %}, and refer to "the input '
    'section" in the instructions.',
    category=CATEGORY,
)
def input_delimited(ctx: VersionContext) -> Iterator[Hit]:
    """An ``input: true`` marker in bare message text with no delimiter pair around it."""
    for var in ctx.input_variables:
        marker = ctx.marker(var)
        for seg in ctx.segments:
            if seg.role == "user" and marker in seg.text and not seg.in_section and not delimited(seg.text, marker):
                if _whole_message(ctx, seg, marker) or any(marker in m.group(0)
                                                            for m in _MARKDOWN_MEDIA.finditer(seg.text)):
                    continue  # the message is the boundary; a media link's target is a reference, not text
                start = ctx.tag_lines.get(("message", "user"))
                message = f"user input '{var}' (input: true) is rendered outside any section or delimiter"
                labelled = _labelled_field(seg.text, marker)
                short = not labelled and (_short_value(ctx, var, seg) or _noun_phrase_slot(seg.text, marker))
                examples = not labelled and not short and bool(name_parts(var) & DEVELOPER_MATERIAL)
                why = (" (it is the value of a labelled field: a weak boundary, not none)" if labelled else
                       f" (a short value, '{var}', inline in a one-line request: little for a delimiter to stop)"
                       if short else f" (a variable named as few-shot examples, '{var}': the developer's material,"
                       " not untrusted input)" if examples else "")
                yield Hit(message + why, ctx.variable_line(var, after=start) or ctx.field_line("variables", var),
                          severity="info" if labelled or short or examples else None)
                break
