"""Version files: YAML front matter plus a Jinja2 body, and their content hash.

A version file ``prompts/<name>/v<N>.j2`` looks like::

    ---
    description: Triage a support ticket
    provider: openai
    model: gpt-4.1-mini
    parameters: {temperature: 0, max_tokens: 400}
    variables:
      ticket: {type: string, input: true}
    ---
    {% system %}...{% endsystem %}
    {% user %}{{ ticket }}{% enduser %}

Only the opening ``---`` line and the next line that is exactly ``---``
delimit the front matter; later ``---`` lines belong to the body. Line endings
are normalised to LF before parsing and hashing, so a CRLF checkout has the
same hash and renders the same as an LF one.
"""

from __future__ import annotations

import hashlib
import os
import re
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError, field_validator, model_validator

from promptctl import _yaml
from promptctl.errors import FrontMatterError
from promptctl.templating.literal import literal_source
from promptctl.templating.prompt import ToolSet
from promptctl.templating.toolspec import (
    ReasoningSpec,
    ToolChoiceSpec,
    ToolSpec,
    check_schema,
    parse_tools,
    tool_set,
)
from promptctl.templating.variables import VariableSpec, YStr
from promptctl.types import PROVIDERS as PROVIDERS  # re-exported: its home is promptctl.types

ProviderName = Literal["openai", "anthropic", "watsonx", "fake"]
StrategyName = Literal["direct", "cot", "fewshot", "consistency", "structured", "chain"]


def normalise_newlines(data: bytes | str) -> str:
    """Decode UTF-8 (dropping a BOM) and turn CRLF and lone CR into LF."""
    text = data.decode("utf-8-sig") if isinstance(data, bytes) else data.removeprefix("\ufeff")
    return text.replace("\r\n", "\n").replace("\r", "\n")


def content_sha256(data: bytes | str) -> str:
    """sha256 hex digest of a version file's text after :func:`normalise_newlines` (UTF-8 encoded)."""
    if isinstance(data, bytes) and b"\r" not in data and not data.startswith(b"\xef\xbb\xbf"):
        data.decode("utf-8")  # the same UnicodeDecodeError as below for a file that is not UTF-8
        return hashlib.sha256(data).hexdigest()  # already normalised: hash the bytes as they are
    return hashlib.sha256(normalise_newlines(data).encode("utf-8")).hexdigest()


_NOT_MEDIA = re.compile(r"^(?:v[0-9]+\.j2|prompt\.yaml|snapshots\.yaml|\..*|.*\.(?:json|ya?ml))$")  # tools files too
_MEDIA_SCAN_LIMIT = 200  # files looked at in a prompt folder (and its subfolders)


def folder_media(text: str, folder: Path | None) -> list[tuple[str, str]]:
    """The media files of a prompt's own folder that a version's text names: ``[(relative path, sha256)]``.

    These files are part of the version (:func:`promptctl.registry.registry.version_hashes`): a file counts
    when its path relative to the folder (``reference.png``, ``examples/cat.jpg``) occurs in the version's
    text (a variable default, a few-shot example, an ``{% image "..." %}`` literal) and its bytes are an
    image or a PDF (sniffed, :func:`promptctl.templating.media.sniff`). Version files, the index, snapshot
    suites and hidden files are never media. At most 200 files of the folder are looked at; the listing is
    cached by each folder's modification time (``verify`` hashes every version of a folder).
    """
    if folder is None:
        return []
    candidates = [rel for rel in _listing(str(folder)) if rel in text]
    if not candidates:
        return []
    from promptctl.templating.media import sniff

    found: list[tuple[str, str]] = []
    for rel in candidates:
        try:
            data = (folder / rel).read_bytes()
        except OSError:
            continue
        if sniff(data) is not None:
            found.append((rel, hashlib.sha256(data).hexdigest()))
    return found


def media_names(folder: Path) -> tuple[str, ...]:
    """Relative paths of the files in a prompt folder that could be media files a version names (cached)."""
    return _listing(str(folder))


def _listing(folder: str) -> tuple[str, ...]:
    """Relative paths of the files under ``folder`` that could be media (see :func:`folder_media`), sorted."""
    out: list[str] = []
    pending = [("", folder)]
    while pending and len(out) < _MEDIA_SCAN_LIMIT:
        prefix, path = pending.pop()
        try:
            mtime = os.stat(path).st_mtime_ns
        except OSError:
            continue
        files, dirs = _entries(path, mtime)
        out += [prefix + name for name in files]
        pending += [(f"{prefix}{name}/", os.path.join(path, name)) for name in dirs]
    return tuple(sorted(out)[:_MEDIA_SCAN_LIMIT])


@lru_cache(maxsize=4096)
def _entries(path: str, mtime_ns: int) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(file names, folder names) in ``path`` that could hold media, read once per modification time."""
    files: list[str] = []
    dirs: list[str] = []
    try:
        with os.scandir(path) as entries:
            for entry in entries:
                if _NOT_MEDIA.match(entry.name):
                    continue
                if entry.is_dir(follow_symlinks=False):
                    dirs.append(entry.name)
                elif entry.is_file():
                    files.append(entry.name)
    except OSError:
        pass
    return tuple(sorted(files)), tuple(sorted(dirs))


def _strategy(value: Any) -> Any:
    return {"name": value} if isinstance(value, str) else value


class StrategySpec(BaseModel):
    """The executor a version runs with by default.

    Attributes:
        name: ``direct`` (default), ``cot``, ``fewshot``, ``consistency``, ``structured`` or ``chain``.
        options: Executor settings (e.g. ``samples`` for self-consistency), kept as given.

    """

    model_config = ConfigDict(extra="allow")

    name: StrategyName = "direct"

    @property
    def options(self) -> dict[str, Any]:
        """Settings other than the name."""
        return _yaml.plain(dict(self.model_extra or {}))


class OutputSpec(BaseModel):
    """Declared output: a JSON Schema, or a pydantic model by import path (``package.module:Model``)."""

    model_config = ConfigDict(extra="forbid")

    format: Literal["text", "json"] = "text"
    json_schema: dict[str, Any] | None = Field(default=None, alias="schema")
    model: YStr | None = None

    @field_validator("json_schema", mode="before")
    @classmethod
    def _plain(cls, value: Any) -> Any:
        value = _yaml.plain(value)
        if isinstance(value, dict):
            check_schema(value, "")  # when the file loads, so lint and publish refuse it too
        return value


class Parameters(BaseModel):
    """Sampling and length parameters, in the providers' common vocabulary.

    ``max_tokens`` is the output-token ceiling (tokens). Unknown keys are kept and passed to the
    provider unchanged.
    """

    model_config = ConfigDict(extra="allow")

    temperature: int | float | None = None  # int kept as int, so `0` is sent as 0, not 0.0
    top_p: int | float | None = None
    max_tokens: int | None = None
    seed: int | None = None
    stop: list[YStr] | None = None

    def as_dict(self) -> dict[str, Any]:
        """The parameters that are set, as plain JSON values."""
        return _yaml.plain(self.model_dump(exclude_none=True))


_RULE_ID = re.compile(r"^[A-Za-z]+[0-9]+$")


class LintSpec(BaseModel):
    """Per-version lint settings (``lint:`` in the front matter; see docs/lint.md).

    Attributes:
        disable: Rule ids switched off for this version, each with the reason (required, non-empty):
            ``{SYS005: "machine-facing prompt: no tone needed"}``.
        typical_input_tokens: Tokens assumed for each ``input: true`` variable when lint estimates sizes;
            default the project's ``[lint] typical_input_tokens``.

    """

    model_config = ConfigDict(extra="forbid")

    disable: dict[str, YStr] = Field(default_factory=dict)
    typical_input_tokens: int | None = Field(default=None, ge=0)

    @field_validator("disable", mode="before")
    @classmethod
    def _reasons(cls, value: Any) -> Any:
        if isinstance(value, list):
            raise ValueError("give each disabled rule a reason: disable: {SYS005: \"why\"}")
        if isinstance(value, dict):
            for rule, reason in value.items():
                if not isinstance(rule, str) or not _RULE_ID.match(rule):
                    raise ValueError(f"{rule!r} is not a rule id (e.g. SYS005)")
                if reason is None or not str(reason).strip():
                    raise ValueError(f"rule {rule} is disabled without a reason: {rule}: \"why\"")
            return {rule.upper(): reason for rule, reason in value.items()}
        return value


class FrontMatter(BaseModel):
    """The typed front matter of a version file. Unknown fields are an error (typos are caught).

    Attributes:
        description: One line on what the prompt does.
        provider: The provider it was written for (``openai``, ``anthropic``, ``watsonx``).
        model: The model id for that provider.
        models: Model ids to use when the prompt is rendered for another provider.
        parameters: Sampling and length parameters.
        variables: Declared variables by name.
        output: Declared output format or schema.
        strategy: Default executor and its settings.
        examples: Few-shot examples (list of ``{input, output}`` mappings) or a dataset path.
        metadata: Free-form data kept with the version.
        lint: Lint settings: rules disabled for this version, with reasons (:class:`LintSpec`).
        literal: True when the body is plain text, not a template: it is sent exactly as written
            (``{{``, ``{%`` and ``{#`` included) as one user message. For prompts without variables.
        tools: The tools the model may call (:class:`~promptctl.templating.tools.ToolSpec`), or the name of a
            JSON/YAML file in the prompt's folder holding them (its content is covered by the version's
            sha256; the registry loads it, see :func:`tools_reference`).
        tool_choice: ``auto``, ``none``, ``required`` or ``{name: TOOL}``.
        parallel_tool_calls: False allows at most one tool call per reply.
        reasoning: Reasoning settings (``effort``, ``budget_tokens``), mapped per model profile by the adapters.

    """

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    name: YStr | None = None
    version: YStr | None = None
    description: YStr | None = None
    provider: ProviderName | None = None
    model: YStr | None = None
    models: dict[str, YStr] = Field(default_factory=dict)
    parameters: Parameters = Field(default_factory=Parameters)
    variables: dict[str, VariableSpec] = Field(default_factory=dict)
    output: OutputSpec | None = None
    strategy: Annotated[StrategySpec, BeforeValidator(_strategy)] = Field(default_factory=StrategySpec)
    examples: Any = None
    tags: list[YStr] = Field(default_factory=list)
    metadata: dict[str, Any] = Field(default_factory=dict)
    lint: LintSpec = Field(default_factory=LintSpec)
    literal: bool = False
    tools: list[ToolSpec] | YStr | None = None
    tool_choice: ToolChoiceSpec | None = None
    parallel_tool_calls: bool | None = None
    reasoning: ReasoningSpec | None = None

    @field_validator("examples", "metadata", mode="before")
    @classmethod
    def _plain(cls, value: Any) -> Any:
        return _yaml.plain(value)

    @field_validator("tools", mode="before")
    @classmethod
    def _tools(cls, value: Any) -> Any:
        if isinstance(value, str):
            check_tools_file_name(value)
        elif isinstance(value, list):
            return parse_tools(value, "")  # one message naming the tool and its field
        elif value is not None:
            raise ValueError(f"tools must be a list of tools or a tools file name, not {type(value).__name__}")
        return value

    @model_validator(mode="after")
    def _tool_choice(self) -> FrontMatter:
        if not isinstance(self.tools, str):
            self.tool_set()  # a choice naming an undeclared tool, duplicate names
        return self

    @property
    def tools_file(self) -> str | None:
        """The tools file named by ``tools:`` (relative to the prompt's folder), or None."""
        return self.tools if isinstance(self.tools, str) else None

    def tool_set(self) -> ToolSet | None:
        """The neutral tools of this version (None without tools; a tools file must have been loaded).

        Raises:
            ValueError: ``tool_choice`` names a tool that is not declared, or two tools share a name.
        """
        if isinstance(self.tools, str):
            raise ValueError(f"the tools file {self.tools} was not loaded")
        return tool_set(self.tools or [], self.tool_choice, self.parallel_tool_calls, "")


_TOOLS_FILE = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]*\.(?:json|ya?ml)$")
_TOOLS_LINE = re.compile(r"^tools:[ \t]*(['\"]?)([^\s'\"\[{#-][^\s'\"#]*)\1[ \t]*(?:#.*)?$", re.MULTILINE)


def check_tools_file_name(name: str) -> None:
    """A tools file is a ``.json``/``.yaml``/``.yml`` file directly in the prompt's folder.

    Raises:
        ValueError: Another name (a path with folders, ``..``, another extension).
    """
    if not _TOOLS_FILE.match(name):
        raise ValueError(f"tools: {name!r} must be a list of tools, or the name of a .json or .yaml file in the "
                         "prompt's folder (e.g. tools.json)")


def tools_reference(text: str) -> str | None:
    """The tools file a version file's front matter names (``tools: tools.json`` on one line), or None.

    Read without parsing YAML, so hashing stays cheap; :func:`parse_version_text` checks that the parsed
    front matter agrees.
    """
    if "\ntools:" not in text:
        return None
    try:
        raw, _, _ = split_front_matter(text)
    except FrontMatterError:
        return None
    match = _TOOLS_LINE.search(raw or "")
    return match.group(2) if match else None


def bundle_sha256(text_sha: str, files: dict[str, str]) -> str:
    """The sha256 of a version: its file's, or with a tools file, one digest over both files' sha256s.

    Args:
        text_sha: :func:`content_sha256` of the version file.
        files: ``{file name: content_sha256}`` of the files the version reads (its tools file).
    """
    if not files:
        return text_sha
    lines = [f"version {text_sha}", *(f"file {name} {sha}" for name, sha in sorted(files.items()))]
    return hashlib.sha256(("promptctl version bundle\n" + "\n".join(lines) + "\n").encode("utf-8")).hexdigest()


def load_tools_text(text: str, where: str) -> list[ToolSpec]:
    """Parse and validate a tools file's text (JSON or YAML).

    Raises:
        FrontMatterError: Not valid JSON/YAML, or not a valid list of tools (naming the tool and field).
    """
    import yaml  # here: a reading command whose indexes come from the cache needs no YAML

    try:
        data = _yaml.load(normalise_newlines(text))
    except yaml.YAMLError as exc:
        raise FrontMatterError(f"{where}: invalid tools file: {getattr(exc, 'problem', exc)}",
                               hint="a tools file is a JSON or YAML list of tools") from None
    try:
        return parse_tools(data, where)
    except ValueError as exc:
        raise FrontMatterError(str(exc), hint="promptctl help prompt-files describes tools") from None


def split_front_matter(text: str) -> tuple[str | None, str, int]:
    """Split normalised text into (front matter YAML or None, body, lines before the body).

    Only a first line that is exactly ``---`` opens front matter, and the next line that is exactly
    ``---`` closes it.
    """
    if not text.startswith("---\n") and text != "---":
        return None, text, 0
    lines = text.split("\n")
    for i in range(1, len(lines)):
        if lines[i].rstrip() == "---":
            return "\n".join(lines[1:i]), "\n".join(lines[i + 1 :]), i + 1
    raise FrontMatterError("front matter opened with '---' is never closed", hint="add a line '---' after it")


def parse_version_text(text: str, *, where: str) -> tuple[FrontMatter, str, int]:
    """Parse a normalised version file into front matter, body and body line offset.

    Args:
        text: File text with LF line endings.
        where: File path or reference named in errors.

    With ``literal: true`` the body returned is template source that renders the file's body exactly
    (:func:`~promptctl.templating.literal.literal_source`).

    Raises:
        FrontMatterError: Unclosed, non-mapping or invalid front matter (message names the field), or
            variables declared for a literal body.

    """
    try:
        raw, body, offset = split_front_matter(text)
    except FrontMatterError as exc:
        raise FrontMatterError(f"{where}: {exc.message}", hint=exc.hint) from None
    data: Any = {}
    if raw is not None:
        import yaml

        try:
            data = _yaml.load(raw) or {}
        except yaml.YAMLError as exc:
            # an unclosed {...} or [...] is named where it opens, not where YAML gave up (the closing '---' line)
            flow = "flow" in str(getattr(exc, "context", "") or "")
            mark = getattr(exc, "context_mark" if flow else "problem_mark", None) or getattr(exc, "problem_mark", None)
            line = f"{mark.line + 2}:" if mark is not None else ""
            raise FrontMatterError(
                f"{where}:{line} invalid YAML front matter: {getattr(exc, 'problem', exc)}",
                hint="fix the YAML between the two '---' lines",
            ) from None
        if not isinstance(data, dict):
            raise FrontMatterError(f"{where}: front matter must be a mapping of fields")
    try:
        front = FrontMatter.model_validate(data)
    except ValidationError as exc:
        raise field_error(exc.errors()[0], raw or "", where) from None
    if front.tools_file != tools_reference(text):
        raise FrontMatterError(
            f"{where}: write the tools file on one line of its own: tools: {front.tools_file}",
            hint="the version's sha256 covers the tools file it names on that line",
        )
    if front.literal:
        if front.variables:
            raise FrontMatterError(
                f"{where}: a literal body (literal: true) cannot use variables",
                hint="remove 'literal: true' and write literal braces as {% raw %}{{ ... }}{% endraw %}",
            )
        body = literal_source(body)
    return front, body, offset


def field_error(err: Any, raw: str, where: str, *, model: type[BaseModel] | None = None,
                what: str = "front matter field", topic: str = "prompt-files",
                line_offset: int = 1) -> FrontMatterError:
    """One line in promptctl's words for pydantic's first error: the field, its file line, a "did you mean".

    Args:
        err: One entry of :meth:`pydantic.ValidationError.errors`.
        raw: The YAML text validated, to find the field's line.
        where: File path named in the message.
        model: The pydantic model validated (default :class:`FrontMatter`).
        what: What a field is called in the message.
        topic: The ``promptctl help`` topic describing the format.
        line_offset: File line of ``raw``'s first line, minus 1 (front matter: 1, after the ``---`` line).
    """
    from promptctl.errors import did_you_mean

    hint_topic = f"promptctl help {topic} describes every field"
    # pydantic names the member of a union it tried (``literal['auto','none']``, ``function-after[...]``):
    # not a field of the file
    path = [str(p) for p in err["loc"] if "[" not in str(p)]
    # ... and a scalar member by its bare type name: `temperature: int | float` fails as 'temperature.int'
    number = len(path) > 1 and path[-1] in ("int", "float") and str(err.get("type")).startswith(("int_", "float_"))
    if number:
        path = path[:-1]
    loc = ".".join(path)
    line = _key_line(raw, path) - 1 + line_offset
    at = f"{where}:{line}" if path and line > 0 else where
    kind = err.get("type")
    if kind == "extra_forbidden":
        known = _known_fields(path[:-1], model or FrontMatter)
        close = did_you_mean(path[-1], known, what="field")
        hint = close or ""
        if len(path) == 1 and not close and model in (None, FrontMatter):
            from promptctl.adapters.profiles import KNOWN_PARAMETERS

            params = set().union(*KNOWN_PARAMETERS.values())
            param = path[-1] if path[-1] in params else None
            near = did_you_mean(path[-1], params, cutoff=0.75) if param is None else None
            if param or near:
                name = param or (near or "").split("'")[1]
                hint = f"sampling parameters go under parameters, e.g. parameters: {{{name}: ...}}."
        fields = ", ".join(sorted(known))
        return FrontMatterError(f"{at}: unknown {what} '{loc}'",
                                hint=f"{hint + ' ' if hint else ''}Fields here: {fields} ({hint_topic})")
    if kind in ("literal_error", "enum"):
        expected = re.findall(r"'([^']*)'", str((err.get("ctx") or {}).get("expected", "")))
        close = did_you_mean(str(err.get("input")), expected)
        return FrontMatterError(f"{at}: {what} '{loc}' is {err.get('input')!r}, which is not one of "
                                f"{', '.join(expected)}", hint=close or hint_topic)
    if kind in ("model_type", "dict_type"):
        return FrontMatterError(f"{at}: {what} '{loc}' must be a mapping (e.g. {{key: value}}), "
                                f"not {err.get('input')!r}", hint=hint_topic)
    from promptctl.errors import in_our_words

    msg = "must be a number" if number else in_our_words(str(err["msg"]))
    if loc and msg.startswith("must "):  # what the field must be, and what it was
        given = err.get("input")
        shown = f", not {given!r}" if isinstance(given, (str, int, float, bool)) and len(repr(given)) <= 60 else ""
        return FrontMatterError(f"{at}: {what} '{loc}' {msg}{shown}", hint=hint_topic)
    return FrontMatterError(f"{at}: {what} '{loc}': {msg}" if loc else f"{at}: {msg}", hint=hint_topic)


def _known_fields(parents: list[str], root: type[BaseModel]) -> set[str]:
    """Field names (by alias) of the model found under ``parents`` (``["variables", "q"]``) from ``root``."""
    node: Any = root
    for part in parents:
        if isinstance(node, tuple):  # a key of a mapping field: go to the mapping's value model
            node = node[1]
            continue
        field = next((f for n, f in node.model_fields.items() if part in (n, f.alias)), None)
        node = _model_of(field.annotation) if field is not None else None
        if node is None:
            return set()
    if not (isinstance(node, type) and issubclass(node, BaseModel)):
        return set()
    return {f.alias or n for n, f in node.model_fields.items()}


def _model_of(annotation: Any) -> Any:
    """The pydantic model an annotation holds: ``Model``, ``("items", Model)`` for a dict or list of them, or None."""
    import typing

    if typing.get_origin(annotation) in (dict, list):
        args = typing.get_args(annotation)
        value = _model_of(args[-1]) if args else None
        return ("items", value) if isinstance(value, type) else None
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in typing.get_args(annotation):
        found = _model_of(arg)
        if found is not None:
            return found
    return None


def _key_line(raw: str, path: list[str]) -> int:
    """Line of the last key of ``path`` in ``raw`` plus 1 (front matter: its file line, ``---`` being line 1).

    A list index in ``path`` (``cases.2.id``) moves to that item's ``- `` line: the items of that list only
    (at the indentation of its first item), not those of lists nested in its items. 1 when nothing is found.
    """
    lines = raw.split("\n")
    start = 0
    item = re.compile(r"^(\s*)-\s")
    for key in path:
        if key.isdigit():
            items = _list_items(lines, start + 1, item)
            if len(items) <= int(key):
                return start + 2 if start else 1
            start = items[int(key)]
            if re.search(r"^\s*-\s+[\w'\"]+\s*:", lines[start]) and key == path[-1]:
                return start + 2
            continue
        pattern = re.compile(rf"^\s*(?:-\s+)?['\"]?{re.escape(key)}['\"]?\s*:|[{{,]\s*{re.escape(key)}\s*:")
        found = next((i for i in range(start, len(lines)) if pattern.search(lines[i])), None)
        if found is None:
            return start + 2 if start else 1
        start = found
    return start + 2


def _list_items(lines: list[str], first: int, item: re.Pattern[str]) -> list[int]:
    """Indexes of the ``- `` lines of the block list starting at or after ``lines[first]``, its own items only.

    The list's indentation is its first item's; a deeper ``- `` line belongs to a nested list, and a line at a
    lower indentation, or a key at the list's own, ends it.
    """
    start = next((i for i in range(first, len(lines)) if item.match(lines[i])), None)
    if start is None:
        return []
    indent = len(lines[start]) - len(lines[start].lstrip())
    found = []
    for i in range(start, len(lines)):
        text = lines[i]
        if not text.strip() or text.lstrip().startswith("#"):
            continue
        depth = len(text) - len(text.lstrip())
        if depth < indent or (depth == indent and not item.match(text)):
            break
        if depth == indent:
            found.append(i)
    return found
