"""SQL for deleting an account: what it still owns and the row itself."""

from __future__ import annotations

from sqlalchemy import delete, select
from sqlalchemy.engine import RowMapping
from sqlalchemy.ext.asyncio import AsyncConnection

from roost.accounts.schema import accounts, follows
from roost.statuses.schema import favourites, statuses


async def statuses_of(conn: AsyncConnection, account_id: int) -> list[RowMapping]:
    """The account's statuses, its reblogs first (a reblog of its own status goes before it)."""
    query = select(statuses).where(statuses.c.account_id == account_id).order_by(statuses.c.id)
    rows = list((await conn.execute(query)).mappings())
    return sorted(rows, key=lambda row: row["reblog_of_id"] is None)


async def follow_pairs(conn: AsyncConnection, account_id: int) -> list[tuple[int, int]]:
    """(follower, followed) of every follow the account is part of, either side."""
    query = select(follows.c.account_id, follows.c.target_account_id).where(
        (follows.c.account_id == account_id) | (follows.c.target_account_id == account_id)
    )
    return [(row[0], row[1]) for row in await conn.execute(query)]


async def favourited_status_ids(conn: AsyncConnection, account_id: int) -> list[int]:
    query = select(favourites.c.status_id).where(favourites.c.account_id == account_id)
    return list((await conn.execute(query)).scalars())


async def delete_account_row(conn: AsyncConnection, account_id: int) -> bool:
    """Delete the account; what is left of its rows (tokens, blocks, mutes...) cascades."""
    result = await conn.execute(
        delete(accounts).where(accounts.c.id == account_id).returning(accounts.c.id)
    )
    return result.first() is not None
