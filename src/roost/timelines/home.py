"""The home timeline read path (GET /api/v1/timelines/home).

1. One round trip for the materialized timeline and the viewer's relationships
   (Redis pipeline; embedded: one query, relationships from this process's cache).
   A missing timeline is rebuilt from the database first, never served empty.
2. Followed pull authors' newest ids (in-process cache) are merged in.
3. Candidates newest first (oldest first for ``min_id``) are hydrated from the status
   cache in chunks (one round trip each; normally one) and filtered with
   ``filters.belongs_in_home`` until the page is full.
4. The viewer's favourited/reblogged flags for the page: one query.
5. Below the store's floor (past the cap, or a pull author's cached window) the page
   continues with the database query (``queries.home_timeline``), so there is no cliff.
"""

from __future__ import annotations

from typing import Any

from roost.db.paging import Page
from roost.statuses.entities import render_statuses
from roost.timelines import feed_queries, queries
from roost.timelines.engine import Engine
from roost.timelines.filters import ViewerContext, belongs_in_home
from roost.timelines.store import Window

# Extra candidates hydrated beyond the page, so a few filtered ones cost no second round trip.
CHUNK_MARGIN = 10


async def read_home(
    engine: Engine, *, viewer_id: int, page: Page
) -> tuple[list[dict[str, Any]], list[int]]:
    """The page (rendered, newest first) and its ids."""
    window, context = await _load(engine, viewer_id)
    if window is None:
        window = await engine.rebuild(viewer_id)
    if context is None:
        context = await engine.load_context(viewer_id)
    floor = window.floor
    candidates = set(window.ids)
    pull_authors = await engine.pull_authors()
    pulled = [author for author in context.following if author in pull_authors]
    if pulled:
        cap = engine.settings.timeline_cap
        for ids in (await engine.pull_recent(pulled)).values():
            if len(ids) >= cap:
                floor = max(floor, ids[-1] - 1)
            candidates.update(ids)
    lower = max((x for x in (page.since_id, page.min_id) if x is not None), default=None)
    upper = page.max_id
    in_range = sorted(
        (
            i
            for i in candidates
            if i > floor and (upper is None or i < upper) and (lower is None or i > lower)
        ),
        reverse=not page.ascending,
    )
    db_upper = floor + 1 if upper is None else min(upper, floor + 1)
    reaches_db = floor > 0 and (lower is None or floor > lower)
    if page.ascending:
        below: list[dict[str, Any]] = []
        if reaches_db:
            below = await _from_database(
                engine, viewer_id, Page(limit=page.limit, max_id=db_upper, min_id=page.min_id,
                                        since_id=page.since_id)
            )  # fmt: skip
            if len(below) >= page.limit:
                return below, [int(s["id"]) for s in below]
        above = await _pick(engine, viewer_id, context, in_range, page.limit - len(below))
        statuses = [*reversed(above), *below]
    else:
        statuses = await _pick(engine, viewer_id, context, in_range, page.limit)
        if len(statuses) < page.limit and reaches_db:
            statuses += await _from_database(
                engine,
                viewer_id,
                Page(limit=page.limit - len(statuses), max_id=db_upper, since_id=lower),
            )
    return statuses, [int(s["id"]) for s in statuses]


async def _load(engine: Engine, viewer_id: int) -> tuple[Window | None, ViewerContext | None]:
    """The timeline and the cached relationships in one round trip."""
    if engine.redis_store is not None and engine.redis is not None:
        from roost.timelines.redis_store import decode

        async with engine.redis.pipeline(transaction=False) as pipe:
            engine.redis_store.read_command(pipe, viewer_id)
            engine.contexts.queue_get(pipe, viewer_id)
            raw_window, raw_context = await pipe.execute()
        window = decode(raw_window) if raw_window is not None else None
    else:
        window = await engine.store.read(viewer_id)
        raw_context = engine.local.contexts.get(viewer_id)
    context = ViewerContext.decode(raw_context) if raw_context is not None else None
    return window, context


async def _pick(
    engine: Engine, viewer_id: int, context: ViewerContext, ordered: list[int], need: int
) -> list[dict[str, Any]]:
    """Hydrate candidates in order, keep those that belong, stop at ``need``."""
    picked: list[dict[str, Any]] = []
    start = 0
    while len(picked) < need and start < len(ordered):
        chunk = ordered[start : start + need - len(picked) + CHUNK_MARGIN]
        start += len(chunk)
        hydrated = await engine.hydrate(chunk)
        for status_id in chunk:
            status = hydrated.get(status_id)
            if status is not None and belongs_in_home(status, viewer_id, context):
                picked.append(status)
                if len(picked) == need:
                    break
    if picked:
        await _apply_viewer_flags(engine, viewer_id, picked)
    return picked


async def _apply_viewer_flags(
    engine: Engine, viewer_id: int, statuses: list[dict[str, Any]]
) -> None:
    ids = [int(s["id"]) for s in statuses]
    ids += [int(s["reblog"]["id"]) for s in statuses if s["reblog"] is not None]
    async with engine.db.read() as conn:
        favourited, reblogged = await feed_queries.viewer_flags(conn, viewer_id, ids)
    for status in statuses:
        for data in (status, status["reblog"]):
            if data is not None:
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
