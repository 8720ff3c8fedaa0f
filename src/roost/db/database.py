"""The engine and the two ways to use it: a read and a write transaction.

Notes on design: SQLite allows one writer at a time and upgrading a read
transaction to a write one can fail with "database is locked" however long we
wait. Write transactions therefore start with ``BEGIN IMMEDIATE`` on SQLite, so
they queue on the busy timeout instead of failing. PostgreSQL needs nothing of
the kind.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine

_WRITE_OPTION = "roost_write"
_AFTER_COMMIT = "roost_after_commit"

AfterCommit = Callable[[list[Any]], Awaitable[None]]


def remember_after_commit(conn: AsyncConnection, item: Any) -> None:
    """Keep ``item`` for the after-commit hook of the write transaction ``conn`` is in.

    Items are handed to ``Database.after_commit`` only if the transaction commits; a
    rollback forgets them.
    """
    conn.info.setdefault(_AFTER_COMMIT, []).append(item)


class Database:
    """Owns the engine; hands out transactions."""

    def __init__(self, url: str, *, pool_size: int = 10, echo: bool = False) -> None:
        self.url = url
        self.dialect = "sqlite" if url.startswith("sqlite") else "postgresql"
        kwargs: dict[str, Any] = {"echo": echo}
        if self.dialect == "postgresql":
            kwargs.update(
                pool_size=pool_size,
                max_overflow=pool_size,
                pool_pre_ping=True,
                # PostgreSQL's JIT compiles any plan estimated above jit_above_cost: the home
                # reference query (many small index scans) took ~800 ms of JIT for ~25 ms
                # of execution. Roost's queries are short OLTP queries; JIT never pays.
                connect_args={"server_settings": {"jit": "off"}},
            )
        else:
            kwargs.update(connect_args={"timeout": 30})
        self.engine: AsyncEngine = create_async_engine(url, **kwargs)
        if self.dialect == "sqlite":
            _configure_sqlite(self.engine)
        # Set by the app wiring: called with the items a write transaction remembered
        # (``remember_after_commit``), once it has committed and released its connection.
        self.after_commit: AfterCommit | None = None

    @property
    def is_sqlite(self) -> bool:
        return self.dialect == "sqlite"

    @asynccontextmanager
    async def read(self) -> AsyncIterator[AsyncConnection]:
        """A transaction for reads only."""
        async with self.engine.connect() as conn, conn.begin():
            yield conn

    @asynccontextmanager
    async def write(self) -> AsyncIterator[AsyncConnection]:
        """A transaction that commits when the block ends and rolls back on error."""
        async with self.engine.connect() as conn:
            # conn.info lives as long as the pooled DBAPI connection: start clean.
            conn.info.pop(_AFTER_COMMIT, None)
            await conn.execution_options(**{_WRITE_OPTION: True})
            try:
                async with conn.begin():
                    yield conn
            finally:
                remembered: list[Any] = conn.info.pop(_AFTER_COMMIT, None) or []
        if remembered and self.after_commit is not None:
            await self.after_commit(remembered)

    async def dispose(self) -> None:
        await self.engine.dispose()


def _configure_sqlite(engine: AsyncEngine) -> None:
    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let us issue BEGIN ourselves (pysqlite's implicit transactions are off).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(conn: Any) -> None:
        write = conn.get_execution_options().get(_WRITE_OPTION, False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")
