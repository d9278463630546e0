"""Structured output: an answer validated against a schema, with validation errors fed back and bounded retries.

The schema comes from :func:`promptctl.executors.schema.output_model` (front matter JSON Schema or a
pydantic model by import path). Three modes (``mode`` option, default ``auto``):

- ``instructor`` (what ``auto`` picks): instructor 1.17 (``instructor.patch(create=..., mode=...,
  provider=...)``) builds the schema-forcing request, parses, validates and re-asks with the
  validation error (see ../shared/docs/providers.md section 5). Modes per provider: OpenAI and the
  fake provider ``Mode.TOOLS`` (a forced function call); Anthropic ``Mode.TOOLS`` with
  ``Provider.ANTHROPIC`` (a forced ``tool_use``); watsonx ``Mode.JSON`` over the Chat API
  (``response_format: json_object`` plus the schema in a system message), the documented route that
  needs no LiteLLM. The ``create`` function instructor calls is promptctl's own provider call, so every
  attempt goes through the official SDK client, the response cache, the ``--max-cost`` check and the
  run store like any other call.
- ``native``: the provider's own JSON mode plus the manual loop below. OpenAI (and OpenAI-compatible
  servers): ``response_format: {type: json_schema, json_schema: {name, schema, strict}}``
  (``strict`` option, default false: strict mode needs every object closed and every property
  required). watsonx: ``response_format: {type: json_object}``. Anthropic has none: ``native`` falls
  back to ``manual`` with a warning.
- ``manual``: the prompt as written (its output-format section asks for JSON); the reply is parsed
  (code fences and text around the outermost ``{...}``/``[...]`` are ignored), validated, and on
  failure the reply and the errors are appended to the conversation (assistant turn, then a user
  turn with the errors) and the model is asked again.

Retries: ``max_retries`` (default 3) retries after the first attempt, so at most 1 + max_retries
calls. Usage and cost add up over all attempts (each is a recorded call). When no attempt validates,
:class:`~promptctl.errors.StructuredOutputError` (exit 3) carries the attempt count, the last raw
output and every attempt's error. Provider errors and ``BudgetExceeded`` pass through unchanged.

Options: ``mode``, ``max_retries``, ``strict``, ``schema_in_prompt`` (append "Reply with one JSON
object matching this JSON Schema: ..." to the last user message; default false, the template is
expected to say it), ``model``, ``schema``, ``name`` (see :mod:`promptctl.executors.schema`).

Result: ``parsed`` (the validated object, JSON-ready), ``output`` (it as JSON text),
``details["structured"]`` {mode, attempts, errors, schema, name}.
"""

from __future__ import annotations

import dataclasses
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from promptctl.adapters.edits import append_user_text, with_messages
from promptctl.errors import InputError, PromptctlError, StructuredOutputError
from promptctl.executors.base import CallContext, ExecutorResult
from promptctl.executors.schema import OutputModel, dump, error_text
from promptctl.types import Completion, ProviderRequest

DEFAULT_RETRIES = 3
FEEDBACK = ("Your reply did not match the required output schema:\n{errors}\n\n"
            "Reply again with only the corrected JSON object and nothing else.")
SCHEMA_INSTRUCTION = "Reply with one JSON object matching this JSON Schema, and nothing else:\n{schema}"


@dataclass(frozen=True)
class StructuredOptions:
    """Structured-output settings (see the module docstring)."""

    mode: str = "auto"
    max_retries: int = DEFAULT_RETRIES
    strict: bool = False
    schema_in_prompt: bool = False

    @classmethod
    def from_options(cls, options: Mapping[str, Any], *, where: str = "strategy structured") -> StructuredOptions:
        """Read ``mode``, ``max_retries``, ``strict`` and ``schema_in_prompt``.

        Raises:
            InputError: An unknown mode or a negative ``max_retries``.
        """
        mode = options.get("mode", "auto")
        if mode not in ("auto", "instructor", "native", "manual"):
            raise InputError(f"{where}: mode must be auto, instructor, native or manual, not {mode!r}")
        retries = options.get("max_retries", DEFAULT_RETRIES)
        if isinstance(retries, bool) or not isinstance(retries, int) or retries < 0:
            raise InputError(f"{where}: max_retries must be an integer >= 0, not {retries!r}")
        return cls(mode=mode, max_retries=retries, strict=bool(options.get("strict", False)),
                   schema_in_prompt=bool(options.get("schema_in_prompt", False)))


async def run_structured(
    request: ProviderRequest, ctx: CallContext, options: StructuredOptions, out: OutputModel, *, prefix: str = ""
) -> ExecutorResult:
    """Get a schema-valid answer (see the module docstring).

    Args:
        request: The prepared request.
        ctx: Call context.
        options: Settings.
        out: The output model and schema.
        prefix: Prepended to each attempt's call tag (``sample:2/`` inside self-consistency).

    Returns:
        The result with ``parsed``.

    Raises:
        StructuredOutputError: No attempt validated (exit 3).
        ProviderError, BudgetExceeded: A call failed or was refused.
        InputError: ``instructor`` mode with a schema whose top level is not an object.
    """
    start = ctx.mark()
    mode = effective_mode(options, request.provider)
    notes: list[str] = []
    if mode != options.mode and options.mode == "native":
        notes.append("structured output: Claude has no native JSON mode; used the manual parse-validate-repair loop")
    if mode == "instructor":
        parsed, attempts = await _via_instructor(request, ctx, options, out, prefix)
    else:
        parsed, attempts = await _loop(request, ctx, options, out, prefix, native=mode == "native")
    result = ExecutorResult(output=json.dumps(parsed, ensure_ascii=False), parsed=parsed, request=request,
                            calls=ctx.calls_since(start), warnings=notes)
    result.details["structured"] = {"mode": mode, "attempts": len(attempts), "errors": [a["error"] for a in attempts],
                                    "schema": out.source, "name": out.name}
    return result


# -- manual and native ---------------------------------------------------------------------------
def parse_json(text: str) -> Any:
    """Parse a reply as JSON, ignoring code fences and text around the outermost object or array.

    Raises:
        ValueError: No JSON value could be parsed (the message says why).
    """
    body = text.strip()
    fenced = re.search(r"```(?:json)?\s*(.*?)```", body, re.DOTALL | re.IGNORECASE)
    if fenced:
        body = fenced.group(1).strip()
    try:
        return json.loads(body)
    except (ValueError, RecursionError):  # RecursionError: a reply nested too deeply
        pass
    starts = [i for i in (body.find("{"), body.find("[")) if i >= 0]
    if starts:
        first = min(starts)
        last = body.rfind("}" if body[first] == "{" else "]")
        if last > first:
            try:
                return json.loads(body[first : last + 1])
            except (ValueError, RecursionError) as exc:
                raise ValueError(f"the reply is not valid JSON: {exc}") from None
    raise ValueError("the reply holds no JSON object")


def effective_mode(options: StructuredOptions, provider: str) -> str:
    """The mode a run uses: ``auto`` is ``instructor``; ``native`` on Claude (no JSON mode) is ``manual``."""
    mode = "instructor" if options.mode == "auto" else options.mode
    return "manual" if mode == "native" and provider == "anthropic" else mode


def first_request(request: ProviderRequest, options: StructuredOptions, out: OutputModel) -> ProviderRequest:
    """The first request a structured-output run sends for ``request``: the schema added as its mode adds it.

    For the cost estimate (the schema is input: about 400 tokens for ``invoice-extraction``'s). Manual mode:
    the request itself (plus the schema instruction with ``schema_in_prompt``); native: the provider's JSON mode
    (:func:`native_format`); instructor: the keyword arguments instructor's own patched ``create`` builds (its
    tools or JSON-mode messages), captured without a call. No network.

    Raises:
        InputError: ``instructor`` mode with a schema whose top level is not an object.
        CredentialsError: instructor is not installed (it is a dependency of promptctl).
    """
    mode = effective_mode(options, request.provider)
    if mode == "instructor":
        return _instructor_first_request(request, options, out)
    return _first_attempt(request, options, out, native=mode == "native")


def _first_attempt(request: ProviderRequest, options: StructuredOptions, out: OutputModel, *,
                   native: bool) -> ProviderRequest:
    current = native_format(request, out, strict=options.strict) if native else request
    if options.schema_in_prompt:
        current = append_user_text(current, SCHEMA_INSTRUCTION.format(schema=json.dumps(out.schema, indent=2)))
    return current


async def _loop(
    request: ProviderRequest, ctx: CallContext, options: StructuredOptions, out: OutputModel, prefix: str,
    *, native: bool,
) -> tuple[Any, list[dict[str, Any]]]:
    current = _first_attempt(request, options, out, native=native)
    attempts: list[dict[str, Any]] = []
    for number in range(1, options.max_retries + 2):
        completion = await ctx.call(current, tag=f"{prefix}attempt:{number}")
        text = completion.text
        try:
            parsed = out.validate(parse_json(text))
        except ValueError as exc:  # json errors and pydantic.ValidationError alike
            attempts.append({"output": text, "error": error_text(exc)})
            current = with_feedback(current, text, error_text(exc))
            continue
        attempts.append({"output": text, "error": None})
        return parsed, attempts
    raise _exhausted(request, attempts)


def native_format(request: ProviderRequest, out: OutputModel, *, strict: bool) -> ProviderRequest:
    """The request with the provider's JSON mode switched on (OpenAI json_schema, watsonx json_object)."""
    if request.provider in ("openai", "fake"):
        value: dict[str, Any] = {"type": "json_schema",
                                 "json_schema": {"name": out.name, "schema": out.schema, "strict": strict}}
    elif request.provider == "watsonx":
        value = {"type": "json_object"}
    else:
        return request
    kwargs, body = dict(request.kwargs), dict(request.body)
    if request.provider == "watsonx":
        kwargs["params"] = {**(kwargs.get("params") or {}), "response_format": value}
    else:
        kwargs["response_format"] = value
    body["response_format"] = value
    return dataclasses.replace(request, kwargs=kwargs, body=body)


def with_feedback(request: ProviderRequest, reply: str, errors: str) -> ProviderRequest:
    """The conversation plus the failed reply (assistant) and the errors (user), ready for another attempt."""
    messages = [dict(m) for m in request.body.get("messages", [])]
    if messages and messages[-1].get("role") == "assistant":
        messages[-1]["content"] = reply  # a prefill: the reply already starts with it
    else:
        messages.append({"role": "assistant", "content": reply})
    messages.append({"role": "user", "content": FEEDBACK.format(errors=errors)})
    return with_messages(request, messages)


def _exhausted(request: ProviderRequest, attempts: list[dict[str, Any]]) -> StructuredOutputError:
    errors = [a["error"] or "" for a in attempts]
    last = errors[-1].splitlines()[0] if errors and errors[-1] else "no valid answer"
    return StructuredOutputError(
        f"structured output: no schema-valid answer after {len(attempts)} attempt(s); last error: {last}",
        provider=request.provider, attempts=len(attempts), last_output=attempts[-1]["output"] if attempts else None,
        errors=errors, outputs=[a["output"] for a in attempts],
        hint="see every attempt with --show-trace; raise the strategy's max_retries "
        "or make the prompt's output format clearer",
    )


# -- instructor ----------------------------------------------------------------------------------
async def _via_instructor(
    request: ProviderRequest, ctx: CallContext, options: StructuredOptions, out: OutputModel, prefix: str
) -> tuple[Any, list[dict[str, Any]]]:
    from promptctl.providers.sdk import require

    instructor = require("instructor", request.provider)
    core = require("instructor.core", request.provider)
    _check_instructor_schema(out)
    attempts: list[dict[str, Any]] = []
    parse_errors: list[str] = []

    async def create(*args: Any, **kwargs: Any) -> Any:
        call_request = _request_from_kwargs(request, kwargs)
        completion = await ctx.call(call_request, tag=f"{prefix}attempt:{len(attempts) + 1}", text_of=answer_text)
        attempts.append({"output": completion.text, "error": None})
        return sdk_response(call_request, completion)

    patched = instructor.patch(create=create, **_instructor_mode(instructor, request.provider))
    hooks = core.Hooks()
    hooks.on("parse:error", lambda error, **_: parse_errors.append(error_text(error)))
    try:
        value = await patched(response_model=out.model, max_retries=options.max_retries, hooks=hooks,
                              **_instructor_kwargs(request))
    except core.InstructorRetryException as exc:
        cause: BaseException | None = exc
        seen: set[int] = set()
        while cause is not None and id(cause) not in seen:  # a chain may loop back (e.__cause__ is e): stop there
            if isinstance(cause, PromptctlError):
                raise cause from None
            seen.add(id(cause))
            cause = cause.__cause__
        for attempt, error in zip(attempts, parse_errors, strict=False):
            attempt["error"] = error
        if not attempts:
            raise
        if attempts[-1]["error"] is None:
            attempts[-1]["error"] = error_text(exc)
        raise _exhausted(request, attempts) from None
    for attempt, error in zip(attempts, parse_errors, strict=False):
        attempt["error"] = error
    return dump(value), attempts


def _quiet_instructor_logs() -> None:
    """Keep instructor's "Max retries exceeded" log lines off stderr unless the application configured logging.

    A library's convention: a ``NullHandler`` on its logger stops Python's last-resort handler from
    printing; records still propagate to handlers the application installs.
    """
    import logging

    logger = logging.getLogger("instructor")
    if not any(isinstance(h, logging.NullHandler) for h in logger.handlers):
        logger.addHandler(logging.NullHandler())


def _check_instructor_schema(out: OutputModel) -> None:
    _quiet_instructor_logs()
    if out.schema.get("type", "object") != "object" or not isinstance(out.schema.get("properties"), dict):
        raise InputError("structured output through instructor needs an object schema with properties",
                         hint="use strategy mode: manual or native for other schemas")


def _instructor_mode(instructor: Any, provider: str) -> dict[str, Any]:
    """The ``mode`` and ``provider`` instructor uses for a promptctl provider (watsonx: JSON mode; else tools)."""
    if provider == "watsonx":
        return {"mode": instructor.Mode.JSON, "provider": instructor.Provider.OPENAI}
    if provider == "anthropic":
        return {"mode": instructor.Mode.TOOLS, "provider": instructor.Provider.ANTHROPIC}
    return {"mode": instructor.Mode.TOOLS, "provider": instructor.Provider.OPENAI}


class _Captured(Exception):  # noqa: N818 - not an error: carries the request instructor built
    def __init__(self, request: ProviderRequest) -> None:
        super().__init__("captured")
        self.request = request


def _instructor_first_request(request: ProviderRequest, options: StructuredOptions,
                              out: OutputModel) -> ProviderRequest:
    from promptctl.providers.sdk import require

    instructor = require("instructor", request.provider)
    _check_instructor_schema(out)

    def create(*args: Any, **kwargs: Any) -> Any:  # a synchronous create: instructor's wrapper is synchronous too
        raise _Captured(_request_from_kwargs(request, kwargs))

    patched = instructor.patch(create=create, **_instructor_mode(instructor, request.provider))
    try:
        patched(response_model=out.model, max_retries=0, **_instructor_kwargs(request))
    except Exception as exc:  # noqa: BLE001 - instructor may wrap the capture in its retry error
        cause: BaseException | None = exc
        while cause is not None:
            if isinstance(cause, _Captured):
                return cause.request
            cause = cause.__cause__ or cause.__context__
        raise
    raise AssertionError("instructor returned without calling create")  # pragma: no cover


def _instructor_kwargs(request: ProviderRequest) -> dict[str, Any]:
    """The request as the keyword arguments instructor's patched ``create`` takes."""
    if request.provider == "watsonx":
        return {"model": request.model, "messages": request.kwargs["messages"], **(request.kwargs.get("params") or {})}
    return dict(request.kwargs)


def _request_from_kwargs(base: ProviderRequest, kwargs: dict[str, Any]) -> ProviderRequest:
    """What instructor asks to send, as a provider request (wire body included) of ``base``'s provider."""
    kwargs = json.loads(json.dumps(kwargs, default=_jsonable))
    if base.provider == "watsonx":
        from promptctl.adapters.watsonx import WATSONX_CHAT_PARAMS

        params = {k: v for k, v in kwargs.items() if k in WATSONX_CHAT_PARAMS}
        call_kwargs = {"messages": kwargs["messages"], "params": params or None}
        body = {"model_id": base.model, "messages": kwargs["messages"], **params}
    else:
        call_kwargs = dict(kwargs)
        body = {k: v for k, v in kwargs.items() if k != "extra_body"}
        body.update(kwargs.get("extra_body") or {})
    return dataclasses.replace(base, kwargs=call_kwargs, body=body)


def _jsonable(value: Any) -> Any:
    if hasattr(value, "model_dump"):
        return value.model_dump(mode="json", exclude_none=True)
    return str(value)


def answer_text(completion: Completion) -> str:
    """The answer a completion holds: its text, else its first tool call's JSON arguments."""
    if completion.text.strip():
        return completion.text
    raw = completion.raw or {}
    for choice in raw.get("choices") or []:
        for call in (choice.get("message") or {}).get("tool_calls") or []:
            return str((call.get("function") or {}).get("arguments") or "")
    for block in raw.get("content") or []:
        if isinstance(block, dict) and block.get("type") == "tool_use":
            return json.dumps(block.get("input"), ensure_ascii=False)
    return completion.text


def sdk_response(request: ProviderRequest, completion: Completion) -> Any:
    """The completion as the SDK object instructor parses (OpenAI ``ChatCompletion`` or Anthropic ``Message``).

    Responses that carry no SDK payload (the fake provider, the response cache) are rebuilt from the
    text: as the forced tool call when the request forces one, else as text content.
    """
    raw = completion.raw or {}
    usage = completion.usage
    if request.provider == "anthropic":
        from anthropic.types import Message

        if raw.get("type") == "message":
            return Message.model_validate(raw)
        tool = (request.kwargs.get("tool_choice") or {}).get("name")
        block: dict[str, Any] = {"type": "text", "text": completion.text}
        if tool:
            try:
                block = {"type": "tool_use", "id": "toolu_promptctl", "name": tool,
                         "input": json.loads(completion.text)}
            except ValueError:
                pass
        return Message.model_validate({
            "id": completion.request_id or "msg_promptctl", "type": "message", "role": "assistant",
            "model": completion.model, "content": [block], "stop_reason": "end_turn", "stop_sequence": None,
            "usage": {"input_tokens": usage.input_tokens, "output_tokens": usage.output_tokens}})
    from openai.types.chat import ChatCompletion

    if raw.get("choices"):
        data = {"object": "chat.completion", "created": 0, "model": completion.model, **raw}
        data.setdefault("id", completion.request_id or "chatcmpl-promptctl")
        return ChatCompletion.model_validate(data)
    message: dict[str, Any] = {"role": "assistant", "content": completion.text}
    forced = ((request.kwargs.get("tool_choice") or {}).get("function") or {}).get("name")
    if forced:
        message = {"role": "assistant", "content": None, "tool_calls": [
            {"id": "call_promptctl", "type": "function", "function": {"name": forced, "arguments": completion.text}}]}
    return ChatCompletion.model_validate({
        "id": completion.request_id or "chatcmpl-promptctl", "object": "chat.completion", "created": 0,
        "model": completion.model, "choices": [{"index": 0, "message": message, "finish_reason": "stop"}],
        "usage": {"prompt_tokens": usage.input_tokens, "completion_tokens": usage.output_tokens,
                  "total_tokens": usage.input_tokens + usage.output_tokens}})


def structured_sampler(out: OutputModel, options: StructuredOptions, vote_field: str | None) -> Any:
    """A self-consistency sampler whose samples are structured outputs (a failed sample counts as no answer)."""
    from promptctl.executors.consistency import SampleOutcome, parsed_answer

    async def sample(request: ProviderRequest, index: int, ctx: CallContext) -> SampleOutcome:
        try:
            result = await run_structured(request, ctx, options, out, prefix=f"sample:{index}/")
        except StructuredOutputError as exc:
            return SampleOutcome(index, exc.last_output or "", None)
        return SampleOutcome(index, result.output, parsed_answer(result.parsed, vote_field), parsed=result.parsed)

    return sample
