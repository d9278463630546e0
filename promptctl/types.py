"""The leaf of promptctl: shared value types and small helpers every layer may use.

Nothing here imports another promptctl module except :mod:`promptctl.errors` (and, lazily,
:mod:`promptctl._yaml`, the YAML loader that belongs to this leaf but keeps PyYAML off the start-up
path). The layers above (see :mod:`promptctl.session` for their directions) exchange these values:

- :class:`ProviderRequest`: what an adapter produces and a provider sends;
- :class:`Usage` and :class:`Completion`: what a provider call returned;
- :class:`Call`: one call in a trace (request plus completion or error, with its tag and chain step);
- :class:`Exchange`: one call on its way down the session stack (:mod:`promptctl.session`);
- :func:`utc_now`, :func:`as_text`, :func:`jsonable`, :func:`load_yaml`; the one "did you mean" is
  :func:`promptctl.errors.did_you_mean` (errors are the other half of the leaf).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import os
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    from promptctl.errors import ProviderError

__all__ = [
    "LOOPBACK_REQUEST_ID_PREFIX",
    "PROVIDERS",
    "Call",
    "Completion",
    "Exchange",
    "ProviderRequest",
    "Quality",
    "TokenCount",
    "ToolCall",
    "Usage",
    "as_text",
    "check_provider",
    "elide_media",
    "jsonable",
    "load_yaml",
    "tool_call_output",
    "tool_calls_in",
    "utc_now",
]


@dataclass(frozen=True)
class ProviderRequest:
    """What an adapter produces: exactly what the SDK call takes and what goes on the wire.

    Attributes:
        provider: ``openai``, ``anthropic``, ``watsonx`` or ``fake``.
        model: Model id.
        kwargs: Keyword arguments of the SDK call (``chat.completions.create``, ``messages.create``,
            ``ModelInference.achat``).
        body: The JSON body the SDK sends (for watsonx without ``project_id``/``space_id``, which are
            added from credentials at send time).
        parameters: The sampling and length parameters that were applied.
        warnings: Adapter notes, e.g. a parameter the provider does not take and that was dropped.
        cache_salt: Extra text in the cache key, so that deliberately repeated requests (the samples of
            self-consistency, the trials of an A/B case) are cached separately.
        timeout_s: The default time limit of the call (seconds), chosen by the adapter from the model
            profile (:func:`promptctl.adapters.profiles.call_timeout_s`); a provider's configured
            ``timeout`` wins. Not part of the cache key.
        cache_prefix: The body up to the request's last cache breakpoint (``{% cache %}``), in the shape of
            ``body``: the system prompt and the messages before the marker, the marked text included; None
            when the prompt has no breakpoint. Never sent: ``cost`` prices it as cached input and lint
            checks its length against the provider's minimum.
    """

    provider: str
    model: str
    kwargs: dict[str, Any]
    body: dict[str, Any]
    parameters: dict[str, Any] = field(default_factory=dict)
    warnings: tuple[str, ...] = ()
    cache_salt: str = ""
    timeout_s: float | None = None
    cache_prefix: dict[str, Any] | None = None

    @property
    def messages(self) -> list[dict[str, Any]]:
        """The message list of the body."""
        return list(self.body.get("messages", []))

    def fingerprint(self) -> str:
        """sha256 of the provider name, the canonical JSON body and the cache salt: the response-cache key.

        For the fake provider the key also holds ``PROMPTCTL_FAKE_REPLIES`` when it is set: its replies come
        from that script, not from the request, so a run with another script must not be answered from the
        cache of the previous one.
        """
        key: dict[str, Any] = {"provider": self.provider, "body": self.body}
        if self.cache_salt:
            key["salt"] = self.cache_salt
        if self.provider == "fake" and os.environ.get("PROMPTCTL_FAKE_REPLIES"):
            key["fake_replies"] = os.environ["PROMPTCTL_FAKE_REPLIES"]
        canonical = json.dumps(key, sort_keys=True, ensure_ascii=False)
        return hashlib.sha256(canonical.encode("utf-8")).hexdigest()

    def salted(self, salt: str) -> ProviderRequest:
        """This request with ``salt`` put before its own cache salt (``trial:2|sample:3``); unchanged for ``""``."""
        if not salt:
            return self
        import dataclasses

        return dataclasses.replace(self, cache_salt="|".join(s for s in (salt, self.cache_salt) if s))

    def at(self, endpoint: str) -> ProviderRequest:
        """This request keyed to the server it goes to (``endpoint`` from :func:`promptctl.providers.endpoint_of`).

        The endpoint joins the cache salt, so answers of different OpenAI-compatible servers are cached
        apart; unchanged for ``""`` (the provider's own API). What is sent is unchanged.
        """
        return self.salted(f"endpoint={endpoint}") if endpoint else self

    def to_dict(self, *, full: bool = False) -> dict[str, Any]:
        """JSON-ready view: provider, model, body; media bytes elided by hash unless ``full`` (:func:`elide_media`)."""
        return {"provider": self.provider, "model": self.model, "body": self.body if full else elide_media(self.body)}


_DATA_URL_HEAD = re.compile(r"^data:([\w.+-]+/[\w.+-]+);base64,")
ELIDED_PREFIX = "<base64 elided: "


def _elided(b64: str) -> str:
    try:
        data = base64.b64decode(b64, validate=False)
    except (ValueError, binascii.Error):
        return f"{ELIDED_PREFIX}{len(b64):,} characters>"
    return f"{ELIDED_PREFIX}{len(data):,} bytes, sha256 {hashlib.sha256(data).hexdigest()[:16]}>"


def elide_media(value: Any) -> Any:
    """A copy of a request body with media bytes replaced by their size and sha256, for display and goldens.

    Base64 data URLs (OpenAI and watsonx ``image_url.url``, OpenAI ``file.file_data``) keep their head:
    ``data:image/png;base64,<base64 elided: 48,213 bytes, sha256 1f2e3d4c5b6a7d8e>``; Anthropic base64
    sources (``{"type": "base64", "data": ...}``) get the same text as ``data``. The sha256 is of the decoded
    bytes, the hash ``render`` shows in a media placeholder. Anything else is returned unchanged (not copied).
    """
    if isinstance(value, str):
        match = _DATA_URL_HEAD.match(value) if value.startswith("data:") else None
        return value[:match.end()] + _elided(value[match.end():]) if match else value
    if isinstance(value, list):
        return [elide_media(item) for item in value]
    if isinstance(value, dict):
        if value.get("type") == "base64" and isinstance(value.get("data"), str):
            return {**value, "data": _elided(value["data"])}
        return {key: elide_media(item) for key, item in value.items()}
    return value


@dataclass(frozen=True)
class Usage:
    """Token usage of one call, normalised across providers (all counts in tokens).

    Attributes:
        input_tokens: All input tokens, cached ones included (OpenAI ``prompt_tokens``; Anthropic
            ``input_tokens + cache_creation_input_tokens + cache_read_input_tokens``).
        output_tokens: All output tokens, reasoning tokens included.
        cached_input_tokens: Input tokens read from the provider's prompt cache (part of ``input_tokens``).
        cache_write_tokens: Input tokens written to the prompt cache (part of ``input_tokens``).
        reasoning_tokens: Hidden reasoning tokens (part of ``output_tokens``).
    """

    input_tokens: int = 0
    output_tokens: int = 0
    cached_input_tokens: int = 0
    cache_write_tokens: int = 0
    reasoning_tokens: int = 0

    def __add__(self, other: Usage) -> Usage:
        return Usage(**{k: getattr(self, k) + getattr(other, k) for k in asdict(self)})

    @property
    def prompt_cache_hit_rate(self) -> float | None:
        """Cached input tokens / input tokens (0-1), or None without input (see :func:`prompt_cache_hit_rate`)."""
        return prompt_cache_hit_rate(self.cached_input_tokens, self.input_tokens)

    def to_dict(self) -> dict[str, int]:
        """The counts as a plain dict."""
        return asdict(self)

    @classmethod
    def total(cls, usages: Sequence[Usage]) -> Usage:
        """The sum of ``usages`` (tokens)."""
        out = cls()
        for usage in usages:
            out = out + usage
        return out


@dataclass(frozen=True)
class ToolCall:
    """A tool (function) call: made by the model in a reply, or written in a template or history.

    The one type for both: a :class:`Completion` carries the calls the model made, and a template places
    one in an assistant message (:mod:`promptctl.templating.tools`), where adapters send it back in the
    provider's form (OpenAI ``tool_calls``, Anthropic ``tool_use`` blocks).

    Attributes:
        id: The call id that its tool result refers to (OpenAI ``call_...``, Anthropic ``toolu_...``).
        name: The tool (function) name.
        arguments: The arguments as parsed JSON (a mapping). When a model sent arguments that are not
            valid JSON, the raw text, unparsed (scorers treat it as a mismatch).
    """

    id: str
    name: str
    arguments: Any = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: ``{"id", "name", "arguments"}``."""
        return {"id": self.id, "name": self.name, "arguments": self.arguments}


def tool_call_output(text: str, tool_calls: Sequence[ToolCall]) -> str:
    """The text a reply is scored and snapshotted as: its text, or with tool calls a JSON object holding both.

    ``{"text": TEXT, "tool_calls": [{"id", "name", "arguments"}]}`` (keys sorted, non-ASCII kept) when the model
    called tools, so that ``ab``, ``eval`` and snapshots see (and diff) the calls; the text alone otherwise.
    :func:`tool_calls_in` reads it back.
    """
    if not tool_calls:
        return text
    return json.dumps({"text": text, "tool_calls": [c.to_dict() for c in tool_calls]}, ensure_ascii=False,
                      sort_keys=True, indent=2)


def tool_calls_in(output: str) -> tuple[str, list[ToolCall]] | None:
    """``(text, tool calls)`` of an output written by :func:`tool_call_output`, or None for a plain text output."""
    if not output.lstrip().startswith("{") or '"tool_calls"' not in output:
        return None
    try:
        data = json.loads(output)
    except (ValueError, RecursionError):
        return None
    calls = data.get("tool_calls") if isinstance(data, dict) else None
    if not isinstance(calls, list) or not all(isinstance(c, dict) and isinstance(c.get("name"), str) for c in calls):
        return None
    return (str(data.get("text") or ""),
            [ToolCall(id=str(c.get("id") or ""), name=c["name"], arguments=c.get("arguments", {})) for c in calls])


@dataclass(frozen=True)
class Completion:
    """What one provider call returned.

    Attributes:
        text: The assistant's text (for an Anthropic prefill, the prefill plus the continuation).
        model: The model id the provider reports.
        usage: Normalised token usage.
        finish_reason: The provider's stop reason (``stop``, ``end_turn``, ``max_tokens`` ...).
        request_id: The provider's request id, when sent.
        latency_s: Wall time of the call in seconds, SDK retries included.
        raw: The provider's response as JSON-ready data.
        cached: True when the completion came from the response cache (no provider call was made).
        cost_usd: What the call cost (USD) at list price from its usage, set by the session's pricing
            layer (:func:`promptctl.session.price`); 0.0 for a cached answer; None when the model has
            no known price or the completion did not go through a session.
        tool_calls: The tool calls the model made, in order (OpenAI ``message.tool_calls``, Anthropic
            ``tool_use`` blocks, watsonx ``tool_calls``); empty when it answered in text.
        reasoning: The model's reasoning (thinking) text where the provider returns it (Anthropic
            ``thinking`` blocks, watsonx/vLLM ``reasoning_content``), kept apart from ``text``; None when
            the provider returns none (OpenAI Chat Completions reports only the reasoning tokens).
        batch: True when the answer came from a provider batch (priced at the batch price).
    """

    text: str
    model: str
    usage: Usage = field(default_factory=Usage)
    finish_reason: str | None = None
    request_id: str | None = None
    latency_s: float = 0.0
    raw: dict[str, Any] = field(default_factory=dict)
    cached: bool = False
    cost_usd: float | None = None
    tool_calls: tuple[ToolCall, ...] = ()
    reasoning: str | None = None
    batch: bool = False


@dataclass(frozen=True)
class Call:
    """One provider call in a trace: the request, and the completion or the error.

    Attributes:
        request: The request sent.
        completion: The completion, or None when the call failed.
        error: The error, or None.
        tag: What the call was for: ``sample:3``, ``attempt:2``, ``gate``, or None for a single call.
        step: 1-based chain step the call belongs to, or None outside a chain.
    """

    request: ProviderRequest
    completion: Completion | None = None
    error: ProviderError | None = None
    tag: str | None = None
    step: int | None = None


@dataclass(frozen=True)
class Exchange:
    """One call on its way down the session stack (the request plus what the layers need to know).

    Attributes:
        request: The request as the executor built it.
        tag: What the call is for (``sample:3``), recorded with it.
        step: Chain step (1-based), or None.
        salt: Cache salt of the work unit (an A/B job's ``trial:2``), added to the cache key only.
        sink: Where the recording layer writes this call's row (a run's, or an A/B case's buffer);
            None uses the session's default.
        text_of: Derives the text to record from the completion when ``completion.text`` is not the
            whole answer (a tool call's JSON arguments), or None.
    """

    request: ProviderRequest
    tag: str | None = None
    step: int | None = None
    salt: str = ""
    sink: Callable[[dict[str, Any]], None] | None = None
    text_of: Callable[[Completion], str] | None = None


PROVIDERS = ("openai", "anthropic", "watsonx", "fake")

LOOPBACK_REQUEST_ID_PREFIX = "req_loopback_"
"""Request ids of :class:`promptctl.testing.LoopbackLLMServer` replies. Their outputs are scripted, not a model's:
cost estimates leave them out (:func:`promptctl.session.estimate.recorded_outputs`)."""
"""The providers promptctl adapts for and calls."""


def check_provider(name: str) -> str:
    """Return ``name`` if it is a known provider.

    Raises:
        InputError: Unknown provider, with a "did you mean" suggestion.
    """
    if name not in PROVIDERS:
        from promptctl.errors import InputError, did_you_mean

        close = did_you_mean(name, PROVIDERS)
        raise InputError(f"unknown provider '{name}'",
                         hint=(f"{close} " if close else "") + f"providers: {', '.join(PROVIDERS)}")
    return name


Quality = Literal["exact", "approximate", "estimate"]


@dataclass(frozen=True)
class TokenCount:
    """Input tokens of a request and how they were obtained.

    Attributes:
        tokens: The count (tokens); for an estimate, the expected value.
        quality: ``exact`` (tiktoken for a model it knows, or the provider's count endpoint),
            ``approximate`` (tiktoken with a fallback encoding, text counted in pieces, or parts the
            method does not cover), or ``estimate`` (another tokenizer times a correction factor).
        method: How, in words (e.g. ``tiktoken o200k_base, OpenAI cookbook chat format``).
        encoding: tiktoken encoding used, if any.
        low: Lower bound of the count (tokens); equals ``tokens`` unless an estimate.
        high: Upper bound of the count (tokens); equals ``tokens`` unless an estimate.
        notes: Why the count is not exact, when it is not.
    """

    tokens: int
    quality: Quality
    method: str
    encoding: str | None = None
    low: int = -1
    high: int = -1
    notes: tuple[str, ...] = field(default=())

    def __post_init__(self) -> None:
        if self.low < 0:
            object.__setattr__(self, "low", self.tokens)
        if self.high < 0:
            object.__setattr__(self, "high", self.tokens)

    @property
    def is_estimate(self) -> bool:
        """True unless the count is exact."""
        return self.quality != "exact"

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: tokens, quality, method, encoding, low, high, notes."""
        return {
            "tokens": self.tokens,
            "quality": self.quality,
            "method": self.method,
            "encoding": self.encoding,
            "low": self.low,
            "high": self.high,
            "notes": list(self.notes),
        }


def user_cache_dir() -> Path:
    """The user cache folder of promptctl: tiktoken's files, the registry index cache, token counts.

    Returns:
        ``$PROMPTCTL_CACHE_DIR``, else ``$XDG_CACHE_HOME/promptctl``, else ``~/.cache/promptctl``; never a
        folder inside a project.
    """
    if os.environ.get("PROMPTCTL_CACHE_DIR"):
        return Path(os.environ["PROMPTCTL_CACHE_DIR"])
    return Path(os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")) / "promptctl"


def code_digest(*modules: str) -> str:
    """A digest of promptctl's modules that compute what a user cache file remembers.

    A cache file of results (token counts, statistics, remembered library answers, parsed indexes) is emptied when
    promptctl's release or this digest changes. The release alone is not enough: an install from a git checkout
    (``pip install -e .``, then a ``git pull``) changes the code computing those results without changing
    ``__version__``, and the cache would go on answering with the old code's results.

    Args:
        modules: Paths of promptctl's own source files, relative to the package folder (``tokens/counting.py``).

    Returns:
        The first 16 hex digits of a sha256 over the modules' names and bytes (a module that cannot be read counts
        as empty).
    """
    folder = Path(__file__).parent
    digest = hashlib.sha256()
    for module in modules:
        try:
            data = (folder / module).read_bytes()
        except OSError:
            data = b""
        digest.update(module.encode() + b"\0" + hashlib.sha256(data).digest())
    return digest.hexdigest()[:16]


def utc_now() -> str:
    """Current UTC time as ISO 8601 with seconds precision."""
    from datetime import UTC, datetime

    return datetime.now(UTC).replace(microsecond=0).isoformat()


def as_text(value: Any, *, sort_keys: bool = False) -> str:
    """A value as text: strings as they are, anything else as compact JSON (non-ASCII kept)."""
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False, sort_keys=sort_keys, default=str)


def jsonable(values: Any) -> Any:
    """``values`` as JSON-ready data (anything JSON cannot hold becomes its ``str``)."""
    return json.loads(json.dumps(values if not isinstance(values, Mapping) else dict(values), default=str))


def load_yaml(text: str) -> Any:
    """Parse YAML with the YAML 1.2 core schema, numbers keeping their source text (:mod:`promptctl._yaml`).

    Raises:
        yaml.YAMLError: Invalid YAML.
    """
    from promptctl._yaml import load

    return load(text)


def prompt_cache_hit_rate(cached_input_tokens: int | None, input_tokens: int | None) -> float | None:
    """The provider prompt cache's hit rate: input tokens read from the cache / all input tokens (0-1).

    Not the response cache (promptctl's own cache of whole answers, whose hits cost nothing).

    Args:
        cached_input_tokens: Input tokens read from the provider's prompt cache (tokens).
        input_tokens: All input tokens, cached ones included (tokens).

    Returns:
        The rate, or None when there was no input (nothing to hit).
    """
    if not input_tokens:
        return None
    return (cached_input_tokens or 0) / input_tokens
