"""Writing imported prompts into a registry: drafts (or published versions), labels and datasets.

Nothing existing is overwritten: a version whose text equals an existing version of the same prompt is
skipped (so an import can be re-run), anything else becomes the next draft number. With ``publish``,
the new versions are published in source order and the source's labels are set on them.
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass, field
from pathlib import Path

from promptctl.errors import InputError, PromptctlError
from promptctl.interop.model import Finding, ImportedPrompt, ImportedVersion, jinja_literal
from promptctl.registry.frontmatter import content_sha256, parse_version_text
from promptctl.registry.index import INDEX_FILE, PromptIndex, atomic_write_text, folder_lock, locked_index
from promptctl.registry.registry import Registry, check_label, read_prompt_file
from promptctl.templating.environment import parse_source


@dataclass
class ImportRow:
    """What happened to one imported prompt.

    Attributes:
        name: The promptctl prompt name.
        original_name: The name in the source.
        format: The source format.
        created: References of the versions written (``name@3``), in order.
        skipped: Existing references whose text was identical to an imported version.
        published: True when the new versions were published.
        labels: Labels set, as ``label -> version``.
        findings: Converted, escaped and reported findings.
        dataset: The dataset file written, or None.
        ab_command: The ``promptctl ab`` command reproducing the source's evaluation, or None.
        sample: The sample input file written (``fixtures/<name>/sample.yaml``), or None.
    """

    name: str
    original_name: str
    format: str
    created: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    published: bool = False
    labels: dict[str, int] = field(default_factory=dict)
    findings: list[Finding] = field(default_factory=list)
    dataset: str | None = None
    ab_command: str | None = None
    sample: str | None = None

    def count(self, kind: str) -> int:
        """How many findings of ``kind`` (``converted``, ``escaped``, ``reported``)."""
        return sum(1 for f in self.findings if f.kind == kind)


_FINAL_USER_VARIABLE = re.compile(r"\{%-?\s*user\s*-?%\}\s*\{\{-?\s*(\w+)\s*-?\}\}\s*\{%-?\s*enduser\s*-?%\}\s*\Z")


def _mark_input(version: ImportedVersion) -> None:
    """Mark ``input: true`` on the variable that is the whole final user message (``{{transcript}}``), if none is.

    The formats imported have no such flag; that variable is the end user's text, which ``run NAME -`` reads from
    stdin and lint's injection rules look for.
    """
    variables = version.front_matter.get("variables")
    found = _FINAL_USER_VARIABLE.search(version.body)
    if not isinstance(variables, dict) or found is None or any(
            isinstance(v, dict) and v.get("input") for v in variables.values()):
        return
    spec = variables.get(found.group(1))
    if isinstance(spec, dict) and spec.get("type", "string") == "string":
        spec["input"] = True


def _checked_text(version: ImportedVersion, prompt: ImportedPrompt, where: str) -> str:
    """The version file's text, after checking it loads; an unparsable body is imported as literal text."""
    _mark_input(version)
    text = version.text()
    _, body, offset = parse_version_text(text, where=where)
    try:
        parse_source(body, where=where, line_offset=offset)
    except PromptctlError as exc:
        prompt.note("reported", version.source, f"the converted template does not parse ({exc.message}); imported "
                    "as literal text (literal: true)")
        version.front_matter.pop("variables", None)
        version.front_matter["literal"] = True
        version.body = _strip_raw(version.body)
        text = version.text()
        parse_version_text(text, where=where)
    return text


def _strip_raw(body: str) -> str:
    """Undo our own escaping before storing a body literally."""
    return body.replace("{%+ raw %}", "").replace("{%+ endraw +%}", "") if jinja_literal("{{") in body else body


def write_prompt(
    registry: Registry,
    prompt: ImportedPrompt,
    *,
    publish: bool = False,
    dataset_dir: Path | None = None,
) -> ImportRow:
    """Write one imported prompt's versions (and dataset) into the registry.

    Args:
        registry: The target registry.
        prompt: What was read.
        publish: Publish the new versions in source order and set the source's labels.
        dataset_dir: Where a dataset goes (``<dir>/<name>.yaml``); default ``datasets`` beside the prompts
            folder.

    Returns:
        The row for the result table.

    Raises:
        FrontMatterError: A converted version's front matter is invalid (a bug in a reader: please report).
    """
    row = ImportRow(prompt.name, prompt.original_name, prompt.format, findings=prompt.findings)
    folder = registry.folder(prompt.name)
    folder.mkdir(parents=True, exist_ok=True)
    if not (folder / INDEX_FILE).exists():
        atomic_write_text(folder / INDEX_FILE, PromptIndex(description=prompt.description).to_yaml())
    existing = {content_sha256(read_prompt_file(registry.root, p)): n for n, p in _files(registry, prompt.name)}
    new: list[tuple[int, ImportedVersion]] = []
    with folder_lock(folder):  # numbers are chosen and files created under the lock, exclusively (as `new`)
        for version in prompt.versions:
            number = registry.next_number(prompt.name)
            path = folder / f"v{number}.j2"
            text = _checked_text(version, prompt, str(path))
            sha = content_sha256(text)
            if sha in existing:
                row.skipped.append(f"{prompt.name}@{existing[sha]}")
                new.append((existing[sha], version))
                continue
            atomic_write_text(path, text, exclusive=True)
            existing[sha] = number
            row.created.append(f"{prompt.name}@{number}")
            new.append((number, version))
    if publish:
        _publish(registry, prompt, new, row)
    else:
        for number, version in new:  # what only a published version holds: said, not dropped silently
            kept = [f"labels {', '.join(version.labels)}"] if version.labels else []
            kept += [f"commit message {version.message!r}"] if version.message else []
            if kept:
                prompt.note("reported", version.source, f"{' and '.join(kept)} not set on draft "
                            f"{prompt.name}@{number} (import with --publish to keep them)")
    if prompt.sample:
        _write_sample(registry, prompt, row)
    if prompt.dataset is not None:
        row.dataset = str(_write_dataset(registry, prompt, dataset_dir))
        refs = [ref for ref, _ in _variant_refs(row, prompt)]
        variants = [f"{ref}{suffix}" for ref in refs for suffix in (prompt.variants or [""])]
        if len(variants) >= 2:
            judge = " --judge " + prompt.variants[0].removeprefix("::").split("::")[0] if any(
                c.get("scorer") == "judge" for c in prompt.dataset.cases) and prompt.variants else ""
            dataset = Path(row.dataset)
            shown = dataset.relative_to(Path.cwd()) if dataset.is_relative_to(Path.cwd()) else dataset  # pasteable
            row.ab_command = "promptctl ab " + " ".join(variants) + f" --dataset {shlex.quote(str(shown))}{judge}"
    return row


def _variant_refs(row: ImportRow, prompt: ImportedPrompt) -> list[tuple[str, None]]:
    numbers = sorted({int(r.rsplit("@", 1)[1]) for r in row.created + row.skipped})
    return [(f"{prompt.name}@{n}", None) for n in numbers]


def _files(registry: Registry, name: str) -> list[tuple[int, Path]]:
    folder = registry.folder(name)
    return [(n, folder / f"v{n}.j2") for n in registry.version_numbers(name)]


def _publish(registry: Registry, prompt: ImportedPrompt, new: list[tuple[int, ImportedVersion]],
             row: ImportRow) -> None:
    with locked_index(registry.folder(prompt.name)) as index:
        published = {r.version for r in index.versions}
    for number, version in new:
        if number not in published:
            registry.publish(prompt.name, number, message=version.message or f"imported from {prompt.format} "
                             f"({version.source})")
            published.add(number)
    row.published = True
    for number, version in new:
        for label in version.labels:
            try:
                check_label(label)
            except InputError as exc:
                prompt.note("reported", version.source, f"label {label!r} not set: {exc.message}")
                continue
            registry.set_label(f"{prompt.name}@{number}", label)
            row.labels[label] = number


def _write_sample(registry: Registry, prompt: ImportedPrompt, row: ImportRow) -> None:
    """Write the prompt's sample input where ``diff`` and snapshot suites look for it; never overwrite one."""
    from promptctl import _yaml

    path = registry.root.parent / "fixtures" / prompt.name / "sample.yaml"
    text = _yaml.dump(prompt.sample)
    if path.exists():
        if path.read_text(encoding="utf-8") != text:
            prompt.note("reported", str(path), "a different sample input exists: kept (the source's sample is in "
                        "the version's metadata.sample)")
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write_text(path, text)
    row.sample = str(path)


def _write_dataset(registry: Registry, prompt: ImportedPrompt, dataset_dir: Path | None) -> Path:
    assert prompt.dataset is not None
    folder = dataset_dir or registry.root.parent / "fixtures" / "datasets"  # where promptctl init puts its dataset
    folder.mkdir(parents=True, exist_ok=True)
    text = prompt.dataset.to_yaml()
    path = folder / f"{prompt.name}.yaml"
    n = 2
    while path.exists() and path.read_text(encoding="utf-8") != text:
        path = folder / f"{prompt.name}-{n}.yaml"
        n += 1
    atomic_write_text(path, text)
    for name, content in prompt.dataset.files.items():
        target = folder / name
        if target.exists() and target.read_text(encoding="utf-8") != content:
            raise InputError(f"{target} exists with other content", hint="move it away, or use --dataset-dir")
        atomic_write_text(target, content)
    return path
