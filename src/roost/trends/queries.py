"""SQL for trend buckets: count a use or an engagement once, read a window of buckets."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import (
    ColumnElement,
    Table,
    and_,
    exists,
    not_,
    select,
    update,
)
from sqlalchemy.engine import RowMapping
from sqlalchemy.ext.asyncio import AsyncConnection

from roost.accounts.schema import mutes
from roost.db.dialect import insert_ignore
from roost.statuses.schema import status_tags, statuses
from roost.statuses.visibility import visible_to
from roost.trends.schema import (
    trend_status_buckets,
    trend_status_engagements,
    trend_tag_accounts,
    trend_tag_buckets,
    trend_tag_uses,
)


async def find_status(conn: AsyncConnection, status_id: int) -> RowMapping | None:
    query = select(
        statuses.c.id,
        statuses.c.account_id,
        statuses.c.visibility,
        statuses.c.reblog_of_id,
        statuses.c.created_at,
    ).where(statuses.c.id == status_id)
    return (await conn.execute(query)).mappings().first()


async def status_tag_ids(conn: AsyncConnection, status_id: int) -> list[int]:
    query = select(status_tags.c.tag_id).where(status_tags.c.status_id == status_id)
    return list((await conn.execute(query)).scalars())


async def _claim(conn: AsyncConnection, dialect: str, table: Table, **key: object) -> bool:
    """Insert the row that says "this was counted"; False when it was already there."""
    first = next(iter(table.primary_key.columns))
    statement = insert_ignore(dialect, table).values(**key).returning(first)
    return (await conn.execute(statement)).first() is not None


async def _bump(
    conn: AsyncConnection, dialect: str, table: Table, column: str, **key: object
) -> None:
    """``column = column + 1`` in the bucket named by ``key`` (created at zero if new)."""
    await conn.execute(insert_ignore(dialect, table).values(**key))
    where = [table.c[name] == value for name, value in key.items()]
    await conn.execute(update(table).where(*where).values({column: table.c[column] + 1}))


async def count_tag_use(
    conn: AsyncConnection,
    dialect: str,
    *,
    tag_id: int,
    status_id: int,
    account_id: int,
    buckets: Sequence[tuple[str, int]],
) -> bool:
    """Count one status's use of a tag in each (span, start) bucket, once ever; and its
    author once per bucket. False when this use was counted before (a redelivery)."""
    if not await _claim(conn, dialect, trend_tag_uses, tag_id=tag_id, status_id=status_id):
        return False
    for span, start in buckets:
        await _bump(conn, dialect, trend_tag_buckets, "uses", tag_id=tag_id, span=span, start=start)
        new_account = await _claim(
            conn,
            dialect,
            trend_tag_accounts,
            tag_id=tag_id,
            span=span,
            start=start,
            account_id=account_id,
        )
        if new_account:
            await _bump(
                conn, dialect, trend_tag_buckets, "accounts", tag_id=tag_id, span=span, start=start
            )
    return True


async def count_engagement(
    conn: AsyncConnection, dialect: str, *, status_id: int, account_id: int, kind: str, hour: int
) -> bool:
    """Count one account's favourite or reblog of a status once ever, in its hour bucket."""
    claimed = await _claim(
        conn,
        dialect,
        trend_status_engagements,
        status_id=status_id,
        account_id=account_id,
        kind=kind,
    )
    if claimed:
        await _bump(
            conn, dialect, trend_status_buckets, "engagements", status_id=status_id, start=hour
        )
    return claimed


async def tag_hour_buckets(conn: AsyncConnection, *, since_hour: int) -> list[RowMapping]:
    """Every tag's hour buckets from ``since_hour`` on: (tag_id, start, uses, accounts)."""
    query = select(
        trend_tag_buckets.c.tag_id,
        trend_tag_buckets.c.start,
        trend_tag_buckets.c.uses,
        trend_tag_buckets.c.accounts,
    ).where(trend_tag_buckets.c.span == "h", trend_tag_buckets.c.start >= since_hour)
    return list((await conn.execute(query)).mappings().all())


async def status_hour_buckets(
    conn: AsyncConnection, *, since_hour: int, viewer_id: int | None
) -> list[RowMapping]:
    """Hour buckets from ``since_hour`` on of public original statuses the viewer may see
    (and whose author the viewer does not mute): (status_id, start, engagements)."""
    conditions: list[ColumnElement[bool]] = [
        trend_status_buckets.c.start >= since_hour,
        statuses.c.visibility == "public",
        statuses.c.reblog_of_id.is_(None),
        visible_to(viewer_id),
    ]
    if viewer_id is not None:
        conditions.append(
            not_(
                exists().where(
                    and_(
                        mutes.c.account_id == viewer_id,
                        mutes.c.target_account_id == statuses.c.account_id,
                    )
                )
            )
        )
    query = (
        select(
            trend_status_buckets.c.status_id,
            trend_status_buckets.c.start,
            trend_status_buckets.c.engagements,
        )
        .join(statuses, statuses.c.id == trend_status_buckets.c.status_id)
        .where(*conditions)
    )
    return list((await conn.execute(query)).mappings().all())


async def find_statuses(conn: AsyncConnection, ids: Sequence[int]) -> list[RowMapping]:
    """Full ``statuses`` rows in the order of ``ids`` (those that exist)."""
    if not ids:
        return []
    rows = await conn.execute(select(statuses).where(statuses.c.id.in_(set(ids))))
    by_id = {row["id"]: row for row in rows.mappings()}
    return [by_id[i] for i in ids if i in by_id]
