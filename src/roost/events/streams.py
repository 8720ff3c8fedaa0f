"""The Redis side of the bus: events appended to one stream, read by one group per queue.

Layout (all keys from ``Keys``): ``<prefix>:events`` holds every event and follow-up
job as an entry ``{event: <Event.encode()>}``; each worker kind ("timelines",
"notifications", ...) is a consumer group of that name on it. ``<prefix>:events:dead``
keeps entries that failed ``max_deliveries`` times, with the error.
"""

from __future__ import annotations

from collections.abc import Sequence

from redis.asyncio import Redis
from redis.exceptions import ResponseError

from roost.cache.keys import Keys
from roost.events.outbox import Event
from roost.settings import Settings

EVENT_FIELD = b"event"
ERROR_FIELD = b"error"


async def append_events(
    redis: Redis, keys: Keys, settings: Settings, events: Sequence[Event]
) -> None:
    """XADD the events in one pipelined round trip, keeping the stream near its cap."""
    if not events:
        return
    stream = keys.events_stream()
    async with redis.pipeline(transaction=False) as pipe:
        for event in events:
            pipe.xadd(
                stream,
                {EVENT_FIELD: event.encode()},
                maxlen=settings.stream_maxlen,
                approximate=True,
            )
        await pipe.execute()


async def ensure_group(redis: Redis, keys: Keys, group: str) -> None:
    """Create the queue's consumer group (and the stream) if missing.

    Notes on design: a new group starts at the beginning of the stream ("0"), not at
    its end ("$"), so events published before the first worker of a queue ever ran
    are still delivered; handlers are idempotent, so a replay only costs time.
    """
    try:
        await redis.xgroup_create(keys.events_stream(), group, id="0", mkstream=True)
    except ResponseError as exc:
        if "BUSYGROUP" not in str(exc):
            raise
