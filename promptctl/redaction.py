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

__all__ = ["CREDENTIAL_ENV", "MASK", "redact", "register_secret"]

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
    (re.compile(r"\b(sk-(?:ant-|proj-|svcacct-|admin-)?)[A-Za-z0-9_\-*]{8,}"), r"\1" + MASK),
    (re.compile(r"(?i)\b(bearer\s+)[A-Za-z0-9._~+/=\-]{8,}"), r"\1" + MASK),
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


def redact(text: str) -> str:
    """``text`` with every known credential and anything shaped like a key replaced by ``***``.

    Args:
        text: Any text (an error message, a hint, a traceback).

    Returns:
        The redacted text (the same object when there was nothing to redact).
    """
    if not text:
        return text
    for secret in known_secrets():
        if secret in text:
            text = text.replace(secret, MASK)
    for pattern, replacement in _SHAPES:
        text = pattern.sub(replacement, text)
    return text
