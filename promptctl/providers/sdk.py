"""Lazy, guarded import of provider SDKs."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from types import ModuleType
from typing import Any

from promptctl.errors import InputError

# What to install per SDK: the pinned requirement of promptctl's extra (pyproject.toml). The distribution is
# not on PyPI under the name promptctl (README "Install"), so hints name the SDK itself, never `promptctl[...]`.
_EXTRAS = {"ibm_watsonx_ai": ("ibm-watsonx-ai==1.8.1", "watsonx")}


def require(module: str, provider: str) -> ModuleType:
    """Import an SDK module on first use.

    Args:
        module: Module to import, e.g. ``openai`` or ``ibm_watsonx_ai.foundation_models``.
        provider: Provider name for the error message.

    Raises:
        InputError: The SDK is not installed; the hint names the extra to install (exit 2).
    """
    try:
        return importlib.import_module(module)
    except ImportError:
        top = module.split(".")[0]
        requirement, extra = _EXTRAS.get(top, (top, ""))
        where = f' (or pip install -e ".[{extra}]" in a clone of promptctl)' if extra else ""
        raise InputError(
            f"provider '{provider}' needs the '{top}' package, which is not installed",
            hint=f"pip install '{requirement}'{where}; see the README, Install",
        ) from None


_accepted: dict[Any, frozenset[str] | None] = {}


def sdk_arguments(create: Callable[..., Any], kwargs: dict[str, Any]) -> dict[str, Any]:
    """``kwargs`` for an SDK's ``create`` method, with the keys it takes no argument for moved into ``extra_body``.

    The adapters pass a parameter the front matter names but the SDK does not type (a misspelt ``temprature``,
    a compatible server's ``top_k``) through to the provider; as a keyword argument the SDK would refuse it with
    a ``TypeError`` before anything is sent, so it travels in ``extra_body`` (the SDKs' documented way to send
    undocumented parameters, merged into the JSON body) and the provider answers it. The method's parameters
    are read once per function (:func:`inspect.signature`).

    Args:
        create: The bound SDK method (``client.chat.completions.create``, ``client.messages.create``).
        kwargs: The request's keyword arguments (``ProviderRequest.kwargs``).

    Returns:
        ``kwargs`` itself when every key is an argument of ``create``, else a copy with the others in
        ``extra_body`` (keys already there win).
    """
    function = getattr(create, "__func__", create)
    if function not in _accepted:
        import inspect

        try:
            parameters = inspect.signature(create).parameters
        except (TypeError, ValueError):
            _accepted[function] = None
        else:
            open_ended = any(p.kind is inspect.Parameter.VAR_KEYWORD for p in parameters.values())
            _accepted[function] = None if open_ended else frozenset(parameters)
    accepted = _accepted[function]
    if accepted is None or all(key in accepted for key in kwargs):
        return kwargs
    extra = {key: value for key, value in kwargs.items() if key not in accepted}
    moved = {key: value for key, value in kwargs.items() if key in accepted}
    moved["extra_body"] = {**extra, **(kwargs.get("extra_body") or {})}
    return moved
