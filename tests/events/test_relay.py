"""A crash between commit and publish loses nothing: the relay publishes what is left."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from roost.events.outbox import record_event
from roost.events.relay import relay_once, run_relay
from tests.events.support import bus_events, outbox_rows
from tests.workers.support import Recorder, context_of


async def _record_without_publishing(app: Any, count: int = 1) -> list[int]:
    """As if the process died right after COMMIT: the events sit in the outbox only."""
    db = app.state.roost.db
    hook, db.after_commit = db.after_commit, None
    try:
        ids = []
        async with db.write() as conn:
            for n in range(count):
                ids.append((await record_event(conn, kind="probe", payload={"n": n})).id)
        return ids
    finally:
        db.after_commit = hook


async def test_an_event_left_in_the_outbox_is_relayed_and_handled_once(app, drain):
    [event_id] = await _record_without_publishing(app)
    assert [row["id"] for row in await outbox_rows(app)] == [event_id]
    recorder = Recorder("timelines", "notifications")
    await drain(registry=recorder.registry)
    await drain(registry=recorder.registry)  # nothing is left to deliver again
    assert recorder.seen == {"timelines": {event_id: 1}, "notifications": {event_id: 1}}
    assert await outbox_rows(app) == []


@pytest.mark.parametrize("backend", ["postgres"], indirect=True)
async def test_the_relay_leaves_fresh_events_to_the_publisher_and_takes_old_ones(app):
    ids = await _record_without_publishing(app, 3)
    ctx = context_of(app)
    assert await relay_once(ctx) == 0  # younger than the grace period
    assert await relay_once(ctx, min_age_seconds=0) == 3
    assert [event.id for event in await bus_events(app)] == ids  # in id order
    assert await outbox_rows(app) == []


@pytest.mark.parametrize("backend", ["postgres"], indirect=True)
async def test_relays_running_at_once_publish_each_event_once(app):
    ids = await _record_without_publishing(app, 300)
    ctx = context_of(app)
    counts = await asyncio.gather(*(relay_once(ctx, min_age_seconds=0, batch=20) for _ in range(4)))
    assert sum(counts) == 300
    assert sorted(event.id for event in await bus_events(app)) == sorted(ids)


@pytest.mark.parametrize("backend", ["postgres"], indirect=True)
async def test_the_running_relay_publishes_on_its_interval(app):
    [event_id] = await _record_without_publishing(app)
    ctx = context_of(app, relay_interval_seconds=0.05)
    stop = asyncio.Event()
    task = asyncio.create_task(run_relay(ctx, stop, grace_seconds=0.2))
    try:
        for _ in range(100):
            if await outbox_rows(app) == []:
                break
            await asyncio.sleep(0.05)
    finally:
        stop.set()
        await task
    assert [event.id for event in await bus_events(app)] == [event_id]
