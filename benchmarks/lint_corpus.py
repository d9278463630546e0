"""Build a corpus of real, human-written prompts as promptctl prompt folders, lint it, sample findings to judge.

The issue 20 precision check (docs/lint.md, "Precision on real prompts"): `promptctl lint` is run over
public prompt collections converted the way a user migrating to promptctl would convert them, and a
seeded random sample of its warning/error findings is judged by hand. Nothing fetched is committed:
this script reads the collections from local git clones (bare or not) and writes prompt folders into a
directory of your choice (a temporary one). A small judged sample is kept in tests/lint/corpus/.

Collections and their conversion (each prompt: ``provider: openai``, ``model: gpt-4.1-mini`` and a
secondary Claude target ``models: {anthropic: claude-sonnet-4-6}``, as a team serving both would write):

- ``danielmiessler/fabric`` (MIT): every ``data/patterns/NAME/system.md`` (or ``patterns/...``) becomes
  the system message; the user message is the pattern's ``user.md`` (if any) followed by ``{{ input }}``
  (``input: true``), which is how fabric sends the piped input; a ``{{input}}`` inside ``system.md`` is
  where fabric puts it instead, and other ``{{name}}`` placeholders are fabric's ``-v`` variables: both become
  declared variables, as ``promptctl import`` converts them (:func:`fabric_prompt`).
- ``microsoft/prompty`` (MIT): every ``.prompty`` file in the history (newest blob per path, identical
  bodies once): ``system:``/``user:``/``assistant:`` lines become message tags, ``{{name}}`` references
  become declared variables (``input: true`` when rendered in a user message), ``temperature`` and
  ``max_tokens`` are kept, structured ``outputs`` become an output schema, tools are kept in ``metadata``.
- ``f/awesome-chatgpt-prompts`` (CC0-1.0): a seeded random sample of the chat prompts of ``prompts.csv``
  (the newest blob of it present in the clone; rows of type IMAGE and prompts for image, video or music
  models are left out (:func:`is_media_prompt`: two or more cues such as "camera", "aspect ratio",
  "photorealistic", or one of "create an image/photo/poster ...", "ultra-realistic", "reference photo",
  "108 BPM", "--ar 16:9", or three scene words such as "lighting", "shadows", "foreground" in a prompt that
  never addresses a chat model) as the system message, ``{{ input }}`` as the user message.

- ``microsoft/promptflow`` (MIT; held out: no rule was tuned on it): every ``.jinja2`` and ``.prompty`` file at
  HEAD except test fixtures (``tests/``), CI scripts and code-generation templates (``flow.dag.yaml.jinja2``,
  ``Dockerfile.jinja2``), identical bodies once (the ``-maf`` copies of flows), read by promptctl's Prompty
  importer (:func:`convert_promptflow`): ``# system:``/``user:`` lines become message tags, a chat-history loop
  of role lines becomes a ``messages`` variable, a template without role lines is one user message (a
  ``system`` file name: the system message) and one of under 8 words a fragment left out; variables in a user
  message are ``input: true``.

- ``microsoft/semantic-kernel`` (MIT; held out: no rule was tuned on it): every ``skprompt.txt`` (with its
  ``config.json``) and every YAML prompt file with a ``template:`` (handlebars, liquid or Semantic Kernel syntax) under
  ``prompt_template_samples/`` and the ``samples/`` folders at HEAD, test assets left out, identical bodies once (the
  plugins copied between python/ and dotnet/ samples), read by :func:`convert_semantic_kernel`: a template without
  ``<message role>`` tags is one user message, as Semantic Kernel sends it; ``{{$name}}`` (``{{name}}`` in
  handlebars/liquid) becomes a declared variable; plugin function calls (``{{recall $input}}``) stay literal text.

- ``firebase/genkit`` (Apache-2.0; held out: no rule was tuned on it): every ``.prompt`` (Dotprompt) file in the
  history (newest blob per path, files at HEAD first) except test fixtures, partials (inlined where used) and the
  ``.guides/`` documentation pages, near-copies once, fragments under 8 words and two format demonstrations left
  out, read by promptctl's Dotprompt importer (:func:`convert_dotprompt`); ``Azure-Samples/contoso-chat`` and
  ``Azure-Samples/contoso-creative-writer`` (MIT; held out): every ``.prompty`` at HEAD, read as promptflow's are
  (:func:`build_contoso`).

- ``confident-ai/deepeval`` (Apache-2.0; held out): every metric template ``deepeval/metrics/*/templates/*.txt`` at HEAD
  (Jinja2 already), one user message, fragments inlined, near-copies once (:func:`build_deepeval`);
  ``microsoft/graphrag`` (MIT; held out): every prompt string of its ``prompts/`` and ``prompt_tune/`` modules
  (``str.format`` placeholders become variables; ``*SYSTEM*`` ones the system message; :func:`build_graphrag`).

Template text that Jinja2 would read (``{{``, ``{%``, ``{#``) is kept literal with ``{% raw %}``.

    python benchmarks/lint_corpus.py build OUT --fabric DIR --prompty DIR --awesome DIR [--awesome-count 150]
    python benchmarks/lint_corpus.py build OUT --promptflow DIR  # a held-out collection
    python benchmarks/lint_corpus.py build OUT --semantic-kernel DIR  # another held-out collection
    python benchmarks/lint_corpus.py build OUT --genkit DIR --contoso DIR --contoso DIR  # Dotprompt, Prompty: held out
    python benchmarks/lint_corpus.py build OUT --deepeval DIR --graphrag DIR  # held out
    python benchmarks/lint_corpus.py stats OUT
    python benchmarks/lint_corpus.py sample OUT --seed 7 --size 40 > sample.yaml
    python benchmarks/lint_corpus.py precision tests/lint/corpus/verdicts.yaml
    python benchmarks/lint_corpus.py reapply tests/lint/corpus/verdicts.yaml [--all-samples]   # today's rules
    python benchmarks/lint_corpus.py export OUT tests/lint/corpus/verdicts.yaml tests/lint/corpus/prompts  # new ones
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import random
import re
import shutil
import subprocess
import sys
import textwrap
from collections import Counter
from pathlib import Path
from typing import Any

import yaml

PRIMARY = ("openai", "gpt-4.1-mini")
SECONDARY = {"anthropic": "claude-sonnet-4-6"}
_JINJA = re.compile(r"\{[{%#]")
_VAR = re.compile(r"\{\{\s*([A-Za-z_]\w*)((?:\.\w+)*)\s*\}\}")
_HISTORY = re.compile(
    r"\{%-?\s*for\s+(\w+)\s+in\s+(\w+)\s*-?%\}\s*\{\{\s*\1\.role\s*\}\}\s*:\s*\{\{\s*\1\.content\s*\}\}\s*"
    r"\{%-?\s*endfor\s*-?%\}"
)
_LOOP = re.compile(r"\{%-?\s*for\s+\w+\s+in\s+([A-Za-z_]\w*)")


def _git(repo: Path, *args: str) -> str:
    return subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True, text=True).stdout


def _blob(repo: Path, ref: str) -> str | None:
    done = subprocess.run(["git", "-C", str(repo), "cat-file", "-p", ref], capture_output=True)
    return done.stdout.decode("utf-8", "replace") if done.returncode == 0 else None


def _slug(text: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
    return slug[:60].strip("-") or "prompt"


def _literal(text: str) -> str:
    """Template text for ``text`` taken literally (raw block when Jinja2 would read part of it)."""
    return "{% raw %}" + text + "{% endraw %}" if _JINJA.search(text) else text


def _front_matter(description: str, variables: dict[str, Any], metadata: dict[str, Any],
                  extra: dict[str, Any] | None = None) -> str:
    fm: dict[str, Any] = {
        "description": " ".join(description.split())[:200] or "imported prompt",
        "provider": PRIMARY[0], "model": PRIMARY[1], "models": dict(SECONDARY),
    }
    fm.update(extra or {})
    fm["variables"] = variables
    fm["metadata"] = metadata
    return "---\n" + yaml.safe_dump(fm, sort_keys=False, allow_unicode=True, width=120) + "---\n"


def _write(out: Path, name: str, text: str, description: str, used: set[str]) -> str:
    base, n = name, 2
    while (out / name).exists():
        name, n = f"{base}-{n}", n + 1
    folder = out / name
    folder.mkdir(parents=True)
    (folder / "prompt.yaml").write_text(yaml.safe_dump({"description": " ".join(description.split())[:200]}),
                                        encoding="utf-8")
    (folder / "v1.j2").write_text(text, encoding="utf-8")
    used.add(name)
    return name


def _plain_prompt(system: str, user_prefix: str, description: str, metadata: dict[str, Any]) -> str:
    variables = {"input": {"type": "string", "input": True, "description": "The text the user sends"}}
    user = (_literal(user_prefix.rstrip()) + "\n\n" if user_prefix.strip() else "") + "{{ input }}"
    return (_front_matter(description, variables, metadata)
            + "{% system %}\n" + _literal(system.strip()) + "\n{% endsystem %}\n"
            + "{% user %}\n" + user + "\n{% enduser %}\n")


def fabric_prompt(system: str, user_text: str, description: str, metadata: dict[str, Any]) -> str:
    """A fabric pattern as fabric sends it, converted the way ``promptctl import`` converts it.

    ``{{name}}`` placeholders become declared variables (fabric fills them from ``-v=#name:value``); a
    ``{{input}}`` in ``system.md`` is where fabric puts the piped input (at the very end, under ``# INPUT``, it
    becomes the user message), else the input is the user message (after ``user.md``). Other template syntax
    (Vue, Nuclei expressions) is kept literal.
    """
    from promptctl.interop.common import convert_mustache
    from promptctl.interop.model import ImportedPrompt

    prompt = ImportedPrompt("pattern", "pattern", "fabric")
    body, found = convert_mustache(system.strip(), prompt, where="system.md", prose=True)
    from promptctl.interop.text import split_trailing_input

    user = ""
    if "input" in found and not user_text.strip():
        body, user = split_trailing_input(body)
    if user_text.strip():
        user, more = convert_mustache(user_text.strip(), prompt, where="user.md", prose=True)
        found.update(more)
    if "input" not in found:
        user, found["input"] = (user + "\n\n" if user else "") + "{{ input }}", None
    variables: dict[str, Any] = {name: {"type": "string"} for name in found}
    variables["input"] = {"type": "string", "input": True, "description": "The text the user sends"}
    text = _front_matter(description, variables, metadata) + "{% system %}\n" + body + "\n{% endsystem %}\n"
    return text + ("{% user %}\n" + user + "\n{% enduser %}\n" if user else "")


def build_fabric(repo: Path, out: Path, used: set[str]) -> int:
    commit = _git(repo, "rev-parse", "HEAD").strip()
    files = _git(repo, "ls-tree", "-r", "--name-only", "HEAD").split("\n")
    count = 0
    for path in sorted(f for f in files if re.fullmatch(r"(?:data/)?patterns/[^/]+/system\.md", f)):
        system = _blob(repo, f"HEAD:{path}")
        if not system or not system.strip():
            continue
        folder = path.rsplit("/", 1)[0]
        user = _blob(repo, f"HEAD:{folder}/user.md") if f"{folder}/user.md" in files else ""
        pattern = folder.rsplit("/", 1)[1]
        meta = {"source": "danielmiessler/fabric", "path": path, "commit": commit, "licence": "MIT"}
        text = fabric_prompt(system, user or "", f"fabric pattern {pattern}", meta)
        _write(out, "fabric-" + _slug(pattern), text, f"fabric pattern {pattern}", used)
        count += 1
    return count


_ROLE_LINE = re.compile(r"^\s*(system|user|assistant)\s*:\s*(.*)$", re.IGNORECASE)


def _prompty_messages(body: str) -> list[tuple[str, str]]:
    messages: list[tuple[str, list[str]]] = []
    for line in body.split("\n"):
        match = _ROLE_LINE.match(line)
        if match:
            messages.append((match.group(1).lower(), [match.group(2)] if match.group(2) else []))
        elif messages:
            messages[-1][1].append(line)
        elif line.strip():
            messages.append(("system", [line]))
    return [(role, "\n".join(lines).strip()) for role, lines in messages if "\n".join(lines).strip()]


def _prompty_model(meta: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """``(front matter extras, parameters)`` from a prompty ``model:`` block (v1 and v2 shapes)."""
    model = meta.get("model") if isinstance(meta.get("model"), dict) else {}
    params: dict[str, Any] = {}
    for key in ("parameters", "options"):
        block = model.get(key)
        if isinstance(block, dict):
            for name, value in block.items():
                target = {"maxOutputTokens": "max_tokens", "max_tokens": "max_tokens", "temperature": "temperature",
                          "top_p": "top_p", "topP": "top_p"}.get(name)
                if target and isinstance(value, int | float) and not isinstance(value, bool):
                    params[target] = value
    provider = str(model.get("provider") or (model.get("configuration") or {}).get("type") or "")
    extras: dict[str, Any] = {}
    if "anthropic" in provider:
        extras = {"provider": "anthropic", "model": "claude-sonnet-4-6", "models": {"openai": PRIMARY[1]}}
    return extras, params


def _prompty_schema(meta: dict[str, Any]) -> dict[str, Any] | None:
    outputs = meta.get("outputs")
    items = outputs if isinstance(outputs, list) else [
        {"name": k, **(v if isinstance(v, dict) else {})} for k, v in (outputs or {}).items()
    ] if isinstance(outputs, dict) else []
    kinds = {"string": "string", "integer": "integer", "number": "number", "float": "number", "boolean": "boolean",
             "array": "array", "object": "object"}
    props: dict[str, Any] = {}
    required = []
    for item in items:
        if not isinstance(item, dict) or not item.get("name"):
            continue
        prop: dict[str, Any] = {"type": kinds.get(str(item.get("kind") or item.get("type") or "string"), "string")}
        if item.get("description"):
            prop["description"] = str(item["description"])
        props[str(item["name"])] = prop
        if item.get("required"):
            required.append(str(item["name"]))
    if not props:
        return None
    return {"type": "object", "properties": props, "required": required or list(props), "additionalProperties": False}


def convert_prompty(text: str, metadata: dict[str, Any]) -> tuple[str, str] | None:
    """``(version file text, description)`` for one .prompty file, or None when it has no messages."""
    match = re.match(r"^---\s*\n(.*?)\n---\s*\n(.*)$", text, re.S)
    meta: dict[str, Any] = {}
    body = text
    if match:
        try:
            loaded = yaml.safe_load(match.group(1))
        except yaml.YAMLError:
            loaded = None
        meta = loaded if isinstance(loaded, dict) else {}
        body = match.group(2)
    template = meta.get("template")
    fmt = template.get("format") if isinstance(template, dict) else template
    fmt = fmt.get("kind") if isinstance(fmt, dict) else fmt
    model = meta.get("model") if isinstance(meta.get("model"), dict) else {}
    api = str(model.get("api") or model.get("apiType") or "chat")
    if (fmt and str(fmt) not in ("jinja2", "jinja")) or api not in ("chat", "responses", "agent"):
        return None  # mustache templates, embeddings and images are not chat prompts
    history = _HISTORY.search(body)
    if history:  # a chat-history loop of "role: content" lines becomes a transcript in a user message
        body = body.replace(history.group(0), "")
    messages = _prompty_messages(body)
    if history:
        item, items = history.group(1), history.group(2)
        loop = f"{{% for {item} in {items} %}}{{{{ {item}.role }}}}: {{{{ {item}.content }}}}\n{{% endfor %}}"
        messages.insert(next((i for i, m in enumerate(messages) if m[0] != "system"), len(messages)), ("user", loop))
    if not any(role == "user" for role, _ in messages):
        return None  # no user turn: a runtime test fixture, not a prompt
    lists = set(_LOOP.findall(body)) | ({history.group(2)} if history else set())
    loop_vars = set(re.findall(r"\{%-?\s*for\s+(\w+)\s+in", body)) | ({history.group(1)} if history else set())
    variables: dict[str, Any] = {}
    rendered: list[str] = []
    for role, content in messages:
        for name, attrs in _VAR.findall(content):
            if name in variables or name in {"loop"} | loop_vars:
                continue
            kind = "list" if name in lists else "object" if attrs else "string"
            spec: dict[str, Any] = {"type": kind}
            if role == "user":
                spec["input"] = True
            variables[name] = spec
        for name in lists - set(variables):
            variables[name] = {"type": "list"}
        rendered.append(f"{{% {role} %}}\n{content}\n{{% end{role} %}}")
    if history:
        variables[history.group(2)] = {"type": "list", "input": True}
    extras, params = _prompty_model(meta)
    if params:
        extras["parameters"] = params
    schema = _prompty_schema(meta)
    if schema:
        extras["output"] = {"format": "json", "schema": schema}
    tools = meta.get("tools")
    if tools:
        metadata = {**metadata, "tools": json.loads(json.dumps(tools, default=str))}
    description = str(meta.get("description") or meta.get("name") or "prompty sample")
    return _front_matter(description, variables, metadata, extras) + "\n".join(rendered) + "\n", description


def _new_body(text: str, seen: set[str]) -> bool:
    """True the first time a body (front matter left out, whitespace collapsed) is seen; records it in ``seen``."""
    key = " ".join(re.sub(r"^---\s*\n.*?\n---\s*\n", "", text, flags=re.S).split())
    if key in seen:
        return False
    seen.add(key)
    return True


def build_prompty(repo: Path, out: Path, used: set[str]) -> int:
    log = _git(repo, "log", "--all", "--format=", "--raw", "--no-abbrev", "--diff-filter=AM", "--", "*.prompty")
    newest: dict[str, str] = {}
    for line in log.split("\n"):
        if line.startswith(":"):
            fields = line.split()
            newest.setdefault(fields[-1], fields[3])  # git log is newest first
    seen: set[str] = set()
    count = 0
    for path, blob in sorted(newest.items()):
        text = _blob(repo, blob)
        if text is None:
            continue
        if not _new_body(text, seen):
            continue
        meta = {"source": "microsoft/prompty", "path": path, "blob": blob, "licence": "MIT"}
        try:
            converted = convert_prompty(text.replace("\r\n", "\n"), meta)
        except (TypeError, ValueError, AttributeError):
            continue
        if converted is None:
            continue
        stem = path.rsplit("/", 1)[-1].removesuffix(".prompty")
        parent = path.rsplit("/", 2)[-2] if path.count("/") else ""
        _write(out, "prompty-" + _slug(f"{parent}-{stem}" if parent else stem), converted[0], converted[1], used)
        count += 1
    return count


_PF_SKIP = re.compile(r"(?:^|/)tests?/|^scripts/|/_sdk/data/|\.[A-Za-z]+\.jinja2$")
"""promptflow files that are not prompts: test fixtures, CI and packaging scripts, code generation templates
(``flow.dag.yaml.jinja2``, ``Dockerfile.jinja2`` under ``_sdk/data``, ``tool.py.jinja2``)."""
_PF_ROLE = re.compile(
    r"^[ \t]*#?[ \t]*(?:system|user|assistant|developer)[ \t]*:[ \t]*$|^[ \t]*\{\{[^}\n]*\}\}[ \t]*:[ \t]*$",
    re.I | re.M,
)
_PF_LOOP = re.compile(r"^[ \t]*\{%-?\s*for\s+\w+\s+in\s+(\w+)\s*-?%\}[ \t]*\n(.*?)^[ \t]*\{%-?\s*endfor\s*-?%\}[ \t]*$",
                      re.M | re.S)
_PF_TAG = re.compile(r"\{\{.*?\}\}|\{%.*?%\}|\{#.*?#\}", re.S)
_PF_FRAGMENT_WORDS = 8


def convert_promptflow(text: str, path: str, metadata: dict[str, Any]) -> tuple[str, str] | None:
    """``(version file text, description)`` for one promptflow ``.jinja2`` or ``.prompty`` file, or None.

    Read by promptctl's own Prompty importer (:func:`promptctl.interop.prompty.read`; promptflow's LLM node
    templates are Prompty bodies: ``system:``/``# user:`` role lines). A chat-history loop whose body has role
    lines (``{% for item in chat_history %}`` then ``# user:`` / ``{{item.role}}:``) becomes the conversation so
    far (a ``messages`` variable), as promptflow renders it as messages. A template without role lines is a
    completion prompt sent as one user message (a ``...system...`` file name: the system message, with the
    input as the user message); one with fewer than 8 words outside template tags (``{{divided|join('')}}``) is
    a fragment, not a prompt (None). Variables rendered in a user message are ``input: true``, as for Prompty.
    """
    import tempfile

    from promptctl.interop import prompty

    text = text.replace("\r\n", "\n")
    match = re.match(r"^\s*---[ \t]*\n(.*?)\n---[ \t]*\n(.*)$", text, re.S)  # blank lines may come first
    meta: dict[str, Any] = {}
    body = text
    if match:
        loaded = yaml.safe_load(match.group(1))
        meta = loaded if isinstance(loaded, dict) else {}
        body = match.group(2)
    model: dict[str, Any] = meta["model"] if isinstance(meta.get("model"), dict) else {}
    if str(model.get("api") or "chat") != "chat":
        return None
    threads: list[str] = []

    def thread(loop: re.Match[str]) -> str:
        if not _PF_ROLE.search(loop.group(2)):
            return loop.group(0)
        threads.append(loop.group(1))
        return "{{" + loop.group(1) + "}}"

    body = _PF_LOOP.sub(thread, body)
    stem = path.rsplit("/", 1)[-1].rsplit(".", 1)[0]
    if not _PF_ROLE.search(body):
        if len(re.findall(r"[A-Za-z]{2,}", _PF_TAG.sub(" ", body))) < _PF_FRAGMENT_WORDS:
            return None
        body = ("system:\n" + body.strip() + "\n\nuser:\n{{input}}\n" if "system" in stem.lower()
                else "user:\n" + body.strip() + "\n")
    inputs: dict[str, Any] = dict(meta["inputs"]) if isinstance(meta.get("inputs"), dict) else {}
    inputs = {**inputs, **{name: {"type": "thread"} for name in threads}}
    source = {"name": str(meta.get("name") or stem), "description": meta.get("description"), "inputs": inputs,
              "model": model}
    with tempfile.TemporaryDirectory() as tmp:
        file = Path(tmp) / (_slug(stem) + ".prompty")
        file.write_text("---\n" + yaml.safe_dump(source, sort_keys=False) + "---\n" + body, encoding="utf-8")
        version = prompty.read(file)[0].versions[0]
    converted = version.front_matter
    variables: dict[str, Any] = dict(converted.get("variables") or {})
    for name in re.findall(r"\{%-?\s*for\s+\w+(?:\s*,\s*\w+)*\s+in\s+([A-Za-z_]\w*)", version.body):
        if isinstance(variables.get(name), dict) and variables[name].get("type") == "string":
            variables[name]["type"] = "list"  # iterated: a list, as a migrating user declares it (Prompty said string)
    for name in re.findall(r"\{\{-?\s*([A-Za-z_]\w*)\.\w", version.body):
        if isinstance(variables.get(name), dict) and variables[name].get("type") == "string":
            variables[name]["type"] = "object"
    for block in re.findall(r"\{% user %\}(.*?)\{% enduser %\}", version.body, re.S):
        for name in re.findall(r"\{\{-?\s*([A-Za-z_]\w*)", block):
            spec = variables.get(name)
            if isinstance(spec, dict) and spec.get("type") in ("string", "object", "list"):
                spec["input"] = True
    if "input" in variables and "system" in stem.lower():
        variables["input"]["description"] = "The text the user sends"
    extras: dict[str, Any] = {}
    if converted.get("parameters"):
        extras["parameters"] = converted["parameters"]
    schema = _prompty_schema(meta)
    if schema:
        extras["output"] = {"format": "json", "schema": schema}
    if meta.get("tools"):
        metadata = {**metadata, "tools": json.loads(json.dumps(meta["tools"], default=str))}
    description = str(meta.get("description") or meta.get("name") or f"promptflow {stem}")
    return _front_matter(description, variables, metadata, extras) + version.body.rstrip("\n") + "\n", description


def build_promptflow(repo: Path, out: Path, used: set[str]) -> int:
    commit = _git(repo, "rev-parse", "HEAD").strip()
    files = [f for f in _git(repo, "ls-tree", "-r", "--name-only", "HEAD").split("\n")
             if f.endswith((".jinja2", ".prompty")) and not _PF_SKIP.search(f)]
    seen: set[str] = set()
    count = 0
    for path in sorted(files, key=lambda f: ("-maf/" in f, f)):  # keep the original flow, not its -maf copy
        text = _blob(repo, f"HEAD:{path}")
        if not text:
            continue
        if not _new_body(text, seen):
            continue
        meta = {"source": "microsoft/promptflow", "path": path, "commit": commit, "licence": "MIT"}
        converted = convert_promptflow(text, path, meta)
        if converted is None:
            continue
        parts = path.rsplit("/", 2)
        stem = parts[-1].rsplit(".", 1)[0]
        _write(out, "promptflow-" + _slug(f"{parts[-2]}-{stem}" if len(parts) > 1 else stem), converted[0],
               converted[1], used)
        count += 1
    return count


_SK_VAR = {
    "semantic-kernel": re.compile(r"\{\{\s*\$([A-Za-z_]\w*)\s*\}\}"),
    "handlebars": re.compile(r"\{\{\{?\s*([A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*)\s*\}?\}\}"),
    "liquid": re.compile(r"\{\{-?\s*([A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*)\s*-?\}\}"),
}
_SK_THREAD = re.compile(
    r"(?:\{\{#each\s+(\w+)\s*\}\}\s*(?:\{\{#each\s+this\s*\}\}\s*)?|\{%-?\s*for\s+\w+\s+in\s+(\w+)\s*-?%\}\s*)"
    r"<message\s+role=[\"']\{\{[^}]*\}\}[\"']\s*>\s*\{\{[^}]*\}\}\s*</message>\s*"
    r"(?:(?:\{\{/each\}\}\s*)+|\{%-?\s*endfor\s*-?%\})",
)
_SK_MESSAGE = re.compile(
    r"<message\s+role=[\"'](system|user|assistant|developer)[\"']\s*>(.*?)</message>|\x00(\w+)\x00", re.S | re.I)
_SK_SKIP = re.compile(r"(?:^|/)(?:tests?|IntegrationTests|UnitTests)/", re.I)


def _sk_text(text: str, fmt: str, found: dict[str, str]) -> str:
    """``text`` with its variable references as ``{{ name }}`` (in ``found``: name -> type), the rest literal."""
    out: list[str] = []
    pos = 0
    blocks: list[tuple[int, int]] = []  # handlebars/liquid blocks kept literal: their names are bound inside
    depth, start = 0, 0
    for tag in re.finditer(r"\{\{[#/]|\{%-?\s*(?:end)?(?:for|if|unless|with)\b", text):
        opening = "#" in tag.group(0) or "end" not in tag.group(0)
        if opening and depth == 0:
            start = tag.start()
        depth = max(depth + (1 if opening else -1), 0)
        if depth == 0 and not opening:
            blocks.append((start, tag.end()))
    if depth:
        blocks.append((start, len(text)))
    for match in _SK_VAR[fmt].finditer(text):
        name, _, attrs = match.group(1).partition(".")
        if fmt == "handlebars" and name in ("else", "this") or any(a <= match.start() < b for a, b in blocks):
            continue
        out.append(_literal(text[pos:match.start()]))
        found.setdefault(name, "object" if attrs else "string")
        out.append("{{ " + match.group(1) + " }}")
        pos = match.end()
    out.append(_literal(text[pos:]))
    return "".join(out)


def convert_semantic_kernel(template: str, fmt: str, config: dict[str, Any], name: str,
                            metadata: dict[str, Any]) -> tuple[str, str] | None:
    """``(version file text, description)`` for one Semantic Kernel prompt template, or None when it is empty.

    Semantic Kernel sends a rendered template as one user message unless it holds ``<message role="...">``
    tags, which become promptctl message tags (text outside them, which Semantic Kernel drops, is kept as a user
    message so nothing the author wrote is lost). Variable references become declared variables: ``{{$name}}``
    (``semantic-kernel`` format), ``{{name}}``/``{{a.b}}`` (``handlebars``, ``liquid``); a loop that emits one
    ``<message role="{{role}}">`` per item of a list (chat history, few-shot turns) becomes ``{% messages list %}``.
    Function calls (``{{recall $input}}``, ``{{time.now}}``, ``{{Plugin.Function history}}``), other helpers and
    indexed paths cannot be converted (promptctl templates call no plugins) and are kept as literal text, as a
    migrating user who has not yet replaced them would have them. Descriptions and defaults come from
    ``input_variables``; ``max_tokens``, ``temperature`` and ``top_p`` from the ``default`` (else first)
    execution settings. Variables in a user message are ``input: true``, as for Prompty and promptflow.
    """
    fmt = fmt if fmt in _SK_VAR else "semantic-kernel"
    body = template.replace("\r\n", "\n").lstrip("\ufeff")
    threads: list[str] = []

    def thread(match: re.Match[str]) -> str:
        if not (match.group(1) or match.group(2)):
            return match.group(0)
        threads.append(match.group(1) or match.group(2))
        return "\x00" + threads[-1] + "\x00"

    body = _SK_THREAD.sub(thread, body)
    parts: list[tuple[str, str]] = []
    if _SK_MESSAGE.search(body):
        pos = 0
        for match in _SK_MESSAGE.finditer(body):
            if body[pos:match.start()].strip():
                parts.append(("user", body[pos:match.start()]))
            parts.append(("thread", match.group(3)) if match.group(3) else (match.group(1).lower(), match.group(2)))
            pos = match.end()
        if body[pos:].strip():
            parts.append(("user", body[pos:]))
    elif body.strip():
        parts.append(("user", body))
    if not parts:
        return None
    found: dict[str, str] = {}
    rendered: list[str] = []
    inputs: set[str] = set()
    for role, content in parts:
        if role == "thread":
            rendered.append(f"{{% messages {content} %}}")
            continue
        role = "system" if role == "developer" else role
        before = set(found)
        text = _sk_text(textwrap.dedent(content.strip("\n")).strip(), fmt, found)
        if role == "user":
            inputs |= set(found) - before | {n for n in found if "{{ " + n in text}
        rendered.append(f"{{% {role} %}}\n{text}\n{{% end{role} %}}")
    declared = {str(v.get("name")): v for v in config.get("input_variables") or [] if isinstance(v, dict)}
    variables: dict[str, Any] = {}
    for var, kind in found.items():
        spec: dict[str, Any] = {"type": kind}
        source = declared.get(var, {})
        if source.get("description"):
            spec["description"] = str(source["description"])
        if isinstance(source.get("default"), str) and source["default"]:
            spec["default"] = source["default"]
        if var in inputs:
            spec["input"] = True
        variables[var] = spec
    for var in threads:
        variables[var] = {"type": "messages", "default": []}
    settings = config.get("execution_settings") or {}
    block = settings.get("default") if isinstance(settings.get("default"), dict) else next(
        (v for v in settings.values() if isinstance(v, dict)), {}) if isinstance(settings, dict) else {}
    params = {k: block[k] for k in ("max_tokens", "temperature", "top_p")
              if isinstance(block.get(k), int | float) and not isinstance(block.get(k), bool)}
    description = str(config.get("description") or "").strip() or f"semantic-kernel {name}"
    extras = {"parameters": params} if params else {}
    return _front_matter(description, variables, metadata, extras) + "\n".join(rendered) + "\n", description


def load_semantic_kernel(path: str, text: str, config_text: str | None) -> tuple[str, str, dict[str, Any], str] | None:
    """``(template, template format, config, name)`` of a ``skprompt.txt`` (with its ``config.json`` text) or a YAML
    prompt file, or None for a YAML file that is no prompt template (OpenAPI documents, agent specs)."""
    if path.endswith("skprompt.txt"):
        try:
            config = json.loads(config_text.lstrip("\ufeff")) if config_text else {}
        except json.JSONDecodeError:
            config = {}
        parts = path.rsplit("/", 3)
        return text, str(config.get("template_format") or "semantic-kernel"), config, f"{parts[-3]}-{parts[-2]}"
    try:
        config = yaml.safe_load(text.lstrip("\ufeff"))
    except yaml.YAMLError:
        return None
    if not isinstance(config, dict) or not isinstance(config.get("template"), str):
        return None
    name = path.rsplit("/", 1)[-1].split(".")[0]  # several files share a name: (GenerateStory)
    return config["template"], str(config.get("template_format") or "semantic-kernel"), config, name


def build_semantic_kernel(repo: Path, out: Path, used: set[str]) -> int:
    commit = _git(repo, "rev-parse", "HEAD").strip()
    files = [f for f in _git(repo, "ls-tree", "-r", "--name-only", "HEAD").split("\n")
             if re.match(r"(?:prompt_template_samples|dotnet/samples|python/samples|java/samples)/", f)
             and not _SK_SKIP.search(f) and (f.endswith("/skprompt.txt") or f.endswith((".yaml", ".yml")))]
    seen: set[str] = set()
    count = 0
    for path in sorted(files, key=lambda f: (not f.startswith("prompt_template_samples/"), f)):
        text = _blob(repo, f"HEAD:{path}")
        if not text:
            continue
        folder = path.rsplit("/", 1)[0]
        loaded = load_semantic_kernel(path, text, _blob(repo, f"HEAD:{folder}/config.json")
                                      if path.endswith("skprompt.txt") else None)
        if loaded is None:
            continue
        template, fmt, config, name = loaded
        if not _new_body(template, seen):
            continue
        meta = {"source": "microsoft/semantic-kernel", "path": path, "commit": commit, "licence": "MIT"}
        converted = convert_semantic_kernel(template, fmt, config, name, meta)
        if converted is None:
            continue
        _write(out, "sk-" + _slug(name), converted[0], converted[1], used)
        count += 1
    return count


_DP_SKIP = re.compile(r"(?:^|/)(?:tests?|testdata|_test_data|fixtures)/|(?:^|/)\.guides/|(?:^|/)_[^/]*\.prompt$")
"""genkit ``.prompt`` files that are not prompts: test fixtures, partials (``_style.prompt``, inlined where used) and
the ``.guides/`` documentation pages written for coding assistants (Dotprompt syntax, but API docs, not templates)."""
_DP_DEMO = {"js/doc-snippets/src/dotprompt/prompts/ex07.prompt",
            "py/samples/intro-prompt-loading/prompts/welcome.prompt"}
"""Format demonstrations, not prompts: ``This is the system prompt. ... This is a user message.`` and
``Welcome to the Genkit sample, {{user}}! This prompt was loaded from a file.``"""
_DP_NEAR = 0.95
"""A body this similar (difflib ratio, whitespace collapsed) to one already kept is a copy (a typo fixed, a label
renamed in a sample copied between the js/, py/ and go/ trees), kept once."""


def convert_dotprompt(text: str, path: str, metadata: dict[str, Any],
                      partials: Any = None) -> tuple[str, str] | None:
    """``(version file text, description)`` for one Dotprompt ``.prompt`` file, or None for an empty body.

    Read by promptctl's own Dotprompt importer (:func:`promptctl.interop.dotprompt.convert`, what ``promptctl
    import`` does): front matter ``config`` becomes parameters, ``input.schema`` typed variables, ``output.schema``
    an output schema (``strategy: structured``), role markers message tags (text before the first one, or a
    body without any, is the user message, as Dotprompt sends it), ``{{media url=VAR}}`` an image tag (a comment
    when it does not map), partials inlined, variables a named input schema leaves undeclared declared.
    Then, as for the other collections, ``provider: openai``, ``model: gpt-4.1-mini`` and a secondary Claude target
    (genkit's samples name Gemini models, which promptctl does not call: the importer keeps them in
    ``metadata.source_model``), variables the body reads but the input schema does not declare (a named schema
    registered in code) are declared, as Prompty's importer does, and variables rendered in a user message are
    ``input: true``.
    """
    from promptctl.interop import dotprompt

    text = text.replace("\r\n", "\n")
    stem = path.rsplit("/", 1)[-1].removesuffix(".prompt")
    _, version = dotprompt.convert(text, where=path, name=stem, partials=partials)
    body = version.body
    if not re.sub(r"\{[{%#].*?[}%#]\}", "", body, flags=re.S).strip():
        return None
    if "{% user %}" not in body and "{% system %}" not in body and "{% assistant %}" not in body:
        body = "{% user %}\n" + body.strip("\n") + "\n{% enduser %}\n"
    converted = version.front_matter
    variables: dict[str, Any] = json.loads(json.dumps(converted.get("variables") or {}))
    from promptctl.templating.environment import referenced_variables

    for name in sorted(referenced_variables(body, where=path) - set(variables) - {"loop"}):
        # read but not declared (a named input schema registered in code, a schema the importer refused): declared
        # as Prompty's importer declares them, a list when iterated, an object when an attribute is read
        iterated = re.search(r"\{%[-+]?\s*for\s+\w+(?:\s*,\s*\w+)*\s+in\s+" + name + r"\b", body)
        dotted = re.search(r"\{\{-?\s*" + name + r"\.\w", body)
        variables[name] = {"type": "list" if iterated else "object" if dotted else "string"}
    for block in re.findall(r"\{% user %\}(.*?)\{% enduser %\}", body, re.S):
        for name in re.findall(r"\{\{-?\s*([A-Za-z_]\w*)", block):
            spec = variables.get(name)
            if isinstance(spec, dict) and spec.get("type") in ("string", "object", "list"):
                spec["input"] = True
    extras: dict[str, Any] = {}
    for key in ("parameters", "strategy", "output"):
        if converted.get(key):
            extras[key] = converted[key]
    kept = {k: v for k, v in (converted.get("metadata") or {}).items() if k != "imported_from"}
    description = str(converted.get("description") or f"genkit {stem}")
    return _front_matter(description, variables, {**metadata, **kept}, extras) + body.rstrip("\n") + "\n", description


def build_dotprompt(repo: Path, out: Path, used: set[str]) -> int:
    """Every ``.prompt`` file in firebase/genkit's history (newest blob per path; files at HEAD first), see
    :data:`_DP_SKIP`, :data:`_DP_DEMO`, :data:`_DP_NEAR`; bodies of fewer than 8 words outside template tags are
    fragments (``Tell me a joke about {{subject}}.``), left out, as for promptflow."""
    import difflib

    commit = _git(repo, "rev-parse", "HEAD").strip()
    at_head = set(_git(repo, "ls-tree", "-r", "--name-only", "HEAD").split("\n"))
    log = _git(repo, "log", "--all", "--format=", "--raw", "--no-abbrev", "--diff-filter=AM", "--", "*.prompt")
    newest: dict[str, str] = {}
    for line in log.split("\n"):
        if line.startswith(":"):
            fields = line.split()
            newest.setdefault(fields[-1], fields[3])
    kept: list[str] = []
    count = 0
    for path in sorted(newest, key=lambda f: (f not in at_head, f)):
        if _DP_SKIP.search(path) or path in _DP_DEMO:
            continue
        text = _blob(repo, newest[path])
        if not text:
            continue
        folder = path.rsplit("/", 1)[0]

        def partial(name: str, folder: str = folder) -> str | None:
            blob = newest.get(f"{folder}/_{name}.prompt")
            found = _blob(repo, blob) if blob else None
            return re.sub(r"^\s*---\s*\n.*?\n---[ \t]*\n?", "", found, count=1, flags=re.S) if found else None

        body = re.sub(r"^(?:#[^\n]*\n|\s*\n)*---\s*\n.*?\n---[ \t]*(?:\n|$)", "", text.replace("\r\n", "\n"),
                      count=1, flags=re.S)
        if len(re.findall(r"[A-Za-z]{2,}", _PF_TAG.sub(" ", body))) < _PF_FRAGMENT_WORDS:
            continue
        key = " ".join(body.split())
        if any(difflib.SequenceMatcher(None, key, other).ratio() >= _DP_NEAR for other in kept):
            continue
        meta = {"source": "firebase/genkit", "path": path, "commit": commit if path in at_head else None,
                "blob": newest[path], "licence": "Apache-2.0"}
        meta = {k: v for k, v in meta.items() if v is not None}
        try:
            converted = convert_dotprompt(text, path, meta, partial)
        except Exception as exc:  # noqa: BLE001 - a file the importer refuses is reported, not fatal
            print(f"skipped {path}: {exc}", file=sys.stderr)
            continue
        if converted is None:
            continue
        kept.append(key)
        parts = path.rsplit("/", 3)
        stem = parts[-1].removesuffix(".prompt")
        parent = parts[-2] if parts[-2] != "prompts" else parts[-3]
        _write(out, "genkit-" + _slug(f"{parent}-{stem}"), converted[0], converted[1], used)
        count += 1
    return count


def build_contoso(repo: Path, out: Path, used: set[str], source: str) -> int:
    """Every ``.prompty`` file at HEAD of an Azure-Samples repository (contoso-chat, contoso-creative-writer), identical
    bodies once, read by promptctl's Prompty importer as :func:`convert_promptflow` reads promptflow's."""
    commit = _git(repo, "rev-parse", "HEAD").strip()
    files = [f for f in _git(repo, "ls-tree", "-r", "--name-only", "HEAD").split("\n") if f.endswith(".prompty")]
    seen: set[str] = set()
    count = 0
    for path in sorted(files):
        text = _blob(repo, f"HEAD:{path}")
        if not text or not _new_body(text, seen):
            continue
        meta = {"source": source, "path": path, "commit": commit, "licence": "MIT"}
        converted = convert_promptflow(text, path, meta)
        if converted is None:
            continue
        parts = path.rsplit("/", 2)
        stem = parts[-1].rsplit(".", 1)[0]
        prefix = "contoso-" + source.split("/")[-1].removeprefix("contoso-")
        _write(out, prefix + "-" + _slug(f"{parts[-2]}-{stem}" if len(parts) > 1 else stem), converted[0],
               converted[1], used)
        count += 1
    return count


_DE_FRAGMENT = re.compile(r"\{\{-?\s*_fragments\.(\w+)\s*-?\}\}")


def convert_deepeval(text: str, path: str, metadata: dict[str, Any], fragments: Any = None,
                     metric: str | None = None) -> tuple[str, str] | None:
    """``(version file text, description)`` for one deepeval metric template (``templates/NAME.txt``), or None.

    deepeval's metric prompts are Jinja2 already and are sent as one user message (``model.generate(prompt)``):
    the body is kept as it is, in a user message, with ``{{ _fragments.NAME }}`` (deepeval's shared snippets)
    inlined (literally, as deepeval passes them as values) from ``fragments(NAME)``; every variable the body reads
    is declared (``multimodal``, the flag deepeval always passes, a boolean defaulting to false; a list when
    iterated or indexed, an object when an attribute is read, a string otherwise), ``input: true`` except the flag.
    Bodies of fewer than 8 words outside template tags are fragments (None).
    """
    from promptctl.templating.environment import referenced_variables

    def inline(match: re.Match[str]) -> str:
        found = fragments(match.group(1)) if fragments else None
        if found is None:
            raise ValueError(f"{path}: unknown fragment {match.group(1)}")
        return _literal(found.strip("\n"))  # deepeval pastes a fragment's text as a value: not read as Jinja2

    body = _DE_FRAGMENT.sub(inline, text.replace("\r\n", "\n")).strip("\n")
    if len(re.findall(r"[A-Za-z]{2,}", _PF_TAG.sub(" ", body))) < _PF_FRAGMENT_WORDS:
        return None
    body = "{% user %}\n" + body + "\n{% enduser %}\n"
    variables: dict[str, Any] = {}
    for name in sorted(referenced_variables(body, where=path) - {"loop"}):
        if name == "multimodal":
            variables[name] = {"type": "boolean", "default": False,
                               "description": "deepeval's flag: the test case has images"}
            continue
        iterated = re.search(r"\{%[-+]?\s*for\s+\w+(?:\s*,\s*\w+)*\s+in\s+" + name + r"\b", body)
        indexed = re.search(r"\b" + name + r"\s*\[", body)
        dotted = re.search(r"\b" + name + r"\.\w", body)
        variables[name] = {"type": "list" if iterated or indexed else "object" if dotted else "string", "input": True}
    stem = path.rsplit("/", 1)[-1].removesuffix(".txt")
    description = f"deepeval {metric or path.split('/')[-3]} {stem.replace('_', ' ')}"
    return _front_matter(description, variables, metadata) + body, description


def build_deepeval(repo: Path, out: Path, used: set[str]) -> int:
    """Every metric template (``deepeval/metrics/*/templates/*.txt`` but ``class.txt``, the class name) at HEAD of
    confident-ai/deepeval, read by :func:`convert_deepeval`; near-copies (the reason templates metrics share) once."""
    import difflib

    commit = _git(repo, "rev-parse", "HEAD").strip()
    files = [f for f in _git(repo, "ls-tree", "-r", "--name-only", "HEAD").split("\n")
             if re.match(r"deepeval/metrics/.+/templates/[^/]+\.txt$", f) and not f.endswith("/class.txt")]

    def fragment(name: str) -> str | None:
        return _blob(repo, f"HEAD:deepeval/templates/metrics/fragments/{name}.txt")

    kept: list[str] = []
    count = 0
    for path in sorted(files):
        text = _blob(repo, f"HEAD:{path}")
        if not text:
            continue
        key = " ".join(text.split())
        if any(difflib.SequenceMatcher(None, key, other).ratio() >= _DP_NEAR for other in kept):
            continue
        folder = path.rsplit("/templates/", 1)[0]
        metric = (_blob(repo, f"HEAD:{folder}/templates/class.txt") or "").strip() or folder.rsplit("/", 1)[-1]
        meta = {"source": "confident-ai/deepeval", "path": path, "commit": commit, "licence": "Apache-2.0"}
        converted = convert_deepeval(text, path, meta, fragment, metric)
        if converted is None:
            continue
        kept.append(key)
        stem = path.rsplit("/", 1)[-1].removesuffix(".txt")
        _write(out, "deepeval-" + _slug(f"{folder.rsplit('/', 1)[-1]}-{stem}"), converted[0], converted[1], used)
        count += 1
    return count


_GR_FORMAT = re.compile(r"\{\{|\}\}|\{([A-Za-z_]\w*)\}")


def convert_python_format(text: str, name: str, path: str, metadata: dict[str, Any],
                          description: str) -> tuple[str, str] | None:
    """``(version file text, description)`` for one prompt held in a Python ``str.format`` template, or None.

    ``{name}`` becomes ``{{ name }}`` (a declared variable), ``{{``/``}}`` the literal braces they stand for
    (kept literal with ``{% raw %}``). A constant named ``*SYSTEM*`` is the system message, with the question as
    the user message (``input``), as graphrag's query engines send it; any other is one user message. Variables
    rendered in a user message are ``input: true``, as for the other collections; bodies under 8 words are fragments.
    """
    found: list[str] = []

    def piece(match: re.Match[str]) -> str:
        if match.group(0) in ("{{", "}}"):
            return match.group(0)[0]
        if match.group(1) not in found:
            found.append(match.group(1))
        return "\x00" + match.group(1) + "\x00"

    plain = _GR_FORMAT.sub(piece, text.replace("\r\n", "\n")).strip("\n")
    if len(re.findall(r"[A-Za-z]{2,}", plain.replace("\x00", " "))) < _PF_FRAGMENT_WORDS:
        return None
    parts = plain.split("\x00")
    body = "".join(_literal(part) if i % 2 == 0 else "{{ " + part + " }}" for i, part in enumerate(parts))
    system = "SYSTEM" in name.upper()
    variables: dict[str, Any] = {v: {"type": "string"} if system else {"type": "string", "input": True} for v in found}
    if system:
        variables.setdefault("input", {"type": "string", "input": True, "description": "The user's question"})
        text_out = "{% system %}\n" + body + "\n{% endsystem %}\n{% user %}\n{{ input }}\n{% enduser %}\n"
    else:
        text_out = "{% user %}\n" + body + "\n{% enduser %}\n"
    return _front_matter(description, variables, metadata) + text_out, description


_GR_SKIP = {"DEFAULT_TASK", "EXAMPLE_EXTRACTION_TEMPLATE", "UNTYPED_EXAMPLE_EXTRACTION_TEMPLATE", "CONTINUE_PROMPT",
            "LOOP_PROMPT", "GENERAL_KNOWLEDGE_INSTRUCTION", "NO_DATA_ANSWER"}
"""graphrag constants that are pieces of a prompt, a follow-up turn or a canned answer, not prompts."""


def python_prompts(source: str) -> list[tuple[str, str]]:
    """``(NAME, text)`` of every module-level ``NAME = "..."`` string of a graphrag module, but :data:`_GR_SKIP`."""
    import ast

    found = []
    for node in ast.parse(source).body:
        if (isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name)
                and isinstance(node.value, ast.Constant) and isinstance(node.value.value, str)
                and node.targets[0].id not in _GR_SKIP):
            found.append((node.targets[0].id, node.value.value))
    return found


def build_graphrag(repo: Path, out: Path, used: set[str]) -> int:
    """Every module-level prompt string of microsoft/graphrag's ``prompts/`` and ``prompt_tune/`` packages at HEAD
    (:data:`_GR_SKIP` left out, near-copies once), read by :func:`convert_python_format`."""
    import difflib

    commit = _git(repo, "rev-parse", "HEAD").strip()
    files = [f for f in _git(repo, "ls-tree", "-r", "--name-only", "HEAD").split("\n")
             if re.search(r"graphrag/(?:prompts|prompt_tune/(?:prompt|template))/.+\.py$", f)]
    kept: list[str] = []
    count = 0
    for path in sorted(files):
        for name, text in python_prompts(_blob(repo, f"HEAD:{path}") or ""):
            key = " ".join(text.split())
            if any(difflib.SequenceMatcher(None, key, other).ratio() >= _DP_NEAR for other in kept):
                continue
            meta = {"source": "microsoft/graphrag", "path": path, "constant": name, "commit": commit,
                    "licence": "MIT"}
            converted = convert_python_format(text, name, path, meta, f"graphrag {name.lower().replace('_', ' ')}")
            if converted is None:
                continue
            kept.append(key)
            _write(out, "graphrag-" + _slug(name.removesuffix("_PROMPT").replace("_", "-")), converted[0],
                   converted[1], used)
            count += 1
    return count


_MEDIA = re.compile(
    r"(?i)\b(camera|lens|aspect[_ ]ratio|photoreal\w*|cinematic|midjourney|veo|stable diffusion|dall-?e|"
    r"negative[_ ]prompt|lighting|8k|4k|portrait|depth of field|bokeh|image generation|"
    r"generate an? (?:image|photo|picture|video))\b"
)
"""Two or more of these: a prompt for an image or video model (not a chat prompt), left out."""
_SCENE = re.compile(
    r"(?i)\b(photo(?:graph)?s?|photography|framing|shadows?|foreground|background|outfit|pose|scene|depiction|"
    r"hand-drawn|sketch|realistic|vintage|atmosphere|ambiance|composition|color palette|close-up|shot|lighting|"
    r"film|camera|interior|panoramic|sky|clouds|lights|glow(?:ing)?|floating|sunset|sunrise|cartoon|crayons?|"
    r"watercolou?r)\b"
)
"""Three or more distinct of these in a prompt that does not address a chat model: a scene for an image model."""
_MEDIA_STRONG = re.compile(
    r"(?i)\b(?:create|generate|make|render|design|draw|paint)\s+(?:an?\s+|the\s+)?(?:[\w'-]+\s+){0,3}?"
    r"(?:image|photo(?:graph)?|picture|illustration|poster|render|wallpaper|drawing|painting|logo)s?\b"
    r"|\b\d{2,3}\s*BPM\b|--ar\s+\d|\bphotograph(?:y|ic)?\s+(?:style|aesthetic)\b"
    r"|\b(?:ultra|hyper)-?realistic\b|\bfilm\s+grain\b|\bvertical\s+framing\b|\breference\s+(?:photo|image)\b"
    r"|\b(?:couple|group|family|portrait)\s+photo\b|\bphoto\s*;|\bvisual_\w+|\bupload\s+your\s+(?:image|photo)\b"
    r"|\bthe\s+(?:final|resulting|output|entire|whole)\s+image\b|\b(?:if\s+)?the\s+image\s+contains\b|\b100%\s+vector\b"
    r"|\b(?:raster|vector)\s+(?:effects|art|graphics?|illustrations?)\b|\beditable\s+paths\b"
    r"|\bnano\s+banana\b|\b(?:scientific\s+)?illustrator\b|\billustrated\s+in\s+the\s+style\s+of\b"
    r"|\bin\s+the\s+style\s+of\s+(?:vintage|watercolou?r|oil\s+paintings?|anime|pixar|studio\s+ghibli)\b"
)
"""One of these: a prompt for an image, video or music model, left out."""
_CHAT = re.compile(
    r"(?i)\b(?:i\s+want\s+you\s+to|you\s+are|you\s+will|act\s+as|reply|respond|answer|ask\s+me|my\s+first)\b"
)
"""A prompt that addresses a chat model; kept unless a strong media cue says otherwise."""


def is_media_prompt(text: str) -> bool:
    """True when ``text`` is a prompt for an image, video or music model rather than an LLM chat prompt.

    One strong cue (``Create an image of``, ``ultra-realistic``, ``--ar 16:9``, ``108 BPM``, ``reference photo``)
    is enough, or two camera/model words (camera, lens, bokeh, midjourney, ...); otherwise three distinct scene
    words (lighting, shadows, foreground, photo, ...) in a prompt that never addresses a chat model
    ("you are", "I want you to", "reply").
    """
    if _MEDIA_STRONG.search(text):
        return True
    if len(_MEDIA.findall(text)) >= 2:
        return True
    scene = {m.lower() for m in _SCENE.findall(text)}
    return len(scene) >= 3 and not _CHAT.search(text)


def _awesome_csv(repo: Path) -> tuple[str, str]:
    for commit in _git(repo, "log", "--format=%H", "-n", "400", "--", "prompts.csv").split():
        text = _blob(repo, f"{commit}:prompts.csv")
        if text:
            return text, commit
    raise SystemExit(f"error: no readable prompts.csv in {repo} (hint: a clone with its blobs)")


def build_awesome(repo: Path, out: Path, used: set[str], count: int, seed: int) -> int:
    text, commit = _awesome_csv(repo)
    csv.field_size_limit(1 << 30)
    rows = [r for r in csv.DictReader(io.StringIO(text)) if (r.get("type") or "TEXT") != "IMAGE"
            and (r.get("prompt") or "").strip() and not is_media_prompt(r["prompt"])]
    for row in random.Random(seed).sample(rows, min(count, len(rows))):
        act = row.get("act") or "prompt"
        meta = {"source": "f/awesome-chatgpt-prompts", "path": "prompts.csv", "act": act, "commit": commit,
                "licence": "CC0-1.0"}
        version = _plain_prompt(row["prompt"], "", f"awesome-chatgpt-prompts: {act}", meta)
        _write(out, "awesome-" + _slug(act), version, f"awesome-chatgpt-prompts: {act}", used)
    return min(count, len(rows))


def lint_corpus(root: Path) -> Any:
    from promptctl.lint import lint
    from promptctl.registry.registry import Registry

    return lint(Registry(root), None)


def sample_findings(root: Path, seed: int, size: int) -> list[dict[str, Any]]:
    report = lint_corpus(root)
    chosen = [f for f in report.findings if f.severity in ("warning", "error")]
    picked = random.Random(seed).sample(chosen, min(size, len(chosen)))
    return [
        {"prompt": f.ref.partition("@")[0], "rule": f.rule, "severity": f.severity, "line": f.line,
         "message": f.message, "verdict": "", "reason": ""}
        for f in sorted(picked, key=lambda f: (f.ref, f.rule))
    ]


def stats(root: Path) -> dict[str, Any]:
    report = lint_corpus(root)
    warn = [f for f in report.findings if f.severity in ("warning", "error")]
    with_warning = {f.ref for f in warn}
    return {
        "prompts": len(report.checked),
        "warning_or_error_findings": len(warn),
        "prompts_without_warning": len(report.checked) - len(with_warning),
        "by_rule": dict(Counter(f.rule for f in warn).most_common()),
        "info_by_rule": dict(Counter(f.rule for f in report.findings if f.severity == "info").most_common()),
    }


def precision(verdicts: list[dict[str, Any]]) -> dict[str, Any]:
    counts = Counter(v["verdict"] for v in verdicts)
    total = sum(counts.values())
    return {"judged": total, **dict(counts), "precision": round(counts["right"] / total, 3) if total else None}


STRICT = ("strict-", "independent-")
"""Samples judged by the strict standard (debatable counts as not right; a refinement belongs at info)."""


def reapply(verdicts: dict[str, list[dict[str, Any]]], findings: list[Any], *,
            prefixes: tuple[str, ...] = STRICT) -> dict[str, Any]:
    """The judged verdicts re-applied to the current rules: how many of today's warning/error findings are right.

    A (prompt, rule) takes the verdict of the last sample (in file order) whose name starts with one of
    ``prefixes`` that judged it. Only today's warning/error findings count (a judged finding now at info or gone is
    not a warning any more); findings of no judged (prompt, rule) are counted as ``unjudged``, not in the precision.

    Args:
        verdicts: ``samples`` of ``tests/lint/corpus/verdicts.yaml``.
        findings: Lint findings over ``tests/lint/corpus/prompts`` (objects with ``ref``, ``rule``, ``severity``).
        prefixes: Which samples count.

    Returns:
        ``{"judged": N, "right": R, "precision": R/N, "unjudged": U, "by_rule": {rule: [right, judged]}}``.
    """
    key: dict[tuple[str, str], str] = {}
    for sample, entries in verdicts.items():
        if sample.startswith(prefixes):
            for entry in entries:
                key[(entry["prompt"], entry["rule"])] = entry["verdict"]
    warned = {(f.ref.partition("@")[0], f.rule) for f in findings if f.severity in ("warning", "error")}
    by_rule: dict[str, list[int]] = {}
    unjudged = 0
    for prompt, rule_id in sorted(warned):
        verdict = key.get((prompt, rule_id))
        if verdict is None:
            unjudged += 1
            continue
        counts = by_rule.setdefault(rule_id, [0, 0])
        counts[0] += verdict == "right"
        counts[1] += 1
    right, judged = sum(c[0] for c in by_rule.values()), sum(c[1] for c in by_rule.values())
    return {"judged": judged, "right": right, "precision": round(right / judged, 4) if judged else None,
            "unjudged": unjudged, "by_rule": dict(sorted(by_rule.items(), key=lambda kv: -kv[1][1]))}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    b = sub.add_parser("build")
    b.add_argument("out", type=Path)
    b.add_argument("--fabric", type=Path)
    b.add_argument("--prompty", type=Path)
    b.add_argument("--awesome", type=Path)
    b.add_argument("--promptflow", type=Path)
    b.add_argument("--semantic-kernel", type=Path)
    b.add_argument("--genkit", type=Path)
    b.add_argument("--contoso", type=Path, action="append", default=[])
    b.add_argument("--deepeval", type=Path)
    b.add_argument("--graphrag", type=Path)
    b.add_argument("--awesome-count", type=int, default=150)
    b.add_argument("--seed", type=int, default=20)
    s = sub.add_parser("stats")
    s.add_argument("out", type=Path)
    m = sub.add_parser("sample")
    m.add_argument("out", type=Path)
    m.add_argument("--seed", type=int, required=True)
    m.add_argument("--size", type=int, default=40)
    p = sub.add_parser("precision")
    p.add_argument("verdicts", type=Path)
    r = sub.add_parser("reapply", help="re-apply the strict verdicts to today's rules over the kept prompts")
    r.add_argument("verdicts", type=Path)
    r.add_argument("--all-samples", action="store_true", help="every sample, not only the strict-standard ones")
    e = sub.add_parser("export")
    e.add_argument("out", type=Path)
    e.add_argument("verdicts", type=Path)
    e.add_argument("dest", type=Path)
    args = parser.parse_args(argv)
    if args.command == "build":
        args.out.mkdir(parents=True, exist_ok=True)
        used: set[str] = set()
        counts = {}
        if args.fabric:
            counts["fabric"] = build_fabric(args.fabric, args.out, used)
        if args.prompty:
            counts["prompty"] = build_prompty(args.prompty, args.out, used)
        if args.promptflow:
            counts["promptflow"] = build_promptflow(args.promptflow, args.out, used)
        if args.semantic_kernel:
            counts["semantic-kernel"] = build_semantic_kernel(args.semantic_kernel, args.out, used)
        if args.genkit:
            counts["genkit"] = build_dotprompt(args.genkit, args.out, used)
        for repo in args.contoso:
            folder = repo.resolve().parent.name if "+" in repo.resolve().parent.name else repo.resolve().name
            name = "Azure-Samples/" + folder.split("+", 1)[-1]  # a /work/.mirror/OWNER+NAME/repo clone or NAME/
            counts[name] = build_contoso(repo, args.out, used, name)
        if args.deepeval:
            counts["deepeval"] = build_deepeval(args.deepeval, args.out, used)
        if args.graphrag:
            counts["graphrag"] = build_graphrag(args.graphrag, args.out, used)
        if args.awesome:
            counts["awesome"] = build_awesome(args.awesome, args.out, used, args.awesome_count, args.seed)
        print(json.dumps(counts))
    elif args.command == "stats":
        print(json.dumps(stats(args.out), indent=1))
    elif args.command == "sample":
        yaml.safe_dump(sample_findings(args.out, args.seed, args.size), sys.stdout, sort_keys=False, width=200,
                       allow_unicode=True)
    elif args.command == "precision":
        data = yaml.safe_load(args.verdicts.read_text(encoding="utf-8"))
        for name, items in data["samples"].items():
            print(name, json.dumps(precision(items)))
    elif args.command == "reapply":
        data = yaml.safe_load(args.verdicts.read_text(encoding="utf-8"))
        report = lint_corpus(args.verdicts.parent / "prompts")
        result = reapply(data["samples"], report.findings, prefixes=("",) if args.all_samples else STRICT)
        by_rule = result.pop("by_rule")
        print(json.dumps(result))
        for rule_id, (right, judged) in by_rule.items():
            print(f"  {rule_id:9}{right:4}/{judged:<4}{right / judged:7.1%}")
    elif args.command == "export":
        data = yaml.safe_load(args.verdicts.read_text(encoding="utf-8"))
        names = {v["prompt"] for items in data["samples"].values() for v in items}
        args.dest.mkdir(parents=True, exist_ok=True)
        copied = 0
        for name in sorted(names):
            target = args.dest / name
            if target.exists():
                continue  # kept from an earlier sample: the prompt its findings were judged on
            if not (args.out / name).is_dir():
                raise SystemExit(f"error: {name} is neither in {args.dest} nor in {args.out}")
            shutil.copytree(args.out / name, target)
            copied += 1
        print(f"{copied} prompts copied to {args.dest} ({len(names)} judged)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
