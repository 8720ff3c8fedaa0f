"""Coarse account activity: who gets fan-out, and whose home must be rebuilt.

Notes on design: ``accounts.last_active_at`` is written at most once an hour per
account, and only when the cached token entry (``oauth.token_cache``) says the
stored value is older than that, so an ordinary request costs no query. Fan-out
skips followers idle for more than ``active_days`` (and accounts never active); when
such an account comes back its home timeline is dropped here, so the read that
follows rebuilds it from the database (it missed deliveries meanwhile). The mark is
committed before the drop: a fan-out that starts after it includes the account, and
one that started before it delivered a status committed before the rebuild reads.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from redis.asyncio import Redis
from redis.exceptions import RedisError

from roost.cache.keys import Keys
from roost.db import Database
from roost.db.metadata import utcnow
from roost.oauth.token_cache import CachedToken
from roost.resilience.errors import DependencyUnavailable
from roost.settings import Settings
from roost.timelines import feed_queries
from roost.timelines.engine import engine

log = logging.getLogger(__name__)

MARK_EVERY = timedelta(hours=1)


def needs_mark(last_active_at: datetime | None, now: datetime) -> bool:
    return last_active_at is None or now - last_active_at >= MARK_EVERY


async def note_activity(
    *, entry: CachedToken, settings: Settings, db: Database, redis: Redis | None, keys: Keys
) -> None:
    """Mark the account active if the cached mark is stale; drop its home if it was idle."""
    account_id = entry.viewer.account_id
    now = utcnow()
    if account_id is None or not needs_mark(entry.last_active_at, now):
        return
    seen = entry.last_active_at
    entry.last_active_at = now  # concurrent requests of this process skip the write
    try:
        async with db.write() as conn:
            previous = await feed_queries.mark_active(conn, account_id, now)
    except DependencyUnavailable:
        # Level 3: the mark waits for the database; the request itself goes on.
        entry.last_active_at = seen
        return
    if previous is None or now - previous > timedelta(days=settings.active_days):
        try:
            await engine(settings=settings, db=db, redis=redis, keys=keys).store.drop([account_id])
        except RedisError:
            # Redis is down: the home is served from the database meanwhile; when Redis
            # comes back the key has usually expired (idle accounts' keys carry a TTL).
            log.warning("could not drop the home of returning account %s", account_id)
