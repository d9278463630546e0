"""Small, pure edits of an adapted provider request (kwargs and wire body kept in step), for the executors.

They are provider wire knowledge (where each API takes its temperature and other body values), so they live
with the adapters that wrote the request, not in the executors that ask for the edit.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from promptctl.types import ProviderRequest


def with_temperature(request: ProviderRequest, temperature: float | None, salt: str) -> ProviderRequest:
    """A copy of ``request`` with ``cache_salt`` and (unless None) the sampling temperature set in kwargs and body."""
    kwargs, body = dict(request.kwargs), dict(request.body)
    params = dict(request.parameters)
    if temperature is not None:
        params["temperature"] = temperature
        if request.provider == "anthropic":
            kwargs["extra_body"] = {**kwargs.get("extra_body", {}), "temperature": temperature}
            body["temperature"] = temperature
        elif request.provider == "watsonx":
            kwargs["params"] = {**(kwargs.get("params") or {}), "temperature": temperature}
            body["temperature"] = temperature
        else:
            kwargs["temperature"] = body["temperature"] = temperature
    return dataclasses.replace(request, kwargs=kwargs, body=body, parameters=params, cache_salt=salt)


def with_model(request: ProviderRequest, model: str) -> ProviderRequest:
    """A copy of ``request`` for another model of the same provider."""
    kwargs, body = dict(request.kwargs), dict(request.body)
    for container in (kwargs, body):
        if "model" in container:
            container["model"] = model
        if "model_id" in container:
            container["model_id"] = model
    return dataclasses.replace(request, model=model, kwargs=kwargs, body=body)


def with_body(request: ProviderRequest, **values: Any) -> ProviderRequest:
    """A copy of ``request`` with top-level body values set (watsonx: in ``params``)."""
    kwargs, body = dict(request.kwargs), dict(request.body)
    if request.provider == "watsonx":
        kwargs["params"] = {**(kwargs.get("params") or {}), **values}
    else:
        kwargs.update(values)
    body.update(values)
    return dataclasses.replace(request, kwargs=kwargs, body=body)


def with_messages(request: ProviderRequest, messages: list[dict[str, Any]]) -> ProviderRequest:
    """A copy of ``request`` with another message list."""
    kwargs, body = dict(request.kwargs), dict(request.body)
    kwargs["messages"] = messages
    body["messages"] = messages
    return dataclasses.replace(request, kwargs=kwargs, body=body)


def append_user_text(request: ProviderRequest, text: str) -> ProviderRequest:
    """A copy of ``request`` with ``text`` appended (after a blank line) to its last user message.

    Content given as blocks (a cache breakpoint, media, tool results) gets a text block at its end.
    """
    messages = [dict(m) for m in request.body.get("messages", [])]
    for message in reversed(messages):
        if message.get("role") != "user":
            continue
        content = message.get("content")
        if isinstance(content, str):
            message["content"] = f"{content}\n\n{text}"
            break
        if isinstance(content, list):
            message["content"] = [*content, {"type": "text", "text": text}]
            break
    return with_messages(request, messages)
