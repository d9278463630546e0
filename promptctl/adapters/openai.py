"""Adapter for OpenAI's Chat Completions API and OpenAI-compatible servers (Ollama, vLLM, llama.cpp).

System messages stay in place as ``system`` messages, or become ``developer``
messages for reasoning models (o1, o3, o4, gpt-5 families), whose profiles say
so; sections become markdown headings. The output-token ceiling is sent under
the profile's ``max_tokens_param`` (``max_completion_tokens`` for reasoning
models, ``max_tokens`` otherwise, which local servers also understand).

Media (openai 3.3.0 ``chat_completion_content_part_image_param.py`` and
``chat_completion_content_part_param.py``): an image is an ``image_url`` part whose ``url`` is a base64
data URL or the ``https`` URL given, with ``detail`` (``low``/``high``/``auto``, default ``auto``, from the
tag's ``detail=`` option); a PDF is a ``file`` part with ``file_data`` (a base64 data URL) and
``filename`` (the tag's ``title=``, else the file's name). A message with media has a list of parts;
a text-only message keeps a plain string.
"""

from __future__ import annotations

from pathlib import PurePosixPath
from typing import Any

from promptctl.adapters.base import Segment, cache_prefix_messages, chat_messages, check_media, data_url
from promptctl.adapters.profiles import ModelProfile, parameter_notes
from promptctl.adapters.reasoning import openai_reasoning, reasoning_of
from promptctl.adapters.tools import openai_tools
from promptctl.templating.prompt import Media, Prompt
from promptctl.types import ProviderRequest


def openai_request(prompt: Prompt, model: str, params: dict[str, Any], profile: ModelProfile, *,
                   where: str = "prompt") -> ProviderRequest:
    """Build the ``chat.completions.create`` keyword arguments for an OpenAI (compatible) model.

    Every parameter is sent as is; the request's ``warnings`` name a parameter the model refuses
    (``temperature`` on a reasoning model) and a key that is not a Chat Completions parameter (with a
    "did you mean"; compatible servers take extra keys such as ``top_k``, which the provider sends in
    ``extra_body``: :func:`promptctl.providers.sdk.sdk_arguments`). The prompt's tools go in as
    ``tools``/``tool_choice``/``parallel_tool_calls`` and ``reasoning`` as ``reasoning_effort``
    (:mod:`promptctl.adapters.tools`, :mod:`promptctl.adapters.reasoning`).

    Raises:
        AdapterError: Tool calls and results out of turn, reasoning asked of a model without it, or media the
            model cannot take (:func:`~promptctl.adapters.base.check_media`).
    """
    check_media(prompt, profile, model, where)
    body: dict[str, Any] = {"model": model, "messages": chat_messages(prompt, profile, openai_content, where=where)}
    if prompt.tools is not None:
        body.update(openai_tools(prompt.tools))
    reasoning = reasoning_of(params, where)
    extra_notes: list[str] = []
    for key, value in params.items():
        if key == "reasoning":
            continue
        body[profile.max_tokens_param if key == "max_tokens" else key] = value
    if reasoning is not None:
        settings, extra_notes = openai_reasoning(reasoning, model, profile, where)
        body.update(settings)
    notes = tuple(parameter_notes(profile.provider, model, profile,
                                  {k: v for k, v in params.items() if k != "reasoning"})) + tuple(extra_notes)
    return ProviderRequest(
        provider="openai", model=model, kwargs=dict(body), body=body, parameters=params, warnings=notes,
        cache_prefix=prefix_body(body, cache_prefix_messages(prompt, profile, openai_content)),
    )


def prefix_body(body: dict[str, Any], messages: list[dict[str, Any]] | None) -> dict[str, Any] | None:
    """The cached prefix of a chat body: its model and tools (which come first) and ``messages``; None without."""
    if messages is None:
        return None
    return {k: v for k, v in body.items() if k in ("model", "model_id", "tools")} | {"messages": messages}


def openai_content(segments: list[Segment]) -> str | list[dict[str, Any]]:
    """A message with media as Chat Completions content: ``text``, ``image_url`` and ``file`` parts, in order.

    The one place this adapter turns segments (:func:`~promptctl.adapters.base.message_segments`) into
    content parts; cache breakpoints put nothing on the wire (OpenAI caches prefixes automatically).
    """
    parts: list[dict[str, Any]] = []
    for segment in segments:
        if isinstance(segment, str):
            parts.append({"type": "text", "text": segment})
        elif isinstance(segment, Media):
            parts.append(openai_media_part(segment))
    return parts


def openai_media_part(part: Media) -> dict[str, Any]:
    """The Chat Completions part of one image (``image_url``) or PDF (``file``)."""
    if part.kind == "image":
        return {"type": "image_url", "image_url": {"url": data_url(part), "detail": part.option("detail", "auto")}}
    name = part.option("title") or PurePosixPath(part.source).name or f"{part.variable}.pdf"
    if not name.lower().endswith(".pdf"):
        name += ".pdf"
    return {"type": "file", "file": {"filename": name, "file_data": data_url(part)}}
