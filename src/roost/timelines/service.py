"""Timeline use cases: read one page of statuses and render it.

Each page is read and rendered inside one read transaction, so the statuses and
everything rendered with them (authors, counters, reblogged originals) come from
one snapshot.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from redis.asyncio import Redis
from redis.exceptions import RedisError

from roost.cache.keys import Keys
from roost.db import Database
from roost.db.paging import Page
from roost.resilience.breaker import BreakerState
from roost.resilience.degradation import DATABASE
from roost.resilience.errors import DependencyUnavailable
from roost.settings import Settings
from roost.statuses.entities import render_statuses
from roost.timelines import queries
from roost.timelines.engine import engine
from roost.timelines.home import read_home

log = logging.getLogger(__name__)

# Mastodon's TagFeed::LIMIT_PER_MODE: at most this many names each in any[], all[], none[].
TAGS_PER_MODE = 4


@dataclass(frozen=True)
class TimelinePage:
    """Rendered statuses, newest first, and their ids (the Link header cursors)."""

    statuses: list[dict[str, Any]] = field(default_factory=list)
    cursors: list[int] = field(default_factory=list)


@dataclass(frozen=True)
class TagQuery:
    """The hashtag of the path and the optional any[]/all[]/none[] refinements."""

    hashtag: str
    any_of: Sequence[str] = ()
    all_of: Sequence[str] = ()
    none_of: Sequence[str] = ()


async def home_timeline(
    *,
    db: Database,
    settings: Settings,
    redis: Redis | None,
    keys: Keys,
    viewer_account_id: int,
    page: Page,
) -> TimelinePage:
    """The viewer's home page: their own posts, their follows' posts and what mentions them
    (served from the timeline engine; see ``home``)."""
    timeline_engine = engine(settings=settings, db=db, redis=redis, keys=keys)
    if redis is not None and is_down(redis):
        # Level 2 (Redis down): one page of the database query, bounded work per request.
        return await reference_home_timeline(
            db=db, settings=settings, viewer_account_id=viewer_account_id, page=page
        )
    cached_only = redis is not None and db.breaker.state is not BreakerState.closed
    try:
        rendered, ids = await read_home(
            timeline_engine, viewer_id=viewer_account_id, page=page, cached_only=cached_only
        )
    except RedisError:
        # Redis down or failing: the database query still answers (slower, but right).
        log.warning("home timeline served from the database: Redis failed", exc_info=True)
        return await reference_home_timeline(
            db=db, settings=settings, viewer_account_id=viewer_account_id, page=page
        )
    except DependencyUnavailable as error:
        if redis is None or cached_only or error.dependency != DATABASE:
            raise
        # Level 3 (the database went down while reading): what Redis holds.
        rendered, ids = await read_home(
            timeline_engine, viewer_id=viewer_account_id, page=page, cached_only=True
        )
    return TimelinePage(rendered, ids)


def is_down(redis: Redis) -> bool:
    """Whether the (guarded) Redis client's breaker is refusing calls (level 2)."""
    breaker = getattr(redis, "breaker", None)
    return breaker is not None and breaker.state is not BreakerState.closed


async def reference_home_timeline(
    *, db: Database, settings: Settings, viewer_account_id: int, page: Page
) -> TimelinePage:
    """The home page from the database query alone (the engine's reference and fallback)."""
    async with db.read() as conn:
        rows = await queries.home_timeline(conn, viewer_id=viewer_account_id, page=page)
        rendered = await render_statuses(
            conn, rows=rows, viewer_account_id=viewer_account_id, settings=settings
        )
    return TimelinePage(rendered, [row["id"] for row in rows])


async def public_timeline(
    *,
    db: Database,
    settings: Settings,
    viewer_account_id: int | None,
    page: Page,
    remote: bool = False,
    only_media: bool = False,
) -> TimelinePage:
    """The instance's public statuses, for anyone; every status here is local."""
    if remote:
        # Roost has no federation: no status can match.
        return TimelinePage()
    async with db.read() as conn:
        rows = await queries.public_timeline(
            conn, viewer_id=viewer_account_id, page=page, only_media=only_media
        )
        rendered = await render_statuses(
            conn, rows=rows, viewer_account_id=viewer_account_id, settings=settings
        )
    return TimelinePage(rendered, [row["id"] for row in rows])


async def tag_timeline(
    *,
    db: Database,
    settings: Settings,
    viewer_account_id: int | None,
    tag: TagQuery,
    page: Page,
    remote: bool = False,
    only_media: bool = False,
) -> TimelinePage:
    """Public statuses carrying a hashtag (names compared case-insensitively)."""
    if remote:
        return TimelinePage()
    any_keys = _name_keys([tag.hashtag, *_name_keys(tag.any_of)[:TAGS_PER_MODE]])
    all_keys = _name_keys(tag.all_of)[:TAGS_PER_MODE]
    none_keys = _name_keys(tag.none_of)[:TAGS_PER_MODE]
    async with db.read() as conn:
        ids = await queries.tag_ids(conn, [*any_keys, *all_keys, *none_keys])
        if not any_keys or any_keys[0] not in ids or any(key not in ids for key in all_keys):
            # An unknown hashtag, or a required tag no status carries: nothing matches.
            return TimelinePage()
        rows = await queries.tag_timeline(
            conn,
            viewer_id=viewer_account_id,
            any_of=[ids[key] for key in any_keys if key in ids],
            all_of=[ids[key] for key in all_keys],
            none_of=[ids[key] for key in none_keys if key in ids],
            page=page,
            only_media=only_media,
        )
        rendered = await render_statuses(
            conn, rows=rows, viewer_account_id=viewer_account_id, settings=settings
        )
    return TimelinePage(rendered, [row["id"] for row in rows])


def _name_keys(names: Iterable[str]) -> list[str]:
    """Lower-cased tag names (the ``tags.name_key`` form), without ``#``, blanks or repeats."""
    keys: list[str] = []
    for name in names:
        key = name.strip().lstrip("#").lower()
        if key and key not in keys:
            keys.append(key)
    return keys
