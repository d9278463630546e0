"""Alembic migrations of the run store (SQLite and PostgreSQL); run by :mod:`promptctl.store.migrate`.

``env.py`` runs them on the connection :func:`promptctl.store.migrate.upgrade` hands it (there is no
``alembic.ini``). A new revision: copy ``script.py.mako``'s shape to ``versions/NNNN_what.py`` with
``down_revision`` set to the current head, write ``upgrade()`` for both backends (``op.batch_alter_table``
where SQLite cannot ``ALTER`` in place), change the tables in :mod:`promptctl.store.runs` (or the module that
defines them) the same way, and set :data:`promptctl.store.migrate.HEAD` to the new id: the tests check that
the head is :data:`~promptctl.store.migrate.HEAD` and that a migrated store has exactly the tables the code
defines, on SQLite and PostgreSQL.
"""
