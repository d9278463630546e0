"""Langfuse prompts: the JSON of its public API (``GET /api/public/v2/prompts/{name}``), in and out.

A Langfuse prompt version is ``{name, version, type: text|chat, prompt, config, labels, tags,
commitMessage}``: ``prompt`` is a string (text) or a list of ``{role, content}`` messages (chat), with
``{{variable}}`` placeholders; ``config`` is free-form (model and parameters by convention). This is the
shape Langfuse's SDKs, LiteLLM and promptfoo read. A file may hold one version, a list of versions
(of one or several prompts), or ``{"data": [...]}``.

Import: versions in ascending ``version`` order, labels kept (``latest`` is Langfuse's own moving
pointer and is not copied), ``config.model`` and sampling keys to ``model``/``parameters``, the rest of
``config`` into ``metadata.langfuse_config``. Chat ``placeholder`` messages (message lists injected at
run time) become ``{% messages NAME %}`` with a ``messages`` variable, and back on export.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from promptctl.errors import InputError
from promptctl.interop.common import convert_mustache, front_matter, map_parameters, read_text, split_model
from promptctl.interop.jinja_out import HISTORY, to_mustache_messages
from promptctl.interop.model import ImportedPrompt, ImportedVersion, derive_name, variable_name

_ROLES = {"system": "system", "user": "user", "assistant": "assistant", "developer": "system"}


def read(path: Path) -> list[ImportedPrompt]:
    """Read a Langfuse prompt export (see the module docstring).

    Raises:
        InputError: Not JSON, or not Langfuse prompt objects.
    """
    try:
        data = json.loads(read_text(path))
    except (ValueError, RecursionError) as exc:
        raise InputError(f"{path}: not valid JSON: {exc}") from None
    items = data.get("data") if isinstance(data, dict) and "data" in data else data
    items = items if isinstance(items, list) else [items]
    grouped: dict[str, list[dict[str, Any]]] = {}
    for i, item in enumerate(items):
        if not isinstance(item, dict) or "name" not in item or "prompt" not in item:
            raise InputError(f"{path}: item {i + 1} is not a Langfuse prompt (needs 'name' and 'prompt')",
                             hint="export prompts with GET /api/public/v2/prompts/NAME?version=N")
        grouped.setdefault(str(item["name"]), []).append(item)
    prompts = []
    for original, versions in grouped.items():
        prompt = ImportedPrompt(derive_name(original), original, "langfuse")
        for item in sorted(versions, key=lambda v: int(v.get("version") or 0)):
            prompt.versions.append(_version(item, prompt, path))
        prompts.append(prompt)
    return prompts


def _version(item: dict[str, Any], prompt: ImportedPrompt, path: Path) -> ImportedVersion:
    number = item.get("version")
    where = f"{path}#{prompt.original_name}@{number}" if number is not None else f"{path}#{prompt.original_name}"
    found: dict[str, str | None] = {}
    histories: list[str] = []
    if item.get("type", "text") == "chat" or isinstance(item["prompt"], list):
        parts = []
        for i, message in enumerate(item["prompt"]):
            if message.get("type") == "placeholder":  # a message list inserted at run time: a messages variable
                name = variable_name(str(message.get("name") or "history"))
                histories.append(name)
                parts.append(f"{{% messages {name} %}}")
                prompt.note("converted", where, f"message {i + 1}: placeholder '{message.get('name')}' -> "
                            f"{{% messages {name} %}} (a messages variable)")
                continue
            role = _ROLES.get(str(message.get("role")))
            if role is None:
                prompt.note("reported", where, f"message {i + 1}: role {message.get('role')!r} sent as user")
                role = "user"
            text, more = convert_mustache(str(message.get("content", "")), prompt, where=f"{where} message {i + 1}")
            found.update(more)
            parts.append(f"{{% {role} %}}\n{text}\n{{% end{role} %}}")
        body = "\n".join(parts)
    else:
        body, found = convert_mustache(str(item["prompt"]), prompt, where=where)
    config = dict(item.get("config") or {})
    provider, model = split_model(config.pop("model", None))
    params, rest = map_parameters(config)
    metadata: dict[str, Any] = {"imported_from": {"format": "langfuse", "name": prompt.original_name,
                                                  "version": number}}
    if rest:
        metadata["langfuse_config"] = rest
        prompt.note("reported", where, f"config keys kept in metadata.langfuse_config: {', '.join(sorted(rest))}")
    if model and provider is None:
        prompt.note("reported", where, f"model {model!r}: provider unknown; render with --provider")
    labels = [str(label) for label in item.get("labels") or [] if label != "latest"]
    variables: dict[str, Any] = {name: {"type": "string"} for name in found}
    for name in histories:
        variables[name] = {"type": "messages", "description": "Messages inserted here (a Langfuse message placeholder)"}
    fm = front_matter(provider=provider, model=model, parameters=params, variables=variables,
                      tags=item.get("tags") or None, metadata=metadata)
    return ImportedVersion(fm, body, labels=labels, message=item.get("commitMessage"), source=where)


def export(versions: list[Any]) -> list[dict[str, Any]]:
    """Langfuse prompt objects for promptctl versions (oldest first).

    Args:
        versions: :class:`~promptctl.registry.registry.PromptVersion` values of one prompt.

    Returns:
        One object per version: ``name``, ``version``, ``type``, ``prompt``, ``config``, ``labels``,
        ``tags``, ``commitMessage`` (the body of ``POST /api/public/v2/prompts``, plus ``version``).

    Raises:
        InputError: A template uses constructs Langfuse's ``{{variable}}`` syntax cannot express
            (conditions, loops, filters), naming the line.
    """
    out = []
    for version in versions:
        fm = version.front_matter
        messages = to_mustache_messages(version)
        config: dict[str, Any] = {}
        if fm.model:
            config["model"] = fm.model
        config.update(fm.parameters.as_dict())
        extra = fm.metadata.get("langfuse_config")
        if isinstance(extra, dict):
            config.update(extra)
        source_name = (fm.metadata.get("imported_from") or {}).get("name") if isinstance(
            fm.metadata.get("imported_from"), dict) else None
        item: dict[str, Any] = {"name": source_name or version.name, "version": version.number}
        if len(messages) == 1 and messages[0][0] == "user" and not _uses_tags(version.body):
            item.update(type="text", prompt=messages[0][1])
        else:
            item.update(type="chat", prompt=[{"type": "placeholder", "name": c} if r == HISTORY
                                             else {"role": r, "content": c} for r, c in messages])
        item.update(config=config, labels=sorted(version.labels), tags=list(fm.tags),
                    commitMessage=version.published.message if version.published else None)
        out.append(item)
    return out


def _uses_tags(body: str) -> bool:
    return "{% user" in body or "{% system" in body or "{% assistant" in body
