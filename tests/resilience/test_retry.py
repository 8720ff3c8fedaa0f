"""Retries: transient errors only, bounded in attempts and time; what counts as transient."""

from __future__ import annotations

import asyncio
import time

import pytest
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import ResponseError
from sqlalchemy.exc import IntegrityError, OperationalError

from roost.resilience.errors import DependencyUnavailable
from roost.resilience.retry import RetryPolicy
from roost.resilience.transient import (
    Transient,
    classify_database_error,
    is_outage,
    is_redis_outage,
)


async def test_transient_errors_are_retried_up_to_the_attempts() -> None:
    calls = 0

    async def flaky() -> str:
        nonlocal calls
        calls += 1
        if calls < 3:
            raise ConnectionResetError("reset")
        return "ok"

    assert await RetryPolicy(attempts=3).run(flaky, lambda e: isinstance(e, OSError)) == "ok"
    assert calls == 3


async def test_the_last_error_surfaces_after_the_attempts() -> None:
    calls = 0

    async def down() -> None:
        nonlocal calls
        calls += 1
        raise ConnectionRefusedError("refused")

    with pytest.raises(ConnectionRefusedError):
        await RetryPolicy(attempts=3).run(down, lambda e: isinstance(e, OSError))
    assert calls == 3


async def test_other_errors_are_not_retried() -> None:
    calls = 0

    async def wrong() -> None:
        nonlocal calls
        calls += 1
        raise ValueError("bad input")

    with pytest.raises(ValueError):
        await RetryPolicy(attempts=3).run(wrong, lambda e: isinstance(e, OSError))
    assert calls == 1


async def test_retries_stop_at_the_total_time_bound() -> None:
    async def slow_failure() -> None:
        await asyncio.sleep(0.06)
        raise TimeoutError

    started = time.monotonic()
    with pytest.raises(TimeoutError):
        await RetryPolicy(attempts=50, max_seconds=0.1).run(slow_failure, lambda e: True)
    assert time.monotonic() - started < 0.5


def test_waits_grow_exponentially_with_proportional_jitter() -> None:
    policy = RetryPolicy()

    class State:
        def __init__(self, attempt: int) -> None:
            self.attempt_number = attempt

    for attempt, base in [(1, 0.01), (2, 0.02), (3, 0.04), (4, 0.08), (5, 0.1), (9, 0.1)]:
        for _ in range(20):
            wait = policy.wait(State(attempt))  # type: ignore[arg-type]
            assert base * 0.8 <= wait <= base * 1.2


class _PgError(Exception):
    def __init__(self, sqlstate: str) -> None:
        super().__init__(sqlstate)
        self.sqlstate = sqlstate


def _wrapped(sqlstate: str) -> OperationalError:
    return OperationalError("SELECT 1", {}, _PgError(sqlstate))


def test_database_errors_are_classified_by_what_they_mean() -> None:
    assert classify_database_error(_wrapped("40001")) is Transient.CONFLICT
    assert classify_database_error(_wrapped("40P01")) is Transient.CONFLICT
    assert classify_database_error(_wrapped("08006")) is Transient.OUTAGE
    assert classify_database_error(_wrapped("57P01")) is Transient.OUTAGE
    assert classify_database_error(_wrapped("57014")) is Transient.OUTAGE
    assert classify_database_error(ConnectionRefusedError()) is Transient.OUTAGE
    assert classify_database_error(TimeoutError()) is Transient.OUTAGE
    unique = IntegrityError("INSERT", {}, _PgError("23505"))
    assert classify_database_error(unique) is None
    assert classify_database_error(ValueError("x")) is None


def test_an_error_raised_while_handling_an_outage_is_not_an_outage() -> None:
    try:
        try:
            raise ConnectionRefusedError
        except ConnectionRefusedError:
            raise ValueError("a bug in an except block") from None
    except ValueError as error:
        assert classify_database_error(error) is None


def test_redis_errors_and_outages() -> None:
    assert is_redis_outage(RedisConnectionError("Connection refused"))
    assert is_redis_outage(TimeoutError())
    assert not is_redis_outage(ResponseError("WRONGTYPE"))
    assert is_outage(DependencyUnavailable("database"))
    assert is_outage(RedisConnectionError())
    assert not is_outage(KeyError("payload"))
