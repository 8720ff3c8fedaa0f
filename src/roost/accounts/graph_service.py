"""Use cases for the social graph: viewing accounts, follows, requests, blocks, mutes.

Every write runs in one transaction and is safe to retry: rows are inserted with
``insert_ignore`` and counters change only when a row really appeared or went
away, so a repeated request leaves the database as the first one did.

Notes on design: Mastodon shows an account to a viewer it blocks; Roost answers
404 instead (the brief: blocked accounts can neither see nor interact), while
follow attempts across a block get Mastodon's 403 "not allowed".
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy.engine import RowMapping
from sqlalchemy.ext.asyncio import AsyncConnection

from roost.accounts import graph_queries as graph
from roost.accounts import queries
from roost.accounts.relationships import Relationship, build_relationships
from roost.db import Database
from roost.db.paging import Page
from roost.errors import Forbidden, NotFound, Validation
from roost.events.outbox import record_event

NOT_ALLOWED = "This action is not allowed"
SELF_FOLLOW = "Following your own account is not allowed"
MAX_RELATIONSHIP_IDS = 1000


@dataclass(frozen=True)
class AccountPage:
    """A page of accounts and, for each, the id of the row it was listed by (the cursor)."""

    accounts: list[RowMapping]
    cursors: list[int]

    @classmethod
    def of(cls, rows: Sequence[tuple[int, RowMapping]]) -> AccountPage:
        return cls(accounts=[row for _, row in rows], cursors=[cursor for cursor, _ in rows])


EMPTY_PAGE = AccountPage(accounts=[], cursors=[])


async def _existing_account(conn: AsyncConnection, account_id: int) -> RowMapping:
    """The account, or 404 when it is unknown or still awaiting approval."""
    row = await queries.find_account(conn, account_id)
    if row is None or not row["approved"]:
        raise NotFound()
    return row


async def _lock_pair(conn: AsyncConnection, viewer_id: int, other_id: int) -> RowMapping:
    """Lock both accounts (in id order) for a change to the edges between them; the other's row."""
    rows = await graph.lock_accounts(conn, [viewer_id, other_id])
    other = rows.get(other_id)
    if other is None or not other["approved"]:
        raise NotFound()
    return other


async def _account_for_viewer(
    conn: AsyncConnection, row: RowMapping | None, viewer_id: int | None
) -> RowMapping:
    if row is None or not row["approved"]:
        raise NotFound()
    if viewer_id is None or viewer_id == row["id"]:
        return row
    if await graph.is_blocking(conn, row["id"], viewer_id):
        raise NotFound()
    return row


async def _edge_event(conn: AsyncConnection, kind: str, account_id: int, target_id: int) -> None:
    """Record that an edge between two accounts appeared or went away (for the workers)."""
    await record_event(
        conn, kind=kind, payload={"account_id": account_id, "target_account_id": target_id}
    )


async def _relationship(conn: AsyncConnection, viewer_id: int, other_id: int) -> Relationship:
    edges = await graph.relationship_edges(conn, viewer_id, [other_id])
    return build_relationships([other_id], edges)[other_id]


# --- reads ---------------------------------------------------------------------------------


async def get_account(*, db: Database, account_id: int, viewer_id: int | None) -> RowMapping:
    """An account as the viewer may see it; 404 if unknown, unapproved or blocking the viewer."""
    async with db.read() as conn:
        row = await queries.find_account(conn, account_id)
        return await _account_for_viewer(conn, row, viewer_id)


async def lookup_account(
    *, db: Database, acct: str | None, instance_domain: str, viewer_id: int | None
) -> RowMapping:
    """A local account by ``username`` or ``username@<this domain>``, without WebFinger."""
    username, _, domain = (acct or "").strip().lstrip("@").partition("@")
    if not username or (domain and domain.lower() != instance_domain.lower()):
        raise NotFound()
    async with db.read() as conn:
        row = await queries.find_account_by_username(conn, username)
        return await _account_for_viewer(conn, row, viewer_id)


async def list_followers(
    *, db: Database, account_id: int, viewer_id: int | None, page: Page
) -> AccountPage:
    """Who follows the account, newest follow first; empty if the account blocks the viewer."""
    async with db.read() as conn:
        await _existing_account(conn, account_id)
        if viewer_id is not None and await graph.is_blocking(conn, account_id, viewer_id):
            return EMPTY_PAGE
        return AccountPage.of(await graph.followers_page(conn, account_id, page, viewer_id))


async def list_following(
    *, db: Database, account_id: int, viewer_id: int | None, page: Page
) -> AccountPage:
    """Whom the account follows, newest follow first; empty if the account blocks the viewer."""
    async with db.read() as conn:
        await _existing_account(conn, account_id)
        if viewer_id is not None and await graph.is_blocking(conn, account_id, viewer_id):
            return EMPTY_PAGE
        return AccountPage.of(await graph.following_page(conn, account_id, page, viewer_id))


async def list_blocks(*, db: Database, viewer_id: int, page: Page) -> AccountPage:
    """The accounts the viewer blocks, newest block first."""
    async with db.read() as conn:
        return AccountPage.of(await graph.blocks_page(conn, viewer_id, page))


async def list_mutes(*, db: Database, viewer_id: int, page: Page) -> AccountPage:
    """The accounts the viewer mutes, newest mute first."""
    async with db.read() as conn:
        return AccountPage.of(await graph.mutes_page(conn, viewer_id, page))


async def list_follow_requests(*, db: Database, viewer_id: int, page: Page) -> AccountPage:
    """Accounts waiting for the viewer to answer their follow request, newest first."""
    async with db.read() as conn:
        return AccountPage.of(await graph.follow_requests_page(conn, viewer_id, page))


async def relationships(
    *, db: Database, viewer_id: int, account_ids: Sequence[int]
) -> list[Relationship]:
    """The viewer's relationship with each existing account, in the order asked, in two queries."""
    wanted = list(dict.fromkeys(account_ids))
    if len(wanted) > MAX_RELATIONSHIP_IDS:
        raise Validation(f"Validation failed: at most {MAX_RELATIONSHIP_IDS} ids")
    async with db.read() as conn:
        found = await queries.find_accounts(conn, wanted)
        present = [i for i in wanted if i in found and found[i]["approved"]]
        edges = await graph.relationship_edges(conn, viewer_id, present)
    by_id = build_relationships(present, edges)
    return [by_id[i] for i in present]


# --- follows -------------------------------------------------------------------------------


async def follow(
    *,
    db: Database,
    viewer_id: int,
    target_id: int,
    reblogs: bool | None,
    notify: bool | None,
) -> Relationship:
    """Follow, or ask to follow a locked account; repeating it only updates the options."""
    async with db.write() as conn:
        target = await _lock_pair(conn, viewer_id, target_id)
        if target_id == viewer_id:
            raise Forbidden(SELF_FOLLOW)
        if await graph.blocked_either_way(conn, viewer_id, target_id):
            raise Forbidden(NOT_ALLOWED)
        if await graph.find_follow(conn, viewer_id, target_id) is not None:
            await graph.update_follow_options(
                conn, viewer_id, target_id, show_reblogs=reblogs, notify=notify
            )
        elif await graph.find_follow_request(conn, viewer_id, target_id) is not None:
            await graph.update_follow_request_options(
                conn, viewer_id, target_id, show_reblogs=reblogs, notify=notify
            )
        else:
            insert = graph.insert_follow_request if target["locked"] else graph.insert_follow
            if await insert(
                conn,
                db.dialect,
                viewer_id,
                target_id,
                show_reblogs=True if reblogs is None else reblogs,
                notify=bool(notify),
            ):
                kind = "follow_request.created" if target["locked"] else "follow.created"
                await _edge_event(conn, kind, viewer_id, target_id)
        return await _relationship(conn, viewer_id, target_id)


async def unfollow(*, db: Database, viewer_id: int, target_id: int) -> Relationship:
    """Stop following, or withdraw a pending request; a no-op when there is neither."""
    async with db.write() as conn:
        await _lock_pair(conn, viewer_id, target_id)
        if await graph.delete_follow(conn, viewer_id, target_id):
            await _edge_event(conn, "follow.deleted", viewer_id, target_id)
        await graph.delete_follow_request(conn, viewer_id, target_id)
        return await _relationship(conn, viewer_id, target_id)


async def authorize_follow_request(
    *, db: Database, viewer_id: int, requester_id: int
) -> Relationship:
    """Turn a pending request into a follow; a retry after success changes nothing."""
    async with db.write() as conn:
        await _lock_pair(conn, viewer_id, requester_id)
        request = await graph.find_follow_request(conn, requester_id, viewer_id)
        if request is None:
            if not await graph.is_following(conn, requester_id, viewer_id):
                raise NotFound()
        else:
            await graph.delete_follow_request(conn, requester_id, viewer_id)
            if await graph.insert_follow(
                conn,
                db.dialect,
                requester_id,
                viewer_id,
                show_reblogs=bool(request["show_reblogs"]),
                notify=bool(request["notify"]),
            ):
                await _edge_event(conn, "follow.created", requester_id, viewer_id)
        return await _relationship(conn, viewer_id, requester_id)


async def reject_follow_request(*, db: Database, viewer_id: int, requester_id: int) -> Relationship:
    """Drop a pending request; rejecting again (or with none pending) changes nothing."""
    async with db.write() as conn:
        await _lock_pair(conn, viewer_id, requester_id)
        await graph.delete_follow_request(conn, requester_id, viewer_id)
        return await _relationship(conn, viewer_id, requester_id)


# --- blocks and mutes ----------------------------------------------------------------------


async def block(*, db: Database, viewer_id: int, target_id: int) -> Relationship:
    """Block, ending follows and pending requests both ways (counters follow)."""
    async with db.write() as conn:
        await _lock_pair(conn, viewer_id, target_id)
        if target_id != viewer_id:  # blocking yourself is silently ignored, as in Mastodon
            if await graph.insert_block(conn, db.dialect, viewer_id, target_id):
                await _edge_event(conn, "block.created", viewer_id, target_id)
            for follower, followed in ((viewer_id, target_id), (target_id, viewer_id)):
                if await graph.delete_follow(conn, follower, followed):
                    await _edge_event(conn, "follow.deleted", follower, followed)
            await graph.delete_follow_request(conn, viewer_id, target_id)
            await graph.delete_follow_request(conn, target_id, viewer_id)
        return await _relationship(conn, viewer_id, target_id)


async def unblock(*, db: Database, viewer_id: int, target_id: int) -> Relationship:
    """Lift a block; follows it ended stay ended."""
    async with db.write() as conn:
        await _existing_account(conn, target_id)
        if await graph.delete_block(conn, viewer_id, target_id):
            await _edge_event(conn, "block.deleted", viewer_id, target_id)
        return await _relationship(conn, viewer_id, target_id)


async def mute(
    *, db: Database, viewer_id: int, target_id: int, notifications: bool
) -> Relationship:
    """Mute (hiding notifications too unless asked not to); repeating updates that choice."""
    async with db.write() as conn:
        await _existing_account(conn, target_id)
        # Muting yourself is silently ignored, as in Mastodon.
        if target_id != viewer_id and await graph.upsert_mute(
            conn, db.dialect, viewer_id, target_id, hide_notifications=notifications
        ):
            await _edge_event(conn, "mute.created", viewer_id, target_id)
        return await _relationship(conn, viewer_id, target_id)


async def unmute(*, db: Database, viewer_id: int, target_id: int) -> Relationship:
    """Lift a mute."""
    async with db.write() as conn:
        await _existing_account(conn, target_id)
        if await graph.delete_mute(conn, viewer_id, target_id):
            await _edge_event(conn, "mute.deleted", viewer_id, target_id)
        return await _relationship(conn, viewer_id, target_id)
