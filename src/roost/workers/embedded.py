"""The embedded worker: drains the outbox table directly, no Redis.

Each round leases the oldest due rows (so a second drainer, say ``roost worker`` next
to ``roost serve`` on the same SQLite file, takes other rows), runs every handler of
every queue for each event, then deletes the rows that succeeded. A failure counts an
attempt, keeps the error and delays the row with exponential backoff; after
``max_deliveries`` attempts the row moves to ``dead_letters``. A drainer that dies
holding a lease only delays its rows until the lease runs out. A dependency outage is not
a failed attempt: those rows are postponed a little, uncounted (never dead-lettered for
it); if even that write fails, the lease running out brings them back. Follow-up jobs become
outbox rows too (``OutboxBus``), so a crash loses nothing.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import timedelta

from roost.db.metadata import utcnow
from roost.events import store
from roost.observability.handling import EMBEDDED_QUEUE, handling
from roost.resilience.transient import is_outage
from roost.workers.consumer import describe_error
from roost.workers.context import WorkerContext
from roost.workers.registry import Registry

log = logging.getLogger(__name__)

LEASE_SECONDS = 60.0
BATCH = 100
MAX_BACKOFF_SECONDS = 300.0
OUTAGE_RETRY_SECONDS = 1.0


def backoff(attempts: int) -> timedelta:
    return timedelta(seconds=min(2.0**attempts, MAX_BACKOFF_SECONDS))


class OutboxDrainer:
    def __init__(
        self,
        ctx: WorkerContext,
        registry: Registry,
        wake: asyncio.Event,
        *,
        queues: list[str] | None = None,
        batch: int = BATCH,
    ) -> None:
        self.ctx = ctx
        self.registry = registry
        self.wake = wake
        self.queues = queues
        self.batch = batch

    async def drain_once(self, *, ignore_backoff: bool = False) -> int:
        """Handle one batch of due events; how many were taken."""
        db = self.ctx.db
        now = utcnow()
        async with db.write() as conn:
            leased = await store.lease_due(
                conn,
                db.dialect,
                now=now,
                lease_until=now + timedelta(seconds=LEASE_SECONDS),
                limit=self.batch,
                ignore_backoff=ignore_backoff,
            )
        if not leased:
            return 0
        done: list[int] = []
        failed: list[tuple[int, str]] = []
        postponed: list[int] = []
        for index, (event, _) in enumerate(leased):
            try:
                with handling(event, queue=EMBEDDED_QUEUE):  # span continuing the event's trace
                    for handler in self.registry.all_handlers(event.kind, self.queues):
                        await handler(event, self.ctx)
            except Exception as exc:
                if is_outage(exc):
                    log.warning("embedded worker: %s %s postponed: %s", event.kind, event.id, exc)
                    postponed.append(event.id)
                    continue
                log.warning("embedded worker: %s %s failed: %s", event.kind, event.id, exc)
                failed.append((index, describe_error(exc)))
            else:
                done.append(event.id)
        async with db.write() as conn:
            await store.delete_events(conn, done)
            await store.postpone(
                conn, postponed, retry_at=utcnow() + timedelta(seconds=OUTAGE_RETRY_SECONDS)
            )
            for index, error in failed:
                event, attempts = leased[index]
                if attempts + 1 >= self.ctx.settings.max_deliveries:
                    log.error("event %s %s goes to dead letters", event.kind, event.id)
                    await store.move_to_dead_letters(conn, event, error=error)
                else:
                    await store.record_failure(
                        conn, event.id, error=error, retry_at=utcnow() + backoff(attempts + 1)
                    )
        return len(leased)

    async def run(self, stop: asyncio.Event) -> None:
        """Drain until ``stop`` is set: at once when woken, else every relay interval."""
        while not stop.is_set():
            self.wake.clear()
            try:
                taken = await self.drain_once()
            except Exception:
                log.exception("embedded worker failed; retrying")
                taken = 0
            if taken or stop.is_set():
                continue
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(
                    self.wake.wait(), timeout=self.ctx.settings.relay_interval_seconds
                )
