"""Golden files: ``snapshots/<name>/<case>.yaml``, one per case, and how they are compared.

A golden file is YAML so that a pull-request diff shows a changed prompt line as
one changed line (multi-line strings are written as ``|`` block scalars), with
sorted keys, LF line endings, UTF-8, and nothing volatile: no timestamps, run
ids or latencies. Top-level keys::

    format: 1
    case: node22-build
    prompt: {name: ticket-triage, version: 1, sha256: ca46...}   # what the snapshot was recorded against
    variables: {...}                  # the case's resolved variables
    requests:                         # per provider: the exact rendered request
      anthropic: {model: claude-haiku-4-5, body: {...}}         # body = the JSON body on the wire
      openai: {model: gpt-4.1-mini, body: {...}}
    recorded:                         # the output the checks replay (not compared; re-recorded on demand)
      provider: fake                  # the provider/model that produced it
      model: fake-model
      output: |
        {"category": "bug", ...}
      usage: {input_tokens: ..., output_tokens: ..., ...}      # tokens, as the provider reported them
      cost_usd: 0.0                   # list price of that usage (USD), or null when unpriced
      prompt_sha256: ca46...          # the version bytes the output was recorded with
      note: ...                       # only for scripted fake replies
    checks:                           # each check's spec and its result on the recorded output
      - {scorer: json_schema, passed: true, value: 1.0, detail: valid against the schema}

The *compared part* is everything except ``recorded``: ``snapshot check`` passes
when re-rendering and re-checking would write the same compared part.
Requests are compared after the documented normalisation (:func:`normalise`):
CRLF and lone CR become LF and trailing whitespace is removed from every line of
every string, so a CRLF checkout compares equal to an LF one.

No credentials: request bodies never carry them (watsonx's ``project_id`` is
added at send time), header-like keys are dropped (:func:`scrub`), and
:func:`assert_no_credentials` refuses to write a file that contains the value
of any credential environment variable.
"""

from __future__ import annotations

import difflib
import json
import os
import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import yaml

from promptctl.errors import InputError
from promptctl.limits import read_input_bytes, read_input_text
from promptctl.templating.prompt import Media, placeholder
from promptctl.types import elide_media

GOLDEN_FORMAT = 1
HEADER = (
    "# promptctl snapshot golden file: written by `promptctl snapshot record` / `snapshot update`.\n"
    "# Review changes like code; do not edit by hand (the 'recorded' part is the only part not compared).\n"
)

#: Environment variables whose values are credentials (besides any ``*_API_KEY``/``*_TOKEN``/``*_SECRET*``).
CREDENTIAL_ENV = (
    "OPENAI_API_KEY", "ANTHROPIC_API_KEY", "ANTHROPIC_AUTH_TOKEN", "WATSONX_APIKEY", "WATSONX_API_KEY",
    "WATSONX_TOKEN", "WATSONX_PROJECT_ID", "WATSONX_SPACE_ID", "WATSONX_PASSWORD",
)
_SECRET_SUFFIXES = ("_API_KEY", "_APIKEY", "_TOKEN", "_SECRET", "_SECRET_KEY", "_PASSWORD", "_AUTH_TOKEN")
#: Keys dropped from request bodies wherever they appear (headers and credentials are never part of a snapshot).
SCRUBBED_KEYS = frozenset(
    {"headers", "extra_headers", "authorization", "api_key", "apikey", "x-api-key", "project_id", "space_id"}
)


# -- normalisation ---------------------------------------------------------------------------------
_NEEDS_NORMALISING = re.compile(r"[^\S\n](?:\n|\Z)|\r")  # trailing whitespace on a line, or a CR


def normalise_text(text: str) -> str:
    """CRLF and lone CR to LF, then trailing whitespace removed from every line."""
    if not _NEEDS_NORMALISING.search(text):
        return text  # the common case, checked at C speed
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return "\n".join(line.rstrip() for line in text.split("\n"))


def normalise(value: Any) -> Any:
    """Apply :func:`normalise_text` to every string in a JSON-like value (keys included), recursively."""
    if isinstance(value, str):
        return normalise_text(value)
    if isinstance(value, Mapping):
        return {normalise_text(str(k)): normalise(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [normalise(v) for v in value]
    return value


def canonical(value: Any) -> str:
    """The canonical JSON text of a normalised value: what ``check`` compares byte for byte."""
    return json.dumps(normalise(value), sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def scrub(value: Any) -> Any:
    """Drop header and credential keys (:data:`SCRUBBED_KEYS`, any case) from a JSON-like value, recursively.

    Media bytes are elided by size and sha256 (:func:`promptctl.types.elide_media`): a golden file shows an
    image or a PDF by its type and hash, and a changed file is a changed hash.
    """
    if isinstance(value, Mapping):
        if value.get("type") == "base64":
            return elide_media(dict(value))
        return {k: scrub(v) for k, v in value.items() if str(k).lower() not in SCRUBBED_KEYS}
    if isinstance(value, list | tuple):
        return [scrub(v) for v in value]
    return elide_media(value) if isinstance(value, str) else value


def _shown(value: Any) -> Any:
    """A media part as its placeholder (type, size, sha256); any other object as its str."""
    if isinstance(value, Media):
        return placeholder(value)
    return str(value)


def jsonable(value: Any) -> Any:
    """Plain JSON types only (YAML numbers int/float; tuples lists; media their placeholder; others their str)."""
    return json.loads(json.dumps(value, default=_shown))


# -- YAML -------------------------------------------------------------------------------------------
_Dumper: type = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
_Loader: type = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _BlockDumper(_Dumper):  # type: ignore[misc,valid-type]
    """Safe dumper that writes multi-line strings as ``|`` block scalars (readable diffs)."""


def _represent_str(dumper: Any, data: str) -> Any:
    style = "|" if "\n" in data else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", data, style=style)


_BlockDumper.add_representer(str, _represent_str)


def dump_yaml(data: Any, *, block: bool = True) -> str:
    """YAML text with sorted keys, UTF-8 characters kept, no line folding, LF endings.

    Multi-line strings use ``|`` block scalars when ``block`` (PyYAML falls back to a quoted scalar
    when a string cannot be a block, e.g. a line with trailing spaces).
    """
    return yaml.dump(  # noqa: S506 - a SafeDumper subclass
        data,
        Dumper=_BlockDumper if block else _Dumper,
        sort_keys=True,
        allow_unicode=True,
        default_flow_style=False,
        width=1 << 30,
        indent=2,
        line_break="\n",
    )


def load_yaml(text: str) -> Any:
    """Parse YAML written by :func:`dump_yaml` (the same YAML 1.1 resolver, so every value round-trips)."""
    return yaml.load(text, Loader=_Loader)  # noqa: S506 - a SafeLoader


# -- credentials ------------------------------------------------------------------------------------
def credential_values(extra_env: Iterable[str] = ()) -> dict[str, str]:
    """Credential values present in the environment, by variable name (values of 8+ characters).

    Covers :data:`CREDENTIAL_ENV`, any variable ending in ``_API_KEY``, ``_TOKEN``, ``_SECRET``,
    ``_PASSWORD`` and the like, and ``extra_env`` (e.g. a provider's configured ``api_key_env``).
    """
    names = set(CREDENTIAL_ENV) | set(extra_env)
    names |= {k for k in os.environ if k.upper().endswith(_SECRET_SUFFIXES)}
    return {k: os.environ[k] for k in sorted(names) if len(os.environ.get(k, "")) >= 8}


def assert_no_credentials(text: str, where: str, extra_env: Iterable[str] = ()) -> None:
    """Refuse text that contains the value of a credential environment variable.

    Raises:
        InputError: A credential value occurs in ``text`` (the message names the variable, never the value).
    """
    for name, value in credential_values(extra_env).items():
        if value in text:
            raise InputError(
                f"refusing to write {where}: it would contain the value of ${name}",
                hint="credentials never go into snapshots; remove the value from the case's variables or reply",
            )


# -- files ------------------------------------------------------------------------------------------
def render_golden(doc: Mapping[str, Any]) -> str:
    """The text of a golden file: header comment plus sorted YAML. Verified to load back to ``doc``."""
    data = jsonable(doc)
    body = dump_yaml(data)
    if load_yaml(body) != data:  # PyYAML cannot write some strings as blocks exactly; quote everything then
        body = dump_yaml(data, block=False)
    return HEADER + body


def write_golden(path: Path, doc: Mapping[str, Any], *, extra_env: Iterable[str] = ()) -> bool:
    """Write a golden file atomically (LF, UTF-8) unless it already has exactly this content.

    Returns:
        True when the file changed.

    Raises:
        InputError: The content would contain a credential (see :func:`assert_no_credentials`).
    """
    from promptctl.registry.index import atomic_write_text

    text = render_golden(doc)
    assert_no_credentials(text, str(path), extra_env)
    try:
        if read_input_bytes(path, what="golden file") == text.encode("utf-8"):
            return False
    except FileNotFoundError:
        pass
    atomic_write_text(path, text)
    return True


def read_golden(path: Path) -> dict[str, Any]:
    """Read a golden file (LF or CRLF).

    Raises:
        FileNotFoundError: No such file.
        InputError: Not YAML, or not a golden file of a known format.
    """
    text = read_input_text(path, what="golden file", encoding="utf-8-sig")
    try:
        data = load_yaml(text)
    except yaml.YAMLError as exc:
        raise InputError(
            f"{path}: invalid golden file: {' '.join(str(exc).split())[:200]}",
            hint="restore it from version control, or rewrite it: promptctl snapshot update",
        ) from None
    if not isinstance(data, dict) or data.get("format") != GOLDEN_FORMAT:
        raise InputError(
            f"{path}: not a promptctl golden file (format {GOLDEN_FORMAT})",
            hint="rewrite it: promptctl snapshot record",
        )
    for key in ("prompt", "requests", "recorded", "checks"):
        if key not in data:
            raise InputError(f"{path}: golden file has no '{key}'", hint="rewrite it: promptctl snapshot record")
    return data


def readable(value: Any) -> str:
    """The readable text a diff is made of: normalised YAML with block strings."""
    return dump_yaml(normalise(value))


def unified_diff(old: Any, new: Any, old_name: str, new_name: str) -> str:
    """A unified diff of the readable forms of two values (``""`` when their canonical forms are equal)."""
    if canonical(old) == canonical(new):
        return ""
    a, b = readable(old), readable(new)
    if a == b:  # different values with the same readable text: show the canonical JSON instead
        a, b = canonical(old) + "\n", canonical(new) + "\n"
    lines = difflib.unified_diff(a.splitlines(keepends=True), b.splitlines(keepends=True), old_name, new_name, n=3)
    return "".join(line if line.endswith("\n") else line + "\n" for line in lines)
