"""SQL for the instance's statistics."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncConnection

from roost.accounts.schema import accounts


async def count_users(conn: AsyncConnection) -> int:
    """Accounts that are in (approved); ones awaiting approval are not users yet."""
    query = select(func.count()).select_from(accounts).where(accounts.c.approved.is_(True))
    return int((await conn.execute(query)).scalar_one())


async def count_statuses(conn: AsyncConnection) -> int:
    """Local statuses, from the per-account counters (Mastodon sums account_stats too)."""
    query = select(func.coalesce(func.sum(accounts.c.statuses_count), 0))
    return int((await conn.execute(query)).scalar_one())


async def count_active_since(conn: AsyncConnection, since: datetime) -> int:
    """Approved accounts that posted, or joined, since ``since``."""
    query = (
        select(func.count())
        .select_from(accounts)
        .where(
            accounts.c.approved.is_(True),
            or_(accounts.c.last_status_at >= since, accounts.c.created_at >= since),
        )
    )
    return int((await conn.execute(query)).scalar_one())
