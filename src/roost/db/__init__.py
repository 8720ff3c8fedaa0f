"""Database access: the engine, the shared metadata and transaction helpers."""

from roost.db.database import Database
from roost.db.metadata import metadata

__all__ = ["Database", "metadata"]
