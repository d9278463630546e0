"""Adapters: provider-neutral :class:`~promptctl.templating.Prompt` -> the provider SDK's call arguments.

Each adapter is a pure function (no I/O, no SDK import). Which one runs, and the
model's facts it reads, come from :mod:`promptctl.adapters.profiles`.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Protocol

from promptctl.adapters.anthropic import anthropic_request
from promptctl.adapters.openai import openai_request
from promptctl.adapters.profiles import DEFAULT_MODELS, ModelProfile, call_timeout_s, profile, provider_of_model
from promptctl.adapters.watsonx import watsonx_request
from promptctl.errors import AdapterError, InputError
from promptctl.templating.prompt import Prompt
from promptctl.types import PROVIDERS, ProviderRequest, check_provider

if TYPE_CHECKING:
    from promptctl.config import ProjectConfig

__all__ = [
    "ModelProfile", "PromptDefaults", "ProviderRequest", "adapt", "build_request", "check_model", "parse_target",
    "profile", "resolve_target",
]


class _Parameters(Protocol):
    def as_dict(self) -> dict[str, Any]: ...


class PromptDefaults(Protocol):
    """What choosing a target and building a request read of a prompt: its front matter's defaults.

    A version's ``front_matter`` (:class:`promptctl.registry.frontmatter.FrontMatter`) is one.
    """

    @property
    def provider(self) -> str | None:
        """The provider the prompt is written for, or None."""

    @property
    def model(self) -> str | None:
        """Its model for that provider, or None."""

    @property
    def models(self) -> Mapping[str, str]:
        """A model per other provider."""

    @property
    def parameters(self) -> _Parameters:
        """Call parameters (``as_dict()``: only those set)."""

    @property
    def reasoning(self) -> _Parameters | None:
        """Reasoning settings (``reasoning:``), or None."""


def resolve_target(
    defaults: PromptDefaults,
    provider: str | None = None,
    model: str | None = None,
    config: ProjectConfig | None = None,
    *,
    where: str = "prompt",
) -> tuple[str, str]:
    """Choose the provider and model for a call.

    ``model`` is a model id or ``provider:model`` (``openai:gpt-4.1-mini``). The provider is, first found:
    the ``provider:`` prefix of ``model``; ``provider`` (``--provider``); the project config's ``provider``;
    the provider a bare model id clearly belongs to (``gpt-*``, ``o1``/``o3``/``o4``, ``chatgpt-*``,
    ``ft:gpt-*``, ``text-*``: openai; ``claude-*``: anthropic; ``ibm/*``, ``meta-llama/*``, ``mistralai/*``:
    watsonx; see :func:`parse_target`); the version's front matter ``provider``. So ``--model gpt-4.1-mini`` on
    a prompt written for Anthropic goes to OpenAI, while ``--provider openai --model llama3.2`` (a local
    OpenAI-compatible server) is taken as given.
    The model for provider P is: ``model``; else config ``[models] P``; else config ``model`` when config
    ``provider`` is P; else the front matter's ``model`` when its ``provider`` is P; else front matter
    ``models.P``; else :data:`~promptctl.adapters.profiles.DEFAULT_MODELS` [P].

    Args:
        defaults: The prompt's front matter (``version.front_matter``).
        provider: ``--provider``, or None.
        model: ``--model`` (a model id or ``provider:model``), or None.
        config: The project config, or None.
        where: The reference errors name (``version.display``).

    Returns:
        ``(provider, model)``.

    Raises:
        InputError: No provider is named anywhere, or an unknown provider is named (with a suggestion), also
            as the prefix of ``model`` (``opnai:gpt-4.1``); a ``model`` no provider's table knows and whose id
            names no provider (``gtp-4o``).
        AdapterError: ``model`` is a near miss of a known id of its provider (``gpt-4.1-mni``) and the provider
            was not named (``--model openai:gpt-4.1-mni`` or ``--provider`` sends it with a warning).
    """
    fm = defaults
    explicit = provider is not None or (model is not None and model.partition(":")[0] in PROVIDERS)
    named, model = parse_target(model, provider, configured=config.provider if config else None)
    if model and named is None:
        named = _provider_of_unknown_model(model, config)
    elif model and named is not None and model != fm.model and model not in fm.models.values():
        check_model(named, model, config, named_provider=explicit)  # a typed --model (the front matter's are linted)
    chosen: str | None = named or fm.provider
    if chosen is None:
        raise InputError(
            f"{where}: no provider chosen",
            hint="add 'provider:' to the front matter, or pass --provider openai|anthropic|watsonx",
        )
    name: str = check_provider(chosen)
    if model:
        return name, model
    if config is not None:
        if name in config.models:
            return name, config.models[name]
        if config.model and config.provider == name:
            return name, config.model
    if fm.model and fm.provider == name:
        return name, fm.model
    if name in fm.models:
        return name, fm.models[name]
    return name, DEFAULT_MODELS[name]


def _configured_models(config: ProjectConfig | None) -> dict[str, str]:
    """``{model: provider}`` of the models a project config names (``[models]``, ``[prices."provider:model"]``)."""
    if config is None:
        return {}
    named = {model: provider for provider, model in config.models.items()}
    named |= {key.partition(":")[2]: key.partition(":")[0] for key in config.prices if ":" in key}
    if config.model and config.provider:
        named[config.model] = config.provider
    return named


def _provider_of_unknown_model(model: str, config: ProjectConfig | None) -> str:
    """The provider of a ``--model`` id that neither names nor implies one (``davinci``, ``gtp-4o``).

    Never falls back to the prompt's provider: a model id promptctl does not know is a typo or needs its provider
    named (``--model openai:llama3.2`` for a local OpenAI-compatible server).

    Raises:
        InputError: The id is unknown; the hint is a "did you mean" from the known ids, or how to name the provider.
    """
    from promptctl.adapters.profiles import is_known_model, model_suggestion

    configured = _configured_models(config)
    if model in configured:
        return configured[model]
    real = tuple(p for p in PROVIDERS if p != "fake")
    for tables in (False, True):  # every provider's profiles first: a price table loads only when none matches
        for name in real:
            if is_known_model(name, model, tables=tables):
                return name
    close = model_suggestion(model, real)
    named = f"--model openai:{model} or --provider openai --model {model}"
    raise InputError(
        f"unknown model '{model}': not in any provider's price table or profiles, so promptctl cannot tell where "
        "to send it",
        hint=f"did you mean '{close[1]}' ({close[0]})? A model promptctl does not know needs its provider: {named}"
        if close else f"a local or fine-tuned model needs its provider: {named}",
    )


def check_model(provider: str, model: str, config: ProjectConfig | None = None, *, named_provider: bool) -> None:
    """Refuse or warn about a ``--model`` that is unknown for ``provider``: a near miss of its ids, or another's.

    A near miss of a known id (``gpt-4.1-mni``, ``claude-sonet-4-6``: unknown to the provider's price table and
    profiles, close to a known id) is refused unless the provider was named (``--model openai:ID`` or
    ``--provider``): then it is sent as given with a warning (a model newer than genai-prices' table). A model
    of another provider (``--provider anthropic --model gpt-4o``) is sent with a warning naming
    ``--model openai:gpt-4o``. Ids the project config names (``[models]``, ``[prices."provider:model"]``) and
    ids close to no known one (a local ``llama3.2``) pass. ``named_provider``: the user named the provider
    (``provider:`` prefix, ``--provider``, ``--judge PROVIDER:MODEL``).

    Raises:
        AdapterError: A near miss whose provider was not named (exit 2), with the did-you-mean and how to send it.
    """
    if provider == "fake" or model in _configured_models(config) or model in DEFAULT_MODELS.values():
        return
    from promptctl.adapters.profiles import is_known_model, model_suggestion

    if is_known_model(provider, model):
        return
    import warnings

    from promptctl.templating import PromptctlWarning

    close = model_suggestion(model, (provider,))
    if close is not None and not named_provider:
        raise AdapterError(
            f"unknown model '{model}': not in {provider}'s price table or profiles (did you mean '{close[1]}'?)",
            hint=f"if '{model}' is a model newer than promptctl's price table, name its provider to send it as "
                 f"given (--model {provider}:{model}; in an ab variant REF::{provider}:{model}), or add "
                 f'[prices."{provider}:{model}"] to promptctl.toml',
        )
    if close is not None:
        warnings.warn(f"model '{model}' is not in {provider}'s price table or profiles (did you mean "
                      f"'{close[1]}'?); sending it as given", PromptctlWarning, stacklevel=3)
        return
    owner = next((p for p in PROVIDERS if p not in ("fake", provider) and is_known_model(p, model)), None)
    if owner is not None:
        warnings.warn(f"model '{model}' belongs to {owner}, not {provider}; sending it to {provider} as given "
                      f"(for {owner}: --model {owner}:{model})", PromptctlWarning, stacklevel=3)


def parse_target(
    model: str | None, provider: str | None = None, *, configured: str | None = None
) -> tuple[str | None, str | None]:
    """Split a ``--model`` value into (provider, model id): the one place ``provider:model`` strings are read.

    The provider is, first found: the ``provider:`` prefix of ``model`` (``openai:gpt-4.1-mini``,
    ``watsonx:ibm/granite-3-8b-instruct``); ``provider`` (an explicit ``--provider``); ``configured`` (the
    project config's ``provider``); the provider a bare model id clearly belongs to
    (:func:`~promptctl.adapters.profiles.provider_of_model`); else None (the caller falls back to the
    front matter). Ids with a colon of their own (``ft:gpt-4o-mini:org::id``, ``llama3.2:latest``) stay whole.

    Raises:
        InputError: A prefix that is a misspelled provider (``opnai:gpt-4.1``, with "did you mean"), or
            ``provider:`` with no model.
    """
    if model is None:
        return provider or configured, None
    head, sep, rest = model.partition(":")
    if sep and head in PROVIDERS:
        if not rest:
            raise InputError(f"--model {model!r} names no model", hint=f"e.g. --model {head}:{DEFAULT_MODELS[head]}")
        return head, rest
    if sep and "/" not in head and head != "ft":
        import difflib

        close = difflib.get_close_matches(head, PROVIDERS, n=1, cutoff=0.75)
        if close:
            raise InputError(
                f"unknown provider '{head}' in '{model}'",  # a --model, an ab variant's REF::P:M or a --judge
                hint=f"did you mean '{close[0]}:{rest}'? providers: {', '.join(PROVIDERS)}",
            )
    return provider or configured or provider_of_model(model), model


def adapt(
    prompt: Prompt, provider: str, model: str, parameters: Mapping[str, Any] | None = None, *, where: str = "prompt"
) -> ProviderRequest:
    """Turn a neutral prompt into a provider request.

    Args:
        prompt: The rendered prompt.
        provider: ``openai``, ``anthropic``, ``watsonx`` or ``fake`` (the fake provider takes OpenAI's shape).
        model: Model id.
        parameters: Sampling and length parameters (``temperature``, ``top_p``, ``max_tokens`` in tokens,
            ``seed``, ``stop``, or provider-specific keys passed through).
        where: Reference named in errors.

    Raises:
        AdapterError: The prompt cannot be expressed for this provider.
        InputError: Unknown provider.
    """
    params = dict(parameters or {})
    prof = profile(check_provider(provider), model)
    if provider == "anthropic":
        request = anthropic_request(prompt, model, params, prof, where=where)
    elif provider == "watsonx":
        request = watsonx_request(prompt, model, params, prof, where=where)
    else:
        request = openai_request(prompt, model, params, prof, where=where)
        if provider == "fake":
            request = dataclasses.replace(request, provider="fake")
    return dataclasses.replace(request, timeout_s=call_timeout_s(prof, params))


def build_request(
    defaults: PromptDefaults,
    prompt: Prompt,
    *,
    provider: str | None = None,
    model: str | None = None,
    parameters: Mapping[str, Any] | None = None,
    config: ProjectConfig | None = None,
    where: str = "prompt",
) -> ProviderRequest:
    """Adapt a rendered prompt for the provider and model chosen by :func:`resolve_target`.

    ``parameters`` override the front matter's parameters key by key.
    """
    chosen, chosen_model = resolve_target(defaults, provider, model, config, where=where)
    params = defaults.parameters.as_dict()
    if defaults.reasoning is not None:
        params["reasoning"] = defaults.reasoning.as_dict()
    params.update(parameters or {})
    request = adapt(prompt, chosen, chosen_model, params, where=where)
    if prompt.warnings:
        request = dataclasses.replace(request, warnings=prompt.warnings + request.warnings)
    return request
