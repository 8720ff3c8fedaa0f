"""Which errors mean "the dependency is down or busy" rather than "this call is wrong".

Only these are retried and counted by the breakers: a unique violation or a Redis
WRONGTYPE is the caller's problem and must surface unchanged.
"""

from __future__ import annotations

import asyncio
from enum import Enum

# SQLSTATE classes and codes meaning "the server went away or cannot take us now".
_OUTAGE_SQLSTATE_PREFIXES = ("08",)  # connection exceptions
_OUTAGE_SQLSTATES = {
    "57P01",  # admin_shutdown
    "57P02",  # crash_shutdown
    "57P03",  # cannot_connect_now (starting up, recovery)
    "53300",  # too_many_connections
    "57014",  # query_canceled (our statement_timeout fired)
}
# Transient, but the database is fine: re-running the transaction would succeed.
_CONFLICT_SQLSTATES = {"40001", "40P01"}  # serialization_failure, deadlock_detected


class Transient(Enum):
    OUTAGE = "outage"  # the dependency is unreachable or too slow: counts for the breaker
    CONFLICT = "conflict"  # serialization failure / deadlock: retryable, not an outage


def _chain(error: BaseException) -> list[BaseException]:
    """The error, what it wraps (``.orig``) and what caused it, a few levels deep."""
    seen: list[BaseException] = []
    todo: list[BaseException | None] = [error]
    while todo and len(seen) < 12:
        current = todo.pop(0)
        if current is None or any(current is s for s in seen):
            continue
        seen.append(current)
        # Only explicit wrapping (``.orig``, ``raise ... from``): an error raised while
        # handling another (``__context__``) is not caused by it.
        todo.extend([getattr(current, "orig", None), current.__cause__])
    return [e for e in seen if isinstance(e, BaseException)]


def classify_database_error(error: BaseException) -> Transient | None:
    """OUTAGE, CONFLICT, or None for an error that is not transient."""
    from sqlalchemy import exc as sa_exc

    chain = _chain(error)
    for item in chain:
        state = getattr(item, "sqlstate", None) or getattr(item, "pgcode", None)
        if isinstance(state, str):
            if state in _CONFLICT_SQLSTATES:
                return Transient.CONFLICT
            if state in _OUTAGE_SQLSTATES or state.startswith(_OUTAGE_SQLSTATE_PREFIXES):
                return Transient.OUTAGE
    for item in chain:
        if isinstance(item, sa_exc.DBAPIError) and item.connection_invalidated:
            return Transient.OUTAGE
        if isinstance(item, sa_exc.TimeoutError):  # pool checkout timed out
            return Transient.OUTAGE
        if isinstance(item, (OSError, TimeoutError, asyncio.TimeoutError)):
            return Transient.OUTAGE
        if _is_asyncpg_connection_error(item):
            return Transient.OUTAGE
    return None


def _is_asyncpg_connection_error(error: BaseException) -> bool:
    try:
        import asyncpg
    except ImportError:  # pragma: no cover - asyncpg is a dependency
        return False
    if isinstance(
        error,
        (
            asyncpg.exceptions.ConnectionDoesNotExistError,
            asyncpg.exceptions.PostgresConnectionError,
        ),
    ):
        return True
    # "connection is closed" is an outage; "another operation is in progress" is a bug.
    return isinstance(error, asyncpg.exceptions.InterfaceError) and "closed" in str(error)


def is_redis_outage(error: BaseException) -> bool:
    """Connection refused/reset/timed out, a server loading its data, or a read-only replica."""
    from redis import exceptions as redis_exc

    for item in _chain(error):
        if isinstance(
            item,
            (
                redis_exc.ConnectionError,  # includes refused, reset, closed, BusyLoading
                redis_exc.TimeoutError,
                redis_exc.ReadOnlyError,
                redis_exc.TryAgainError,
                OSError,
                TimeoutError,
                asyncio.TimeoutError,
            ),
        ):
            return True
    return False


def is_outage(error: BaseException) -> bool:
    """Did this fail because a dependency is down (not because of the work itself)?

    Workers use it: an outage during a handler is not a failed delivery (the entry is
    retried when the dependency is back and never dead-lettered for it).
    """
    from roost.resilience.errors import DependencyUnavailable

    if isinstance(error, DependencyUnavailable):
        return True
    return is_redis_outage(error) or classify_database_error(error) is Transient.OUTAGE
