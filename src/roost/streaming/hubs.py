"""Which hub a process uses: the app opens one; worker handlers find the one to publish to.

Embedded there is one process: the app registers its ``MemoryHub`` under its database
URL and Redis prefix, and worker handlers running in that process publish into it (no
hub registered means no listener in this process, so there is nothing to publish).
Scaled out, a worker publishes through a ``RedisHub`` that never listens.
"""

from __future__ import annotations

from redis.asyncio import Redis

from roost.cache.keys import Keys
from roost.settings import Settings
from roost.streaming.hub import StreamHub
from roost.streaming.memory_hub import MemoryHub
from roost.streaming.redis_hub import RedisHub

_memory_hubs: dict[tuple[str, str], MemoryHub] = {}
_redis_hubs: dict[tuple[int, int], RedisHub] = {}


def _key(settings: Settings) -> tuple[str, str]:
    return settings.sqlalchemy_url, settings.redis_prefix


def open_hub(*, settings: Settings, redis: Redis | None, keys: Keys) -> StreamHub:
    """The hub of an API process (``close`` it with the app)."""
    if redis is not None:
        return RedisHub(
            redis=redis,
            keys=keys,
            redis_url=settings.redis_url or "",
            replay_seconds=settings.streaming_replay_seconds,
            replay_maxlen=settings.streaming_replay_maxlen,
        )
    hub = MemoryHub(
        replay_seconds=settings.streaming_replay_seconds,
        replay_maxlen=settings.streaming_replay_maxlen,
    )
    _memory_hubs[_key(settings)] = hub
    return hub


def forget_hub(settings: Settings, hub: StreamHub) -> None:
    if _memory_hubs.get(_key(settings)) is hub:
        del _memory_hubs[_key(settings)]


def publishing_hub(*, settings: Settings, redis: Redis | None, keys: Keys) -> StreamHub | None:
    """The hub worker handlers publish to (None: embedded and no API in this process)."""
    if redis is None:
        return _memory_hubs.get(_key(settings))
    key = (id(redis), id(keys))
    hub = _redis_hubs.get(key)
    if hub is None:
        if len(_redis_hubs) >= 64:  # tests build many apps; keep it bounded
            _redis_hubs.pop(next(iter(_redis_hubs)))
        hub = _redis_hubs[key] = RedisHub(
            redis=redis,
            keys=keys,
            redis_url=settings.redis_url or "",
            replay_seconds=settings.streaming_replay_seconds,
            replay_maxlen=settings.streaming_replay_maxlen,
        )
    return hub
