"""The caches of the read path: rendered statuses, viewer relationships, pull authors.

Notes on design: scaled out, rendered statuses and viewer relationships live in Redis
(shared by every API process, invalidated by whoever changes them, and fetched in
the same round trips as the timeline); embedded (one process) they live in this
process. Entries also expire (``status_cache_seconds``), which bounds how stale the
account data embedded in a cached status (display name, counts) may get.

Pull authors (more followers than ``fanout_threshold``, not fanned out) and their
newest status ids are kept in this process for a few seconds in both deployments:
one query refreshes them for every reader of that author, and the process that
posts or follows invalidates them at once.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Iterable, Sequence
from typing import Any, Generic, TypeVar, cast

from redis.asyncio import Redis
from redis.exceptions import RedisError

from roost.cache.keys import Keys

V = TypeVar("V")

PULL_AUTHORS_SECONDS = 10.0
PULL_RECENT_SECONDS = 5.0


class LocalCache(Generic[V]):
    """A bounded in-process TTL cache (oldest entries evicted first)."""

    def __init__(self, *, ttl: float, size: int) -> None:
        self.ttl = ttl
        self.size = size
        self._data: OrderedDict[Any, tuple[float, V]] = OrderedDict()

    def get(self, key: Any) -> V | None:
        entry = self._data.get(key)
        if entry is None:
            return None
        if entry[0] < time.monotonic():
            self._data.pop(key, None)
            return None
        return entry[1]

    def put(self, key: Any, value: V, ttl: float | None = None) -> None:
        self._data[key] = (time.monotonic() + (self.ttl if ttl is None else ttl), value)
        self._data.move_to_end(key)
        while len(self._data) > self.size:
            self._data.popitem(last=False)

    def forget(self, keys: Iterable[Any]) -> None:
        for key in keys:
            self._data.pop(key, None)

    def clear(self) -> None:
        self._data.clear()


class ProcessCaches:
    """What one process keeps for one instance (database URL + Redis prefix)."""

    def __init__(self, *, status_ttl: float) -> None:
        self.statuses: LocalCache[bytes] = LocalCache(ttl=status_ttl, size=50_000)
        self.contexts: LocalCache[bytes] = LocalCache(ttl=status_ttl, size=20_000)
        self.flags: LocalCache[Any] = LocalCache(ttl=status_ttl, size=20_000)
        self.pull_authors: LocalCache[frozenset[int]] = LocalCache(ttl=PULL_AUTHORS_SECONDS, size=1)
        self.pull_recent: LocalCache[list[int]] = LocalCache(ttl=PULL_RECENT_SECONDS, size=10_000)


_process_caches: dict[tuple[str, str], ProcessCaches] = {}


def process_caches(url: str, prefix: str, *, status_ttl: float) -> ProcessCaches:
    key = (url, prefix)
    if key not in _process_caches:
        if len(_process_caches) > 64:  # tests make many instances; keep it bounded
            _process_caches.pop(next(iter(_process_caches)))
        _process_caches[key] = ProcessCaches(status_ttl=status_ttl)
    return _process_caches[key]


class KeyValueCache:
    """Rendered statuses or viewer contexts: Redis when scaled out, else this process."""

    def __init__(
        self, *, redis: Redis | None, key: Any, local: LocalCache[bytes], ttl_seconds: int
    ) -> None:
        self.redis = redis
        self.key = key  # id -> Redis key
        self.local = local
        self.ttl_seconds = ttl_seconds

    async def get_many(self, ids: Sequence[int]) -> dict[int, bytes]:
        if not ids:
            return {}
        if self.redis is None:
            found = {i: self.local.get(i) for i in ids}
            return {i: v for i, v in found.items() if v is not None}
        try:
            values = cast(list[bytes | None], await self.redis.mget([self.key(i) for i in ids]))
        except RedisError:
            return {}  # fail open: Redis down (level 2) reads as a miss
        return {i: v for i, v in zip(ids, values, strict=True) if v is not None}

    def queue_get(self, pipe: Any, status_id: int) -> None:
        pipe.get(self.key(status_id))

    async def put_many(self, values: dict[int, bytes]) -> None:
        if not values:
            return
        if self.redis is None:
            for i, v in values.items():
                self.local.put(i, v)
            return
        try:
            async with self.redis.pipeline(transaction=False) as pipe:
                for i, v in values.items():
                    pipe.set(self.key(i), v, ex=self.ttl_seconds)
                await pipe.execute()
        except RedisError:
            pass  # fail open: a value not cached is only a later miss

    # ``forget`` raises when Redis is down: a stale entry must not survive silently, so the
    # caller (a worker handler) fails and is retried once Redis is back.

    async def forget(self, ids: Iterable[int]) -> None:
        targets = list(ids)
        if not targets:
            return
        if self.redis is None:
            self.local.forget(targets)
            return
        await self.redis.delete(*(self.key(i) for i in targets))


def context_key(keys: Keys) -> Any:
    return lambda account_id: keys.account(account_id, "home-ctx")
