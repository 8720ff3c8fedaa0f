"""The two buses follow-up jobs travel on: the Redis stream, or the outbox table."""

from __future__ import annotations

from typing import Any

from redis.asyncio import Redis

from roost.cache.keys import Keys
from roost.cache.redis_client import GuardedRedis
from roost.db import Database
from roost.events.outbox import Event, record_event
from roost.events.streams import append_events
from roost.ids import new_id
from roost.resilience.degradation import DATABASE, REDIS, Dependencies
from roost.settings import Settings
from roost.workers.context import Bus, WorkerContext


class StreamBus:
    """Scaled out: a job is one more entry on the events stream."""

    def __init__(self, redis: Redis, keys: Keys, settings: Settings) -> None:
        self.redis = redis
        self.keys = keys
        self.settings = settings

    async def publish(self, kind: str, payload: dict[str, Any]) -> None:
        event = Event(id=new_id(), kind=kind, payload=payload)
        await append_events(self.redis, self.keys, self.settings, [event])


class OutboxBus:
    """Embedded: a job is a new outbox row, so a crash before it runs loses nothing."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def publish(self, kind: str, payload: dict[str, Any]) -> None:
        async with self.db.write() as conn:
            await record_event(conn, kind=kind, payload=payload)


def worker_context(
    *, settings: Settings, db: Database, redis: Redis | None, keys: Keys
) -> WorkerContext:
    """The context of this deployment: jobs on the stream when scaled out, else the outbox.

    Its ``dependencies`` are the breakers of ``db`` and (guarded) ``redis``, so the
    degradation level reflects what this process's calls see.
    """
    bus: Bus = StreamBus(redis, keys, settings) if redis is not None else OutboxBus(db)
    return WorkerContext(
        settings=settings,
        db=db,
        redis=redis,
        keys=keys,
        bus=bus,
        dependencies=dependencies_of(db, redis),
    )


def dependencies_of(db: Database, redis: Redis | None) -> Dependencies:
    breakers = {DATABASE: db.breaker}
    if isinstance(redis, GuardedRedis):
        breakers[REDIS] = redis.breaker
    return Dependencies(breakers)
