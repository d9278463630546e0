"""Lazy, guarded import of provider SDKs."""

from __future__ import annotations

import importlib
from types import ModuleType

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
