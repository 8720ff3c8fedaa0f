"""What the outage tests (Redis down, PostgreSQL down) share: fast-failing settings for
the real processes, /health polling, and direct database reads that bypass any proxy."""

from __future__ import annotations

import asyncio
from typing import Any

import asyncpg
import httpx

# A dependency is declared down after two failures and probed again after half a second,
# and no call waits long for a dead one (the settings of tests/resilience, as env).
FAST_FAILURE_ENV = {
    "ROOST_BREAKER_FAILURE_THRESHOLD": "2",
    "ROOST_BREAKER_WINDOW_SECONDS": "10",
    "ROOST_BREAKER_OPEN_SECONDS": "0.5",
    "ROOST_BREAKER_HALF_OPEN_PROBES": "2",
    "ROOST_DATABASE_TIMEOUT_SECONDS": "2",
    "ROOST_DATABASE_CONNECT_TIMEOUT_SECONDS": "1",
    "ROOST_REDIS_TIMEOUT_SECONDS": "0.5",
    "ROOST_REDIS_CONNECT_TIMEOUT_SECONDS": "0.5",
    "ROOST_RETRY_ATTEMPTS": "2",
    "ROOST_RETRY_MAX_SECONDS": "0.2",
    "ROOST_RELAY_INTERVAL_SECONDS": "0.5",
    # An entry postponed because a dependency was down is retried this soon after (the
    # default 30 s would dominate the recovery time measured here).
    "ROOST_CLAIM_IDLE_MS": "2000",
}


def health(base: str) -> dict[str, Any]:
    answer = httpx.get(f"{base}/health", timeout=5)
    assert answer.status_code == 200, answer.text
    body: dict[str, Any] = answer.json()
    return body


def level(base: str) -> int:
    return int(health(base)["level"])


def database_rows(database_url: str, sql: str) -> list[dict[str, Any]]:
    """Rows of ``sql`` read straight from PostgreSQL (not through the test's proxy)."""

    async def read() -> list[dict[str, Any]]:
        conn = await asyncpg.connect(database_url)
        try:
            return [dict(row) for row in await conn.fetch(sql)]
        finally:
            await conn.close()

    return asyncio.run(read())


def database_count(database_url: str, table: str) -> int:
    return int(database_rows(database_url, f"SELECT count(*) AS n FROM {table}")[0]["n"])
