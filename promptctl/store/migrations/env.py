"""Alembic's environment for the run store: migrate the connection given in ``config.attributes``."""

from __future__ import annotations

from alembic import context

from promptctl.store.runs import metadata

connection = context.config.attributes.get("connection")
if connection is None:  # pragma: no cover - promptctl always passes its connection
    raise RuntimeError("run the run store's migrations with promptctl db upgrade (promptctl.store.migrate.upgrade)")

# render_as_batch: SQLite cannot ALTER most things in place; batch mode copies the table (a no-op elsewhere).


def _known(obj: object, name: str | None, type_: str, reflected: bool, compare_to: object) -> bool:
    """Compare only what ``metadata`` defines (tables defined outside it, such as the A/B tables, are kept)."""
    return not (type_ == "table" and reflected and compare_to is None)


context.configure(connection=connection, target_metadata=metadata, render_as_batch=True, compare_type=True,
                  include_object=_known)
with context.begin_transaction():
    context.run_migrations()
