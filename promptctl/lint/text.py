"""Text heuristics shared by the rules: directive sentences, cue words, JSON keys, hard-coded markup.

Every pattern here is deliberately simple and documented in docs/lint.md; a rule that fires wrongly on
a prompt can be disabled for that version with a reason.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

_BULLET = re.compile(r"^\s*(?:[-*•+>]|\d+[.)]|[a-z][.)])\s+")
_SENTENCE_END = re.compile(r"(?<=[.!?;])\s+(?=[A-Z\"'`(\[])")

NEGATIVE_START = re.compile(
    r"^(?:please\s+)?(?:do\s+not|don'?t|never|avoid|no\b|not\b|must\s+not|mustn'?t|should\s+not|shouldn'?t|"
    r"cannot|can'?t|refrain|stop|under\s+no\s+circumstances|nothing\b|without\b)",
    re.IGNORECASE,
)
"""A directive that says what not to do: "Do not ...", "Never ...", "Avoid ...", "No ...", "Don't ..."."""

_NEGATED_MODAL = re.compile(
    r"\b(?:you|the\s+\w+|it)\s+(?:must|should|may|will|can)\s*(?:not|n't)\b|\byou\s+(?:never|cannot|can't)\b",
    re.IGNORECASE,
)
_POSITIVE_MODAL = re.compile(
    r"\b(?:always|must|should|need\s+to|make\s+sure|ensure|be\s+sure|remember\s+to|try\s+to)\b(?!\s*(?:not|n't))",
    re.IGNORECASE,
)
_IMPERATIVE_VERBS = frozenset(
    """
    acknowledge add address adjust analyse analyze answer apologise apologize apply ask assess assign attach base
    be begin break calculate call check choose cite clarify classify combine compare compute confirm consider
    convert copy correct count create decide define describe detect determine draft echo emit end ensure escalate
    estimate evaluate explain extract fill find flag focus follow format generate give greet group handle
    highlight identify include indicate infer keep label lead leave limit list locate make map mark match mention
    name normalise normalize note offer order organise organize output paraphrase pick place plan point prefer
    prioritise prioritize produce proofread provide put quote rank rate read recommend refer refuse rephrase
    reply report request respond restate return review rewrite say score select separate set share show sign
    solve sort specify split start state stay suggest summarise summarize take tell think trace translate treat
    use validate verify walk wrap write
    """.split()
)


_LEAD_IN = re.compile(
    r"(?i)^(?:if|when|for|in|once|after|before|then|first|finally|only|otherwise|next|instead)\b[^,:]*[,:]\s*([A-Za-z']+)"
)


def directive_units(text: str) -> Iterator[str]:
    """Split instruction text into directive units: lines, bullets and sentences, bullet marks removed."""
    for raw in text.split("\n"):
        line = _BULLET.sub("", raw).strip().strip("*_").strip()
        if not line:
            continue
        for sentence in _SENTENCE_END.split(line):
            sentence = sentence.strip()
            if sentence:
                yield sentence


def is_negative(unit: str) -> bool:
    """True when a directive unit tells the model what not to do."""
    return bool(NEGATIVE_START.match(unit) or _NEGATED_MODAL.search(unit[:80]))


def is_positive(unit: str) -> bool:
    """True when a directive unit tells the model what to do (an imperative verb first, or must/should/always)."""
    if is_negative(unit):
        return False
    first = re.match(r"[A-Za-z']+", unit)
    if first and first.group(0).lower() in _IMPERATIVE_VERBS:
        return True
    lead_in = _LEAD_IN.match(unit)
    if lead_in and lead_in.group(1).lower() in _IMPERATIVE_VERBS:
        return True
    return bool(_POSITIVE_MODAL.search(unit))


ROLE_CUES = re.compile(
    r"\b(?:you\s+are|you're|your\s+(?:role|job|task|goal)\s+is|act\s+as|acting\s+as|"
    r"as\s+(?:the|an?)\s+(?:\w+\s+)?(?:assistant|expert|agent|analyst|engineer|reviewer|tutor|editor|writer|"
    r"translator|specialist|consultant|advisor|adviser|teacher|classifier|extractor|system))\b",
    re.IGNORECASE,
)
OUTPUT_CUES = re.compile(
    r"\b(?:reply|respond|answer|output|return|write|format(?:ted)?)\b[^.\n]{0,80}?"
    r"\b(?:json|yaml|csv|xml|markdown|plain\s+text|format|object|list|table|bullets?|lines?|sentences?|words?|"
    r"paragraphs?|only|exactly|at\s+most|no\s+more\s+than|one|single|nothing\s+else)\b"
    r"|\b(?:in\s+at\s+most|no\s+more\s+than|under)\s+\d+\s+(?:words|sentences|lines|characters|bullets)\b"
    r"|\boutput\s+format\b|\bresponse\s+format\b",
    re.IGNORECASE,
)
RESTRICTION_CUES = re.compile(
    r"\b(?:never|do\s+not|don't|must\s+not|should\s+not|avoid|only\s+(?:use|answer|discuss|reply|respond|"
    r"quote|extract|include)|refuse|not\s+allowed|ignore\s+(?:any|all)?\s*instructions|under\s+no\s+circumstances|"
    r"treat\s+(?:it|them|the\s+\w+|everything)[^.\n]{0,40}\s+as\s+(?:data|information))\b",
    re.IGNORECASE,
)
TONE_CUES = re.compile(
    r"\b(?:tone|voice|register|formal|informal|friendly|warm|polite|courteous|concise|succinct|terse|"
    r"plain\s+(?:\w+\s+)?(?:language|english|words)|neutral|professional|empathetic|empathy|calm|direct|brief|"
    r"casual|respectful|enthusiastic|style)\b",
    re.IGNORECASE,
)
ESCALATION_CUES = re.compile(
    r"\b(?:escalat\w*|hand\s*(?:-\s*)?off|hand\s+(?:it|the\s+\w+)\s+(?:over|to)|human\s+(?:agent|specialist|review|"
    r"operator)|specialist|unclear|ambiguous|uncertain|unsure|not\s+sure|don't\s+know|do\s+not\s+know|insufficient|"
    r"not\s+enough\s+information|unable\s+to|cannot\s+(?:answer|help|determine|tell)|can't\s+(?:answer|help|"
    r"determine|tell)|out\s+of\s+scope|not\s+stated|unconfirmed|not\s+(?:yet\s+)?confirmed|missing|say\s+so|"
    r"if\s+(?:there\s+is|there\s+are)\s+no|"
    r"if\s+(?:none|nothing|no\s+\w+)|empty\s+(?:list|array|string|object)|null\b|otherwise)",
    re.IGNORECASE,
)

ROLE_SECTIONS = frozenset({"role", "persona", "identity", "character", "about_you", "who_you_are", "background"})
OUTPUT_SECTIONS = frozenset(
    {"output_format", "format", "output", "response_format", "formatting", "output_schema", "json_schema", "schema",
     "answer_format", "reply_format", "response", "output_rules"}
)
RESTRICTION_SECTIONS = frozenset(
    {"restrictions", "constraints", "rules", "guardrails", "limitations", "limits", "boundaries", "policies",
     "policy", "do_not", "donts", "safety", "security"}
)
TONE_SECTIONS = frozenset({"tone", "style", "voice", "tone_and_style", "style_guide", "communication_style"})
ESCALATION_SECTIONS = frozenset(
    {"escalation", "escalations", "handoff", "hand_off", "fallback", "fallbacks", "edge_cases", "uncertainty",
     "when_unsure", "out_of_scope", "errors", "error_handling"}
)

JSON_KEY = re.compile(r"[\"']([A-Za-z_][A-Za-z0-9_\-]{0,63})[\"']\s*:")
"""A key written JSON-style in prose or in an example output: ``"name":``."""

JSON_ASK = re.compile(
    r"\bJSON\b[^.\n]{0,80}?\b(?:object|array|reply|respond|return|output|answer|format|only|document)\b"
    r"|\b(?:reply|respond|return|output|answer|produce|emit|print|generate|format|write)\b[^.\n]{0,80}?\bJSON\b",
    re.IGNORECASE,
)
"""A sentence asking for JSON output ("Reply with a JSON object", "Return JSON", "Output format: JSON ...")."""

ANSWER_CUE = re.compile(
    r"(?im)^[^\n]{0,40}?\b(?:final\s+answer|answer|verdict|result|label|classification)\s*:"
    r"|<answer>|\bthe\s+(?:final\s+)?answer\s+is\b"
)
"""An instruction that puts the final answer on a recognisable line or tag (an answer extractor can find it)."""

MARKDOWN_HEADING = re.compile(r"^\s{0,3}#{1,6}\s+\S")
XML_OPEN_LINE = re.compile(r"^\s*<([A-Za-z][\w.-]{0,63})(?:\s[^<>]*)?>\s*(.*)$")
FENCE = re.compile(r"^\s*(```|~~~)")

EXAMPLE_LABEL = re.compile(
    r"^\s*(?:[-*]\s*)?(?:\*\*|__)?(input|output|q|a|question|answer|user|assistant|human|ai|customer|agent|"
    r"text|label|example\s+input|example\s+output)(?:\*\*|__)?\s*:",
    re.IGNORECASE,
)
EXAMPLE_PAIRS = (
    ("input", "output"), ("q", "a"), ("question", "answer"), ("user", "assistant"), ("human", "assistant"),
    ("human", "ai"), ("customer", "agent"), ("text", "label"), ("example input", "example output"),
)
"""Label pairs that mark hard-coded few-shot examples when both appear at the start of template lines."""


def words(text: str) -> int:
    """Number of words (runs of letters or digits)."""
    return len(re.findall(r"[A-Za-z0-9]+(?:['’][A-Za-z]+)?", text))


def non_blank_lines(text: str) -> int:
    """Number of lines holding something other than whitespace."""
    return sum(1 for line in text.split("\n") if line.strip())
