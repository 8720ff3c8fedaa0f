"""Redis away: rate limits fall back to this process's memory, and return to Redis after.

Scaled-out deployment only (PostgreSQL + a redis-server of the test's own, which the test
stops and starts); embedded Roost has no Redis to lose and counts in memory always.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import redis

from roost.app import create_app
from roost.settings import Settings
from tests.protection.conftest import HOUR_END, IP_LIMIT, NOW, client_from, rate_headers
from tests.support.faults import RedisServer, free_port

DEADLINE_S = 15.0


def _settings(postgres_url: str, redis_url: str, tmp_path: Path) -> Settings:
    data_dir = tmp_path / "data"
    data_dir.mkdir(exist_ok=True)
    return Settings(
        data_dir=data_dir,
        database_url=postgres_url.replace("postgresql+asyncpg://", "postgresql://"),
        redis_url=redis_url,
        redis_prefix=f"roost-test-{uuid.uuid4().hex[:12]}",
        rate_limit_unauthenticated=f"{IP_LIMIT} per hour",
        # A stopped Redis must cost little: one try, a breaker that probes again soon.
        retry_attempts=1,
        breaker_open_seconds=0.2,
        _env_file=None,  # type: ignore[call-arg]
    )


@asynccontextmanager
async def _running(settings: Settings) -> AsyncIterator[Any]:
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        app.state.rate_limiter.clock = lambda: NOW
        yield app


async def test_counts_in_memory_while_redis_is_down_then_in_redis_again(
    postgres_url: str, tmp_path: Path
) -> None:
    with RedisServer() as server:
        settings = _settings(postgres_url, server.url, tmp_path)
        async with _running(settings) as app, client_from(app, "192.0.2.10") as http:
            limiter = app.state.rate_limiter
            first = await http.get("/api/v1/instance")
            assert rate_headers(first) == (str(IP_LIMIT), str(IP_LIMIT - 1), HOUR_END)
            keys = redis.Redis.from_url(server.url).keys(f"{settings.redis_prefix}:ratelimit:*")
            assert len(keys) == 1, "the counter is in Redis"

            server.stop()
            during = [await http.get("/api/v1/instance") for _ in range(IP_LIMIT + 1)]
            assert limiter.degraded
            # Still limited (in memory, counted from zero), never a 5xx.
            assert [answer.status_code for answer in during] == [200] * IP_LIMIT + [429]
            assert rate_headers(during[0]) == (str(IP_LIMIT), str(IP_LIMIT - 1), HOUR_END)
            assert rate_headers(during[-1]) == (str(IP_LIMIT), "0", HOUR_END)

            server.start()  # empty: a restarted cache node lost its counters
            deadline = time.monotonic() + DEADLINE_S
            probe = 0
            while limiter.degraded:  # other addresses, so the one under test is untouched
                assert time.monotonic() < deadline, "rate limits never went back to Redis"
                probe += 1
                async with client_from(app, f"198.51.100.{probe % 250}") as other:
                    await other.get("/api/v1/instance")
                await asyncio.sleep(0.05)
            back = await http.get("/api/v1/instance")
            assert back.status_code == 200
            assert rate_headers(back) == (str(IP_LIMIT), str(IP_LIMIT - 1), HOUR_END)


async def test_a_redis_that_never_answers_still_limits(postgres_url: str, tmp_path: Path) -> None:
    settings = _settings(postgres_url, f"redis://127.0.0.1:{free_port()}/0", tmp_path)
    async with _running(settings) as app, client_from(app, "192.0.2.11") as http:
        answers = [await http.get("/api/v1/instance") for _ in range(IP_LIMIT + 1)]
        assert app.state.rate_limiter.degraded
    assert [answer.status_code for answer in answers] == [200] * IP_LIMIT + [429]
    assert answers[-1].json() == {"error": "Too many requests"}
