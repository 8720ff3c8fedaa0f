"""Level 3 (the database down): a status answered from what Redis holds.

GET /api/v1/statuses/:id normally reads the database. While the database is down the
rendered status cache (shared by every API process) still has the statuses that were
read or delivered recently; the viewer's cached relationships (the home read path's
``home-ctx``) decide visibility with the same rules as ``filters.belongs_in_home``'s
audience check. When the cache cannot decide (no cached status, no cached
relationships for a non-public status) the caller answers 503 with Retry-After: a 404
would be a lie.
"""

from __future__ import annotations

from typing import Any

import orjson

from roost.errors import NotFound
from roost.resilience.degradation import DATABASE
from roost.resilience.errors import DependencyUnavailable
from roost.timelines.engine import Engine
from roost.timelines.filters import LIMITED, OPEN, ViewerContext


async def cached_status(engine: Engine, *, status_id: int, viewer_id: int | None) -> dict[str, Any]:
    """The rendered status from the caches, or NotFound / DependencyUnavailable."""
    unavailable = DependencyUnavailable(DATABASE, engine.db.breaker.retry_after())
    if engine.redis is None:
        raise unavailable
    raw = (await engine.statuses.get_many([status_id])).get(status_id)
    if raw is None:
        raise unavailable
    status: dict[str, Any] = orjson.loads(raw)
    context: ViewerContext | None = None
    seen_flags: Any = None
    if viewer_id is not None:
        raw_context = (await engine.contexts.get_many([viewer_id])).get(viewer_id)
        context = ViewerContext.decode(raw_context) if raw_context is not None else None
        seen_flags = (await engine.redis.get(engine.flags.key(viewer_id))) if context else None
    verdict = visible(status, viewer_id, context)
    if verdict is None:
        raise unavailable
    if not verdict:
        raise NotFound("Record not found")
    if viewer_id is not None:
        flags = engine.flags.cached(seen_flags)
        parts = [status, *([status["reblog"]] if status.get("reblog") else [])]
        for part in parts:
            part_id = int(part["id"])
            part["favourited"] = part_id in flags.favourited
            part["reblogged"] = part_id in flags.reblogged
    return status


def visible(
    status: dict[str, Any], viewer_id: int | None, context: ViewerContext | None
) -> bool | None:
    """True or False when the cached data decides; None when it cannot."""
    author = int(status["account"]["id"])
    visibility = status["visibility"]
    if viewer_id is None:
        return visibility in OPEN
    if author == viewer_id:
        return True
    if context is None:
        return None
    original = status.get("reblog")
    authors = {author} | ({int(original["account"]["id"])} if original else set())
    if authors & (context.blocking | context.blocked_by):
        return False
    if visibility in OPEN:
        return True
    mentioned = viewer_id in {int(m["id"]) for m in status["mentions"]}
    if visibility in LIMITED and mentioned:
        return True
    return visibility == "private" and author in context.following
