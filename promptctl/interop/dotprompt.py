"""Dotprompt ``.prompt`` files (https://google.github.io/dotprompt/), in and out.

A ``.prompt`` file is YAML front matter (``model``, ``config``, ``input`` and ``output`` with schemas in
Picoschema or JSON Schema, ``tools``...) and a Handlebars body. Import maps:

- ``model: openai/gpt-4o`` (or a bare id) -> ``provider``/``model``; other providers (``googleai/``,
  ``vertexai/``) are kept in ``metadata.source_model`` and reported;
- ``config`` -> ``parameters`` (``maxOutputTokens`` -> ``max_tokens``, ``topP`` -> ``top_p``,
  ``stopSequences`` -> ``stop``); other keys to ``metadata.dotprompt_config``, reported;
- ``input.schema`` -> typed ``variables`` (``input.default`` -> defaults); variables the template reads that
  the schema does not declare (all of them for a named schema registered in code, ``schema: RecipeRequest``)
  are declared from the template and reported; ``output.schema`` -> ``output`` (``format: json``);
- the body through :func:`promptctl.interop.handlebars.convert_handlebars` (``{{media url=VAR}}`` ->
  ``{% image VAR %}``, and ``VAR`` an ``image`` variable); partials are looked up as
  ``_NAME.prompt`` next to the file or in a ``partials/`` folder, and inlined.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from promptctl import _yaml
from promptctl.errors import InputError, PromptctlError
from promptctl.interop.common import front_matter, map_parameters, read_text, split_front_matter, split_model
from promptctl.interop.handlebars import convert_handlebars
from promptctl.interop.jinja_out import HISTORY, write_body
from promptctl.interop.model import ImportedPrompt, ImportedVersion, derive_name
from promptctl.interop.schemas import picoschema_to_json_schema, variables_from_json_schema
from promptctl.templating.environment import referenced_variables

_IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")

_KNOWN = {"name", "variant", "version", "description", "model", "config", "input", "output", "tools", "metadata",
          "ext", "raw", "toolDefs"}


def partial_finder(folder: Path) -> Any:
    """A function finding a partial's text by name next to a file (``_NAME.prompt``, ``partials/``)."""

    def find(name: str) -> str | None:
        for candidate in (folder / f"_{name}.prompt", folder / "partials" / f"_{name}.prompt",
                          folder / "partials" / f"{name}.prompt"):
            if candidate.is_file():
                return split_front_matter(read_text(candidate), str(candidate))[1]
        return None

    return find


def convert(
    text: str, *, where: str, name: str, partials: Any = None, prompt: ImportedPrompt | None = None
) -> tuple[ImportedPrompt, ImportedVersion]:
    """Convert the text of one ``.prompt`` file.

    Args:
        text: File text (LF line endings).
        where: The file named in findings.
        name: The source name (the front matter's ``name`` wins).
        partials: Looks up a partial's source by name.
        prompt: Add the version to this prompt instead of a new one.

    Raises:
        InputError: Invalid front matter, or a schema that cannot be converted.
    """
    data, body, offset = split_front_matter(text, where)
    original = str(data.get("name") or name)
    if data.get("variant"):
        original = f"{original}.{data['variant']}"
    prompt = prompt or ImportedPrompt(derive_name(original), original, "dotprompt")
    metadata: dict[str, Any] = {"imported_from": {"format": "dotprompt", "name": original}}
    provider, model = split_model(data.get("model"))
    if data.get("model") and provider is None:
        metadata["source_model"] = data["model"]
        prompt.note("reported", where, f"model {data['model']!r} is not an OpenAI, Anthropic or watsonx model; kept "
                    "in metadata.source_model (render with --provider/--model)")
        model = None
    params, rest = map_parameters(data.get("config"))
    if rest:
        metadata["dotprompt_config"] = rest
        prompt.note("reported", where, f"config keys kept in metadata.dotprompt_config: {', '.join(sorted(rest))}")
    input_block = data.get("input") or {}
    output_block = data.get("output") or {}
    input_schema = _schema(input_block.get("schema"), "input", where, prompt, metadata)
    output_schema = _schema(output_block.get("schema"), "output", where, prompt, metadata)
    variables, notes = variables_from_json_schema(input_schema, input_block.get("default"))
    for note in notes:
        prompt.note("reported", where, note)
    if input_schema and not variables:
        metadata["input_schema"] = input_schema
    output = None
    if output_schema or output_block.get("format") == "json":
        output = {"format": "json", **({"schema": output_schema} if output_schema else {})}
    for key in ("tools", "toolDefs"):
        if data.get(key):
            metadata[f"dotprompt_{key}"] = data[key]
            prompt.note("reported", where, f"'{key}' kept in metadata.dotprompt_{key}: Dotprompt names tools defined "
                        "in code; write their definitions as promptctl tools (tools: in the front matter; README, "
                        "'Tools, tool calls and reasoning')")
    unknown = sorted(set(data) - _KNOWN)
    for key in unknown:
        metadata.setdefault("dotprompt", {})[key] = data[key]
    if unknown:
        prompt.note("reported", where, f"front matter keys kept in metadata.dotprompt: {', '.join(unknown)}")
    if isinstance(data.get("metadata"), dict):
        metadata["source_metadata"] = data["metadata"]
    object_vars = {n for n, v in variables.items() if v.get("type") == "object"}
    conversion = convert_handlebars(body, where=where, line_offset=offset, partials=partials, object_vars=object_vars)
    prompt.findings.extend(conversion.findings)
    if conversion.history:
        variables["history"] = {"type": "messages", "default": [],
                                "description": "The conversation so far (Dotprompt's {{history}})"}
    _declare_read_variables(conversion.body, variables, input_block.get("schema"), input_schema, where, prompt)
    for name, kind in conversion.media.items():  # {{media url=NAME}}: NAME is an image (or document) variable
        spec = variables.setdefault(name, {"type": "string"})
        if spec.get("type") == "string":
            spec["type"] = kind
            if spec.get("default") == "":
                spec["default"] = None
    fm = front_matter(description=data.get("description"), provider=provider, model=model, parameters=params,
                      variables=variables, output=output, metadata=metadata)
    if output_schema:  # Dotprompt asks for and validates schema output: promptctl's structured strategy does
        fm = {**{k: v for k, v in fm.items() if k != "metadata"}, "strategy": "structured",
              **({"metadata": fm["metadata"]} if "metadata" in fm else {})}
    version = ImportedVersion(fm, conversion.body, source=where)
    prompt.versions.append(version)
    if prompt.description is None and data.get("description"):
        prompt.description = str(data["description"])
    return prompt, version


def _declare_read_variables(body: str, variables: dict[str, Any], raw_schema: Any, schema: dict[str, Any] | None,
                            where: str, prompt: ImportedPrompt) -> None:
    """Declare the variables the template reads that the input schema does not, and report them.

    A named input schema (``schema: RecipeRequest``) is registered in code: the file does not say its
    variables, so each one the template reads is declared from the template, as a required string (a list when
    ``{{#each}}`` iterates it, an object when a field of it is read; optional, empty by default, when the
    template tests it with ``{{#if}}``), with a description saying so. The same for
    a schema that could not be converted (kept in ``metadata.dotprompt_input_schema``) and for a variable a
    converted schema leaves out (Dotprompt renders it empty; promptctl asks for it). Prompty's importer does the
    same. A template without any input schema declares nothing (its variables are read as strings).
    """
    if not raw_schema:
        return
    try:
        read = referenced_variables(body, where=where)
    except PromptctlError:
        return  # the writer reports a template that does not parse
    missing = [name for name in sorted(read - set(variables) - {"loop"}) if _IDENT.match(name)]
    if not missing:
        return
    if schema is None and isinstance(raw_schema, str):
        why = (f"declared from the template: the input schema '{raw_schema}' is registered in code, not in the "
               ".prompt file")
    elif schema is None:
        why = ("declared from the template: the input schema could not be converted (kept in "
               "metadata.dotprompt_input_schema)")
    else:
        why = "declared from the template: the input schema does not declare it (Dotprompt renders it empty)"
    for name in missing:
        iterated = re.search(r"\{%[-+]?\s*for\s+\w+(?:\s*,\s*\w+)*\s+in\s+" + name + r"\b", body)
        dotted = re.search(r"(?<![\w.])" + name + r"\.\w", body)
        kind = "list" if iterated else "object" if dotted else "string"
        variables[name] = {"type": kind, "description": f"{why}; the type is a guess"}
        if re.search(r"\{%[-+]?\s*(?:el)?if\s+(?:not\s+)?" + name + r"\s*[-+]?%\}", body):
            variables[name]["default"] = {"list": [], "object": {}}.get(kind, "")  # tested: optional
    shown = [f"{n} ({variables[n]['type']}{', optional' if 'default' in variables[n] else ''})" for n in missing]
    prompt.note("reported", where, f"the template reads {', '.join(missing)}, which the input schema does not "
                f"declare: {why.removeprefix('declared from the template: ')}; declared from the template as "
                + ", ".join(shown) + " (check the types; optional where the template tests it)")


def _schema(raw: Any, key: str, where: str, prompt: ImportedPrompt, metadata: dict[str, Any]) -> dict[str, Any] | None:
    """A block's schema as JSON Schema; one that cannot be converted is kept in metadata and reported."""
    try:
        return picoschema_to_json_schema(raw)
    except InputError as exc:
        metadata[f"dotprompt_{key}_schema"] = raw
        prompt.note("reported", where, f"{key} schema kept in metadata.dotprompt_{key}_schema: {exc.message}")
        return None


def read(path: Path) -> list[ImportedPrompt]:
    """Read one ``.prompt`` file (see the module docstring).

    Raises:
        InputError: See :func:`convert`.
    """
    stem = path.name.removesuffix(".prompt")
    variant = None
    if "." in stem:
        stem, variant = stem.split(".", 1)
    text = read_text(path)
    prompt, _ = convert(text, where=str(path), name=stem if not variant else f"{stem}.{variant}",
                        partials=partial_finder(path.parent))
    return [prompt]


def export(version: Any) -> tuple[str, list[str]]:
    """A ``.prompt`` file for a promptctl version: ``(text, notes on what changed)``.

    Raises:
        InputError: A construct Handlebars cannot express (naming the line).
    """
    fm = version.front_matter
    written = write_body(version.body, "handlebars", where=version.ref, line_offset=version.body_line - 1)
    head: dict[str, Any] = {}
    source_name = fm.metadata.get("imported_from", {}).get("name") if isinstance(
        fm.metadata.get("imported_from"), dict) else None
    head["name"] = source_name or version.name
    if fm.description:
        head["description"] = fm.description
    if fm.metadata.get("source_model"):
        head["model"] = fm.metadata["source_model"]
    elif fm.model:
        head["model"] = f"{fm.provider}/{fm.model}" if fm.provider else fm.model
    config = {_DOTPROMPT_PARAM.get(k, k): v for k, v in fm.parameters.as_dict().items()}
    if isinstance(fm.metadata.get("dotprompt_config"), dict):
        config.update(fm.metadata["dotprompt_config"])
    if config:
        head["config"] = config
    inputs = {n: v for n, v in fm.variables.items() if v.type != "messages"}  # a history is {{history}}, no input
    if inputs:
        head["input"] = {"schema": _json_schema(inputs)}
        defaults = {n: v.default for n, v in inputs.items() if not v.required and v.default not in ("", None)}
        if defaults:
            head["input"]["default"] = defaults
    if fm.output is not None and fm.output.format == "json":
        head["output"] = {"format": "json", **({"schema": fm.output.json_schema} if fm.output.json_schema else {})}
    parts = []
    roles = {"assistant": "model"}
    if len(written.messages) == 1 and written.messages[0][0] == "user":
        parts.append(written.messages[0][1])
    else:
        for role, text in written.messages:
            parts.append("{{history}}" if role == HISTORY else f'{{{{role "{roles.get(role, role)}"}}}}\n{text}')
    return f"---\n{_yaml.dump(head)}---\n" + "\n".join(parts) + "\n", written.notes


_DOTPROMPT_PARAM = {"max_tokens": "maxOutputTokens", "top_p": "topP", "stop": "stopSequences"}
_JSON_TYPES = {"string": "string", "integer": "integer", "number": "number", "boolean": "boolean", "list": "array",
               "object": "object"}


def _json_schema(variables: dict[str, Any]) -> dict[str, Any]:
    props: dict[str, Any] = {}
    required = []
    for name, spec in variables.items():
        prop: dict[str, Any] = {"enum": list(spec.values or [])} if spec.type == "enum" else \
            {"type": _JSON_TYPES[spec.type]}
        if spec.description:
            prop["description"] = spec.description
        props[name] = prop
        if spec.required:
            required.append(name)
    schema: dict[str, Any] = {"type": "object", "properties": props}
    if required:
        schema["required"] = required
    return schema
