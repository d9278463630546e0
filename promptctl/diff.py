"""What changed between two prompt versions: front matter, template, rendered requests, tokens and cost.

:func:`diff_versions` builds one :class:`VersionDiff`; the CLI prints it (colours
on a terminal, plain text when piped) or dumps it as JSON.
"""

from __future__ import annotations

import difflib
import json
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from promptctl.errors import PromptctlError
from promptctl.limits import read_input_text

if TYPE_CHECKING:
    from promptctl.config import ProjectConfig
    from promptctl.registry.registry import PromptVersion

_MISSING = "(absent)"


@dataclass(frozen=True)
class FieldChange:
    """One front-matter field that differs, by dotted path (``parameters.temperature``)."""

    field: str
    old: Any
    new: Any


@dataclass(frozen=True)
class RequestDiff:
    """The rendered request for one provider, before and after.

    Attributes:
        provider: Provider name.
        model_old: Model id the old version renders for.
        model_new: Model id the new version renders for.
        diff: Unified diff of the readable text form of the bodies (:func:`request_text`: one line per
            parameter, then each message under a ``--- role ---`` header with its content on its own
            lines), empty when equal.
        error_old: Why the old version could not be rendered, if it could not (without the version's
            own reference, so that the same error on both sides is no difference).
        error_new: Same for the new version.
        body_old: The old request's JSON body, or None when it could not be rendered.
        body_new: Same for the new one.
        input_tokens_old: Input tokens of the old request, or None when not counted.
        input_tokens_new: Same for the new one.
        tokens_exact: True when both counts are exact (tiktoken for OpenAI models).
        cost_old_usd: Estimated USD per call of the old request: its input tokens and ``output_tokens_old``
            output tokens at list price, with no prompt cache (a cold call), or None when unpriced.
        cost_new_usd: Same for the new one.
        output_tokens_old: Output tokens the old request's cost assumes: the typical output of a direct call
            (:data:`promptctl.tokens.estimate.DEFAULT_TYPICAL_OUTPUT`, 256), capped by its ``max_tokens``.
        output_tokens_new: Same for the new one.
        missing_variables: Variables a version needs that were not given (the rendered diff needs them).
    """

    provider: str
    model_old: str | None
    model_new: str | None
    diff: str
    error_old: str | None = None
    error_new: str | None = None
    input_tokens_old: int | None = None
    input_tokens_new: int | None = None
    tokens_exact: bool = False
    cost_old_usd: float | None = None
    cost_new_usd: float | None = None
    output_tokens_old: int | None = None
    output_tokens_new: int | None = None
    body_old: dict[str, Any] | None = None
    body_new: dict[str, Any] | None = None
    missing_variables: list[str] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        """True when the bodies or their renderability differ (not when both only lack variables)."""
        if self.missing_variables and not self.diff:
            return False
        return bool(self.diff) or self.error_old != self.error_new


@dataclass
class VersionDiff:
    """Everything that differs between two versions.

    Attributes:
        old: Display reference of the first version (``name@N`` or ``name@N (draft)``).
        new: Same for the second.
        variables: The variables both were rendered with.
        variables_source: Where they came from (``--var``/``--vars`` or the fixture path).
        front_matter: Changed front-matter fields.
        template: Unified diff of the template bodies.
        requests: One entry per provider asked.
    """

    old: str
    new: str
    variables: dict[str, Any]
    variables_source: str | None
    front_matter: list[FieldChange] = field(default_factory=list)
    template: str = ""
    requests: list[RequestDiff] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        """True when anything differs."""
        return bool(self.front_matter or self.template or any(r.changed for r in self.requests))

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (``changed`` included)."""
        data = asdict(self)
        data["changed"] = self.changed
        for request, raw in zip(self.requests, data["requests"], strict=True):
            raw["changed"] = request.changed
        return data


def flatten(data: Any, prefix: str = "") -> dict[str, Any]:
    """Flatten nested mappings to dotted keys; lists stay whole values."""
    if isinstance(data, Mapping):
        out: dict[str, Any] = {}
        for key, value in data.items():
            out.update(flatten(value, f"{prefix}.{key}" if prefix else str(key)))
        return out if out or not prefix else {prefix: {}}
    return {prefix: data}


def front_matter_changes(old: PromptVersion, new: PromptVersion) -> list[FieldChange]:
    """Front-matter fields that differ, by dotted path, sorted."""
    a = flatten(_by_tool(old.front_matter.model_dump(mode="json", exclude_defaults=True, by_alias=True)))
    b = flatten(_by_tool(new.front_matter.model_dump(mode="json", exclude_defaults=True, by_alias=True)))
    return [
        FieldChange(key, a.get(key, _MISSING), b.get(key, _MISSING))
        for key in sorted(set(a) | set(b))
        if a.get(key, _MISSING) != b.get(key, _MISSING)
    ]


def _by_tool(data: dict[str, Any]) -> dict[str, Any]:
    """Front matter with its tools keyed by name, so a tool change is a ``tools.NAME.FIELD`` change."""
    tools = data.get("tools")
    if isinstance(tools, list) and all(isinstance(t, Mapping) and "name" in t for t in tools):
        data = {**data, "tools": {t["name"]: {k: v for k, v in t.items() if k != "name"} or {"name": t["name"]}
                                  for t in tools}}
    return data


def unified(old_text: str, new_text: str, old_name: str, new_name: str) -> str:
    """A unified diff (3 lines of context), or ``""`` when equal."""
    lines = difflib.unified_diff(
        old_text.splitlines(keepends=True), new_text.splitlines(keepends=True), old_name, new_name, n=3
    )
    return "".join(line if line.endswith("\n") else line + "\n" for line in lines)


def request_text(body: Mapping[str, Any]) -> str:
    """A request body as readable text, for line diffs (the shape of ``promptctl render``'s view).

    One ``key: value`` line per parameter (sorted; objects as indented JSON), then the top-level
    ``system`` parameter and each message under a ``--- role ---`` header, with its content verbatim on
    its own lines, so that one changed word changes one line.
    """
    lines: list[str] = []
    for key in sorted(k for k in body if k not in ("messages", "system")):
        lines.append(f"{key}: {_value_text(body[key])}")
    if "system" in body:
        lines += ["", "--- system (top-level parameter) ---", content_text(body["system"])]
    for message in body.get("messages", []):
        if not isinstance(message, Mapping):
            lines += ["", "--- message ---", _value_text(message)]
            continue
        head, text = message_view(message)
        lines += ["", head, text]
    return "\n".join(lines) + "\n"


def _value_text(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, Mapping | list) and value:
        return json.dumps(value, indent=2, sort_keys=True, ensure_ascii=False)
    return json.dumps(value, ensure_ascii=False)


def content_text(content: Any) -> str:
    """Message content as ``render`` and ``diff`` show it: a string verbatim; text parts joined by blank lines.

    A part's ``cache_control`` (an Anthropic cache breakpoint) is shown as a ``[cache breakpoint]`` line
    after its text (``[cache breakpoint ttl 1h]``), so a breakpoint that moves is a changed line; other
    keys of a part as a ``[type {...}]`` line before it; anything else as JSON. An image or a PDF is one line
    with its type, size and sha256 (:func:`~promptctl.adapters.base.describe_block`), never its base64.
    """
    if isinstance(content, str):
        return content
    from promptctl.adapters.base import MEDIA_BLOCKS, describe_block

    if isinstance(content, list) and any(isinstance(p, Mapping) and p.get("type") in ("tool_use", "tool_result")
                                         for p in content):
        return "\n\n".join(_block_text(p) for p in content)
    if isinstance(content, list) and all(
            isinstance(p, Mapping) and (isinstance(p.get("text"), str) or p.get("type") in MEDIA_BLOCKS)
            for p in content):
        parts = []
        for part in content:
            if part.get("type") in MEDIA_BLOCKS:
                parts.append(describe_block(part) + _breakpoint_note(part.get("cache_control")))
                continue
            extra = {k: v for k, v in part.items() if k not in ("type", "text", "cache_control")}
            note = f"[{part.get('type', 'text')} {json.dumps(extra, sort_keys=True)}]\n" if extra else ""
            parts.append(note + part["text"] + _breakpoint_note(part.get("cache_control")))
        return "\n\n".join(parts)
    return _value_text(content)


def _block_text(part: Mapping[str, Any]) -> str:
    """One content block as text: a text block as :func:`content_text` shows it, a tool use or result as a line."""
    if part.get("type") == "tool_use":
        return tool_call_line(part.get("name"), part.get("input"), part.get("id")) + _breakpoint_note(
            part.get("cache_control"))
    if part.get("type") == "tool_result":
        kind = "tool error" if part.get("is_error") else "tool result"
        return f"[{kind} {part.get('tool_use_id')}]\n{content_text(part.get('content', ''))}" + _breakpoint_note(
            part.get("cache_control"))
    return content_text([part])


def tool_call_line(name: Any, arguments: Any, call_id: Any) -> str:
    """``[tool call get_weather {"city": "Paris"} id call_1]``: a tool call as ``render`` and ``diff`` show it."""
    if isinstance(arguments, str):  # OpenAI sends the arguments as JSON text
        try:
            arguments = json.loads(arguments)
        except ValueError:
            pass
    shown = json.dumps(arguments, ensure_ascii=False, sort_keys=True) if not isinstance(arguments, str) else arguments
    return f"[tool call {name} {shown} id {call_id}]"


def message_view(message: Mapping[str, Any]) -> tuple[str, str]:
    """``(header, text)`` of one message of a request body, for ``render`` and ``diff``.

    OpenAI's ``tool_calls`` are shown as ``[tool call ...]`` lines after the content, a ``tool`` message under
    ``--- tool (result of ID) ---``; other keys of the message go on the header line.
    """
    role = message.get("role", "?")
    extra = {k: v for k, v in message.items() if k not in ("role", "content", "tool_calls", "tool_call_id")}
    head = f"--- {role} ---" if role != "tool" else f"--- tool (result of {message.get('tool_call_id')}) ---"
    if extra:
        head += "  " + "  ".join(f"{k}={_value_text(v)}" for k, v in sorted(extra.items()))
    content = message.get("content")
    lines = [content_text(content)] if content not in (None, "") else []
    for call in message.get("tool_calls") or []:
        function = call.get("function") or {} if isinstance(call, Mapping) else {}
        lines.append(tool_call_line(function.get("name"), function.get("arguments"), call.get("id")))
    return head, "\n".join(lines)


def _breakpoint_note(control: Any) -> str:
    if control is None:
        return ""
    ttl = control.get("ttl") if isinstance(control, Mapping) else None
    return "\n[cache breakpoint" + (f" ttl {ttl}]" if ttl else "]")


def sample_variables(version: PromptVersion, root: Path) -> tuple[dict[str, Any], str | None]:
    """The prompt's own sample input: ``fixtures/<name>/sample.yaml`` (or ``.json``) under ``root``."""
    from promptctl.templating.variables import load_mapping

    for suffix in ("yaml", "yml", "json"):
        path = root / "fixtures" / version.name / f"sample.{suffix}"
        if path.is_file():
            return load_mapping(read_input_text(path, what="sample input"), str(path)), str(path)
    return {}, None


def diff_versions(
    old: PromptVersion,
    new: PromptVersion,
    *,
    providers: Sequence[str] = (),
    variables: Mapping[str, Any] | None = None,
    variables_source: str | None = None,
    config: ProjectConfig | None = None,
    strict_variables: bool = False,
) -> VersionDiff:
    """Compare two versions.

    Args:
        old: The first version (A).
        new: The second version (B).
        providers: Providers to render for; default the providers of both versions' front matter
            (or ``openai`` when neither names one).
        variables: Values to render both with.
        variables_source: Where ``variables`` came from, for the report.
        config: Project config for provider/model precedence.
        strict_variables: Raise, instead of reporting, when a version cannot render because a variable
            is missing (the caller had no variables to give).

    Returns:
        The :class:`VersionDiff`. A version that cannot be rendered (e.g. a new required variable) is
        reported in ``error_old``/``error_new`` rather than raised.

    Raises:
        UndefinedVariableError: ``strict_variables`` and a version reads a variable that was not given.
    """
    from promptctl.registry.frontmatter import split_front_matter

    result = VersionDiff(
        old=old.display,
        new=new.display,
        variables=dict(variables or {}),
        variables_source=variables_source,
        front_matter=front_matter_changes(old, new),
        template=unified(split_front_matter(old.text)[1], split_front_matter(new.text)[1],  # literal bodies as written
                         f"{old.display} template", f"{new.display} template"),
    )
    chosen = list(providers) or sorted({p for p in (old.front_matter.provider, new.front_matter.provider) if p})
    for provider in chosen or ["openai"]:
        result.requests.append(_request_diff(old, new, provider, result.variables, config, strict_variables))
    return result


def _request_diff(
    old: PromptVersion, new: PromptVersion, provider: str, variables: dict[str, Any], config: ProjectConfig | None,
    strict_variables: bool = False,
) -> RequestDiff:
    from promptctl.adapters import build_request
    from promptctl.errors import UndefinedVariableError

    rendered: list[tuple[str, Any, str | None]] = []
    missing: list[str] = []
    for version in (old, new):
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # extra-variable warnings are not about the diff
                request = build_request(version.front_matter, version.prompt(variables), provider=provider,
                                            config=config, where=version.display)
            rendered.append((request_text(request.body), request, None))
        except PromptctlError as exc:
            if strict_variables and isinstance(exc, UndefinedVariableError):
                raise
            if isinstance(exc, UndefinedVariableError):
                # rendering stops at the first missing name: name every required one at once
                needed = [n for n, s in version.front_matter.variables.items() if s.required and n not in variables]
                missing = list(dict.fromkeys([*missing, exc.variable, *needed]))
            rendered.append(("", None, _own_error(exc, version)))
    (text_a, req_a, err_a), (text_b, req_b, err_b) = rendered
    tokens_a, tokens_b, exact, cost_a, cost_b, out_a, out_b = _tokens_and_cost(req_a, req_b, config)
    return RequestDiff(
        provider=provider,
        model_old=req_a.model if req_a else None,
        model_new=req_b.model if req_b else None,
        diff=unified(text_a, text_b, f"{old.display} {provider}", f"{new.display} {provider}")
        if req_a and req_b
        else "",
        error_old=err_a,
        error_new=err_b,
        body_old=req_a.body if req_a else None,
        body_new=req_b.body if req_b else None,
        input_tokens_old=tokens_a,
        input_tokens_new=tokens_b,
        tokens_exact=exact,
        cost_old_usd=cost_a,
        cost_new_usd=cost_b,
        output_tokens_old=out_a,
        output_tokens_new=out_b,
        missing_variables=missing,
    )


def _own_error(exc: PromptctlError, version: PromptVersion) -> str:
    """An error message without the version's own reference (``hello@2: line 3: x`` -> ``line 3: x``)."""
    message = exc.message
    rest = message.removeprefix(version.display)
    if rest != message and rest[:1] in (" ", ":"):
        message = rest.lstrip(" :") or message
    return message


def _tokens_and_cost(
    req_a: Any, req_b: Any, config: ProjectConfig | None
) -> tuple[int | None, int | None, bool, float | None, float | None, int | None, int | None]:
    """Input tokens, estimated USD per call and the output tokens it assumes, of each request.

    Returns:
        ``(input_a, input_b, exact, usd_a, usd_b, output_a, output_b)`` (see :func:`promptctl.tokens.estimate_request`).
    """
    from promptctl.tokens import estimate_request

    out: list[Any] = []
    exact = True
    for request in (req_a, req_b):
        if request is None:
            out.extend([None, None, None])
            exact = False
            continue
        estimate = estimate_request(request, config=config)
        out.extend([estimate.input_tokens, estimate.expected_usd, estimate.output_expected])
        exact = exact and estimate.exact
    return out[0], out[3], exact, out[1], out[4], out[2], out[5]
