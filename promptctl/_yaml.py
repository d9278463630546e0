"""YAML loading that keeps strings as strings.

PyYAML's default (YAML 1.1) resolver turns ``NO`` into ``False``, ``1.10`` into
``1.1`` and ``2024-01-01`` into a ``date``. Prompt files need the YAML 1.2 core
schema instead (https://yaml.org/spec/1.2.2/#1032-tag-resolution): only
``true``/``false`` are booleans, only ``null``/``~``/empty are null, no
timestamps, no sexagesimal numbers. Numbers keep the text they were written
as (:class:`SourceInt`, :class:`SourceFloat`), so a field declared as a string
gets ``"1.10"`` back, never ``"1.1"``.
"""

from __future__ import annotations

import re
from typing import Any

import yaml


class SourceFloat(float):
    """A float parsed from YAML that remembers its source text (``1.10`` stays ``"1.10"`` as a string)."""

    source: str

    def __new__(cls, value: float, source: str) -> SourceFloat:
        obj = super().__new__(cls, value)
        obj.source = source
        return obj


class SourceInt(int):
    """An int parsed from YAML that remembers its source text (``007`` stays ``"007"`` as a string)."""

    source: str

    def __new__(cls, value: int, source: str) -> SourceInt:
        obj = super().__new__(cls, value)
        obj.source = source
        return obj


_Base: type = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml's parser when present (much faster)


class CoreLoader(_Base):  # type: ignore[misc,valid-type]
    """A SafeLoader (libyaml-backed when available) with the YAML 1.2 core schema's implicit tag resolution."""


# Drop every implicit resolver inherited from YAML 1.1, then add the core schema's.
CoreLoader.yaml_implicit_resolvers = {}
CoreLoader.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)
CoreLoader.add_implicit_resolver("tag:yaml.org,2002:null", re.compile(r"^(?:~|null|Null|NULL|)$"), ["~", "n", "N", ""])
CoreLoader.add_implicit_resolver(
    "tag:yaml.org,2002:int", re.compile(r"^(?:[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+)$"), list("-+0123456789")
)
CoreLoader.add_implicit_resolver(
    "tag:yaml.org,2002:float",
    re.compile(
        r"^(?:[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$"
    ),
    list("-+0123456789."),
)


def _construct_bool(loader: Any, node: yaml.Node) -> bool:
    return loader.construct_scalar(node).lower() == "true"  # type: ignore[arg-type,union-attr]


def _construct_int(loader: Any, node: yaml.Node) -> SourceInt:
    text = str(loader.construct_scalar(node))  # type: ignore[arg-type]
    if text.startswith("0o"):
        value = int(text[2:], 8)
    elif text.startswith("0x"):
        value = int(text[2:], 16)
    else:
        value = int(text, 10)
    return SourceInt(value, text)


def _construct_float(loader: Any, node: yaml.Node) -> SourceFloat:
    text = str(loader.construct_scalar(node))  # type: ignore[arg-type]
    lowered = text.lower()
    if lowered.endswith(".inf"):
        value = float("-inf") if lowered.startswith("-") else float("inf")
    elif lowered == ".nan":
        value = float("nan")
    else:
        value = float(text)
    return SourceFloat(value, text)


CoreLoader.add_constructor("tag:yaml.org,2002:bool", _construct_bool)
CoreLoader.add_constructor("tag:yaml.org,2002:int", _construct_int)
CoreLoader.add_constructor("tag:yaml.org,2002:float", _construct_float)


def load(text: str) -> Any:
    """Parse YAML text with the core schema.

    Args:
        text: YAML source.

    Returns:
        The parsed document (dicts, lists, str, bool, None, :class:`SourceInt`, :class:`SourceFloat`).

    Raises:
        yaml.YAMLError: The text is not valid YAML.

    """
    return yaml.load(text, Loader=CoreLoader)  # noqa: S506 - CoreLoader derives from SafeLoader


def as_source_text(value: Any) -> Any:
    """Return the YAML source text of a number parsed by :func:`load`, else the value unchanged.

    Used as a pydantic ``BeforeValidator`` on string fields.
    """
    if isinstance(value, (SourceInt, SourceFloat)):
        return value.source
    if isinstance(value, bool):
        return "true" if value else "false"
    return value


def plain(value: Any) -> Any:
    """Convert :class:`SourceInt`/:class:`SourceFloat` (recursively) to plain ``int``/``float``."""
    if isinstance(value, SourceInt):
        return int(value)
    if isinstance(value, SourceFloat):
        return float(value)
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [plain(v) for v in value]
    return value


def dump(data: Any) -> str:
    """Serialise plain data to YAML with stable key order (insertion order) and LF line endings."""
    dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
    return yaml.dump(
        plain(data), Dumper=dumper, sort_keys=False, allow_unicode=True, default_flow_style=False, width=4096
    )
