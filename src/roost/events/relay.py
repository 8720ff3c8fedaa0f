"""The outbox relay: publishes events that commit-then-publish left behind (a crash, Redis down).

Notes on design: each batch is read with ``FOR UPDATE SKIP LOCKED`` on PostgreSQL and
published and deleted inside that same transaction, so any number of relays can run
(one per ``roost serve`` and ``roost worker``) without two of them taking the same
rows. If publishing fails the transaction rolls back and the rows stay. A crash after
XADD but before the commit publishes a batch twice: consumers are idempotent.
Only rows older than a grace period are taken, so the relay does not race the
publisher on events that were committed a moment ago.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import timedelta

from roost.db.metadata import utcnow
from roost.events import store
from roost.events.streams import append_events
from roost.resilience.transient import is_outage
from roost.workers.context import WorkerContext

log = logging.getLogger(__name__)

GRACE_SECONDS = 5.0
BATCH = 500


async def relay_once(
    ctx: WorkerContext, *, min_age_seconds: float = GRACE_SECONDS, batch: int = BATCH
) -> int:
    """Publish every outbox row at least ``min_age_seconds`` old, in id order; how many."""
    redis = ctx.redis
    if redis is None:
        return 0  # embedded: the drainer reads the outbox itself
    published = 0
    while True:
        cutoff = utcnow() - timedelta(seconds=min_age_seconds)
        async with ctx.db.write() as conn:
            events = await store.oldest_for_relay(
                conn, ctx.db.dialect, created_before=cutoff, limit=batch
            )
            if events:
                await append_events(redis, ctx.keys, ctx.settings, events)
                await store.delete_events(conn, [event.id for event in events])
        published += len(events)
        if len(events) < batch:
            return published


async def run_relay(
    ctx: WorkerContext, stop: asyncio.Event, *, grace_seconds: float = GRACE_SECONDS
) -> None:
    """Relay every ``relay_interval_seconds`` until ``stop`` is set."""
    while not stop.is_set():
        try:
            count = await relay_once(ctx, min_age_seconds=grace_seconds)
            if count:
                log.info("relay published %d event(s) left in the outbox", count)
        except Exception as exc:
            if is_outage(exc):  # the rows stay; published once the dependency is back
                log.warning("outbox relay waiting: %s", exc)
            else:
                log.exception("outbox relay failed; retrying")
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=ctx.settings.relay_interval_seconds)
