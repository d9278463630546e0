"""OUT: output format (JSON without a schema; schema and prose disagreeing on field names).

OUT001 reports a JSON request in the prose at info when the prompt shows worked examples (an example input, then its
valid JSON output) and no invalid JSON (:func:`json_examples`): the shape is given, and a schema would add a guarantee
(validation, native structured output), not a missing specification. An example that is not valid JSON, a single format
template, or no example at all keeps the warning.
"""

from __future__ import annotations

import difflib
import json
import re
from collections.abc import Iterator
from typing import Any

from promptctl.lint import text as T
from promptctl.lint.context import VersionContext, example_sections, strip_markers
from promptctl.lint.model import Hit, rule

CATEGORY = "output format"


def schema_properties(schema: Any) -> set[str]:
    """Every property name in a JSON Schema, at any depth (properties, items, combinators, $defs)."""
    names: set[str] = set()
    stack = [schema]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            props = node.get("properties")
            if isinstance(props, dict):
                names |= {str(k) for k in props}
                stack += list(props.values())
            for key in ("items", "additionalProperties", "not", "if", "then", "else", "contains"):
                if isinstance(node.get(key), dict):
                    stack.append(node[key])
            for key in ("anyOf", "oneOf", "allOf", "prefixItems"):
                if isinstance(node.get(key), list):
                    stack += node[key]
            for key in ("$defs", "definitions"):
                if isinstance(node.get(key), dict):
                    stack += list(node[key].values())
        elif isinstance(node, list):
            stack += node
    return names


def _response_format(ctx: VersionContext) -> dict[str, Any] | None:
    value = ctx.fm.parameters.as_dict().get("response_format")
    return value if isinstance(value, dict) else None


def has_schema(ctx: VersionContext) -> bool:
    """True when the version declares an output schema (front matter ``output`` or a json_schema response_format)."""
    out = ctx.fm.output
    if out is not None and (out.json_schema or out.model):
        return True
    fmt = _response_format(ctx)
    return bool(fmt and fmt.get("type") == "json_schema" and (fmt.get("json_schema") or {}).get("schema"))


@rule(
    "OUT001", "warning", "The prompt asks for JSON but declares no output schema",
    rationale="""Asking for JSON in prose gives no contract: field names, types and required keys are left to the
    model, which varies them between calls. A declared schema (output.schema, or a pydantic model) lets the
    structured executor validate, retry, and use the provider's native structured output.""",
    fix="Declare the shape under output: in the front matter: output: {format: json, schema: {type: object, "
    "properties: {...}, required: [...], additionalProperties: false}}.",
    category=CATEGORY,
)
def json_needs_schema(ctx: VersionContext) -> Iterator[Hit]:
    """JSON requested (prose, ``output.format: json`` or ``response_format``) without a schema."""
    if has_schema(ctx):
        return
    out = ctx.fm.output
    if out is not None and out.format == "json":
        yield Hit("output.format is json but no schema (or model) is declared", ctx.field_line("output", "format"))
        return
    fmt = _response_format(ctx)
    if fmt and fmt.get("type") in ("json_object", "json_schema"):
        yield Hit(f"parameters.response_format is {fmt.get('type')} but no schema is declared",
                  ctx.field_line("parameters", "response_format"))
        return
    if "json" not in ctx.instruction_text().lower():
        return
    for unit in ctx.prose_units:
        if T.asks_for_json(unit) and not _endpoint_response(ctx, unit):
            message = f"the prompt asks for JSON ({unit[:60]!r}) but declares no output schema"
            material = _user_material(ctx, unit)
            valid, invalid = json_examples("\n".join(strip_markers(s.text) for s in ctx.segments))
            shown = not material and valid > 0 and not invalid
            if material:
                message += (" (the sentence is in the user message and the system prompt sets another output format:"
                            " likely material, such as a catalogue, not an instruction)")
            elif shown:
                message += (f" (only weak evidence of a missing specification: the prompt shows {valid} worked"
                            " example(s), an input and its valid JSON output; a schema would add a guarantee, not the"
                            " shape)")
            yield Hit(message, ctx.line_of(unit) or ctx.body_start(), severity="info" if material or shown else None)
            return


def _json_containers(text: str) -> Iterator[str]:
    """Balanced ``{...}`` and ``[...]`` spans of ``text`` (brackets inside double-quoted strings skipped)."""
    closing = {"{": "}", "[": "]"}
    i = 0
    while i < len(text):
        if text[i] not in closing:
            i += 1
            continue
        stack, j, in_string = [text[i]], i + 1, False
        while j < len(text) and stack:
            ch = text[j]
            if in_string:
                if ch == "\\":
                    j += 1
                elif ch == '"':
                    in_string = False
            elif ch == '"':
                in_string = True
            elif ch in closing:
                stack.append(ch)
            elif ch in "}]":
                if closing[stack[-1]] != ch:
                    break
                stack.pop()
            j += 1
        if stack:
            i += 1
        else:
            yield text[i:j]
            i = j


_EXAMPLE_INTRO = re.compile(r"(?i)\b(?:examples?|output|outputs|e\.g\.|for\s+instance|sample)\b")
_INPUT_INTRO = re.compile(r"(?i)\binputs?\b")


def _introduced_as_example(text: str, at: int) -> bool:
    """True when the span at ``at`` is introduced as an example output (``Example Output:``, ``OUTPUT:``, ``output:``).

    The text before it on its line (``OUTPUT: [...]``), else a short label line right above it that is not an input's
    (``Extracted statements:``), else the two non-blank lines above must name an example or an output and not an
    input (``Example input:`` introduces material, not the reply's shape); a structure to fill ("with the following
    structure:", "the EXACT JSON format below") is a format, not a worked example.
    """
    line_start = text.rfind("\n", 0, at) + 1
    prefix = text[line_start:at]
    if prefix.strip():  # "OUTPUT: [...]" on one line
        return bool(_EXAMPLE_INTRO.search(prefix)) and not _INPUT_INTRO.search(prefix)
    above = [line for line in text[:line_start].split("\n") if line.strip()][-2:]
    if above and _OUTPUT_LABEL.match(above[-1]) and not _EXAMPLE_INPUT.match(above[-1]):
        return True  # the output's own label right above it: "Extracted statements:", "output:"
    intro = " ".join(above)
    return bool(_EXAMPLE_INTRO.search(intro)) and not _INPUT_INTRO.search(intro)


_OUTPUT_LABEL = re.compile(r"^\s*(?:#+\s*)?[A-Za-z][\w-]*(?:\s+[\w-]+){0,3}\s*:\s*$")


def json_examples(text: str) -> tuple[int, list[str]]:
    """``(valid, invalid)``: how many worked JSON output examples in ``text`` parse, and the JSON spans that do not.

    A JSON span is a balanced ``{...}`` or ``[...]`` span holding a double-quoted string (``{"score": "1"}``,
    ``["Play some Pink Floyd."]``); ``{placeholder}`` slots and ``[insert ... here]`` brackets hold none. A valid span
    counts as a worked example only when introduced as one (``Example Output:``, ``OUTPUT:``; not ``Example input:``,
    not "the following structure:"; :func:`_introduced_as_example`) and after the example's own input (an input label
    such as ``Example Input:``, ``question:`` or ``context:`` since the previous JSON span; :data:`_EXAMPLE_INPUT`):
    an input with its output, as complete few-shot examples are (SYS007 reads those the same way). A single format
    template ("Output the results in JSON format as defined in this example:") is no worked example. Used by OUT001:
    worked examples that all parse give the shape; an invalid example (a missing comma, ``{Chain of thought: "..."}``)
    teaches a broken one.

    Args:
        text: Rendered prompt text, placeholder markers removed.
    """
    valid, invalid, at, previous_end = 0, [], 0, 0
    for span in _json_containers(text):
        at = text.find(span, at)
        if '"' not in span:
            continue
        try:
            json.loads(span)
        except ValueError:
            invalid.append(span)
        else:
            valid += _introduced_as_example(text, at) and bool(_EXAMPLE_INPUT.search(text, previous_end, at))
        previous_end = at + len(span)
    return valid, invalid


_EXAMPLE_INPUT = re.compile(
    r"(?im)^\s*(?:#+\s*)?(?:example\s+)?(?:input|inputs|question|context|query|text|sentence|answer|conversation|"
    r"statement|ground\s+truth|user|document|problem)\b[^\n:]{0,30}:"
)
"""The label of an example's input (``Example Input:``, ``question:``, ``context:``) between two JSON outputs: the
output after it is a worked example (input, then its output), not a format template."""


_ENDPOINT = re.compile(r"^\s*(?:[-*]\s*)?`?(?:GET|POST|PUT|PATCH|DELETE)\s+/\S*")


def _endpoint_response(ctx: VersionContext, unit: str) -> bool:
    """True when the JSON request ``unit`` follows an HTTP endpoint line (``GET /stats``, then ``Return JSON:``).

    That JSON is the response of software to build, not the model's output.
    """
    text = ctx.instruction_text()
    at = text.find(unit)
    if at < 0:
        return False
    lines = [line for line in text[:at].split("\n")[:-1][-3:] if line.strip()]
    return bool(lines) and bool(_ENDPOINT.match(lines[-1]))


def _user_material(ctx: VersionContext, unit: str) -> bool:
    """True when a JSON request ``unit`` is only in the user message while the system prompt states an output format.

    The system prompt carries the standing instructions; when it says what to output ("Only output Markdown", an
    ``# OUTPUT INSTRUCTIONS`` heading) and never mentions JSON, a JSON sentence in the user message's fixed text is
    material the user message carries (fabric's suggest_pattern lists every pattern, "... in JSON format" among
    them), weak evidence of an output request: OUT001 reports it at info.
    """
    system = ctx.instruction_text(system_only=True)
    if not system or unit in system or "json" in system.lower():
        return False
    return any(T.OUTPUT_TITLE.search(t) for t in T.titles(system)) or bool(T.OUTPUT_CUES.search(system))


def _output_text(ctx: VersionContext) -> str:
    """Rendered text of output-format and example sections (all instructions if there are none)."""
    wanted = T.OUTPUT_SECTIONS | example_sections()
    chosen = [s for s in ctx.segments if set(s.path) & wanted]
    if not chosen:
        chosen = [s for s in ctx.segments if s.role != "assistant"]
    return "\n".join(strip_markers(s.text) for s in chosen)


def _example_keys(examples: Any) -> set[str]:
    keys: set[str] = set()
    if not isinstance(examples, list):
        return keys
    for example in examples:
        output = example.get("output") if isinstance(example, dict) else None
        if isinstance(output, str):
            try:
                output = json.loads(output)
            except ValueError:
                keys |= set(T.JSON_KEY.findall(output))
                continue
        stack = [output]
        while stack:
            node = stack.pop()
            if isinstance(node, dict):
                keys |= {str(k) for k in node}
                stack += list(node.values())
            elif isinstance(node, list):
                stack += node
    return keys


@rule(
    "OUT002", "warning", "The output schema and the prose disagree on field names",
    rationale="""When the instructions or the examples show {"needsHuman": ...} and the schema says needs_human, the
    model follows one and the validator expects the other: every call fails validation or silently drops the
    field. Keys shown in the prose must be schema properties, and every required property should appear.""",
    fix="Use exactly the schema's property names in the output format section and in every example output.",
    category=CATEGORY,
)
def schema_matches_prose(ctx: VersionContext) -> Iterator[Hit]:
    """Keys written ``"key":`` in output/example text must be schema properties; required ones must be mentioned."""
    out = ctx.fm.output
    schema = out.json_schema if out is not None else None
    if not isinstance(schema, dict) or ctx.prompt is None:
        return
    properties = schema_properties(schema)
    if not properties:
        return
    text = _output_text(ctx)
    keys = set(T.JSON_KEY.findall(text)) | _example_keys(ctx.fm.examples)
    for key in sorted(keys - properties):
        close = difflib.get_close_matches(key, sorted(properties), n=1, cutoff=0.6)
        hint = f" (did you mean '{close[0]}'?)" if close else ""
        yield Hit(f"the prose uses field '{key}', which the output schema does not define{hint}",
                  ctx.line_of(f'"{key}"') or ctx.field_line("output", "schema"))
    if not keys:
        return
    props = schema.get("properties")
    top: dict[str, Any] = props if isinstance(props, dict) else {}
    required = [str(r) for r in schema.get("required", list(top))]
    for name in required:
        if name not in keys and not re.search(rf"(?<![\w-]){re.escape(name)}(?![\w-])", text):
            yield Hit(f"the schema requires '{name}' but the output format and examples never mention it",
                      ctx.field_line("output", "schema", "properties", name))
