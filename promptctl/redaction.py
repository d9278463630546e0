"""Redaction of credentials from every text promptctl prints, stores or writes into a report.

A provider's error may echo the API key (OpenAI's 401 says ``Incorrect API key provided: sk-...``) and a
proxy may echo request headers. promptctl never lets such text out: every
:class:`~promptctl.errors.PromptctlError` redacts its message and hint when it is made, the run store
redacts every ``error`` column it writes (:class:`promptctl.store.runs.RedactedText`), and the CLI redacts
what it prints on errors (``PROMPTCTL_DEBUG`` tracebacks included).

Two things are redacted (replaced by ``***``, keeping a recognisable prefix such as ``sk-``):

- every credential promptctl knows: the values of the providers' standard variables
  (:data:`CREDENTIAL_ENV`) and every key a provider client read (:func:`register_secret`, for keys named
  by a config ``api_key_env``), wherever they appear;
- anything shaped like a key: ``sk-...`` (OpenAI ``sk-``, ``sk-proj-``; Anthropic ``sk-ant-``), a bearer
  token (``Bearer ...``), and the value of an ``api-key``/``x-api-key``/``authorization``/``token`` header
  or field. Short values (under 8 characters) are left alone, so ``sk-...`` in a hint stays readable.
"""

from __future__ import annotations

import os
import re
import threading
from collections.abc import Mapping
from functools import lru_cache
from typing import Any

__all__ = ["CREDENTIAL_ENV", "MASK", "redact", "redact_all", "register_secret"]

MASK = "***"
CREDENTIAL_ENV = (
    "OPENAI_API_KEY", "ANTHROPIC_API_KEY", "ANTHROPIC_AUTH_TOKEN", "WATSONX_APIKEY", "WATSONX_API_KEY",
    "WATSONX_TOKEN",
)
"""The providers' standard credential variables: their values are redacted whether or not a client read them."""

_MIN_SECRET = 8
_registered: set[str] = set()
_lock = threading.Lock()

_SHAPES: tuple[tuple[re.Pattern[str], str], ...] = (
    # OpenAI (sk-, sk-proj-, sk-svcacct-) and Anthropic (sk-ant-api03-...) keys, also partly masked echoes
    # (not a key already masked: redacting twice, as the run store and then a report do, changes nothing)
    (re.compile(r"\b(sk-(?:ant-|proj-|svcacct-|admin-)?)(?!(?:ant-|proj-|svcacct-|admin-)?\*\*\*(?![A-Za-z0-9_\-*]))"
                r"[A-Za-z0-9_\-*]{8,}"), r"\1" + MASK),
    (re.compile(r"(?i)\b(bearer\s+)[A-Za-z0-9._~+/=\-]{8,}"), r"\1" + MASK),
    # AWS access key ids, GitHub and Slack tokens, Google API keys, JSON Web Tokens (their documented shapes)
    (re.compile(r"\b(AKIA)[0-9A-Z]{16}\b"), r"\1" + MASK),
    (re.compile(r"\b(gh[pousr]_|github_pat_)[A-Za-z0-9_]{30,}"), r"\1" + MASK),
    (re.compile(r"\b(xox[abprs]-)[A-Za-z0-9\-]{10,}"), r"\1" + MASK),
    (re.compile(r"\b(AIza)[0-9A-Za-z_\-]{35}\b"), r"\1" + MASK),
    # a password in a URL's userinfo (https://user:PASSWORD@host), e.g. a proxy in OPENAI_BASE_URL (RFC 3986 3.2.1)
    (re.compile(r"(?i)\b([a-z][a-z0-9+.\-]*://[^/\s:@]*:)[^/\s@]+@"), r"\1" + MASK + "@"),
    (re.compile(r"\b(eyJ)[A-Za-z0-9_\-]{8,}\.[A-Za-z0-9_\-]{8,}\.[A-Za-z0-9_\-]{8,}"), r"\1" + MASK),
    (
        re.compile(
            r"(?i)\b((?:x-)?api[-_]?key|authorization|(?:access|auth|bearer|id)[-_]?token|apikey|password|secret)"
            r"(\"?'?\s*[:=]\s*\"?'?)(?![^\s\"',;}&]*\*\*\*)([^\s\"',;}&]{8,})"
        ),
        r"\1\2" + MASK,
    ),
)


def register_secret(value: str | None) -> None:
    """Remember a credential a provider client read, so that any text containing it is redacted.

    Args:
        value: The key or token; values under 8 characters are ignored (placeholders such as ``unused``).
    """
    if value and len(value) >= _MIN_SECRET:
        with _lock:
            _registered.add(value)


def known_secrets() -> list[str]:
    """The credentials to redact: registered ones and the standard variables' values, longest first."""
    values = {os.environ.get(name, "") for name in CREDENTIAL_ENV}
    with _lock:
        values |= _registered
    return sorted((v for v in values if len(v) >= _MIN_SECRET), key=len, reverse=True)


_MARKERS = ("sk-", "bearer", "api", "authorization", "token", "password", "secret", "akia", "ghp_", "gho_", "ghu_",
            "ghs_", "ghr_", "github_pat_", "xox", "aiza", "eyj", "://")
"""Lower-case substrings one of which every key shape above contains: text without any is left as it is."""
_FOLDED = (("\u0131", "i"), ("\u017f", "s"))
"""The two letters other than ASCII that the shapes' ``(?i)`` matches as ASCII letters (dotless i as ``i``, long s as
``s``: Python's ``re`` documentation) and that ``str.lower`` keeps: folded for the marker test, so ``paſſword=...``
is redacted with the prefilter as without it."""


def redact(text: str) -> str:
    """``text`` with every known credential and anything shaped like a key replaced by ``***``.

    Args:
        text: Any text (an error message, a hint, a traceback).

    Returns:
        The redacted text (the same object when there was nothing to redact).
    """
    if not text:
        return text
    secrets = tuple(known_secrets())
    return _redact(text, secrets) if len(text) <= 65536 else _redact.__wrapped__(text, secrets)


@lru_cache(maxsize=1024)
def _redact(text: str, secrets: tuple[str, ...]) -> str:
    # Remembered: the run store redacts every request it records, and one system prompt is in thousands of them.
    for secret in secrets:
        if secret in text:
            text = text.replace(secret, MASK)
    lower = text.lower()
    for letter, ascii_letter in _FOLDED:
        lower = lower.replace(letter, ascii_letter)
    if not any(marker in lower for marker in _MARKERS):  # none of the shapes can match: skip ~10 regex scans
        return text
    for pattern, replacement in _SHAPES:
        text = pattern.sub(replacement, text)
    return text


def redact_all(value: Any) -> Any:
    """A copy of a JSON-like value (dicts, lists, strings, scalars) with every string passed through :func:`redact`.

    Used for what leaves promptctl whole: ``--json`` records and the HTML report. Each distinct string is
    redacted once (a system prompt shared by 10,000 requests costs one scan), and a string holding no known
    credential and none of the key shapes' markers is not scanned at all.

    Args:
        value: Nested dicts, lists, tuples, strings and scalars.

    Returns:
        The same structure (tuples become lists), strings redacted; mapping keys are kept as they are.
    """
    seen: dict[str, str] = {}
    secrets = tuple(known_secrets())  # once per value, not per string: it reads the environment each time

    def text(item: str) -> str:
        if item not in seen:
            seen[item] = (_redact(item, secrets) if len(item) <= 65536 else _redact.__wrapped__(item, secrets)) \
                if item else item
        return seen[item]

    def walk(item: Any) -> Any:
        if isinstance(item, str):
            return text(item)
        if isinstance(item, Mapping):
            return {key: walk(v) for key, v in item.items()}
        if isinstance(item, list | tuple):
            return [walk(v) for v in item]
        return item

    return walk(value)
