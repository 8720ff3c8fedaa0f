"""Two real API processes share their rate-limit counters through Redis.

Two ``roost serve --no-workers`` processes on one PostgreSQL database of the test's own
and the shared Redis under a key prefix of the test's own. A burst that alternates
between the processes is counted once: the remaining budget falls by one per request
whichever process answers, and past the limit both answer 429 with the same headers.
Counted per address (anonymous, the address given by X-Forwarded-For, which uvicorn
trusts from loopback) and per account (a user token).
"""

from __future__ import annotations

import asyncio
import math
import time
import uuid
from collections.abc import Iterator
from contextlib import ExitStack
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
import redis

from roost.accounts.service import create_account
from roost.db import Database
from roost.migrations.runner import upgrade_to_head
from roost.oauth import queries as oauth_queries
from roost.oauth.scopes import parse_scopes
from roost.oauth.secrets import digest, new_secret
from roost.oauth.service import issue_token
from tests.e2e.server import Server, roost_env, running_server

pytestmark = pytest.mark.e2e

LIMIT = 8
PERIOD = 3600
BURST = LIMIT + 4
MARGIN_S = 30.0  # never start a burst this close to the end of a window


@pytest.fixture
def servers(tmp_path: Path, empty_postgres_url: str, redis_url: str) -> Iterator[list[Server]]:
    prefix = f"roost-test-{uuid.uuid4().hex[:12]}"
    env = roost_env(
        tmp_path / "data",
        ROOST_DATABASE_URL=empty_postgres_url,
        ROOST_REDIS_URL=redis_url,
        ROOST_REDIS_PREFIX=prefix,
        ROOST_RATE_LIMIT_AUTHENTICATED=f"{LIMIT} per hour",
        ROOST_RATE_LIMIT_UNAUTHENTICATED=f"{LIMIT} per hour",
    )
    # Migrated here, so the two servers (which migrate at start) find nothing to do.
    upgrade_to_head(empty_postgres_url.replace("postgresql://", "postgresql+asyncpg://"))
    try:
        with ExitStack() as stack:
            # One after the other: each start gets the whole start-up time on a busy machine.
            yield [
                stack.enter_context(running_server(env=env, cwd=tmp_path, args=("--no-workers",)))
                for _ in range(2)
            ]
    finally:
        client = redis.Redis.from_url(redis_url)
        for key in client.scan_iter(match=f"{prefix}:*", count=1000):
            client.delete(key)


def _token(database_url: str) -> str:
    """A user token of a new account, made in the database (it counts on no limit)."""

    async def make() -> str:
        db = Database(database_url.replace("postgresql://", "postgresql+asyncpg://"))
        try:
            async with db.write() as conn:
                account_id = await create_account(
                    conn, username="alice", email="alice@example.com", password="alice-password"
                )
                app_id = await oauth_queries.insert_application(
                    conn,
                    name="burst",
                    website=None,
                    redirect_uris="urn:ietf:wg:oauth:2.0:oob",
                    scopes="read",
                    client_id=new_secret(),
                    client_secret_hash=digest(new_secret()),
                )
                issued = await issue_token(
                    conn, application_id=app_id, account_id=account_id, scopes=parse_scopes("read")
                )
            return issued.token
        finally:
            await db.dispose()

    return asyncio.run(make())


def _window_end() -> str:
    """The end of the current window (waiting out the last seconds of one first)."""
    left = PERIOD - time.time() % PERIOD
    if left < MARGIN_S:
        time.sleep(left + 0.5)
    end = math.floor(time.time() / PERIOD + 1) * PERIOD
    return datetime.fromtimestamp(end, UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _burst(servers: list[Server], path: str, headers: dict[str, str]) -> list[httpx.Response]:
    """``BURST`` requests, alternating between the processes."""
    return [
        httpx.get(f"{servers[n % len(servers)].url}{path}", headers=headers, timeout=10)
        for n in range(BURST)
    ]


def _check(answers: list[httpx.Response], reset: str) -> None:
    assert [answer.status_code for answer in answers] == [200] * LIMIT + [429] * (BURST - LIMIT)
    assert [answer.headers["x-ratelimit-remaining"] for answer in answers] == [
        str(max(0, LIMIT - n)) for n in range(1, BURST + 1)
    ], "one shared counter, whichever process answered"
    for answer in answers:
        assert answer.headers["x-ratelimit-limit"] == str(LIMIT)
        assert answer.headers["x-ratelimit-reset"] == reset
    for answer in answers[LIMIT:]:
        assert answer.json() == {"error": "Too many requests"}
        assert 0 < int(answer.headers["retry-after"]) <= PERIOD


def test_a_burst_past_the_limit_gets_429_on_every_process(
    servers: list[Server], empty_postgres_url: str
) -> None:
    token = _token(empty_postgres_url)

    reset = _window_end()
    anonymous = _burst(servers, "/api/v1/instance", {"X-Forwarded-For": "203.0.113.77"})
    _check(anonymous, reset)
    limited_ports = {answer.url.port for answer in anonymous[LIMIT:]}
    assert len(limited_ports) == 2, "both processes refused the burst"

    reset = _window_end()
    account = _burst(
        servers, "/api/v1/accounts/verify_credentials", {"Authorization": f"Bearer {token}"}
    )
    _check(account, reset)
    assert len({answer.url.port for answer in account[LIMIT:]}) == 2
