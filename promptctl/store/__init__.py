"""The run store (SQLAlchemy Core; SQLite by default).

Importing this package imports no database library: :class:`RunStore` (SQLAlchemy) is loaded on first use, so
that :mod:`promptctl.store.fastread` and :mod:`promptctl.store.records` stay light.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from promptctl.store.records import default_url
    from promptctl.store.runs import RunStore

__all__ = ["RunStore", "default_url"]


def __getattr__(name: str) -> Any:
    if name == "RunStore":
        from promptctl.store.runs import RunStore

        return RunStore
    if name == "default_url":
        from promptctl.store.records import default_url

        return default_url
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
