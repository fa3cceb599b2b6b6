"""Alembic migrations of the store's database (SQLite and PostgreSQL); ``env.py`` and ``versions/``.

The store runs them to head whenever it opens a database (``procurement.store.database.upgrade``).
A new schema change: edit ``procurement/db_schema.py``, then, from the repository root,
``.venv/bin/alembic -c procurement/migrations/alembic.ini -x url=sqlite:///tmp/x.sqlite revision
--autogenerate -m "what changed"`` against a database at head, and read the revision it writes.
"""
