"""The run store's schema revision for this release, in one place that imports neither SQLAlchemy nor Alembic.

:mod:`promptctl.store.migrate` upgrades stores to it; :mod:`promptctl.store.fastread` reads a SQLite store
without SQLAlchemy only when its ``alembic_version`` says it is there.
"""

HEAD = "0004"
"""The newest revision in ``promptctl/store/migrations/versions`` (``tests/store/test_migrations.py`` checks it)."""
