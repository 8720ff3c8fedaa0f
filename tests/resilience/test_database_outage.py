"""Level 3: PostgreSQL unreachable (a TCP proxy this test owns cuts every connection).

Reads of cached home timelines and statuses keep succeeding from Redis, writes get 503
with Retry-After and leave nothing behind, and the process returns to level 0 by
itself when the database is reachable again.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from roost.settings import Settings
from roost.statuses.schema import statuses
from tests.conftest import Actor
from tests.resilience.conftest import database_name, outage_settings
from tests.resilience.support import level, reaches_level
from tests.support.faults import TcpProxy
from tests.timelines.helpers import HOME, post, relate


@pytest.fixture
def settings(tmp_path: Path, postgres_url: str, redis_url: str, pg_proxy: TcpProxy) -> Settings:
    return outage_settings(
        tmp_path,
        database_url=pg_proxy.postgres_url(database_name(postgres_url)),
        redis_url=redis_url,
        # Cached tokens expire at once: level 3 must keep trusting the last known entry.
        token_cache_seconds=0.01,
    )


async def _status_count(app: Any) -> int:
    async with app.state.roost.db.read() as conn:
        return int((await conn.execute(select(func.count()).select_from(statuses))).scalar_one())


async def test_database_cut_serves_cached_reads_refuses_writes_and_recovers(
    app: Any, client: httpx.AsyncClient, alice: Actor, bob: Actor, carol: Actor,
    pg_proxy: TcpProxy, drain: Any,
) -> None:  # fmt: skip
    await relate(bob, alice, "follow")
    first = await post(alice, "first")
    second = await post(alice, "second")
    await drain()
    warm = await bob.get(HOME)  # caches the token, relationships, flags and statuses
    assert [s["id"] for s in warm.json()] == [second["id"], first["id"]]
    assert (await alice.get(HOME)).status_code == 200

    pg_proxy.cut()

    # Writes: 503 with Retry-After, whatever the endpoint.
    for attempt in range(3):
        response = await alice.post("/api/v1/statuses", json={"status": f"lost {attempt}"})
        assert response.status_code == 503, response.text
        assert int(response.headers["Retry-After"]) >= 1
        assert response.json()["error"]
    assert (await bob.post(f"/api/v1/statuses/{first['id']}/favourite")).status_code == 503
    assert await level(client) == 3

    # Reads Redis can answer: the home timeline and single statuses.
    home = await bob.get(HOME)
    assert home.status_code == 200, home.text
    assert [s["id"] for s in home.json()] == [second["id"], first["id"]]
    shown = await bob.get(f"/api/v1/statuses/{first['id']}")
    assert shown.status_code == 200, shown.text
    assert shown.json()["content"] == first["content"]
    anonymous = await client.get(f"/api/v1/statuses/{second['id']}")
    assert anonymous.status_code == 200
    # What Redis cannot answer: 503, not 500 and not a wrong 404.
    assert (await carol.get(HOME)).status_code == 503  # never read: no cached home
    assert (await bob.get(f"/api/v1/accounts/{alice.id}/statuses")).status_code == 503
    ready = await client.get("/readyz")
    assert ready.status_code == 503 and ready.headers["Retry-After"]
    assert (await client.get("/livez")).status_code == 200

    pg_proxy.restore()
    await reaches_level(client, 0)  # the probe closes the breaker by itself
    assert await _status_count(app) == 2  # nothing of the refused writes
    again = await alice.post("/api/v1/statuses", json={"status": "back"})
    assert again.status_code == 200
    assert (await client.get("/readyz")).status_code == 200


async def test_ready_while_serving_read_only_when_configured(
    app: Any, client: httpx.AsyncClient, alice: Actor, pg_proxy: TcpProxy
) -> None:
    app.state.roost.settings.ready_when_database_down = True
    assert (await client.get("/readyz")).status_code == 200  # migrations checked once
    pg_proxy.cut()
    for _ in range(2):
        assert (await alice.post("/api/v1/statuses", json={"status": "x"})).status_code == 503
    ready = await client.get("/readyz")
    assert ready.status_code == 200
    assert ready.json()["level"] == 3
    pg_proxy.restore()
    await reaches_level(client, 0)


async def test_a_hanging_database_costs_timeouts_until_the_breaker_opens_then_fails_fast(
    app: Any, client: httpx.AsyncClient, alice: Actor, pg_proxy: TcpProxy
) -> None:
    assert (await alice.get("/api/v1/accounts/verify_credentials")).status_code == 200
    pg_proxy.hang()  # connections stay up, nothing comes back: only timeouts tell
    try:
        for _ in range(2):  # breaker_failure_threshold in these settings
            slow = await alice.post("/api/v1/statuses", json={"status": "x"})
            assert slow.status_code == 503
        assert await level(client) == 3
        started = time.monotonic()
        fast = await alice.post("/api/v1/statuses", json={"status": "x"})
        assert fast.status_code == 503 and fast.headers["Retry-After"]
        assert time.monotonic() - started < 0.5  # one fast failure, no timeout
    finally:
        pg_proxy.restore()
    await reaches_level(client, 0, within=15)
    assert await _status_count(app) == 0
