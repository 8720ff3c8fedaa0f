"""A dependency outage during a handler is not a failed delivery (both deployments).

A handler that fails more than ``max_deliveries`` times because the database or Redis
is down must not end in the dead letters: the entry waits for the dependency and is
handled once it is back.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from roost.events.outbox import Event, record_event
from roost.events.schema import dead_letters, outbox
from roost.resilience.errors import DependencyUnavailable
from roost.workers.context import WorkerContext
from roost.workers.registry import Registry


async def test_outages_longer_than_max_deliveries_never_dead_letter(
    app: Any, db: Any, drain: Any
) -> None:
    max_deliveries = app.state.roost.settings.max_deliveries
    outage_calls = max_deliveries + 2
    calls: list[int] = []
    registry = Registry()

    @registry.handler("timelines", "probe")
    async def during_outage(event: Event, ctx: WorkerContext) -> None:
        calls.append(event.id)
        if len(calls) <= outage_calls:
            raise DependencyUnavailable("database", 1)

    async with db.write() as conn:
        event_id = (await record_event(conn, kind="probe", payload={})).id
    await drain(registry=registry)

    assert calls == [event_id] * (outage_calls + 1)  # handled once the outage ended
    redis = app.state.roost.redis
    async with db.read() as conn:
        assert (await conn.execute(select(dead_letters))).all() == []
        assert (await conn.execute(select(outbox))).all() == []
    if redis is not None:
        keys = app.state.roost.keys
        assert await redis.xlen(keys.dead_letters_stream()) == 0
        assert (await redis.xpending(keys.events_stream(), "timelines"))["pending"] == 0


async def test_a_real_failure_still_counts(app: Any, db: Any, drain: Any) -> None:
    calls: list[int] = []
    registry = Registry()

    @registry.handler("timelines", "probe")
    async def broken(event: Event, ctx: WorkerContext) -> None:
        calls.append(event.id)
        raise KeyError("payload field missing")

    async with db.write() as conn:
        await record_event(conn, kind="probe", payload={})
    await drain(registry=registry)
    assert len(calls) == app.state.roost.settings.max_deliveries
