"""Fixtures of the resilience tests: slow-to-reopen breakers in-process, and a private
Redis and a PostgreSQL proxy (tests/support/faults.py) for the outage tests."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from roost.settings import Settings
from tests.support.faults import RedisServer, TcpProxy

# Outage tests: a dependency is declared down after two failures and probed again after
# half a second, and no call waits long for a dead one.
FAST_FAILURE = {
    "breaker_failure_threshold": 2,
    "breaker_window_seconds": 10.0,
    "breaker_open_seconds": 0.5,
    "breaker_half_open_probes": 2,
    "database_timeout_seconds": 2.0,
    "database_connect_timeout_seconds": 1.0,
    "redis_timeout_seconds": 0.5,
    "redis_connect_timeout_seconds": 0.5,
    "retry_attempts": 2,
    "retry_max_seconds": 0.2,
}


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """The suite's settings; a tripped breaker stays open for the test (no probe closes it)."""
    return settings.model_copy(update={"breaker_open_seconds": 60.0})


@pytest.fixture
def redis_server() -> Iterator[RedisServer]:
    with RedisServer() as server:
        yield server


@pytest.fixture
def pg_proxy() -> Iterator[TcpProxy]:
    with TcpProxy(5432) as proxy:
        yield proxy


def outage_settings(
    tmp_path: Path, *, database_url: str, redis_url: str, **changes: object
) -> Settings:
    data_dir = tmp_path / "data"
    data_dir.mkdir(exist_ok=True)
    return Settings(
        data_dir=data_dir,
        database_url=database_url,
        redis_url=redis_url,
        redis_prefix=f"roost-test-{uuid.uuid4().hex[:12]}",
        rate_limits_enabled=False,
        **{**FAST_FAILURE, **changes},  # type: ignore[arg-type]
        _env_file=None,  # type: ignore[call-arg]
    )


def database_name(postgres_url: str) -> str:
    return postgres_url.rsplit("/", 1)[1]
