"""Moved to :mod:`promptctl._yaml` (the leaf's YAML loader); this name is kept for code written against it."""

from promptctl._yaml import CoreLoader, SourceFloat, SourceInt, as_source_text, dump, load, plain

__all__ = ["CoreLoader", "SourceFloat", "SourceInt", "as_source_text", "dump", "load", "plain"]
