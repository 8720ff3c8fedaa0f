"""The full-text index of statuses: a different object on each backend.

Notes on design: PostgreSQL keeps ``status_search (status_id, document tsvector)``
with a GIN index; SQLite keeps an FTS5 virtual table ``status_search(body)`` whose
rowid is the status id. Neither fits one SQLAlchemy ``Table`` (FTS5 also creates
shadow tables), so migration 0006 creates them per backend and they stay out of the
shared ``metadata``; ``include_name`` tells Alembic's comparison to leave them alone.
Queries address them with lightweight ``table()`` constructs (``search/queries.py``).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import BigInteger, column, table

INDEX_TABLE = "status_search"
# The search configuration: 'simple' lower-cases and splits words without stemming,
# like SQLite's unicode61 tokenizer, so both backends match the same words.
TS_CONFIG = "simple"

postgres_index = table(INDEX_TABLE, column("status_id", BigInteger), column("document"))
sqlite_index = table(INDEX_TABLE, column("rowid", BigInteger), column("body"))


def include_name(name: str | None, type_: str, parent_names: Any) -> bool:
    """Alembic ``include_name`` hook: the search index (and FTS5's shadow tables) are not
    described by ``metadata``."""
    if type_ == "table" and name is not None:
        return not (name == INDEX_TABLE or name.startswith(INDEX_TABLE + "_"))
    return True
