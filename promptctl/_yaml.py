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

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from promptctl._yaml_loader import AliasBombError as AliasBombError
    from promptctl._yaml_loader import CoreLoader as CoreLoader


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


def load(text: str) -> Any:
    """Parse YAML text with the core schema.

    Args:
        text: YAML source.

    Returns:
        The parsed document (dicts, lists, str, bool, None, :class:`SourceInt`, :class:`SourceFloat`).

    Raises:
        yaml.YAMLError: The text is not valid YAML, or its aliases expand it too far
            (:class:`AliasBombError`).

    """
    import yaml

    from promptctl._yaml_loader import CoreLoader

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
    import yaml

    dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
    return yaml.dump(
        plain(data), Dumper=dumper, sort_keys=False, allow_unicode=True, default_flow_style=False, width=4096
    )


def __getattr__(name: str) -> Any:
    """``CoreLoader`` and ``AliasBombError``, from :mod:`promptctl._yaml_loader` (imports PyYAML on first use)."""
    if name in ("CoreLoader", "AliasBombError"):
        from promptctl import _yaml_loader

        return getattr(_yaml_loader, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
