"""Delivery: failures end in dead letters, dead consumers' entries are reclaimed, no entry
is handled by two consumers of one group, follow-up jobs arrive, the stream stays bounded."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from sqlalchemy import select

from roost.events.outbox import Event, record_event
from roost.events.schema import dead_letters
from roost.events.streams import ERROR_FIELD, EVENT_FIELD, append_events, ensure_group
from roost.ids import new_id
from roost.workers.consumer import StreamConsumer
from roost.workers.context import WorkerContext
from roost.workers.registry import Registry
from roost.workers.runtime import WorkerRuntime
from tests.events.support import outbox_rows
from tests.workers.support import Recorder, context_of

scaled_only = pytest.mark.parametrize("backend", ["postgres"], indirect=True)


async def _post_probe(db: Any, count: int = 1) -> list[int]:
    async with db.write() as conn:
        return [(await record_event(conn, kind="probe", payload={"n": n})).id for n in range(count)]


async def test_a_handler_that_always_fails_ends_in_dead_letters_with_its_error(app, db, drain):
    calls: list[int] = []
    registry = Registry()

    @registry.handler("timelines", "probe")
    async def broken(event: Event, ctx: WorkerContext) -> None:
        calls.append(event.id)
        raise ValueError("the follower table is on fire")

    [event_id] = await _post_probe(db)
    await drain(registry=registry)
    max_deliveries = app.state.roost.settings.max_deliveries
    assert calls == [event_id] * max_deliveries
    redis = app.state.roost.redis
    if redis is None:
        async with db.read() as conn:
            [row] = (await conn.execute(select(dead_letters))).mappings().all()
        assert row["event_id"] == event_id and row["kind"] == "probe"
        assert "ValueError: the follower table is on fire" in row["error"]
        assert await outbox_rows(app) == []
    else:
        keys = app.state.roost.keys
        [(_, fields)] = await redis.xrange(keys.dead_letters_stream())
        assert Event.decode(fields[EVENT_FIELD]).id == event_id
        assert b"ValueError: the follower table is on fire" in fields[ERROR_FIELD]
        assert fields[b"queue"] == b"timelines"
        pending = await redis.xpending(keys.events_stream(), "timelines")
        assert pending["pending"] == 0


async def test_a_handler_that_fails_once_succeeds_on_redelivery(app, db, drain):
    attempts: list[int] = []
    registry = Registry()

    @registry.handler("timelines", "probe")
    async def flaky(event: Event, ctx: WorkerContext) -> None:
        attempts.append(event.id)
        if len(attempts) == 1:
            raise ConnectionError("blip")

    [event_id] = await _post_probe(db)
    await drain(registry=registry)
    assert attempts == [event_id, event_id]
    assert await outbox_rows(app) == []
    if app.state.roost.redis is not None:
        assert await app.state.roost.redis.xlen(app.state.roost.keys.dead_letters_stream()) == 0


async def test_follow_up_jobs_are_delivered_like_events(app, db, drain):
    done: list[int] = []
    registry = Registry()

    @registry.handler("timelines", "probe")
    async def split(event: Event, ctx: WorkerContext) -> None:
        for batch in range(3):
            await ctx.bus.publish("probe.batch", {"batch": batch})

    @registry.handler("timelines", "probe.batch")
    async def deliver(event: Event, ctx: WorkerContext) -> None:
        done.append(event.payload["batch"])

    await _post_probe(db)
    await drain(registry=registry)
    assert sorted(done) == [0, 1, 2]
    assert await outbox_rows(app) == []


async def test_a_queue_acknowledges_kinds_it_does_not_handle(app, db, drain):
    recorder = Recorder("timelines", kinds=("something.else",))
    await _post_probe(db, 2)
    await drain(registry=recorder.registry)
    assert recorder.calls == []
    assert await outbox_rows(app) == []
    redis = app.state.roost.redis
    if redis is not None:
        pending = await redis.xpending(app.state.roost.keys.events_stream(), "timelines")
        assert pending["pending"] == 0


@scaled_only
async def test_an_entry_read_by_a_consumer_that_died_is_reclaimed_by_another(app, db):
    ctx = context_of(app, claim_idle_ms=100)
    redis, stream = ctx.redis, ctx.keys.events_stream()
    assert redis is not None
    recorder = Recorder("timelines")
    await ensure_group(redis, ctx.keys, "timelines")
    [event_id] = await _post_probe(db)
    # "dead" reads the entry and is never heard from again.
    read = await redis.xreadgroup("timelines", "dead", {stream: ">"}, count=1)
    assert len(read[0][1]) == 1
    survivor = StreamConsumer(ctx, recorder.registry, "timelines", name="survivor")
    assert await survivor.reclaim(min_idle_ms=ctx.settings.claim_idle_ms) == 0  # not idle yet
    assert recorder.calls == []
    stop = asyncio.Event()
    task = asyncio.create_task(survivor.run(stop))
    try:
        for _ in range(100):
            if recorder.calls:
                break
            await asyncio.sleep(0.05)
    finally:
        stop.set()
        await task
    assert recorder.calls == [("timelines", event_id)]
    assert (await redis.xpending(stream, "timelines"))["pending"] == 0


@scaled_only
async def test_two_consumers_of_one_group_never_handle_the_same_entry(app, db):
    ctx = context_of(app)
    recorder = Recorder("timelines")
    first = StreamConsumer(ctx, recorder.registry, "timelines", batch=7)
    second = StreamConsumer(ctx, recorder.registry, "timelines", batch=7)
    await first.setup()
    ids = await _post_probe(db, 400)
    stop = asyncio.Event()
    tasks = [asyncio.create_task(c.run(stop)) for c in (first, second)]
    try:
        for _ in range(200):
            if len(recorder.calls) >= len(ids):
                break
            await asyncio.sleep(0.05)
    finally:
        stop.set()
        await asyncio.gather(*tasks)
    assert sorted(recorder.seen["timelines"]) == sorted(ids)
    assert set(recorder.seen["timelines"].values()) == {1}


@scaled_only
async def test_the_event_stream_stays_bounded(app):
    ctx = context_of(app, stream_maxlen=200)
    assert ctx.redis is not None
    for _ in range(10):
        events = [Event(id=new_id(), kind="probe", payload={}) for _ in range(300)]
        await append_events(ctx.redis, ctx.keys, ctx.settings, events)
    length = await ctx.redis.xlen(ctx.keys.events_stream())
    # "~" trims whole stream nodes (100 entries by default), never below the cap.
    assert 200 <= length <= 200 + 100


async def test_running_workers_handle_a_committed_event_without_being_drained(app, db):
    recorder = Recorder("timelines")
    state = app.state.roost
    ctx = context_of(app, claim_idle_ms=200, relay_interval_seconds=0.1)
    wake = asyncio.Event()
    runtime = WorkerRuntime(ctx, wake=wake, registry=recorder.registry)
    runtime.start()
    try:
        [event_id] = await _post_probe(db)
        wake.set()  # what the app's publisher does after an embedded commit
        for _ in range(100):
            if recorder.calls:
                break
            await asyncio.sleep(0.05)
    finally:
        await runtime.stop()
    assert recorder.calls == [("timelines", event_id)]
    if state.redis is None:
        assert await outbox_rows(app) == []
