"""The promptctl exception family and the CLI exit codes.

Every error a user can cause is a :class:`PromptctlError`. Its message and hint are redacted when it is
made (:func:`promptctl.redaction.redact`: known credentials and key-shaped text become ``***``), so no
credential reaches the terminal, the run store or a report. The CLI prints it as
one line (``error: ...``) plus an optional ``hint: ...`` line and exits with the
error's :attr:`~PromptctlError.exit_code`; ``PROMPTCTL_DEBUG=1`` shows the traceback.

::

    PromptctlError                      exit 2 unless noted
    ├── InputError                      bad usage, file, option or config
    │   ├── ReferenceNotFound           unknown prompt, version, label or hash
    │   ├── FrontMatterError            malformed YAML front matter
    │   ├── TemplateError               Jinja2 syntax or render error
    │   │   ├── UndefinedVariableError  a variable the template needs is missing
    │   │   └── TemplateSecurityError   the template reached for Python internals
    │   ├── VariableError               a value does not fit the declared type
    │   ├── AdapterError                the prompt cannot be expressed for the provider
    │   ├── TokenizerError              tiktoken's encodings cannot be loaded or fail their sha256
    │   └── BudgetExceeded              the high cost estimate crosses --max-cost
    ├── CheckFailed                     exit 1: a check the user asked for failed
    ├── ProviderError                   exit 3: the provider call failed
    │   ├── CredentialsError            exit 3: credentials or endpoint missing
    │   └── StructuredOutputError       exit 3: no schema-valid answer within the retries
    └── IntegrityError                  exit 4: a published version or lock does not match
"""

from __future__ import annotations

from enum import IntEnum

from promptctl.redaction import redact


class ExitCode(IntEnum):
    """Documented process exit codes of the ``promptctl`` command."""

    OK = 0
    CHECK_FAILED = 1
    INVALID_INPUT = 2
    PROVIDER = 3
    INTEGRITY = 4


class PromptctlError(Exception):
    """Base class of every error a user can cause.

    Args:
        message: One line saying what is wrong and where.
        hint: One line saying what to do about it, or ``None``.
    """

    exit_code: ExitCode = ExitCode.INVALID_INPUT

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        message = redact(message)  # a provider's text may echo a credential: it never leaves promptctl
        super().__init__(message)
        self.message = message
        self.hint = redact(hint) if hint else hint

    def __str__(self) -> str:
        return self.message


class InputError(PromptctlError):
    """Invalid usage, file, option, dataset row or configuration (exit 2)."""


class ReferenceNotFound(InputError):
    """A reference names a prompt, version, label or hash that does not exist (exit 2)."""


class FrontMatterError(InputError):
    """A version file's YAML front matter is malformed or has invalid fields (exit 2)."""


class TemplateError(InputError):
    """A Jinja2 template failed to parse or render (exit 2)."""


class UndefinedVariableError(TemplateError):
    """A variable the template uses was not given and has no default (exit 2).

    Attributes:
        variable: The missing variable's name.
    """

    def __init__(self, message: str, *, variable: str, hint: str | None = None) -> None:
        super().__init__(message, hint=hint)
        self.variable = variable


class TemplateSecurityError(TemplateError):
    """The template tried to reach Python internals; nothing was executed (exit 2)."""


class VariableError(InputError):
    """A variable value does not match its declared type (exit 2)."""


class AdapterError(InputError):
    """The prompt cannot be expressed for the chosen provider, e.g. it starts with the assistant (exit 2)."""


class TokenizerError(InputError):
    """tiktoken's encoding files cannot be loaded offline, or the bundled copy fails its sha256 (exit 2)."""


class BudgetExceeded(InputError):
    """The next call's high cost estimate would cross the ``--max-cost`` budget; nothing was sent (exit 2).

    Attributes:
        limit_usd: The budget (USD).
        spent_usd: What the calls made so far cost (USD).
        needed_usd: The high estimate of the call that was refused (USD), or None when it has no price.
    """

    def __init__(
        self, message: str, *, limit_usd: float, spent_usd: float, needed_usd: float | None, hint: str | None = None
    ) -> None:
        super().__init__(message, hint=hint)
        self.limit_usd = limit_usd
        self.spent_usd = spent_usd
        self.needed_usd = needed_usd

    @property
    def left_usd(self) -> float:
        """What is left of the budget (USD, never negative)."""
        return max(self.limit_usd - self.spent_usd, 0.0)


class CheckFailed(PromptctlError):
    """A check requested by the user failed (exit 1)."""

    exit_code = ExitCode.CHECK_FAILED


class ProviderError(PromptctlError):
    """A provider call failed after the SDK's own retries (exit 3).

    Attributes:
        provider: Provider name (``openai``, ``anthropic``, ``watsonx``, ``fake``).
        status: HTTP status code, or ``None`` for connection errors.
        request_id: The provider's request id when it sent one.
        retryable: Whether trying again later may succeed (``False`` for an exhausted quota).
        retry_after_s: How long the provider asked to wait before another request (its ``retry-after-ms``
            or ``retry-after`` header, seconds), or None.
    """

    exit_code = ExitCode.PROVIDER

    def __init__(
        self,
        message: str,
        *,
        provider: str,
        status: int | None = None,
        request_id: str | None = None,
        retryable: bool = True,
        hint: str | None = None,
        retry_after_s: float | None = None,
    ) -> None:
        super().__init__(message, hint=hint)
        self.provider = provider
        self.status = status
        self.request_id = request_id
        self.retryable = retryable
        self.retry_after_s = retry_after_s


class CredentialsError(ProviderError):
    """Credentials or endpoint settings for a provider are missing (exit 3)."""

    def __init__(self, message: str, *, provider: str, hint: str | None = None) -> None:
        super().__init__(message, provider=provider, retryable=False, hint=hint)


class StructuredOutputError(ProviderError):
    """Structured output: no attempt produced a schema-valid answer within the retries (exit 3).

    A :class:`ProviderError`: the provider answered, but never with usable output, so callers that
    handle provider failures handle this too, and trying again (or another model) may succeed.
    Every attempt is also recorded in the run store.

    Attributes:
        attempts: How many attempts were made (1 + retries).
        last_output: The raw text of the last answer (a tool call's JSON arguments for instructor).
        errors: Every attempt's parse or validation error, in order.
        outputs: Every attempt's raw text, in order.
    """

    def __init__(
        self,
        message: str,
        *,
        provider: str,
        attempts: int,
        last_output: str | None,
        errors: list[str],
        outputs: list[str] | None = None,
        hint: str | None = None,
    ) -> None:
        super().__init__(message, provider=provider, retryable=True, hint=hint)
        self.attempts = attempts
        self.last_output = last_output
        self.errors = list(errors)
        self.outputs = list(outputs or [])


class IntegrityError(PromptctlError):
    """A published version's bytes, or a lockfile entry, no longer match the recorded sha256 (exit 4).

    Attributes:
        path: The file that failed the check, when there is one.
    """

    exit_code = ExitCode.INTEGRITY

    def __init__(self, message: str, *, path: str | None = None, hint: str | None = None) -> None:
        super().__init__(message, hint=hint)
        self.path = path


def error_text(exc: BaseException) -> str:
    """One line for any exception: a promptctl error's message, else ``TypeName: text`` (redacted)."""
    if isinstance(exc, PromptctlError):
        return exc.message
    detail = str(exc)
    return redact(f"{type(exc).__name__}: {detail}" if detail else type(exc).__name__)


def did_you_mean(name: str, choices: object, *, what: str = "", cutoff: float = 0.6) -> str | None:
    """``"did you mean 'gpt-4o'?"`` for the closest of ``choices`` to a misspelt ``name``, or None.

    The one "did you mean" of promptctl (hints for unknown prompts, fields, scorers, models, variables,
    filters): :func:`difflib.get_close_matches` (ratio of matching characters, Ratcliff/Obershelp) with
    ``cutoff`` 0.6 by default, case-insensitive; else the one name that ``name`` (3 or more characters) begins.

    Args:
        name: What the user wrote.
        choices: The names that exist (any iterable of strings).
        what: A noun for the suggestion, e.g. ``"field"`` gives ``"did you mean field 'model'?"``.
        cutoff: Minimum similarity in [0, 1].

    Returns:
        The hint text, or None when nothing is close.
    """
    import difflib
    from collections.abc import Iterable

    names = sorted({str(c) for c in choices}) if isinstance(choices, Iterable) else []
    by_lower = {n.lower(): n for n in names}
    typed = str(name).lower()
    close = difflib.get_close_matches(typed, list(by_lower), n=1, cutoff=cutoff)
    if not close:  # an abbreviation of exactly one name: desc -> description
        close = [n for n in by_lower if len(typed) >= 3 and n.startswith(typed)]
    if len(close) != 1:
        return None
    noun = f"{what} " if what else ""
    return f"did you mean {noun}'{by_lower[close[0]]}'?"


# pydantic's phrasing -> promptctl's (the message of a failed validation, as a user reads it)
_PYDANTIC_WORDS: tuple[tuple[str, str], ...] = (
    (r"Input should be a valid integer(, unable to parse string as an integer|, got a number with a fractional "
     r"part)?", "must be a whole number"),
    (r"Input should be a valid number(, unable to parse string as a number)?", "must be a number"),
    (r"Input should be a valid boolean(, unable to interpret input)?", "must be true or false"),
    (r"Input should be a valid string", "must be text"),
    (r"Input should be a valid list", "must be a list"),
    (r"Input should be a valid (dictionary|mapping)", "must be a mapping"),
    (r"Input should be greater than or equal to", "must be at least"),
    (r"Input should be less than or equal to", "must be at most"),
    (r"Input should be", "must be"),
    (r"(String|List|Value|Dictionary|Tuple|Set) should", "must"),
    (r"Field required", "missing"),
    (r"Extra inputs are not permitted", "unknown field"),
    (r"Value error, ", ""),
)


def in_our_words(message: str) -> str:
    """A pydantic validation message in promptctl's words; any other text is returned unchanged.

    ``Input should be greater than or equal to 1`` -> ``must be at least 1``. pydantic's English (``Input should
    be a valid integer, unable to parse string as an integer``) names no field and reads as an exception; every
    error line of promptctl names the field and what it must be.
    """
    import re

    for pattern, words in _PYDANTIC_WORDS:
        message = re.sub(pattern, words, message)
    return message
