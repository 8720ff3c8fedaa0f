"""The home timeline read path (GET /api/v1/timelines/home).

1. One round trip for the materialized timeline, the viewer's relationships and the
   viewer's favourited/reblogged flags (Redis pipeline; embedded: one query, the
   relationships and flags from this process's caches). A missing timeline is rebuilt
   from the database first, never served empty; missing relationships or flags are
   loaded with one query each and written back.
2. Followed pull authors' newest ids (in-process cache) are merged in.
3. Candidates newest first (oldest first for ``min_id``) are hydrated from the status
   cache in chunks (one round trip each; normally one) and filtered with
   ``filters.belongs_in_home`` until the page is full.
4. The flags fetched in step 1 are applied (``viewer_flags``; an old status below the
   flags' window costs one query).
5. Below the store's floor (past the cap, or a pull author's cached window) the page
   continues with the database query (``queries.home_timeline``), so there is no cliff.

Level 3 (the database down, ``cached_only``): the page is what Redis holds — the
materialized timeline, the cached relationships and statuses; statuses missing from the
cache are left out, flags the cache does not know are false, the page ends at the
store's floor, and pull authors are merged only from this process's cache. Without a
stored timeline or cached relationships there is nothing safe to show: 503.

Notes on cost: this runs on every home read, so the per-request CPU matters more than
elegance here. Packed ids are decoded with ``array`` (C speed), the candidates are
sorted once and cut with ``bisect``, and cached statuses are decoded only as they are
looked at.
"""

from __future__ import annotations

import sys
from array import array
from bisect import bisect_left, bisect_right
from collections.abc import Iterable
from typing import Any

import orjson

from roost.db.paging import Page
from roost.observability.metrics import observe_home_read
from roost.resilience.degradation import DATABASE
from roost.resilience.errors import DependencyUnavailable
from roost.statuses.entities import render_statuses
from roost.timelines import feed_queries, queries
from roost.timelines.engine import Engine
from roost.timelines.filters import ViewerContext, belongs_in_home
from roost.timelines.store import ID_BYTES

# Extra candidates hydrated beyond the page, so a few filtered ones cost no second round trip.
CHUNK_MARGIN = 10

_SWAP = sys.byteorder == "little"  # stored ids are big-endian (redis_store)


async def read_home(
    engine: Engine, *, viewer_id: int, page: Page, cached_only: bool = False
) -> tuple[list[dict[str, Any]], list[int]]:
    """The page (rendered, newest first) and its ids; ``cached_only``: level 3 (above)."""
    candidates, floor, raw_context, seen_flags = await _load(engine, viewer_id)
    observe_home_read(rebuilt=candidates is None)
    if cached_only and (candidates is None or raw_context is None):
        raise DependencyUnavailable(DATABASE, engine.db.breaker.retry_after())
    if candidates is None:
        window = await engine.rebuild(viewer_id)
        candidates, floor = set(window.ids), window.floor
    context = (
        ViewerContext.decode(raw_context)
        if raw_context is not None
        else await engine.load_context(viewer_id)
    )
    pull_authors = await engine.pull_authors(cached_only=cached_only)
    if pull_authors:
        pulled = [author for author in context.following if author in pull_authors]
        if pulled:
            cap = engine.settings.timeline_cap
            for ids in (await engine.pull_recent(pulled, cached_only=cached_only)).values():
                if len(ids) >= cap:
                    floor = max(floor, ids[-1] - 1)
                candidates.update(ids)
    lower = max((x for x in (page.since_id, page.min_id) if x is not None), default=None)
    upper = page.max_id
    ordered = sorted(candidates)
    start = bisect_right(ordered, floor if lower is None else max(floor, lower))
    stop = len(ordered) if upper is None else bisect_left(ordered, upper)
    in_range = ordered[start:stop]
    if not page.ascending:
        in_range.reverse()
    db_upper = floor + 1 if upper is None else min(upper, floor + 1)
    reaches_db = floor > 0 and (lower is None or floor > lower) and not cached_only
    if page.ascending:
        below: list[dict[str, Any]] = []
        if reaches_db:
            below = await _from_database(
                engine, viewer_id, Page(limit=page.limit, max_id=db_upper, min_id=page.min_id,
                                        since_id=page.since_id)
            )  # fmt: skip
            if len(below) >= page.limit:
                return below, [int(s["id"]) for s in below]
        above = await _pick(
            engine, viewer_id, context, seen_flags, in_range, page.limit - len(below),
            cached_only=cached_only,
        )  # fmt: skip
        statuses = [*reversed(above), *below]
    else:
        statuses = await _pick(
            engine, viewer_id, context, seen_flags, in_range, page.limit, cached_only=cached_only
        )
        if len(statuses) < page.limit and reaches_db:
            statuses += await _from_database(
                engine,
                viewer_id,
                Page(limit=page.limit - len(statuses), max_id=db_upper, since_id=lower),
            )
    return statuses, [int(s["id"]) for s in statuses]


async def _load(engine: Engine, viewer_id: int) -> tuple[set[int] | None, int, Any, Any]:
    """(stored ids, floor) of the timeline (None when missing), the cached relationships
    and what the flags cache holds, in one round trip."""
    if engine.redis_store is not None and engine.redis is not None:
        async with engine.redis.pipeline(transaction=False) as pipe:
            engine.redis_store.read_command(pipe, viewer_id)
            engine.contexts.queue_get(pipe, viewer_id)
            engine.flags.queue_get(pipe, viewer_id)
            raw_window, raw_context, seen_flags = await pipe.execute()
        if raw_window is None:
            return None, 0, raw_context, seen_flags
        ids, floor = _unpack(raw_window)
        return ids, floor, raw_context, seen_flags
    window = await engine.store.read(viewer_id)
    raw_context = engine.local.contexts.get(viewer_id)
    seen_flags = engine.flags.seen_locally(viewer_id)
    if window is None:
        return None, 0, raw_context, seen_flags
    return set(window.ids), window.floor, raw_context, seen_flags


def _unpack(raw: bytes) -> tuple[set[int], int]:
    """A stored timeline string (``redis_store``'s layout: big-endian floor, then ids) as
    its distinct ids and floor; ids at or below the floor are cut by the caller."""
    ids = array("Q", raw[ID_BYTES : len(raw) - (len(raw) - ID_BYTES) % ID_BYTES])
    if _SWAP:
        ids.byteswap()
    return set(ids), int.from_bytes(raw[:ID_BYTES], "big")


async def _pick(
    engine: Engine,
    viewer_id: int,
    context: ViewerContext,
    seen_flags: Any,
    ordered: list[int],
    need: int,
    *,
    cached_only: bool = False,
) -> list[dict[str, Any]]:
    """Hydrate candidates in order, keep those that belong, stop at ``need``."""
    picked: list[dict[str, Any]] = []
    start = 0
    loads = orjson.loads
    while len(picked) < need and start < len(ordered):
        chunk = ordered[start : start + need - len(picked) + CHUNK_MARGIN]
        start += len(chunk)
        hydrated = await engine.hydrate_raw(chunk, cached_only=cached_only)
        for status_id in chunk:
            raw = hydrated.get(status_id)
            if raw is None:
                continue  # gone
            status = loads(raw)
            if belongs_in_home(status, viewer_id, context):
                picked.append(status)
                if len(picked) == need:
                    break
    if picked:
        await _apply_viewer_flags(engine, viewer_id, seen_flags, picked, cached_only=cached_only)
    return picked


async def _apply_viewer_flags(
    engine: Engine,
    viewer_id: int,
    seen_flags: Any,
    statuses: list[dict[str, Any]],
    *,
    cached_only: bool = False,
) -> None:
    """Set ``favourited``/``reblogged`` on the page and its reblogged originals."""
    flags = (
        engine.flags.cached(seen_flags)
        if cached_only
        else await engine.flags.resolve(viewer_id, seen_flags)
    )
    parts = [*statuses, *(s["reblog"] for s in statuses if s["reblog"] is not None)]
    favourited, reblogged = flags.favourited, flags.reblogged
    old = [int(data["id"]) for data in parts if int(data["id"]) <= flags.floor]
    if old and not cached_only:  # below the cached window: ask the database for those
        async with engine.db.read() as conn:
            more_favourited, more_reblogged = await feed_queries.viewer_flags(conn, viewer_id, old)
        favourited, reblogged = favourited | more_favourited, reblogged | more_reblogged
    _set_flags(parts, favourited, reblogged)


def _set_flags(
    parts: Iterable[dict[str, Any]], favourited: frozenset[int] | set[int],
    reblogged: frozenset[int] | set[int],
) -> None:  # fmt: skip
    for data in parts:
        status_id = int(data["id"])
        data["favourited"] = status_id in favourited
        data["reblogged"] = status_id in reblogged


async def _from_database(engine: Engine, viewer_id: int, page: Page) -> list[dict[str, Any]]:
    """The reference query for the part of the timeline below the store's floor."""
    async with engine.db.read() as conn:
        rows = await queries.home_timeline(conn, viewer_id=viewer_id, page=page)
        return await render_statuses(
            conn, rows=rows, viewer_account_id=viewer_id, settings=engine.settings
        )
