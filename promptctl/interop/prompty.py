"""Prompty ``.prompty`` files (https://prompty.ai), v1 and v2 front matter, imported.

A ``.prompty`` file is YAML front matter and a Jinja2 body whose lines ``system:``, ``user:`` and
``assistant:`` start messages. Both front matter generations are read:

- v1: ``model: {api, configuration: {type, azure_deployment | name}, parameters}``, ``inputs`` as a
  mapping (``name: {type, description, default, sample}`` or ``name: sample``), ``sample``, ``authors``;
- v2: ``model: {id, provider, apiType, connection, options}`` (or a model id string), ``inputs`` as a list
  of ``{name, kind, default, description}``, ``tools``, ``metadata``.

The body stays Jinja2; role lines at the top level become ``{% system %}``/``{% user %}``/``{% assistant %}``
tags. A ``thread`` input (the conversation so far) is a variable of type ``messages``, and its ``{{name}}``
on a line of its own becomes ``{% messages name %}`` between messages. A role line inside a loop or
condition (a hand-written chat-history loop), ``image``, ``file`` and ``audio`` inputs, and tools of a kind
other than ``function`` are not converted: they are kept (as text, a comment, or in ``metadata``) and reported,
with the promptctl construct that would hold them (a ``messages`` variable, ``{% image %}``/``{% document %}``,
``tools:``). Function tools become ``tools:`` (see :func:`_tools`). A
``{{ ... }}`` that is not a valid Jinja2 expression (``{{ $json['name'] }}``) is escaped and reported. ``outputs``
(the fields of a structured answer) become ``output: {format: json, schema}`` with ``strategy: structured``.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import jinja2

from promptctl.errors import PromptctlError
from promptctl.interop.common import front_matter, map_parameters, read_text, split_front_matter, split_model
from promptctl.interop.model import ImportedPrompt, ImportedVersion, derive_name, variable_name
from promptctl.templating.environment import environment, referenced_variables
from promptctl.templating.literal import kept_source

_ROLE_LINE = re.compile(r"^\s*#?\s*(system|user|assistant|developer)\s*:\s*$", re.IGNORECASE)
_DYNAMIC_ROLE = re.compile(r"^\s*\{\{[^}]*\}\}\s*:\s*$")
_OPEN = re.compile(r"\{%-?\s*(for|if|macro|call|filter|with)\b")
_CLOSE = re.compile(r"\{%-?\s*end(for|if|macro|call|filter|with)\b")
_EXPR = re.compile(r"\{\{(.*?)\}\}", re.DOTALL)
_TYPES = {"string": "string", "str": "string", "number": "number", "float": "number", "integer": "integer",
          "int": "integer", "boolean": "boolean", "bool": "boolean", "array": "list", "list": "list",
          "object": "object", "dict": "object"}
_UNSUPPORTED = {"image": "an image: not converted (an image variable placed with {% image NAME %} takes it; README, "
                         "'Images and documents')",
                "file": "a file: not converted (a PDF is a document variable placed with {% document NAME %}; README, "
                        "'Images and documents')",
                "audio": "audio: promptctl sends no audio"}
_THREAD_LINE = re.compile(r"^\s*\{\{-?\s*([A-Za-z_][A-Za-z0-9_]*)\s*-?\}\}\s*$")


def read(path: Path) -> list[ImportedPrompt]:
    """Read one ``.prompty`` file (see the module docstring).

    Raises:
        InputError: Invalid front matter.
    """
    where = str(path)
    data, body, offset = split_front_matter(read_text(path), where)
    original = str(data.get("name") or path.stem)
    prompt = ImportedPrompt(derive_name(original), original, "prompty", description=data.get("description"))
    metadata: dict[str, Any] = {"imported_from": {"format": "prompty", "name": original}}
    provider, model, params = _model(data.get("model"), prompt, where, metadata)
    variables, special, threads = _inputs(data, prompt, where, metadata)
    tools = _tools(data.get("tools"), prompt, where, metadata)
    authors = data.get("authors") or (data.get("metadata") or {}).get("authors")
    if authors:
        metadata["authors"] = authors
    source_metadata = data.get("metadata")
    extra = {k: v for k, v in (source_metadata if isinstance(source_metadata, dict) else {}).items()
             if k not in ("authors", "tags")}
    if data.get("version") is not None:
        extra.setdefault("version", data["version"])
    if extra:  # the source's own metadata (version, custom fields), never dropped
        metadata["prompty_metadata"] = extra
    template_format = _template_format(data.get("template"))
    if template_format not in ("jinja2", "jinja"):
        prompt.note("reported", where, f"template format {template_format!r}: the body is read as Jinja2; its "
                    f"{template_format} sections ({{{{#x}}}}...{{{{/x}}}}) stay literal text (listed below as escaped)")
    if isinstance(metadata.get("sample"), dict):
        prompt.sample = {variable_name(str(k)): v for k, v in metadata["sample"].items()}
    output = _outputs(data.get("outputs"), prompt, where, metadata)
    converted = _body(body, prompt, where, offset, special, threads)
    _declare_read_variables(converted, variables, prompt, where)
    fm = front_matter(description=data.get("description"), provider=provider, model=model, parameters=params,
                      variables=variables, output=output, tools=tools,
                      tags=(data.get("metadata") or {}).get("tags") or data.get("tags"), metadata=metadata)
    if output:  # Prompty sends outputs as the response's JSON schema: promptctl's structured strategy does
        fm = {**{k: v for k, v in fm.items() if k != "metadata"}, "strategy": "structured",
              **({"metadata": fm["metadata"]} if "metadata" in fm else {})}
    prompt.versions.append(ImportedVersion(fm, converted, source=where))
    return [prompt]


JINJA_SUFFIXES = (".jinja2", ".jinja")
"""Files read as plain Jinja2 templates (:func:`read_jinja`): promptflow's ``.jinja2`` prompts, for one."""


def read_jinja(path: Path) -> list[ImportedPrompt]:
    """A plain Jinja2 prompt template (no front matter) as one prompt named after the file.

    Read as a Prompty body is (promptflow's ``.jinja2`` prompts and many applications' templates have that form):
    the Jinja2 is kept; ``system:``, ``user:`` and ``assistant:`` lines start messages (a template without them is
    one user message, as an application sending the rendered text would send it); every variable the template reads
    is declared, as a list when a loop iterates it, an object when a field of it is read, else a string. A template
    promptctl's sandbox cannot compile is reported by the writer with its line.
    """
    where = str(path)
    original = path.stem
    prompt = ImportedPrompt(derive_name(original), original, "jinja2")
    converted = _body(read_text(path).strip("\n"), prompt, where, 0, set())
    variables: dict[str, Any] = {}
    try:
        read = referenced_variables(converted, where=where)
    except PromptctlError:
        read = set()  # the writer reports a template that does not parse
    kinds = _variable_kinds(converted)
    for name in sorted(read - {"loop"}):
        variables[name] = {"type": kinds.get(name, "string")}
    if variables:
        prompt.note("converted", where, f"variables {', '.join(variables)} declared from the template (a list when "
                    "a loop iterates it, an object when a field of it is read, else a string); give descriptions and "
                    "input: true where it fits")
    fm = front_matter(variables=variables,
                      metadata={"imported_from": {"format": "jinja2", "name": original, "source": path.name}})
    prompt.versions.append(ImportedVersion(fm, converted, source=where))
    return [prompt]


def _variable_kinds(body: str) -> dict[str, str]:
    """``list`` for a name a ``{% for %}`` iterates, ``object`` for one whose field is read, from the Jinja2 AST."""
    from jinja2 import nodes

    try:
        tree = environment().parse(body)
    except (jinja2.TemplateError, PromptctlError):
        return {}
    kinds: dict[str, str] = {}
    for loop in tree.find_all(nodes.For):
        if isinstance(loop.iter, nodes.Name):
            kinds[loop.iter.name] = "list"
    for node in tree.find_all((nodes.Getattr, nodes.Getitem)):
        if isinstance(node.node, nodes.Name):  # type: ignore[attr-defined]
            kinds.setdefault(node.node.name, "object")  # type: ignore[attr-defined]
    return kinds


def _template_format(raw: Any) -> str:
    """The body's template engine: ``template: mustache`` (v1) or ``template: {format: {kind: mustache}}`` (v2)."""
    if isinstance(raw, dict):
        raw = raw.get("format", raw.get("type"))
        if isinstance(raw, dict):
            raw = raw.get("kind") or raw.get("type")
    return str(raw or "jinja2").lower()


def _declare_read_variables(body: str, variables: dict[str, Any], prompt: ImportedPrompt, where: str) -> None:
    """Declare the variables the body reads but the inputs do not, as required strings, and report them.

    Prompty's Jinja2 renders a missing variable as nothing; promptctl asks for it instead.
    """
    try:
        read = referenced_variables(body, where=where)
    except PromptctlError:
        return  # the writer reports a template that does not parse
    missing = sorted(read - set(variables) - {"loop"})
    for name in missing:
        variables[name] = {"type": "string"}
    if missing:
        prompt.note("reported", where, f"the template reads {', '.join(missing)} without declaring them: declared "
                    "as required strings (Prompty would render them empty)")


def _model(
    raw: Any, prompt: ImportedPrompt, where: str, metadata: dict[str, Any]
) -> tuple[str | None, str | None, dict[str, Any]]:
    if isinstance(raw, str):
        provider, model = split_model(raw)
        return provider, model, {}
    if not isinstance(raw, dict):
        return None, None, {}
    configuration = raw.get("configuration") or raw.get("connection") or {}
    configuration = configuration if isinstance(configuration, dict) else {}
    kind = str(configuration.get("type") or raw.get("provider") or "").lower()
    model_id = raw.get("id") or configuration.get("azure_deployment") or configuration.get("name") \
        or configuration.get("model")
    provider, model = split_model(model_id)
    if kind in ("azure_openai", "azure", "openai", "foundry"):
        provider = "openai"
    elif kind == "anthropic":
        provider = "anthropic"
    if raw.get("api") not in (None, "chat") or raw.get("apiType") not in (None, "chat"):
        prompt.note("reported", where, f"model API {raw.get('api') or raw.get('apiType')!r}: promptctl sends chat "
                    "requests")
    if kind.startswith("azure") or configuration.get("azure_endpoint") or configuration.get("endpoint"):
        prompt.note("reported", where, "an Azure deployment name was taken as the model id; set the Azure endpoint "
                    "with [providers.openai] base_url in promptctl.toml")
    options = raw.get("parameters") or raw.get("options")
    params, rest = map_parameters(options if isinstance(options, dict) else None)
    if rest:
        metadata["prompty_parameters"] = rest
        prompt.note("reported", where, f"model parameters kept in metadata.prompty_parameters: {', '.join(rest)}")
    return provider, model, params


def _inputs(
    data: dict[str, Any], prompt: ImportedPrompt, where: str, metadata: dict[str, Any]
) -> tuple[dict[str, Any], set[str], set[str]]:
    raw = data.get("inputs") or {}
    if isinstance(raw, str):
        metadata["prompty_inputs"] = raw
        prompt.note("reported", where, f"inputs {raw!r} (a reference resolved by Prompty's runtime) kept in "
                    "metadata.prompty_inputs; the template's variables are declared as strings")
        raw = {}
    sample: dict[str, Any] = data["sample"] if isinstance(data.get("sample"), dict) else {}
    items: list[tuple[str, Any]]
    if isinstance(raw, list):  # v2
        items = [(str(i.get("name")), i) for i in raw if isinstance(i, dict) and i.get("name")]
    else:  # v1
        items = [(str(k), v) for k, v in raw.items()]
    for name in sample:
        if name not in dict(items):
            items.append((str(name), {"sample": sample[name]}))
    variables: dict[str, Any] = {}
    special: set[str] = set()
    threads: set[str] = set()
    samples: dict[str, Any] = {}
    for name, spec in items:
        spec = spec if isinstance(spec, dict) else {"default": spec}
        kind = str(spec.get("kind") or spec.get("type") or _infer(spec.get("default", spec.get("sample")))).lower()
        if kind == "thread":  # the conversation so far: {{name}} on its own line becomes {% messages name %}
            threads.add(name)
            variables[variable_name(name)] = {"type": "messages", "default": [],
                                              **({"description": str(spec["description"])}
                                                 if spec.get("description") else {})}
            continue
        if kind in _UNSUPPORTED:
            special.add(name)
            prompt.note("reported", where, f"input '{name}' is {_UNSUPPORTED[kind]}; its placeholder is kept as a "
                        "comment")
            continue
        out: dict[str, Any] = {"type": _TYPES.get(kind, "string")}
        if kind not in _TYPES:
            prompt.note("reported", where, f"input '{name}': type {kind!r} declared as string")
        if spec.get("description"):
            out["description"] = str(spec["description"])
        if "default" in spec:
            out["default"] = spec["default"]
        if "sample" in spec:
            samples[name] = spec["sample"]
        variables[variable_name(name)] = out
    if samples:
        metadata["sample"] = samples
    return variables, special, threads


_JSON_TYPES = {"string": "string", "str": "string", "number": "number", "float": "number", "double": "number",
               "integer": "integer", "int": "integer", "boolean": "boolean", "bool": "boolean", "array": "array",
               "list": "array", "object": "object", "dict": "object"}


def _outputs(raw: Any, prompt: ImportedPrompt, where: str, metadata: dict[str, Any]) -> dict[str, Any] | None:
    """Prompty's ``outputs`` as ``output: {format: json, schema}``: an object schema of those properties.

    ``outputs`` is a list of ``{name, kind, description, required, items, properties}`` (or a mapping of name to
    such a spec); ``required`` defaults to true. Outputs with a kind that has no JSON Schema type are kept as
    given in ``metadata.prompty_outputs`` and reported.
    """
    if not raw:
        return None

    def schema(spec: Any, name: str) -> dict[str, Any] | None:
        spec = spec if isinstance(spec, dict) else {"kind": spec}
        kind = str(spec.get("kind") or spec.get("type") or "string").lower()
        if kind not in _JSON_TYPES:
            return None
        out: dict[str, Any] = {"type": _JSON_TYPES[kind]}
        if spec.get("description"):
            out["description"] = str(spec["description"])
        if out["type"] == "array" and spec.get("items") is not None:
            items = schema(spec["items"], f"{name}[]")
            if items is None:
                return None
            out["items"] = items
        if out["type"] == "object" and spec.get("properties"):
            nested = properties(spec["properties"], name)
            if nested is None:
                return None
            out.update(nested)
        return out

    def properties(specs: Any, parent: str) -> dict[str, Any] | None:
        items = ([(str(i.get("name")), i) for i in specs if isinstance(i, dict) and i.get("name")]
                 if isinstance(specs, list) else [(str(k), v) for k, v in specs.items()] if isinstance(specs, dict)
                 else [])
        props: dict[str, Any] = {}
        required: list[str] = []
        for name, spec in items:
            one = schema(spec, f"{parent}.{name}" if parent else name)
            if one is None:
                return None
            props[name] = one
            if not isinstance(spec, dict) or spec.get("required", True) is not False:
                required.append(name)
        return {"properties": props, "required": required} if props else None

    body = properties(raw, "")
    if body is None:
        metadata["prompty_outputs"] = raw
        prompt.note("reported", where, "outputs kept in metadata.prompty_outputs: a kind with no JSON Schema type")
        return None
    prompt.note("converted", where, f"outputs ({', '.join(body['properties'])}) -> output: {{format: json, schema}} "
                "with strategy: structured")
    return {"format": "json", "schema": {"type": "object", **body, "additionalProperties": False}}


def _tools(raw: Any, prompt: ImportedPrompt, where: str, metadata: dict[str, Any]) -> list[dict[str, Any]] | None:
    """Prompty v2 ``tools`` of ``kind: function`` as promptctl tools (OpenAI's function format), the rest reported.

    The mapping is Prompty's own (microsoft/prompty,
    ``runtime/python/prompty/prompty/providers/openai/executor.py``, ``_tools_to_wire`` and
    ``_property_to_json_schema``): ``parameters`` (a list of ``{name, kind, description, required, enumValues,
    items, properties}``) become an object schema; ``kind`` maps to the JSON type (``float`` -> number);
    ``required`` defaults to false; with ``strict: true`` every parameter is required, an optional one nullable, and
    no other property allowed; an array without ``items`` holds strings. Parameters bound to inputs (``bindings``)
    are not the model's to fill, so they are left out, as Prompty does. Checked against Prompty's own wire
    conformance vectors (``schema/tsp-output/.typra-generated/vectors.json``). Other kinds (``mcp``, ``openapi``,
    custom) and a v1 ``tools`` that is not such a list are kept in ``metadata.prompty_tools`` and reported.
    """
    if not raw:
        return None
    items = raw if isinstance(raw, list) else []
    converted: list[dict[str, Any]] = []
    kept: list[Any] = [t for t in items if not (isinstance(t, dict) and t.get("kind") == "function" and t.get("name"))]
    if not isinstance(raw, list):
        kept = [raw]
    for tool in items:
        if not (isinstance(tool, dict) and tool.get("kind") == "function" and tool.get("name")):
            continue
        strict = bool(tool.get("strict"))
        bindings = tool.get("bindings") or {}
        bound = ({str(k) for k in bindings} if isinstance(bindings, dict)
                 else {str(b.get("name")) for b in bindings if isinstance(b, dict)})
        params = [p for p in tool.get("parameters") or [] if isinstance(p, dict) and p.get("name")
                  and str(p["name"]) not in bound]
        schema = _tool_schema(params, strict)
        if schema is None:
            kept.append(tool)
            continue
        function: dict[str, Any] = {"name": str(tool["name"])}
        if tool.get("description"):
            function["description"] = str(tool["description"])
        if tool.get("parameters"):
            function["parameters"] = {**schema, **({"additionalProperties": False} if strict else {})}
        if strict:
            function["strict"] = True
        converted.append({"type": "function", "function": function})
    if converted:
        prompt.note("converted", where, f"tools ({', '.join(t['function']['name'] for t in converted)}) -> tools: "
                    "(function tools, as Prompty sends them to OpenAI)")
    if kept:
        metadata["prompty_tools"] = kept
        prompt.note("reported", where, "tools of another kind (mcp, openapi, custom) or with a parameter kind that "
                    "has no JSON Schema type kept in metadata.prompty_tools, not converted: write them as promptctl "
                    "tools (tools: in the front matter; README, 'Tools, tool calls and reasoning')")
    return converted or None


def _tool_schema(params: list[dict[str, Any]], strict: bool) -> dict[str, Any] | None:
    """An object schema of Prompty tool parameters (see :func:`_tools`), or None for a kind with no JSON type."""
    props: dict[str, Any] = {}
    required: list[str] = []
    for param in params:
        one = _tool_property(param, optional=strict and not param.get("required"), strict=strict)
        if one is None:
            return None
        props[str(param["name"])] = one
        if strict or param.get("required"):
            required.append(str(param["name"]))
    return {"type": "object", "properties": props, **({"required": required} if required else {})}


def _tool_property(spec: dict[str, Any], *, optional: bool, strict: bool) -> dict[str, Any] | None:
    kind = str(spec.get("kind") or "").lower()
    if kind and kind not in _JSON_TYPES:
        return None
    out: dict[str, Any] = {"type": _JSON_TYPES[kind]} if kind else {}
    if spec.get("description"):
        out["description"] = str(spec["description"])
    if spec.get("enumValues"):
        out["enum"] = list(spec["enumValues"])
    if out.get("type") == "array":
        items = spec.get("items")
        inner = _tool_property(items, optional=False, strict=strict) if isinstance(items, dict) else {"type": "string"}
        if inner is None:
            return None
        out["items"] = inner
    nested = [p for p in spec.get("properties") or [] if isinstance(p, dict) and p.get("name")]
    if out.get("type") == "object" and nested:
        body = _tool_schema(nested, strict)
        if body is None:
            return None
        out.update({k: v for k, v in body.items() if k != "type"})
    if out.get("type") == "object" and strict:
        out["additionalProperties"] = False
    if optional:  # Prompty's _add_nullability
        if isinstance(out.get("type"), str):
            out["type"] = [out["type"], "null"]
        elif out:
            out = {"anyOf": [out, {"type": "null"}]}
        if isinstance(out.get("enum"), list) and None not in out["enum"]:
            out["enum"].append(None)
    return out


def _infer(value: Any) -> str:
    """A type name for an input declared only by a sample or default value."""
    for kind, name in ((bool, "boolean"), (int, "integer"), (float, "number"), (list, "list"), (dict, "object")):
        if isinstance(value, kind):
            return name
    return "string"


def _body(body: str, prompt: ImportedPrompt, where: str, offset: int, special: set[str],
          threads: set[str] = frozenset()) -> str:  # type: ignore[assignment]
    out: list[str] = []
    role: str | None = None
    depth = 0
    after_thread = False
    for number, line in enumerate(body.split("\n"), start=1):
        thread = _THREAD_LINE.match(line)
        if thread and thread.group(1) in threads and depth == 0:
            if role:
                while out and not out[-1].strip():
                    out.pop()
                out.append(f"{{% end{role} %}}")
            out.append(f"{{% messages {variable_name(thread.group(1))} %}}")
            prompt.note("converted", f"{where}:{number + offset}",
                        f"thread input {{{{{thread.group(1)}}}}} -> {{% messages {variable_name(thread.group(1))} %}}")
            role, after_thread = None, True
            continue
        if after_thread and role is None and line.strip() and not _ROLE_LINE.match(line):
            role = "user"  # text after the thread, before the next role line: a user message
            out.append("{% user %}")
        match = _ROLE_LINE.match(line)
        if match and depth == 0:
            if role:
                out.append(f"{{% end{role} %}}")
            role = {"developer": "system"}.get(match.group(1).lower(), match.group(1).lower())
            out.append(f"{{% {role} %}}")
            continue
        if match or (depth > 0 and _DYNAMIC_ROLE.match(line)):
            prompt.note("reported", f"{where}:{number + offset}", "a role line inside a loop or condition (a chat "
                        "history loop) cannot start a message; kept as text: a messages variable placed with "
                        "{% messages NAME %} holds a history (README, 'Conversation history')")
        depth += len(_OPEN.findall(line)) - len(_CLOSE.findall(line))
        out.append(_line(line, prompt, f"{where}:{number + offset}", special))
    if role:
        while out and not out[-1].strip():
            out.pop()
        out.append(f"{{% end{role} %}}")
    return "\n".join(out)


def _line(line: str, prompt: ImportedPrompt, where: str, special: set[str]) -> str:
    """A body line with invalid ``{{ }}`` expressions escaped and special inputs turned into comments."""
    result: list[str] = []
    pos = 0
    for match in _EXPR.finditer(line):
        result.append(line[pos : match.start()])
        pos = match.end()
        inner = match.group(1).strip().strip("-").strip()
        if inner in special:
            result.append("{# prompty: " + match.group(0) + " #}")
            continue
        try:
            environment().parse(match.group(0))
        except jinja2.TemplateSyntaxError:
            prompt.note("escaped", where, f"not a Jinja2 expression, kept as literal text: {match.group(0)[:40]!r}")
            result.append(kept_source(match.group(0)))  # source syntax (mustache): marked for lint's TXT001
            continue
        result.append(match.group(0))
    result.append(line[pos:])
    return "".join(result)
