"""What an import produces, before it is written: prompts, versions, datasets and findings.

Every reader (one module per format) turns a source file into :class:`ImportedPrompt` values made of
:class:`ImportedVersion` values (front matter as a mapping, a promptctl Jinja2 body, labels), plus
:class:`Finding` values saying what was converted, escaped or could not be converted. Nothing a
reader cannot convert is dropped: the text stays in the body (escaped, so it renders literally) and a
``reported`` finding names the source line.

Also here, shared by every reader: :func:`derive_name` (a valid prompt name from any source name) and
:func:`jinja_literal` (text that renders exactly as written under promptctl's Jinja2 environment).
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass, field
from typing import Any, Literal

from promptctl import _yaml
from promptctl.registry.registry import NAME_RE
from promptctl.templating.literal import literal_source

FindingKind = Literal["converted", "escaped", "reported"]


@dataclass(frozen=True)
class Finding:
    """One thing an import did or could not do.

    Attributes:
        kind: ``converted`` (a construct became its promptctl equivalent), ``escaped`` (text that looks
            like template syntax was kept as literal text) or ``reported`` (a construct with no
            equivalent: kept as literal text or in ``metadata``, never dropped; the user should look).
        where: ``FILE:LINE`` (or ``FILE``) in the source.
        message: One line for people.
    """

    kind: FindingKind
    where: str
    message: str

    def __str__(self) -> str:
        return f"{self.where}: {self.kind}: {self.message}"


@dataclass
class ImportedVersion:
    """One version of an imported prompt.

    Attributes:
        front_matter: The version file's front matter (plain JSON-like data, in the order written).
        body: The promptctl Jinja2 body.
        labels: Labels the source put on this version (kept on ``--publish``).
        message: Publish message (a source commit message), or None.
        source: ``FILE`` or ``FILE#VERSION`` it came from.
    """

    front_matter: dict[str, Any]
    body: str
    labels: list[str] = field(default_factory=list)
    message: str | None = None
    source: str = ""

    def text(self) -> str:
        """The version file's text: ``---`` front matter ``---`` body, LF line endings."""
        head = _yaml.dump(self.front_matter) if self.front_matter else ""
        body = self.body if self.body.endswith("\n") else self.body + "\n"
        return f"---\n{head}---\n{body}"


@dataclass
class ImportedDataset:
    """Cases an import found (promptfoo ``tests``), in promptctl's YAML dataset form.

    Attributes:
        cases: Case mappings (``id``, ``vars``, ``expected``, ``scorer``, ``rubric``, ``metadata``).
        description: Dataset description.
        files: Files to write beside the dataset (JSON schemas its scorers read), by file name.
    """

    cases: list[dict[str, Any]]
    description: str | None = None
    files: dict[str, str] = field(default_factory=dict)

    def to_yaml(self) -> str:
        """The dataset file (the YAML form :mod:`promptctl.evaluation.datasets` reads)."""
        data: dict[str, Any] = {}
        if self.description:
            data["description"] = self.description
        data["cases"] = self.cases
        return _yaml.dump(data)


@dataclass
class ImportedPrompt:
    """A prompt to create or extend, with its versions in source order.

    Attributes:
        name: The promptctl prompt name (valid; see :func:`derive_name`).
        original_name: The name in the source (kept in each version's ``metadata.source_name`` when it
            differs).
        format: The source format (``langfuse``, ``dotprompt``...).
        description: For the prompt's index.
        versions: Versions, oldest first.
        findings: What was converted, escaped and reported.
        dataset: Cases that came with the prompt (promptfoo), or None.
        variants: ``ab`` variant suffixes (``::openai:gpt-4.1``) from the source's providers.
        sample: A sample input (Prompty's ``sample``), written as ``fixtures/<name>/sample.yaml``, or None.
        source_file: The file it was read from (set by :func:`promptctl.interop.read_source`); prompts of
            different files that derive the same name are given distinct names from their folders
            (:func:`promptctl.interop.distinct_names`).
    """

    name: str
    original_name: str
    format: str
    description: str | None = None
    versions: list[ImportedVersion] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    dataset: ImportedDataset | None = None
    variants: list[str] = field(default_factory=list)
    sample: dict[str, Any] | None = None
    source_file: str | None = None

    def note(self, kind: FindingKind, where: str, message: str) -> None:
        """Record a finding."""
        self.findings.append(Finding(kind, where, message))


def jinja_literal(text: str) -> str:
    """Template source that renders exactly ``text`` (:func:`promptctl.templating.literal.literal_source`)."""
    return literal_source(text)


_IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def variable_name(name: str) -> str:
    """A valid Jinja2 variable name for a source variable name (``first-name`` -> ``first_name``)."""
    if _IDENT.match(name) and name not in ("loop", "true", "false", "none", "True", "False", "None"):
        return name
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^A-Za-z0-9_]+", "_", ascii_name).strip("_")
    if not slug or slug[0].isdigit() or slug in ("loop", "true", "false", "none"):
        slug = "v_" + (slug or hashlib.sha256(name.encode()).hexdigest()[:8])
    return slug


def derive_name(original: str) -> str:
    """A valid prompt name for any source name; the same source name always gives the same result.

    Prompt names are 1-100 characters of lower-case ASCII letters, digits, ``_``, ``.`` and ``-``,
    starting with a letter or digit. Latin letters with accents are transliterated (``Résumé Écrit`` ->
    ``resume-ecrit``); spaces and other punctuation become ``-``. When letters would be lost (Chinese,
    Arabic, Cyrillic...), a stable short hash of the original name is appended, so two such names
    never collide: ``客服 reply`` -> ``reply-3f9a1c2e``, ``翻译`` -> ``prompt-5d41402a``.

    Args:
        original: The name in the source.

    Returns:
        A name that matches the registry's name rule.
    """
    decomposed = unicodedata.normalize("NFKD", original.strip())
    ascii_text = decomposed.encode("ascii", "ignore").decode().lower()
    slug = re.sub(r"[^a-z0-9_.-]+", "-", ascii_text)
    slug = re.sub(r"-{2,}", "-", slug).strip("-._")
    lost = any(unicodedata.category(c).startswith(("L", "N")) and not c.isascii() for c in decomposed)
    if lost or not slug:
        digest = hashlib.sha256(original.encode("utf-8")).hexdigest()[:8]
        slug = f"{slug[:90]}-{digest}" if slug else f"prompt-{digest}"
    slug = slug[:100].strip("-._") or "prompt"
    assert NAME_RE.match(slug), slug
    return slug
