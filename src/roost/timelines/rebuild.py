"""``roost admin rebuild-timelines``: rebuild materialized home timelines from the database."""

from __future__ import annotations

from collections.abc import Callable

from redis.asyncio import Redis

from roost.cache.keys import Keys
from roost.db import Database
from roost.errors import NotFound
from roost.settings import Settings
from roost.timelines import feed_queries
from roost.timelines.engine import engine

PAGE = 500


async def count_timelines(*, db: Database, account_id: int | None) -> int:
    """How many timelines a rebuild will write (for the progress bar)."""
    if account_id is not None:
        return 1
    async with db.read() as conn:
        return await feed_queries.count_accounts(conn)


async def rebuild_timelines(
    *,
    settings: Settings,
    db: Database,
    redis: Redis | None,
    keys: Keys,
    account_id: int | None = None,
    advance: Callable[[int], None] = lambda _: None,
) -> int:
    """Rebuild one account's home timeline, or every account's; how many were rebuilt."""
    timeline = engine(settings=settings, db=db, redis=redis, keys=keys)
    if account_id is not None:
        async with db.read() as conn:
            if not await feed_queries.account_ids_page(conn, after_id=account_id - 1, limit=1) == [
                account_id
            ]:
                raise NotFound("No such account")
        await timeline.rebuild(account_id)
        advance(1)
        return 1
    done = 0
    cursor = 0
    while True:
        async with db.read() as conn:
            ids = await feed_queries.account_ids_page(conn, after_id=cursor, limit=PAGE)
        if not ids:
            return done
        for one in ids:
            await timeline.rebuild(one)
            done += 1
            advance(1)
        cursor = ids[-1]
