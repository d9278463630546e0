"""Final-answer extraction and the one answer normaliser.

Chain-of-thought, self-consistency voting, scorers and snapshot checks all
compare answers through :func:`normalise`, so "1,234", "$1234.00" and
"1234" are the same answer everywhere, and "A" stays "a" (articles are never
stripped: that would turn the answer "A" into nothing).

Normalisation, in order:

1. Unicode NFKC, surrounding whitespace removed, inner runs of whitespace made one space, lower-case.
2. Surrounding quotes, backticks, ``**`` emphasis and trailing ``.,;:!`` removed.
3. If what is left is one number (optional sign, optional currency symbol ``$ € £ ¥``, thousands
   separators only in valid groups of three, optional decimals, optional ``%``), it becomes its
   canonical decimal text: trailing zeros after the point dropped, no exponent (``1,234.50`` ->
   ``1234.5``, ``$10.00`` -> ``10``, ``-0.250`` -> ``-0.25``, ``50%`` -> ``50%``). Significant digits are
   never removed; ambiguous forms such as ``1,5`` or ``1.234.567`` stay text.

Extraction looks, in this order, for: a regular expression given by the prompt (its first group, last
match), an answer tag (``<answer>...</answer>``, last one), a marker line (``Final answer:``,
``Answer:`` or a marker given by the prompt, last one), and an answer phrase ("the answer is",
"the total is", "so ... is"). Inside the found span a lone number is the answer ("72 clips,
altogether" -> ``72``); otherwise the whole span is. With ``fallback="last_number"`` the last number
in the text is used when nothing else matches (the usual rule for arithmetic benchmarks such as
GSM8K, Cobbe et al. 2021).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Literal

_NUMBER = re.compile(
    r"(?<![\w.,])(?P<sign>[-+−]?)\s?(?P<cur>[$€£¥]?)\s?"
    r"(?P<num>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?|\.\d+)"
    r"(?P<pct>%?)(?![\w]|[.,]\d)"
)
_WHOLE_NUMBER = re.compile(
    r"^(?P<sign>[-+−]?)\s?(?P<cur>[$€£¥]?)\s?(?P<num>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?|\.\d+)(?P<pct>%?)$"
)
_STRIP = " \t\n\"'`*_"
_TRAILING = ".,;:!"
_PHRASES = re.compile(
    r"(?:the\s+(?:final\s+)?answer\s+is|the\s+total\s+is|the\s+result\s+is|answer\s*=)\s*:?\s*(?P<span>[^\n]+)",
    re.IGNORECASE,
)
DEFAULT_MARKERS = ("final answer", "answer")


def _canonical_number(sign: str, num: str, pct: str) -> str | None:
    try:
        value = Decimal(num.replace(",", ""))
    except InvalidOperation:
        return None
    text = format(value.normalize(), "f") if value != 0 else "0"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    negative = sign in ("-", "−") and text != "0"
    return ("-" if negative else "") + text + pct


def normalise(answer: str | None) -> str:
    """Normalise an answer for comparison (see the module docstring for the rules).

    Args:
        answer: Raw answer text, or None.

    Returns:
        The normalised text; ``""`` for None or blank input (an empty answer, which never wins a vote).
    """
    if answer is None:
        return ""
    text = unicodedata.normalize("NFKC", answer)
    text = " ".join(text.split()).lower()
    previous = None
    while previous != text:
        previous = text
        text = text.strip(_STRIP).rstrip(_TRAILING).strip(_STRIP)
    match = _WHOLE_NUMBER.match(text)
    if match:
        number = _canonical_number(match["sign"], match["num"], match["pct"])
        if number is not None:
            return number
    return text


def numbers_in(text: str) -> list[str]:
    """Every standalone number in ``text``, canonicalised (``"1,234 apples and 3.50"`` -> ``["1234", "3.5"]``)."""
    out = []
    for match in _NUMBER.finditer(text):
        number = _canonical_number(match["sign"], match["num"], match["pct"])
        if number is not None:
            out.append(number)
    return out


@dataclass(frozen=True)
class Extraction:
    """An extracted final answer.

    Attributes:
        answer: The normalised answer, or None when none was found.
        raw: The span the answer was taken from, as written.
        reasoning: The text before the answer span (the chain of thought), stripped.
        method: ``regex``, ``tag``, ``marker``, ``phrase``, ``last_number`` or ``none``.
    """

    answer: str | None
    raw: str | None
    reasoning: str
    method: Literal["regex", "tag", "marker", "phrase", "last_number", "none"]


def _from_span(span: str) -> str:
    """A lone number inside the span is the answer; otherwise the whole span, normalised."""
    numbers = numbers_in(span)
    if len(numbers) == 1:
        return numbers[0]
    return normalise(span)


def extract_answer(
    text: str,
    *,
    regex: str | None = None,
    tag: str | None = "answer",
    markers: tuple[str, ...] = DEFAULT_MARKERS,
    fallback: Literal["none", "last_number"] = "none",
) -> Extraction:
    """Find the final answer in a model's output and separate it from the reasoning.

    Args:
        text: The model's output.
        regex: A regular expression from the prompt's front matter; its first group (or whole match)
            of the last match is the answer.
        tag: Answer tag name (``<answer>...</answer>``), or None to skip.
        markers: Marker words introducing the answer on a line (``Final answer: 42``), tried in order.
        fallback: ``last_number`` to use the last number in the text when nothing else matches.

    Returns:
        The :class:`Extraction`; ``answer`` is None when nothing matched.

    Raises:
        re.error: ``regex`` is not a valid regular expression.
    """
    if regex:
        matches = list(re.finditer(regex, text, re.MULTILINE))
        if matches:
            last = matches[-1]
            span = last.group(1) if last.groups() else last.group(0)
            return Extraction(_from_span(span), span, text[: last.start()].strip(), "regex")
    if tag:
        matches = list(re.finditer(rf"<{tag}>(.*?)</{tag}>", text, re.DOTALL | re.IGNORECASE))
        if matches:
            last = matches[-1]
            reasoning = (text[: last.start()] + text[last.end() :]).strip()
            return Extraction(_from_span(last.group(1)), last.group(1).strip(), reasoning, "tag")
    for marker in markers:
        pattern = re.compile(
            rf"^[ \t*#>_-]*{re.escape(marker)}[ \t*_]*[:：][ \t]*(?P<span>.*)$", re.IGNORECASE | re.MULTILINE
        )
        matches = [m for m in pattern.finditer(text) if m.group("span").strip()]
        if matches:
            last = matches[-1]
            return Extraction(_from_span(last["span"]), last["span"].strip(), text[: last.start()].strip(), "marker")
    matches = list(_PHRASES.finditer(text))
    if matches:
        last = matches[-1]
        return Extraction(_from_span(last["span"]), last["span"].strip(), text[: last.start()].strip(), "phrase")
    if fallback == "last_number":
        numbers = list(_NUMBER.finditer(text))
        if numbers:
            last = numbers[-1]
            value = _canonical_number(last["sign"], last["num"], last["pct"])
            return Extraction(value, last.group(0).strip(), text[: last.start()].strip(), "last_number")
    return Extraction(None, None, text.strip(), "none")


ANSWER_OPTION_KEYS = (
    "answer_tag",
    "answer_marker",
    "answer_markers",
    "answer_regex",
    "answer_pattern",
    "answer_fallback",
)
"""Strategy options that say where the final answer is (shared by ``cot`` and ``consistency``)."""


@dataclass(frozen=True)
class AnswerOptions:
    """Where a prompt's final answer is, from its strategy options.

    Options (front matter ``strategy:``), all optional:

    - ``answer_tag``: tag name holding the answer (default ``answer``: ``<answer>...</answer>``);
      ``false`` or ``null`` skips tags.
    - ``answer_marker``: one marker line prefix, e.g. ``"Final answer:"`` (the colon is optional);
      ``answer_markers``: a list of them, tried in order. Given markers replace the defaults
      (``Final answer``, ``Answer``).
    - ``answer_regex`` (alias ``answer_pattern``): a regular expression; its first group (else the
      whole match) of the last match is the answer. Tried before tags and markers.
    - ``answer_fallback``: ``none`` (default) or ``last_number`` (GSM8K-style: the last number in the
      text when nothing else matches).

    Attributes:
        tag: Answer tag name, or None.
        markers: Marker words, without the trailing colon.
        regex: Regular expression, or None.
        fallback: ``none`` or ``last_number``.
    """

    tag: str | None = "answer"
    markers: tuple[str, ...] = DEFAULT_MARKERS
    regex: str | None = None
    fallback: Literal["none", "last_number"] = "none"

    @classmethod
    def from_options(cls, options: dict[str, object], *, where: str = "strategy") -> AnswerOptions:
        """Read the ``answer_*`` options of a strategy mapping.

        Raises:
            InputError: An invalid regular expression, marker list or fallback.
        """
        from promptctl.errors import InputError

        tag: str | None = "answer"
        if "answer_tag" in options:
            raw_tag = options["answer_tag"]
            tag = str(raw_tag).strip("<>/ ") if raw_tag not in (None, False, "") else None
        markers: tuple[str, ...] = DEFAULT_MARKERS
        raw_markers = options.get("answer_markers", options.get("answer_marker"))
        if raw_markers is not None:
            items = [raw_markers] if isinstance(raw_markers, str) else raw_markers
            if not isinstance(items, list | tuple) or not all(isinstance(m, str) and m.strip(" :") for m in items):
                raise InputError(f"{where}: answer_marker(s) must be a string or a list of strings")
            markers = tuple(m.strip().rstrip(":：").strip() for m in items)
        regex = options.get("answer_regex", options.get("answer_pattern"))
        if regex is not None:
            try:
                re.compile(str(regex))
            except re.error as exc:
                raise InputError(f"{where}: answer_regex {regex!r} is not a valid regular expression: {exc}") from None
        fallback = options.get("answer_fallback", "none")
        if fallback not in ("none", "last_number"):
            raise InputError(f"{where}: answer_fallback must be 'none' or 'last_number', not {fallback!r}")
        return cls(tag=tag, markers=markers, regex=str(regex) if regex is not None else None, fallback=fallback)  # type: ignore[arg-type]

    def extract(self, text: str) -> Extraction:
        """:func:`extract_answer` with these options."""
        return extract_answer(text, regex=self.regex, tag=self.tag, markers=self.markers, fallback=self.fallback)

    def describe(self) -> str:
        """What extraction looks for, in words (for "no answer found" notes)."""
        parts = []
        if self.regex:
            parts.append(f"regex {self.regex!r}")
        if self.tag:
            parts.append(f"<{self.tag}> tag")
        parts.append("marker " + " / ".join(f"'{m}:'" for m in self.markers))
        if self.fallback == "last_number":
            parts.append("the last number")
        return ", ".join(parts)
