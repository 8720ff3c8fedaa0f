"""Alembic migrations: one history for SQLite and PostgreSQL; run with ``roost migrate``."""
