r"""promptfoo configurations (``promptfooconfig.yaml``), in and out.

Import (https://www.promptfoo.dev/docs/configuration/reference/):

- ``prompts`` (strings, ``file://`` paths and globs of text, markdown or JSON chat files, or
  ``{id, label, raw}`` objects) become the versions of one prompt, in order; Nunjucks ``{{ var }}`` is
  Jinja2 already; an expression that is not valid Jinja2 is escaped and reported; a JSON chat prompt
  (``[{role, content}]``) becomes message tags;
- ``providers`` become ``ab`` variants (``NAME@1::openai:gpt-4.1``), with their ``config`` sampling
  parameters as ``::temperature=0``-style overrides; providers promptctl does not have are reported;
- ``tests`` (inline, or a ``file://`` CSV/YAML/JSON file) and ``defaultTest`` become a dataset:
  ``vars`` -> ``vars``; assertions -> scorers:

  ==============================  ========================================================
  promptfoo assertion             promptctl scorer
  ==============================  ========================================================
  ``equals``                      ``exact``
  ``contains``                    ``regex:<the text, escaped>`` (case-sensitive, like promptfoo)
  ``icontains``                   ``contains`` (case-insensitive)
  ``contains-all``/``icontains-all``  ``regex``/``contains`` per value
  ``contains-any``/``icontains-any``  ``regex:(?:a|b)`` (``(?i)`` for ``icontains-any``)
  ``regex``                       ``regex:<pattern>``
  ``is-json`` (optional schema)   ``json_schema`` (the schema is written beside the dataset)
  ``contains-json``               ``contains_json``
  ``llm-rubric``                  ``judge`` with the value as the case's rubric
  ``not-contains``/``not-icontains``  ``regex:\A(?![\s\S]*<the text, escaped>)`` (``(?i)`` for ``not-icontains``)
  ``not-contains-any``/``not-icontains-any``  the same with ``(?:a|b)``: none of the values appears
  ==============================  ========================================================

  Several assertions on one test become the ``all`` scorer (every check must pass, as in promptfoo).
  An ``llm-rubric`` next to other assertions is kept as the case's ``rubric`` (run with ``--scorer judge``
  to apply it) and reported; any other assertion type (``javascript``, ``python``, other ``not-*``, ``cost``,
  ``latency``...) is kept in the case's metadata and reported.

Export writes the prompt's versions as JSON chat prompt files (Nunjucks), its dataset's cases as
``tests`` with the scorers as assertions where they map (plus the assertions an import kept in the case's
``metadata.promptfoo_assert``), and the variants as ``providers``.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import jinja2

from promptctl.errors import InputError
from promptctl.interop.common import load_yaml, map_parameters, read_text, split_model
from promptctl.interop.model import (
    Finding,
    FindingKind,
    ImportedDataset,
    ImportedPrompt,
    ImportedVersion,
    derive_name,
    jinja_literal,
)
from promptctl.limits import read_input_text
from promptctl.templating.environment import environment, referenced_variables

_EXPR = re.compile(r"\{\{(.*?)\}\}", re.DOTALL)
_ROLES = {"system": "system", "user": "user", "assistant": "assistant", "developer": "system"}
_PY_TYPES = ((bool, "boolean"), (int, "integer"), (float, "number"), (list, "list"), (dict, "object"))


def read(path: Path) -> list[ImportedPrompt]:
    """Read a promptfoo configuration (see the module docstring).

    Raises:
        InputError: Not a mapping, no prompts, or a prompt or tests file that cannot be read.
    """
    config = load_yaml(read_text(path), str(path))
    if not isinstance(config, dict) or "prompts" not in config:
        raise InputError(f"{path}: not a promptfoo configuration (no 'prompts')")
    base = path.parent
    original = _source_name(config) or str(config.get("description")
                                            or (base.name if path.stem == "promptfooconfig" else path.stem))
    prompt = ImportedPrompt(derive_name(original), original, "promptfoo", description=config.get("description"))
    tests = _tests(config, base, path, prompt)
    prompts = config["prompts"] if isinstance(config["prompts"], list) else [config["prompts"]]
    for i, item in enumerate(prompts, start=1):
        for text, label, where in _prompt_texts(item, base, f"{path}#prompts[{i}]", prompt):
            body = _body(text, prompt, where)
            metadata: dict[str, Any] = {"imported_from": {"format": "promptfoo", "name": original, "prompt": i}}
            if label:
                metadata["promptfoo_label"] = label
            if config.get("providers"):
                metadata["promptfoo_providers"] = config["providers"]
            fm: dict[str, Any] = {}
            if config.get("description"):
                fm["description"] = " ".join(str(config["description"]).split())
            default_vars = (config.get("defaultTest") or {}).get("vars") or {} if isinstance(
                config.get("defaultTest"), dict) else {}
            variables = _variables(body, tests, default_vars, where)
            if variables:
                fm["variables"] = variables
            fm["metadata"] = metadata
            prompt.versions.append(ImportedVersion(fm, body, source=where))
    if not prompt.versions:
        raise InputError(f"{path}: no prompts to import")
    prompt.variants = _variants(config.get("providers"), prompt, str(path))
    prompt.dataset = _dataset(config, tests, prompt, str(path))
    return [prompt]


def _source_name(config: dict[str, Any]) -> str | None:
    """The prompt name when every prompt is labelled ``NAME@N`` with one NAME (as ``promptctl export`` writes)."""
    labels = {str(p.get("label", "")).rpartition("@")[0] for p in config["prompts"] if isinstance(p, dict)} \
        if isinstance(config.get("prompts"), list) else set()
    return labels.pop() if len(labels) == 1 and "" not in labels else None


def _prompt_texts(item: Any, base: Path, where: str, prompt: ImportedPrompt) -> list[tuple[str, str | None, str]]:
    """(text, label, where) for one ``prompts`` entry (a glob may give several)."""
    label = None
    if isinstance(item, dict):
        label = item.get("label")
        item = item.get("raw") if item.get("raw") is not None else item.get("id")
    if not isinstance(item, str):
        prompt.note("reported", where, f"prompt entry {item!r} is not text or a file: skipped")
        return []
    if not item.startswith("file://"):
        return [(item, label, where)]
    spec = item.removeprefix("file://")
    file_part, _, selector = spec.partition(":")
    paths = sorted(base.glob(file_part)) if any(c in file_part for c in "*?[") else [base / file_part]
    out = []
    for p in paths:
        if p.suffix.lower() in (".py", ".js", ".ts", ".mjs", ".cjs") or selector:
            prompt.note("reported", f"{where} ({p.name})", "a prompt function in code cannot be imported: skipped")
            continue
        text = read_text(p)
        if p.suffix.lower() in (".json", ".jsonl"):
            out.append((text, label or p.name, f"{p}"))
        else:
            parts = re.split(r"(?m)^---\s*$", text) if p.suffix.lower() == ".txt" else [text]
            out.extend((t.strip("\n"), label or p.name, str(p)) for t in parts if t.strip())
    return out


def _body(text: str, prompt: ImportedPrompt, where: str) -> str:
    stripped = text.strip()
    if stripped.startswith("[") and stripped.endswith("]"):
        try:
            messages = json.loads(stripped)
        except ValueError:
            messages = None
        if isinstance(messages, list) and all(isinstance(m, dict) and "role" in m for m in messages):
            parts = []
            for m in messages:
                role = _ROLES.get(str(m["role"]), "user")
                content = m.get("content")
                if not isinstance(content, str):
                    prompt.note("reported", where, f"a {m['role']} message with non-text content kept as JSON text")
                    content = json.dumps(content, ensure_ascii=False)
                parts.append(f"{{% {role} %}}\n{nunjucks_to_jinja(content, prompt, where)}\n{{% end{role} %}}")
            return "\n".join(parts)
    return nunjucks_to_jinja(text, prompt, where)


_NJ_TOKEN = re.compile(r"\{%-?\s*raw\s*-?%\}.*?\{%-?\s*endraw\s*-?%\}|\{\{.*?\}\}|\{%.*?%\}|\{#.*?#\}", re.DOTALL)


def nunjucks_to_jinja(text: str, prompt: ImportedPrompt, where: str) -> str:
    """Nunjucks text as promptctl Jinja2.

    ``| dump`` becomes ``| tojson``; an expression Jinja2 cannot parse is escaped (and reported). Nunjucks
    (as promptfoo configures it) neither trims the newline after a block tag nor the indentation before
    it, so block tags and comments get ``+`` to switch promptctl's ``trim_blocks``/``lstrip_blocks`` off.
    """
    out: list[str] = []
    pos = 0
    for match in _NJ_TOKEN.finditer(text):
        out.append(text[pos : match.start()])
        pos = match.end()
        tag = match.group(0)
        if tag.startswith("{%") and re.match(r"\{%-?\s*raw\b", tag):
            inner = re.sub(r"^\{%-?\s*raw\s*-?%\}|\{%-?\s*endraw\s*-?%\}$", "", tag)
            out.append(jinja_literal(inner))
            continue
        if tag.startswith(("{%", "{#")):
            opener, closer = tag[:2], tag[-2:]
            inner = tag[2:-2]
            left = "" if inner.startswith("-") else "+"
            right = "" if inner.endswith("-") else "+"
            out.append(f"{opener}{left}{inner}{right}{closer}")
            continue
        tag = tag.replace("| dump", "| tojson").replace("|dump", "|tojson")
        try:
            environment().parse(tag)
        except jinja2.TemplateSyntaxError:
            line = text.count("\n", 0, match.start()) + 1
            prompt.note("escaped", f"{where}:{line}", f"not a template expression, kept as literal text: {tag[:40]!r}")
            tag = jinja_literal(tag)
        out.append(tag)
    out.append(text[pos:])
    return "".join(out)


def _variables(body: str, tests: list[dict[str, Any]], defaults: dict[str, Any], where: str) -> dict[str, Any]:
    """Declared variables: those the template reads whose type the tests or ``defaultTest.vars`` show.

    ``defaultTest.vars`` values become defaults. A variable no test gives stays undeclared (any value).
    """
    try:
        names = referenced_variables(body, where=where)
    except InputError:
        return {}
    out: dict[str, Any] = {}
    for name in sorted(names):
        samples = [t["vars"][name] for t in tests if name in (t.get("vars") or {})]
        sample = next((v for v in samples if v is not None), defaults.get(name))
        if sample is None and name not in defaults:
            continue
        spec: dict[str, Any] = {"type": next((k for t, k in _PY_TYPES if isinstance(sample, t)), "string")}
        if name in defaults:
            spec["default"] = defaults[name]
        out[name] = spec
    return out


def _variants(providers: Any, prompt: ImportedPrompt, where: str) -> list[str]:
    items = providers if isinstance(providers, list) else [providers] if providers else []
    variants = []
    for item in items:
        pid, config = (item.get("id"), item.get("config") or {}) if isinstance(item, dict) else (item, {})
        if isinstance(item, dict) and pid is None and len(item) == 1:
            pid, inner = next(iter(item.items()))
            config = (inner or {}).get("config") or {}
        provider, model = split_model(str(pid)) if pid else (None, None)
        if provider is None or not model:
            prompt.note("reported", where, f"provider {pid!r} has no promptctl equivalent: not a variant")
            continue
        params, rest = map_parameters(config)
        if rest:
            prompt.note("reported", where, f"provider {pid}: config {', '.join(sorted(rest))} not carried over")
        suffix = f"::{provider}:{model}" + "".join(f"::{k}={json.dumps(v)}" for k, v in params.items())
        variants.append(suffix)
    return variants


def _tests(config: dict[str, Any], base: Path, path: Path, prompt: ImportedPrompt) -> list[dict[str, Any]]:
    if config.get("scenarios"):
        prompt.note("reported", str(path), "'scenarios' not imported (give the cases as tests)")
    return _load_tests(config.get("tests"), base, str(path))


def _load_tests(raw: Any, base: Path, where: str) -> list[dict[str, Any]]:
    if raw is None:
        return []
    if isinstance(raw, str):
        raw = [raw]
    out: list[dict[str, Any]] = []
    for item in raw:
        if isinstance(item, str) and item.startswith("file://"):
            target = base / item.removeprefix("file://")
            files = sorted(base.glob(item.removeprefix("file://"))) if any(c in item for c in "*?[") else [target]
            for f in files:
                out.extend(_tests_file(f))
        elif isinstance(item, dict):
            out.append(item)
        else:
            raise InputError(f"{where}: test {item!r} is not a mapping or a file:// path")
    return out


def _tests_file(path: Path) -> list[dict[str, Any]]:
    text = read_text(path)
    if path.suffix.lower() == ".csv":
        from promptctl.rows import read_rows

        rows = []
        for _, row in read_rows(path, what="tests").rows:
            test: dict[str, Any] = {"vars": {}, "assert": []}
            for key, value in row.items():
                if key is None:
                    continue
                if key.startswith("__expected"):
                    if value:
                        test["assert"].append(_csv_assertion(value))
                elif key == "__description":
                    test["description"] = value
                elif not key.startswith("__"):
                    test["vars"][key] = value
            rows.append(test)
        return rows
    if path.suffix.lower() == ".json":
        try:
            data = json.loads(text)
        except (ValueError, RecursionError) as exc:
            raise InputError(f"{path}: not valid JSON: {exc}", hint="promptfoo's tests file: a JSON list of tests") \
                from None
    else:
        data = load_yaml(text, str(path))
    return data if isinstance(data, list) else [data]


def _csv_assertion(value: str) -> dict[str, Any]:
    """Parse promptfoo's CSV ``__expected`` shorthand: ``contains: x``, ``regex: x``, ``llm-rubric: x``, else equals."""
    kind, sep, rest = value.partition(":")
    if sep and re.fullmatch(r"[a-z-]+", kind.strip()):
        return {"type": kind.strip(), "value": rest.strip()}
    return {"type": "equals", "value": value}


_DETERMINISTIC = {"equals", "contains", "icontains", "contains-all", "icontains-all", "contains-any",
                  "icontains-any", "regex", "is-json", "contains-json", "not-contains", "not-icontains",
                  "not-contains-any", "not-icontains-any"}
_ABSENT = re.compile(r"(\(\?i\))?\\A\(\?!\[\\s\\S\]\*(.*)\)", re.DOTALL)
r"""The ``regex`` scorer a ``not-contains``/``not-icontains`` imports as: ``\A(?![\s\S]*TEXT)``."""


def _absent(values: list[Any], *, ignore_case: bool) -> str:
    r"""A ``regex`` scorer that passes when none of ``values`` appears anywhere in the output.

    ``\A`` (not ``^``, which the scorer's multiline mode matches at every line) anchors the negative lookahead
    at the start of the output, and ``[\s\S]*`` crosses line ends.
    """
    texts = [re.escape(str(v)) for v in values]
    body = texts[0] if len(texts) == 1 else "(?:" + "|".join(texts) + ")"
    return "regex:" + ("(?i)" if ignore_case else "") + r"\A(?![\s\S]*" + body + ")"


def _checks(assertion: dict[str, Any], schemas: list[Any], prefix: str) -> list[dict[str, Any]]:
    """The promptctl ``{scorer, expected}`` checks for one deterministic promptfoo assertion."""
    kind, value = assertion.get("type"), assertion.get("value")
    values = value if isinstance(value, list) else [value]
    if kind == "equals":
        return [{"scorer": "exact", "expected": value if isinstance(value, str) else json.dumps(value)}]
    if kind in ("contains", "contains-all"):
        return [{"scorer": "regex:" + re.escape(str(v))} for v in values]
    if kind in ("icontains", "icontains-all"):
        return [{"scorer": "contains", "expected": str(v)} for v in values]
    if kind in ("contains-any", "icontains-any"):
        flags = "(?i)" if kind == "icontains-any" else ""
        return [{"scorer": "regex:" + flags + "(?:" + "|".join(re.escape(str(v)) for v in values) + ")"}]
    if kind in ("not-contains", "not-icontains", "not-contains-any", "not-icontains-any"):
        return [{"scorer": _absent(values, ignore_case=kind.startswith("not-i"))}]
    if kind == "regex":
        return [{"scorer": "regex:" + str(value)}]
    if kind == "is-json":
        if isinstance(value, dict):
            schemas.append(value)
            return [{"scorer": f"json_schema:{prefix}.schema{len(schemas)}.json"}]
        return [{"scorer": "json_schema"}]
    if kind == "contains-json":
        return [{"scorer": "contains_json", **({"expected": value} if isinstance(value, dict) else {})}]
    raise AssertionError(kind)


def convert_assertions(
    asserts: list[dict[str, Any]], case: dict[str, Any], schemas: list[Any], prompt: ImportedPrompt, where: str
) -> None:
    """Set a case's ``scorer``/``expected``/``rubric`` from promptfoo assertions (see the module docstring)."""
    checks: list[dict[str, Any]] = []
    rubric = None
    kept = []
    for assertion in asserts:
        kind = assertion.get("type")
        if kind in _DETERMINISTIC and not assertion.get("transform"):
            checks.extend(_checks(assertion, schemas, prompt.name))
            if assertion.get("weight") not in (None, 1) or assertion.get("threshold") is not None:
                prompt.note("reported", where, f"{kind}: weight/threshold not carried over (promptctl: all must pass)")
        elif kind == "llm-rubric" and isinstance(assertion.get("value"), str):
            rubric = assertion["value"]
        else:
            kept.append(assertion)
            how = " with transform" if assertion.get("transform") else ""
            prompt.note("reported", where, f"assertion '{kind}'{how} has no promptctl scorer: kept in the case's "
                        "metadata.promptfoo_assert")
    if kept:
        case.setdefault("metadata", {})["promptfoo_assert"] = kept
    if rubric is not None:
        case["rubric"] = rubric
        if not checks:
            case["scorer"] = "judge"
            return
        prompt.note("reported", where, "llm-rubric next to other assertions: the rubric is kept on the case (apply it "
                    "with --scorer judge); the other assertions are the scorer")
    if len(checks) == 1:
        case["scorer"] = checks[0]["scorer"]
        if "expected" in checks[0]:
            case["expected"] = checks[0]["expected"]
    elif checks:
        case["scorer"] = "all"
        case["expected"] = checks


def _dataset(config: dict[str, Any], tests: list[dict[str, Any]], prompt: ImportedPrompt,
             where: str) -> ImportedDataset | None:
    if not tests:
        return None
    default = config.get("defaultTest") or {}
    if isinstance(default, str):
        prompt.note("reported", where, f"defaultTest {default!r} (a file) not read")
        default = {}
    schemas: list[Any] = []
    cases = []
    first = len(prompt.findings)
    for i, test in enumerate(tests, start=1):
        at = f"{where}#tests[{i}]"
        case: dict[str, Any] = {"id": _case_id(test, i)}
        case["vars"] = {**(default.get("vars") or {}), **(test.get("vars") or {})}
        for name, value in case["vars"].items():
            if isinstance(value, str) and value.startswith("file://"):
                prompt.note("reported", at, f"variable '{name}' reads a file ({value}): kept as that text")
        asserts = list(default.get("assert") or []) + list(test.get("assert") or [])
        convert_assertions(asserts, case, schemas, prompt, at)
        if test.get("description"):
            case.setdefault("metadata", {})["description"] = test["description"]
        cases.append(case)
    _merge_repeated(prompt, first, where)
    files = {f"{prompt.name}.schema{i}.json": json.dumps(schema, indent=2, ensure_ascii=False) + "\n"
             for i, schema in enumerate(schemas, start=1)}
    return ImportedDataset(cases, description=config.get("description"), files=files)


def _merge_repeated(prompt: ImportedPrompt, first: int, where: str) -> None:
    """One finding, naming every test, for a message repeated on several tests (a ``defaultTest`` assertion)."""
    tests_of: dict[tuple[FindingKind, str], list[str]] = {}
    merged = []
    for finding in prompt.findings[first:]:
        if finding.where.startswith(f"{where}#tests["):
            tests_of.setdefault((finding.kind, finding.message), []).append(finding.where[len(where) + 6:])
        else:
            merged.append(finding)
    for (kind, message), tests in tests_of.items():
        at = tests[0] if len(tests) == 1 else "[" + ",".join(t.strip("[]") for t in tests) + "]"
        merged.append(Finding(kind, f"{where}#tests{at}", message))
    prompt.findings[first:] = merged


def _case_id(test: dict[str, Any], index: int) -> str:
    desc = test.get("description")
    if isinstance(desc, str) and desc.strip():
        slug = re.sub(r"[^a-z0-9]+", "-", desc.lower()).strip("-")[:40]
        if slug:
            return f"{index}-{slug}"
    return f"test-{index}"


def export(versions: list[Any], dataset: Path | None = None) -> tuple[str, list[str]]:
    """A ``promptfooconfig.yaml`` for promptctl versions (and a dataset): ``(text, notes)``.

    Each version becomes a prompt (a JSON chat prompt, Nunjucks inside, labelled ``NAME@N``), the
    versions' provider:model pairs (and the providers an imported config had) become ``providers``, the
    variables' defaults ``defaultTest.vars``, and the dataset's cases become ``tests`` with their scorers
    as assertions (``exact`` -> ``equals``, ``contains`` -> ``icontains``, ``regex`` -> ``regex`` (an
    escaped literal -> ``contains``), ``json_schema`` -> ``is-json``, ``contains_json`` ->
    ``contains-json``, ``judge`` -> ``llm-rubric``, ``all`` -> each check); a scorer without an assertion
    is noted.

    Raises:
        InputError: A template construct Nunjucks cannot express, or an invalid dataset.
    """
    from promptctl import _yaml
    from promptctl.interop.jinja_out import write_body

    notes: list[str] = []
    prompts = []
    providers: list[str] = []
    for version in versions:
        written = write_body(version.body, "nunjucks", where=version.ref, line_offset=version.body_line - 1)
        notes.extend(f"{version.ref}: {n}" for n in written.notes)
        raw = json.dumps([{"role": r, "content": c} for r, c in written.messages], ensure_ascii=False, indent=2)
        prompts.append({"id": version.ref, "label": version.ref, "raw": raw})
        fm = version.front_matter
        kept = fm.metadata.get("promptfoo_providers")
        for provider in (kept if isinstance(kept, list) else []) + (
                [f"{fm.provider}:{fm.model}"] if fm.provider and fm.model else []):
            if provider not in providers:
                providers.append(provider)
    config: dict[str, Any] = {}
    description = versions[0].front_matter.description if versions else None
    if description:
        config["description"] = description
    config["prompts"] = prompts
    if providers:
        config["providers"] = providers
    defaults = {n: v.default for version in versions for n, v in version.front_matter.variables.items()
                if not v.required}
    if defaults:
        config["defaultTest"] = {"vars": defaults}
    if dataset is not None:
        config["tests"] = _export_tests(dataset, notes)
    return _yaml.dump(config), notes


def _export_tests(path: Path, notes: list[str]) -> list[dict[str, Any]]:
    from promptctl.evaluation.datasets import MISSING, load_dataset

    data = load_dataset(path)
    tests = []
    unmapped: dict[str, list[str]] = {}  # a note's text after "FILE: case ID: " -> the cases it is about
    for case in data.cases:
        test: dict[str, Any] = {"description": case.id, "vars": dict(case.variables)}
        spec = case.scorer or data.scorer
        expected = case.expected if case.expected is not MISSING else None
        case_notes: list[str] = []
        where = f"{path}: case {case.id}"
        asserts = _assertions(spec, expected, case.rubric or data.rubric, path.parent, where, case_notes)
        for note in case_notes:
            unmapped.setdefault(note.removeprefix(f"{where}: "), []).append(case.id)
        kept = case.metadata.get("promptfoo_assert")  # what an import could not convert goes back as it was
        if isinstance(kept, list):
            asserts += [a for a in kept if isinstance(a, dict) and a not in asserts]
        if asserts:
            test["assert"] = asserts
        tests.append(test)
    for text, ids in unmapped.items():  # one warning per kind, not one per case (a dataset-wide scorer: 30 lines)
        if len(ids) == 1:
            notes.append(f"{path}: case {ids[0]}: {text}")
        else:
            shown = ", ".join(ids[:3]) + (f" and {len(ids) - 3} more" if len(ids) > 3 else "")
            notes.append(f"{path}: {len(ids)} cases ({shown}): {text.replace('the test has', 'their tests have')}")
    return tests


def _assertions(spec: str | None, expected: Any, rubric: str | None, base: Path, where: str,
                notes: list[str]) -> list[dict[str, Any]]:
    if spec is None:
        if expected is None:
            return []
        spec = "normalised"
    name, _, arg = spec.partition(":")
    if name == "all" and isinstance(expected, list):
        return [a for check in expected for a in _assertions(check.get("scorer"), check.get("expected"), rubric, base,
                                                            where, notes)]
    if name == "exact":
        return [{"type": "equals", "value": expected}]
    if name == "contains":
        values = expected if isinstance(expected, list) else [expected]
        return [{"type": "icontains", "value": v} for v in values]
    if name == "regex":
        pattern = str(arg or expected)
        absent = _ABSENT.fullmatch(pattern)
        if absent and _unescapes(absent.group(2)) is not None:
            values = _unescapes(absent.group(2)) or []
            kind = "not-icontains" if absent.group(1) else "not-contains"
            if len(values) > 1:
                return [{"type": kind + "-any", "value": values}]
            return [{"type": kind, "value": values[0]}]
        literal = re.sub(r"\\(.)", r"\1", pattern)
        if re.escape(literal) == pattern:  # an escaped literal (how promptfoo's `contains` is imported)
            return [{"type": "contains", "value": literal}]
        return [{"type": "regex", "value": pattern}]
    if name in ("json_schema", "json"):
        if arg:
            try:
                return [{"type": "is-json", "value": json.loads(read_input_text(base / arg, what="JSON schema"))}]
            except (OSError, ValueError) as exc:
                raise InputError(f"{where}: cannot read JSON schema {base / arg}: {exc}") from None
        return [{"type": "is-json"}]
    if name == "contains_json":
        return [{"type": "contains-json", **({"value": expected} if isinstance(expected, dict) else {})}]
    if name == "judge" and rubric:
        return [{"type": "llm-rubric", "value": rubric}]
    notes.append(f"{where}: scorer '{spec}' has no promptfoo assertion; the test has no check for it")
    return []


def _unescapes(body: str) -> list[str] | None:
    """The literal texts of ``re.escape(TEXT)`` or ``(?:re.escape(A)|re.escape(B))``, else None."""
    parts = body[3:-1].split("|") if body.startswith("(?:") and body.endswith(")") else [body]
    texts = [re.sub(r"\\(.)", r"\1", part) for part in parts]
    return texts if all(re.escape(t) == part for t, part in zip(texts, parts, strict=True)) else None
