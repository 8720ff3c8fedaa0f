"""``roost worker``'s stop: the batch in hand is finished, or, past the grace time or on a
second signal, cut off with its entries left for another worker; nothing is lost.

In-process, on both deployments (scaled out: the entry stays pending in the group and a
later consumer claims it; embedded: the outbox row stays and is handled again).
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

from roost.events.outbox import Event, record_event
from roost.workers.context import WorkerContext
from roost.workers.process import finish_batches
from roost.workers.registry import Registry
from roost.workers.runtime import WorkerRuntime
from tests.workers.support import context_of

QUEUE = "timelines"


async def _record_probe(db: Any) -> int:
    async with db.write() as conn:
        return (await record_event(conn, kind="probe", payload={})).id


def _stuck_registry(started: asyncio.Event, finished: list[int]) -> Registry:
    """A handler that hangs the first time (until cancelled), then succeeds."""
    registry = Registry()
    calls: list[int] = []

    @registry.handler(QUEUE, "probe")
    async def hang_once(event: Event, ctx: WorkerContext) -> None:
        calls.append(event.id)
        if len(calls) == 1:
            started.set()
            await asyncio.Event().wait()
        finished.append(event.id)

    return registry


async def _running(app: Any, registry: Registry) -> WorkerRuntime:
    ctx = context_of(app, claim_idle_ms=100, relay_interval_seconds=0.1)
    runtime = WorkerRuntime(ctx, wake=asyncio.Event(), registry=registry)
    runtime.start()
    return runtime


async def test_a_batch_past_the_grace_time_is_cut_off_and_handled_later(
    app: Any, db: Any, drain: Any
) -> None:
    started, finished = asyncio.Event(), []
    registry = _stuck_registry(started, finished)
    event_id = await _record_probe(db)
    runtime = await _running(app, registry)
    await asyncio.wait_for(started.wait(), 15)

    began = time.monotonic()
    await finish_batches(runtime, grace_seconds=0.3, force=asyncio.Event())
    assert time.monotonic() - began < 3, "the grace time bounds the stop"
    assert runtime.tasks == []
    assert finished == []

    await drain(registry=registry)  # what another worker does later (claims, or re-leases)
    assert finished == [event_id], "the cut-off event was handled, not lost"


async def test_a_second_signal_cuts_the_batch_off_at_once(app: Any, db: Any) -> None:
    started, finished = asyncio.Event(), []
    registry = _stuck_registry(started, finished)
    await _record_probe(db)
    runtime = await _running(app, registry)
    await asyncio.wait_for(started.wait(), 15)

    force = asyncio.Event()
    stopping = asyncio.create_task(finish_batches(runtime, grace_seconds=60, force=force))
    await asyncio.sleep(0.2)
    assert not stopping.done(), "without the second signal it waits for the batch"
    began = time.monotonic()
    force.set()
    await asyncio.wait_for(stopping, 5)
    assert time.monotonic() - began < 3


async def test_a_quick_batch_is_finished_and_acknowledged(app: Any, db: Any, drain: Any) -> None:
    seen: list[int] = []
    registry = Registry()

    @registry.handler(QUEUE, "probe")
    async def record(event: Event, ctx: WorkerContext) -> None:
        seen.append(event.id)

    event_id = await _record_probe(db)
    runtime = await _running(app, registry)
    deadline = time.monotonic() + 15
    while not seen:
        assert time.monotonic() < deadline, "the worker never handled the event"
        await asyncio.sleep(0.02)
    await finish_batches(runtime, grace_seconds=10, force=asyncio.Event())
    assert await drain(registry=registry) == 0, "nothing was left pending or in the outbox"
    assert seen == [event_id]
