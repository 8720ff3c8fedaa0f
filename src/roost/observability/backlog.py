"""The backlog gauges, refreshed in the background: streams, consumer groups, outbox, dead letters.

Notes on design: these numbers cost round trips (XLEN, XINFO GROUPS, a COUNT over the
outbox), so they are refreshed every ``metrics_refresh_seconds`` by one task per
process rather than at every scrape. Every process reports the same shared values:
aggregate them across instances with ``max``, never ``sum`` (deploy/ does).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from typing import Any

from redis.asyncio import Redis
from sqlalchemy import func, select

from roost.cache.keys import Keys
from roost.db.metadata import utcnow
from roost.events.schema import dead_letters, outbox
from roost.observability import metrics

log = logging.getLogger(__name__)


def _text(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


def _field(group: dict[Any, Any], name: str) -> Any:
    return group.get(name, group.get(name.encode()))


async def refresh_database(db: Any) -> int:
    """Outbox size and the age of its oldest event; the dead-letter rows (embedded) counted."""
    # One table per transaction: holding a lock on one table while asking for another's
    # could deadlock with a TRUNCATE or a migration taking both in the other order.
    async with db.read() as conn:
        size, oldest = (
            await conn.execute(select(func.count(), func.min(outbox.c.created_at)))
        ).one()
    async with db.read() as conn:
        dead = (await conn.execute(select(func.count()).select_from(dead_letters))).scalar_one()
    metrics.OUTBOX_SIZE.set(int(size))
    age = 0.0
    if oldest is not None:
        created = oldest if oldest.tzinfo is not None else oldest.replace(tzinfo=utcnow().tzinfo)
        age = max((utcnow() - created).total_seconds(), 0.0)
    metrics.OUTBOX_OLDEST_AGE.set(age)
    metrics.DEAD_LETTERS.set(int(dead))
    return int(dead)


async def refresh_streams(redis: Redis, keys: Keys, *, dead_rows: int) -> None:
    """Stream lengths and, per consumer group, pending entries, lag and consumers."""
    events, dead = keys.events_stream(), keys.dead_letters_stream()
    async with redis.pipeline(transaction=False) as pipe:
        pipe.xlen(events)
        pipe.xlen(dead)
        pipe.exists(events)
        length, dead_length, exists = await pipe.execute()
    groups: list[dict[Any, Any]] = await redis.xinfo_groups(events) if exists else []
    metrics.STREAM_LENGTH.labels(stream="events").set(int(length))
    metrics.STREAM_LENGTH.labels(stream="dead").set(int(dead_length))
    metrics.DEAD_LETTERS.set(dead_rows + int(dead_length))
    for group in groups:
        name = _text(_field(group, "name"))
        metrics.STREAM_PENDING.labels(group=name).set(int(_field(group, "pending") or 0))
        metrics.STREAM_CONSUMERS.labels(group=name).set(int(_field(group, "consumers") or 0))
        lag = _field(group, "lag")
        if lag is not None:  # Redis 7+; None when Redis cannot tell
            metrics.STREAM_LAG.labels(group=name).set(int(lag))


async def refresh_once(*, db: Any, redis: Redis | None, keys: Keys) -> bool:
    """Refresh every backlog gauge once; False (and the error counted) if a dependency failed."""
    try:
        dead_rows = await refresh_database(db)
        if redis is not None:
            await refresh_streams(redis, keys, dead_rows=dead_rows)
    except Exception as exc:
        metrics.BACKLOG_REFRESH_ERRORS.inc()
        log.info("backlog metrics not refreshed: %s", exc)
        return False
    metrics.BACKLOG_REFRESHED.set(time.time())
    return True


class BacklogRefresher:
    """Runs ``refresh_once`` every ``interval`` seconds until stopped."""

    def __init__(self, *, db: Any, redis: Redis | None, keys: Keys, interval: float) -> None:
        self.db, self.redis, self.keys, self.interval = db, redis, keys, interval
        self._stop = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        if self.interval > 0 and self._task is None:
            self._task = asyncio.create_task(self._run())

    async def _run(self) -> None:
        while not self._stop.is_set():
            await refresh_once(db=self.db, redis=self.redis, keys=self.keys)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stop.wait(), timeout=self.interval)

    async def stop(self) -> None:
        self._stop.set()
        if self._task is not None:
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
