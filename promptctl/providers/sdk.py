"""Lazy, guarded import of provider SDKs."""

from __future__ import annotations

import importlib
from types import ModuleType

from promptctl.errors import InputError

_EXTRAS = {"ibm_watsonx_ai": "promptctl[watsonx]"}


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
        extra = _EXTRAS.get(top, "promptctl")
        raise InputError(
            f"provider '{provider}' needs the '{top}' package, which is not installed",
            hint=f"pip install '{extra}'",
        ) from None
