"""The timeline engine of one deployment: its store, its caches, rebuilds, hydration.

Obtained with ``engine(...)`` from what the API handler or worker already holds
(settings, db, redis, keys): one Engine per such combination is kept and reused, since
building one (store, Lua script objects, caches) on every home read showed up in its
CPU profile. The in-process caches are shared per instance (``caches.process_caches``).
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Sequence
from typing import Any

import orjson
from redis.asyncio import Redis

from roost.cache.keys import Keys
from roost.db import Database
from roost.db.paging import Page
from roost.ids import id_at
from roost.observability.metrics import observe_status_cache
from roost.settings import Settings
from roost.statuses import queries as status_queries
from roost.statuses.entities import render_statuses
from roost.timelines import feed_queries
from roost.timelines.caches import (
    KeyValueCache,
    ProcessCaches,
    context_key,
    process_caches,
)
from roost.timelines.filters import ViewerContext
from roost.timelines.redis_store import RedisTimelineStore
from roost.timelines.sqlite_store import SqlTimelineStore
from roost.timelines.store import TimelineStore, Window, window_from_rebuild
from roost.timelines.viewer_flags import FlagsCache

# A rebuild keeps ids stored within this long before it read the database: they
# may have been delivered while it ran (the read-time filter drops any that should go).
REBUILD_OVERLAP_MS = 60_000


class Engine:
    def __init__(
        self, *, settings: Settings, db: Database, redis: Redis | None, keys: Keys
    ) -> None:
        self.settings = settings
        self.db = db
        self.redis = redis
        self.keys = keys
        self.local: ProcessCaches = process_caches(
            settings.sqlalchemy_url, settings.redis_prefix, status_ttl=settings.status_cache_seconds
        )
        self.store: TimelineStore
        self.redis_store: RedisTimelineStore | None = None
        if redis is not None:
            self.redis_store = RedisTimelineStore(
                redis,
                keys,
                cap=settings.timeline_cap,
                falloff=settings.reblog_falloff,
                ttl_seconds=(settings.active_days + 1) * 86_400,
            )
            self.store = self.redis_store
        else:
            self.store = SqlTimelineStore(
                db, cap=settings.timeline_cap, falloff=settings.reblog_falloff
            )
        self.statuses = KeyValueCache(
            redis=redis,
            key=keys.status,
            local=self.local.statuses,
            ttl_seconds=settings.status_cache_seconds,
        )
        self.contexts = KeyValueCache(
            redis=redis,
            key=context_key(keys),
            local=self.local.contexts,
            ttl_seconds=settings.status_cache_seconds,
        )
        self.flags = FlagsCache(
            db=db,
            redis=redis,
            keys=keys,
            local=self.local.flags,
            ttl_seconds=settings.status_cache_seconds,
        )

    # --- rebuilds ---------------------------------------------------------------------------

    async def rebuild(self, account_id: int) -> Window:
        """Rebuild a home timeline from the database (the reference query, newest ``cap``)."""
        started = id_at(int(time.time() * 1000) - REBUILD_OVERLAP_MS)
        async with self.db.read() as conn:
            ids = await feed_queries.home_candidate_ids(
                conn, viewer_id=account_id, page=Page(limit=self.settings.timeline_cap)
            )
        window = window_from_rebuild(ids, self.settings.timeline_cap)
        await self.store.replace(account_id, window, keep_after=started)
        return window

    # --- viewer relationships ---------------------------------------------------------------

    async def load_context(self, account_id: int) -> ViewerContext:
        async with self.db.read() as conn:
            context = ViewerContext.from_relations(
                await feed_queries.relations(conn, account_id),
                await feed_queries.followed_tag_names(conn, account_id),
            )
        await self.contexts.put_many({account_id: context.encode()})
        return context

    async def forget_contexts(self, account_ids: Iterable[int]) -> None:
        await self.contexts.forget(account_ids)

    # --- pull authors -----------------------------------------------------------------------

    async def pull_authors(self, *, cached_only: bool = False) -> frozenset[int]:
        """Accounts read at read time rather than fanned out (with a hysteresis band:
        anyone above half the threshold is merged too, so an author crossing it while
        this cache is warm leaves no gap; merging a fanned-out author only dedupes).
        ``cached_only`` (level 3): what this process knows, else none."""
        cached = self.local.pull_authors.get("all")
        if cached is None and cached_only:
            return frozenset()
        if cached is None:
            async with self.db.read() as conn:
                cached = frozenset(
                    await feed_queries.pull_author_ids(
                        conn, more_followers_than=self.settings.fanout_threshold // 2
                    )
                )
            self.local.pull_authors.put("all", cached)
        return cached

    async def pull_recent(
        self, author_ids: Sequence[int], *, cached_only: bool = False
    ) -> dict[int, list[int]]:
        """Newest status ids of pull authors (cached in this process for a few seconds);
        ``cached_only`` (level 3): only those this process has."""
        found: dict[int, list[int]] = {}
        missing: list[int] = []
        for author in author_ids:
            ids = self.local.pull_recent.get(author)
            if ids is None:
                missing.append(author)
            else:
                found[author] = ids
        if missing and not cached_only:
            async with self.db.read() as conn:
                loaded = await feed_queries.recent_status_ids(
                    conn, missing, limit=self.settings.timeline_cap
                )
            for author, ids in loaded.items():
                self.local.pull_recent.put(author, ids)
                found[author] = ids
        return found

    def forget_pull(self, author_ids: Iterable[int] = (), *, authors_set: bool = False) -> None:
        self.local.pull_recent.forget(author_ids)
        if authors_set:
            self.local.pull_authors.clear()

    # --- status cache -----------------------------------------------------------------------

    async def hydrate(self, status_ids: Sequence[int]) -> dict[int, dict[str, Any]]:
        """Rendered statuses (viewer-independent) by id: one cache round trip, misses
        rendered from the database in one batch and written back. Gone ids are absent."""
        raw = await self.hydrate_raw(status_ids)
        return {i: orjson.loads(raw[i]) for i in status_ids if i in raw}

    async def hydrate_raw(
        self, status_ids: Sequence[int], *, cached_only: bool = False
    ) -> dict[int, bytes]:
        """As ``hydrate``, still encoded (the read path decodes only what it looks at).
        ``cached_only`` (level 3): misses are left out instead of rendered."""
        raw = await self.statuses.get_many(status_ids)
        observe_status_cache(hits=len(raw), misses=len(status_ids) - len(raw))
        if len(raw) < len(status_ids) and not cached_only:
            missing = [i for i in status_ids if i not in raw]
            raw.update(await self.render(missing))
        return raw

    async def render(self, status_ids: Sequence[int]) -> dict[int, bytes]:
        async with self.db.read() as conn:
            rows = list((await status_queries.find_statuses(conn, status_ids)).values())
            rendered = await render_statuses(
                conn, rows=rows, viewer_account_id=None, settings=self.settings
            )
        fresh = {row["id"]: orjson.dumps(data) for row, data in zip(rows, rendered, strict=True)}
        await self.statuses.put_many(fresh)
        return fresh

    async def forget_statuses(self, status_ids: Iterable[int]) -> None:
        await self.statuses.forget(i for i in status_ids if i)


_engines: dict[tuple[int, int, int, int], Engine] = {}


def engine(*, settings: Settings, db: Database, redis: Redis | None, keys: Keys) -> Engine:
    """The Engine of these parts (kept: it holds them, so their ids stay unique meanwhile)."""
    key = (id(settings), id(db), id(redis), id(keys))
    found = _engines.get(key)
    if found is None:
        if len(_engines) >= 64:  # tests build many apps; keep it bounded
            _engines.pop(next(iter(_engines)))
        found = _engines[key] = Engine(settings=settings, db=db, redis=redis, keys=keys)
    return found
