"""promptctl: versioned prompts, rendered per provider, run, recorded and pinned.

The public Python API. Everything an application needs is importable from here;
the submodules are implementation detail. No provider SDK is imported until a
call needs it.

Example::

    import promptctl

    registry = promptctl.Registry("prompts")
    version = registry.get("support-agent@production")
    request = promptctl.render(version, "anthropic", customer_message="My site is down")
    client.messages.create(**request.kwargs)          # your own SDK client
    result = promptctl.run(version, {"customer_message": "My site is down"})  # or let promptctl call it
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

__all__ = [
    "AdapterError",
    "BudgetExceeded",
    "CheckFailed",
    "Completion",
    "CredentialsError",
    "ExitCode",
    "FakeProvider",
    "FrontMatterError",
    "InputError",
    "IntegrityError",
    "Message",
    "Prompt",
    "PromptVersion",
    "PromptctlError",
    "PromptctlWarning",
    "Provider",
    "ProviderError",
    "ProviderRequest",
    "ReferenceNotFound",
    "Registry",
    "Result",
    "RunStore",
    "Section",
    "StructuredOutputError",
    "TemplateError",
    "TemplateSecurityError",
    "TokenizerError",
    "UndefinedVariableError",
    "Usage",
    "VariableError",
    "__version__",
    "adapt",
    "arun",
    "get_provider",
    "load_config",
    "render",
    "run",
]

_LAZY = {
    "AdapterError": "promptctl.errors",
    "BudgetExceeded": "promptctl.errors",
    "CheckFailed": "promptctl.errors",
    "StructuredOutputError": "promptctl.errors",
    "TokenizerError": "promptctl.errors",
    "CredentialsError": "promptctl.errors",
    "ExitCode": "promptctl.errors",
    "FrontMatterError": "promptctl.errors",
    "InputError": "promptctl.errors",
    "IntegrityError": "promptctl.errors",
    "PromptctlError": "promptctl.errors",
    "ProviderError": "promptctl.errors",
    "ReferenceNotFound": "promptctl.errors",
    "TemplateError": "promptctl.errors",
    "TemplateSecurityError": "promptctl.errors",
    "UndefinedVariableError": "promptctl.errors",
    "VariableError": "promptctl.errors",
    "Registry": "promptctl.registry.registry",
    "PromptVersion": "promptctl.registry.registry",
    "Message": "promptctl.templating.prompt",
    "Prompt": "promptctl.templating.prompt",
    "Section": "promptctl.templating.prompt",
    "PromptctlWarning": "promptctl.templating",
    "ProviderRequest": "promptctl.types",
    "adapt": "promptctl.adapters",
    "Provider": "promptctl.providers.base",
    "Completion": "promptctl.types",
    "Usage": "promptctl.types",
    "get_provider": "promptctl.providers",
    "FakeProvider": "promptctl.providers.fake",
    "Result": "promptctl.session.run",
    "arun": "promptctl.session.run",
    "run": "promptctl.session.run",
    "render": "promptctl.session.run",
    "RunStore": "promptctl.store.runs",
    "load_config": "promptctl.config",
}

if TYPE_CHECKING:
    from promptctl.adapters import adapt
    from promptctl.config import load_config
    from promptctl.errors import (
        AdapterError,
        BudgetExceeded,
        CheckFailed,
        CredentialsError,
        ExitCode,
        FrontMatterError,
        InputError,
        IntegrityError,
        PromptctlError,
        ProviderError,
        ReferenceNotFound,
        StructuredOutputError,
        TemplateError,
        TemplateSecurityError,
        TokenizerError,
        UndefinedVariableError,
        VariableError,
    )
    from promptctl.providers import get_provider
    from promptctl.providers.base import Provider
    from promptctl.providers.fake import FakeProvider
    from promptctl.registry.registry import PromptVersion, Registry
    from promptctl.session.run import Result, arun, render, run
    from promptctl.store.runs import RunStore
    from promptctl.templating import PromptctlWarning
    from promptctl.templating.prompt import Message, Prompt, Section
    from promptctl.types import Completion, ProviderRequest, Usage


def __getattr__(name: str) -> Any:
    """Import public names on first use, so ``import promptctl`` stays cheap (PEP 562)."""
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'promptctl' has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
