"""Level 2: Redis down (a private redis-server this test stops, restarts or pauses).

PostgreSQL + Redis (the scaled-out deployment is the only one with Redis). Reads keep
succeeding from the database, posts are accepted (their events wait in the outbox),
and when Redis is back the relay re-publishes them, the consumers recreate their
groups if Redis came back empty, and fan-out catches up.
"""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from roost.events.outbox import Event
from roost.events.schema import outbox
from roost.events.streams import append_events
from roost.ids import new_id
from roost.resilience.errors import DependencyUnavailable
from roost.settings import Settings
from roost.timelines.engine import engine
from roost.workers.consumer import StreamConsumer
from roost.workers.registry import Registry
from tests.conftest import Actor
from tests.resilience.conftest import outage_settings
from tests.resilience.support import eventually, level, reaches_level
from tests.support.faults import RedisServer
from tests.timelines.helpers import HOME, post, relate
from tests.workers.support import context_of


@pytest.fixture
def settings(tmp_path: Path, postgres_url: str, redis_server: RedisServer) -> Settings:
    plain = postgres_url.replace("postgresql+asyncpg://", "postgresql://")
    return outage_settings(tmp_path, database_url=plain, redis_url=redis_server.url)


async def _outbox_size(app: Any) -> int:
    async with app.state.roost.db.read() as conn:
        return int((await conn.execute(select(func.count()).select_from(outbox))).scalar_one())


async def _stored_home(app: Any, account_id: str) -> list[int] | None:
    state = app.state.roost
    timeline = engine(settings=state.settings, db=state.db, redis=state.redis, keys=state.keys)
    window = await timeline.store.read(int(account_id))
    return None if window is None else list(window.ids)


async def test_redis_paused_reads_from_the_database_posts_accepted_then_fanned_out(
    app: Any, client: httpx.AsyncClient, alice: Actor, bob: Actor, redis_server: RedisServer,
    drain: Any,
) -> None:  # fmt: skip
    await relate(bob, alice, "follow")
    before = await post(alice, "before the outage")
    await drain()
    assert [s["id"] for s in (await bob.get(HOME)).json()] == [before["id"]]

    redis_server.pause()  # connections stay up, nothing answers: calls time out
    try:
        during = await post(alice, "while Redis hangs")  # accepted
        await reaches_level(client, 2)
        started = time.monotonic()
        home = await bob.get(HOME)
        assert home.status_code == 200
        # A call that met the hung Redis would take its 0.5 s timeout: the breaker spares it.
        assert time.monotonic() - started < 0.5
        assert [s["id"] for s in home.json()] == [during["id"], before["id"]]
        assert await _outbox_size(app) >= 1  # the event waits for Redis
        assert (await bob.get(f"/api/v1/statuses/{during['id']}")).status_code == 200
    finally:
        redis_server.resume()

    await reaches_level(client, 0)  # the probe closes the breaker without traffic
    await drain()  # relay re-publishes; fan-out delivers into the kept home
    assert await _outbox_size(app) == 0
    stored = await _stored_home(app, bob.id)
    assert stored is not None and int(during["id"]) in stored and int(before["id"]) in stored
    assert [s["id"] for s in (await bob.get(HOME)).json()] == [during["id"], before["id"]]


async def test_redis_restarted_empty_homes_rebuilt_and_consumers_recreate_their_groups(
    app: Any, client: httpx.AsyncClient, alice: Actor, bob: Actor, redis_server: RedisServer,
    drain: Any,
) -> None:  # fmt: skip
    await relate(bob, alice, "follow")
    before = await post(alice, "before")
    await drain()

    redis_server.stop()
    during = await post(alice, "while Redis is stopped")
    home = await bob.get(HOME)
    assert home.status_code == 200
    assert [s["id"] for s in home.json()] == [during["id"], before["id"]]
    await reaches_level(client, 2)

    redis_server.start()  # empty: no homes, no stream, no consumer groups
    await reaches_level(client, 0)
    await drain()
    assert await _outbox_size(app) == 0
    assert [s["id"] for s in (await bob.get(HOME)).json()] == [during["id"], before["id"]]


async def test_a_running_consumer_survives_a_redis_restart_nogroup(
    app: Any, redis_server: RedisServer
) -> None:
    ctx = context_of(app)
    handled: list[int] = []
    registry = Registry()

    @registry.handler("resilience", "probe")
    async def record(event: Event, _ctx: Any) -> None:
        handled.append(event.id)

    consumer = StreamConsumer(ctx, registry, "resilience")
    stop = asyncio.Event()
    task = asyncio.create_task(consumer.run(stop))
    try:
        first = Event(id=new_id(), kind="probe", payload={})
        await eventually(lambda: _append(ctx, first))
        await eventually(lambda: _done(first.id in handled))

        redis_server.restart()  # the stream and the group are gone
        second = Event(id=new_id(), kind="probe", payload={})
        await eventually(lambda: _append(ctx, second), within=15)
        await eventually(lambda: _done(second.id in handled), within=15)
        assert await consumer.pending() == 0
    finally:
        stop.set()
        await asyncio.wait_for(task, timeout=10)


async def _append(ctx: Any, event: Event) -> bool:
    try:
        await append_events(ctx.redis, ctx.keys, ctx.settings, [event])
    except DependencyUnavailable:
        return False
    return True


async def _done(value: bool) -> bool:
    return value


async def test_level_is_reported_in_health_while_redis_is_down(
    app: Any, client: httpx.AsyncClient, alice: Actor, redis_server: RedisServer
) -> None:
    assert await level(client) == 0
    redis_server.stop()
    for _ in range(3):  # reads find Redis down
        assert (await alice.get(HOME)).status_code == 200
    body = (await client.get("/health")).json()
    assert body["level"] == 2
    assert body["dependencies"]["redis"]["state"] in ("open", "half_open")
    assert body["dependencies"]["database"]["state"] == "closed"
    assert (await client.get("/readyz")).status_code == 200  # the database serves
    redis_server.start()
    await reaches_level(client, 0)


async def test_writes_are_accepted_while_redis_is_down(
    app: Any, client: httpx.AsyncClient, alice: Actor, bob: Actor, carol: Actor,
    redis_server: RedisServer, drain: Any,
) -> None:  # fmt: skip
    await relate(bob, alice, "follow")
    kept = await post(alice, "kept")
    doomed = await post(alice, "doomed")
    await drain()
    redis_server.stop()
    try:
        assert (await bob.post(f"/api/v1/statuses/{kept['id']}/favourite")).status_code == 200
        assert (await bob.post(f"/api/v1/statuses/{kept['id']}/reblog")).status_code == 200
        assert (await carol.post(f"/api/v1/accounts/{alice.id}/follow")).status_code == 200
        assert (await alice.delete(f"/api/v1/statuses/{doomed['id']}")).status_code == 200
        reply = {"status": "@alice hi", "in_reply_to_id": kept["id"]}
        assert (await bob.post("/api/v1/statuses", json=reply)).status_code == 200
        assert (await alice.get("/api/v1/notifications")).status_code == 200
        assert await level(client) == 2
    finally:
        redis_server.start()
    await reaches_level(client, 0)
    await drain()
    assert await _outbox_size(app) == 0
    home = [s["id"] for s in (await carol.get(HOME)).json()]
    assert kept["id"] in home and doomed["id"] not in home
    shown = (await bob.get(f"/api/v1/statuses/{kept['id']}")).json()
    assert shown["favourited"] is True and shown["reblogged"] is True
