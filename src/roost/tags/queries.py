"""SQL for hashtags as entities: lookup, creation, follows and daily history."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import delete, select
from sqlalchemy.engine import RowMapping
from sqlalchemy.ext.asyncio import AsyncConnection

from roost.db.dialect import insert_ignore
from roost.db.metadata import utcnow
from roost.db.paging import Page, in_page_order, paginate
from roost.ids import new_id
from roost.statuses.schema import tags
from roost.tags.schema import tag_follows
from roost.trends.schema import DAY, trend_tag_buckets


async def find_tag(conn: AsyncConnection, name_key: str) -> RowMapping | None:
    query = select(tags).where(tags.c.name_key == name_key)
    return (await conn.execute(query)).mappings().first()


async def find_tags(conn: AsyncConnection, tag_ids: Iterable[int]) -> dict[int, RowMapping]:
    wanted = set(tag_ids)
    if not wanted:
        return {}
    rows = await conn.execute(select(tags).where(tags.c.id.in_(wanted)))
    return {row["id"]: row for row in rows.mappings()}


async def find_or_create_tag(conn: AsyncConnection, dialect: str, name: str) -> RowMapping:
    """The tag of that name, created with this spelling if it did not exist."""
    await conn.execute(
        insert_ignore(dialect, tags).values(
            id=new_id(), name=name, name_key=name.lower(), created_at=utcnow()
        )
    )
    row = await find_tag(conn, name.lower())
    assert row is not None
    return row


async def follow_tag(conn: AsyncConnection, dialect: str, *, account_id: int, tag_id: int) -> bool:
    """Insert the follow; True when it was new."""
    result = await conn.execute(
        insert_ignore(dialect, tag_follows).values(
            id=new_id(), account_id=account_id, tag_id=tag_id, created_at=utcnow()
        )
    )
    return bool(result.rowcount)


async def unfollow_tag(conn: AsyncConnection, *, account_id: int, tag_id: int) -> bool:
    """Delete the follow; True when there was one."""
    result = await conn.execute(
        delete(tag_follows).where(
            tag_follows.c.account_id == account_id, tag_follows.c.tag_id == tag_id
        )
    )
    return bool(result.rowcount)


async def followed_tag_ids(
    conn: AsyncConnection, account_id: int, tag_ids: Iterable[int]
) -> set[int]:
    wanted = set(tag_ids)
    if not wanted:
        return set()
    query = select(tag_follows.c.tag_id).where(
        tag_follows.c.account_id == account_id, tag_follows.c.tag_id.in_(wanted)
    )
    return set((await conn.execute(query)).scalars())


async def followed_tags_page(
    conn: AsyncConnection, *, account_id: int, page: Page
) -> list[RowMapping]:
    """One page of the account's tag follows (``follow_id``, tag columns), newest first."""
    query = (
        select(tag_follows.c.id.label("follow_id"), tags)
        .join(tags, tags.c.id == tag_follows.c.tag_id)
        .where(tag_follows.c.account_id == account_id)
    )
    rows = await conn.execute(paginate(query, tag_follows.c.id, page))
    return in_page_order(list(rows.mappings().all()), page)


async def daily_counts(
    conn: AsyncConnection, tag_ids: Iterable[int], first_day: int
) -> dict[tuple[int, int], tuple[int, int]]:
    """(tag id, epoch day) -> (uses, distinct accounts) for days from ``first_day`` on."""
    wanted = set(tag_ids)
    if not wanted:
        return {}
    query = select(
        trend_tag_buckets.c.tag_id,
        trend_tag_buckets.c.start,
        trend_tag_buckets.c.uses,
        trend_tag_buckets.c.accounts,
    ).where(
        trend_tag_buckets.c.tag_id.in_(wanted),
        trend_tag_buckets.c.span == DAY,
        trend_tag_buckets.c.start >= first_day,
    )
    return {(row.tag_id, row.start): (row.uses, row.accounts) for row in await conn.execute(query)}
