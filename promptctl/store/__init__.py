"""The run store (SQLAlchemy Core; SQLite by default)."""

from promptctl.store.runs import RunStore, default_url

__all__ = ["RunStore", "default_url"]
