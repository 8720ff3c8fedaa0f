"""The engine and the two ways to use it: a read and a write transaction.

Notes on design: SQLite allows one writer at a time and upgrading a read
transaction to a write one can fail with "database is locked" however long we
wait. Write transactions therefore start with ``BEGIN IMMEDIATE`` on SQLite, so
they queue on the busy timeout instead of failing. PostgreSQL needs nothing of
the kind.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager, suppress
from typing import Any, NoReturn

from sqlalchemy import event, text
from sqlalchemy.ext.asyncio import (
    AsyncConnection,
    AsyncEngine,
    AsyncTransaction,
    create_async_engine,
)

from roost.resilience.breaker import CircuitBreaker
from roost.resilience.degradation import DATABASE, breaker_from_settings
from roost.resilience.errors import DependencyUnavailable
from roost.resilience.retry import RetryPolicy
from roost.resilience.transient import Transient, classify_database_error
from roost.settings import Settings

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
    """Owns the engine; hands out transactions, guarded by the database's circuit breaker.

    Every transaction asks the breaker first: while it is open the call fails at once
    with ``DependencyUnavailable`` (no timeout per request). Connecting and ``BEGIN``
    are retried on transient errors (nothing has happened yet); a failure inside the
    block is not retried here (the block may have had effects the caller must know
    about) but becomes ``DependencyUnavailable`` too, after a rollback, so nothing is
    half-written and the client may retry (writes are idempotent).
    """

    def __init__(
        self,
        url: str,
        *,
        pool_size: int = 10,
        echo: bool = False,
        breaker: CircuitBreaker | None = None,
        timeout_seconds: float | None = None,
        connect_timeout_seconds: float | None = None,
        retry: RetryPolicy | None = None,
    ) -> None:
        self.url = url
        self.dialect = "sqlite" if url.startswith("sqlite") else "postgresql"
        kwargs: dict[str, Any] = {"echo": echo}
        if self.dialect == "postgresql":
            # PostgreSQL's JIT compiles any plan estimated above jit_above_cost: the home
            # reference query (many small index scans) took ~800 ms of JIT for ~25 ms
            # of execution. Roost's queries are short OLTP queries; JIT never pays.
            server_settings = {"jit": "off"}
            connect_args: dict[str, Any] = {"server_settings": server_settings}
            if timeout_seconds is not None:
                # The server cancels a statement first (clean error, connection kept);
                # the client-side timeout a little later catches a server that is gone.
                server_settings["statement_timeout"] = str(int(timeout_seconds * 1000))
                # A process frozen inside a transaction (SIGSTOP, swapped out, cut off)
                # would hold its row locks and stall every other worker behind them: the
                # server ends such a session after the same time and releases them.
                server_settings["idle_in_transaction_session_timeout"] = server_settings[
                    "statement_timeout"
                ]
                connect_args["command_timeout"] = timeout_seconds + 1.0
            if connect_timeout_seconds is not None:
                connect_args["timeout"] = connect_timeout_seconds
                kwargs["pool_timeout"] = connect_timeout_seconds
            kwargs.update(
                pool_size=pool_size,
                max_overflow=pool_size,
                pool_pre_ping=True,
                connect_args=connect_args,
            )
        else:
            kwargs.update(connect_args={"timeout": 30})
        self.engine: AsyncEngine = create_async_engine(url, **kwargs)
        if self.dialect == "sqlite":
            _configure_sqlite(self.engine)
        self.breaker = breaker or CircuitBreaker("database")
        self.retry = retry or RetryPolicy()
        # Set by the app wiring: called with the items a write transaction remembered
        # (``remember_after_commit``), once it has committed and released its connection.
        self.after_commit: AfterCommit | None = None

    @classmethod
    def from_settings(
        cls, settings: Settings, *, breaker: CircuitBreaker | None = None
    ) -> Database:
        """The database of a long-running process: timeouts, retries and a breaker."""
        return cls(
            settings.sqlalchemy_url,
            pool_size=settings.db_pool_size,
            breaker=breaker or breaker_from_settings(DATABASE, settings),
            timeout_seconds=settings.database_timeout_seconds,
            connect_timeout_seconds=settings.database_connect_timeout_seconds,
            retry=RetryPolicy(
                attempts=settings.retry_attempts, max_seconds=settings.retry_max_seconds
            ),
        )

    @property
    def is_sqlite(self) -> bool:
        return self.dialect == "sqlite"

    @asynccontextmanager
    async def read(self) -> AsyncIterator[AsyncConnection]:
        """A transaction for reads only."""
        conn, transaction = await self._begin(write=False)
        try:
            yield conn
        except BaseException as error:
            await _quietly(transaction.rollback())
            await _quietly(conn.close())
            self._reraise(error)
        else:
            try:
                await transaction.commit()
            except Exception as error:
                self._reraise(error)
            finally:
                await _quietly(conn.close())
        self.breaker.record_success()

    @asynccontextmanager
    async def write(self) -> AsyncIterator[AsyncConnection]:
        """A transaction that commits when the block ends and rolls back on error."""
        conn, transaction = await self._begin(write=True)
        try:
            yield conn
        except BaseException as error:
            conn.info.pop(_AFTER_COMMIT, None)
            await _quietly(transaction.rollback())
            await _quietly(conn.close())
            self._reraise(error)
        try:
            await transaction.commit()
        except BaseException as error:
            # The outcome is unknown if the connection died during COMMIT; the client's
            # retry is safe (Idempotency-Key, idempotent handlers).
            conn.info.pop(_AFTER_COMMIT, None)
            await _quietly(conn.close())
            self._reraise(error)
        remembered: list[Any] = conn.info.pop(_AFTER_COMMIT, None) or []
        await _quietly(conn.close())
        self.breaker.record_success()
        if remembered and self.after_commit is not None:
            await self.after_commit(remembered)

    async def ping(self) -> None:
        """One ``SELECT 1`` past the breaker (the background probe and /readyz use it)."""
        async with self.engine.connect() as conn:
            await conn.execute(text("SELECT 1"))

    async def dispose(self) -> None:
        await self.engine.dispose()

    # -- the guard -------------------------------------------------------------------------

    async def _begin(self, *, write: bool) -> tuple[AsyncConnection, AsyncTransaction]:
        """Connect and BEGIN, retried on transient errors; the breaker decides first."""
        breaker = self.breaker
        if not breaker.allow():
            raise DependencyUnavailable(DATABASE, breaker.retry_after())

        async def attempt() -> tuple[AsyncConnection, AsyncTransaction]:
            conn = await self.engine.connect()
            try:
                if write:
                    # conn.info lives as long as the pooled DBAPI connection: start clean.
                    conn.info.pop(_AFTER_COMMIT, None)
                    await conn.execution_options(**{_WRITE_OPTION: True})
                transaction = await conn.begin()
            except BaseException:
                await _quietly(conn.close())
                raise
            return conn, transaction

        try:
            return await self.retry.run(attempt, lambda e: classify_database_error(e) is not None)
        except Exception as error:
            self._reraise(error)

    def _reraise(self, error: BaseException) -> NoReturn:
        translated = self._translate(error)
        if translated is error:
            raise error
        raise translated from error

    def _translate(self, error: BaseException) -> BaseException:
        """A transient error becomes DependencyUnavailable (outages count for the breaker)."""
        if isinstance(error, DependencyUnavailable) or not isinstance(error, Exception):
            return error
        kind = classify_database_error(error)
        if kind is Transient.OUTAGE:
            self.breaker.record_failure(error)
            return DependencyUnavailable(DATABASE, self.breaker.retry_after())
        if kind is Transient.CONFLICT:
            return DependencyUnavailable(
                DATABASE, 1, "The request conflicted with another one; retry it"
            )
        # The database answered (the error is the caller's): it is up.
        self.breaker.record_success()
        return error


async def _quietly(awaitable: Awaitable[Any]) -> None:
    """Await a cleanup step whose failure must not hide the error being raised."""
    with suppress(Exception):
        await awaitable


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
