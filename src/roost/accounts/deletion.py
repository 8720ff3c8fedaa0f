"""Deleting a local account (``roost admin delete-account``) in one transaction.

Every counter the account contributed to is taken back the way the single-item use
cases do it (unfollow, unfavourite, status deletion), their events are recorded, and
an ``account.deleted`` event tells the workers to forget the account everywhere.
"""

from __future__ import annotations

from roost.accounts import deletion_queries as queries
from roost.accounts import graph_queries as graph
from roost.db import Database
from roost.errors import NotFound
from roost.events.outbox import record_event
from roost.statuses import queries as status_queries
from roost.statuses.service import remove_status


async def delete_account(*, db: Database, account_id: int) -> None:
    """Remove the account and everything it made; 404 if there is no such account."""
    async with db.write() as conn:
        locked = await graph.lock_accounts(conn, [account_id])
        if account_id not in locked:
            raise NotFound()
        for follower, followed in await queries.follow_pairs(conn, account_id):
            if await graph.delete_follow(conn, follower, followed):
                await record_event(
                    conn,
                    kind="follow.deleted",
                    payload={"account_id": follower, "target_account_id": followed},
                )
        for status_id in await queries.favourited_status_ids(conn, account_id):
            if await status_queries.delete_favourite(
                conn, account_id=account_id, status_id=status_id
            ):
                await status_queries.add_to_status_counter(conn, status_id, "favourites_count", -1)
                await record_event(
                    conn,
                    kind="favourite.deleted",
                    payload={"account_id": account_id, "status_id": status_id},
                )
        for row in await queries.statuses_of(conn, account_id):
            await remove_status(conn, row)
        await queries.delete_account_row(conn, account_id)
        await record_event(conn, kind="account.deleted", payload={"account_id": account_id})
