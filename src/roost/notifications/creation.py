"""The notification rules the workers apply to events: who is told about what.

Every function reloads the rows it needs (events carry ids only), runs in one write
transaction and returns what changed, so the caller can announce it after the commit.
All of them are idempotent: a notification is unique per (recipient, type, actor,
status), and an activity that no longer exists (unfollowed, unfavourited, deleted)
creates nothing, so a late or repeated delivery cannot resurrect it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from sqlalchemy.ext.asyncio import AsyncConnection

from roost.accounts import graph_queries as graph
from roost.accounts.queries import find_account
from roost.db import Database
from roost.db.metadata import utcnow
from roost.ids import new_id
from roost.notifications import queries
from roost.statuses import queries as status_queries

FOLLOW = "follow"
FOLLOW_REQUEST = "follow_request"
FAVOURITE = "favourite"
REBLOG = "reblog"
MENTION = "mention"
STATUS = "status"
TYPES = frozenset({FOLLOW, FOLLOW_REQUEST, FAVOURITE, REBLOG, MENTION, STATUS})


@dataclass
class Changes:
    """(notification id, recipient id) pairs created and removed by one use case."""

    created: list[tuple[int, int]] = field(default_factory=list)
    deleted: list[tuple[int, int]] = field(default_factory=list)


async def _notify(
    conn: AsyncConnection,
    dialect: str,
    *,
    kind: str,
    from_account_id: int,
    recipients: Iterable[int],
    status_id: int | None,
) -> list[tuple[int, int]]:
    """Notify each recipient once, except the actor and those who block, are blocked
    by or mute (with notifications) the actor."""
    wanted = {r for r in recipients if r != from_account_id}
    wanted -= await queries.suppressed_recipients(
        conn, from_account_id=from_account_id, recipients=wanted
    )
    now = utcnow()
    key = queries.activity_key(kind, from_account_id, status_id)
    rows = [
        {
            "id": new_id(),
            "account_id": recipient,
            "type": kind,
            "from_account_id": from_account_id,
            "status_id": status_id,
            "activity_key": key,
            "created_at": now,
        }
        for recipient in sorted(wanted)
    ]
    return await queries.insert_notifications(conn, dialect, rows)


async def on_follow_created(*, db: Database, follower_id: int, followed_id: int) -> Changes:
    """A follow notifies the followed account; one that settles a request (a locked
    account) only retires the request's notification, as Mastodon does."""
    changes = Changes()
    async with db.write() as conn:
        if not await graph.is_following(conn, follower_id, followed_id):
            return changes
        changes.deleted = await queries.delete_activity(
            conn, kind=FOLLOW_REQUEST, from_account_id=follower_id, status_id=None
        )
        followed = await find_account(conn, followed_id)
        if followed is None or followed["locked"]:
            return changes
        changes.created = await _notify(
            conn,
            db.dialect,
            kind=FOLLOW,
            from_account_id=follower_id,
            recipients=[followed_id],
            status_id=None,
        )
    return changes


async def on_follow_request_created(*, db: Database, requester_id: int, target_id: int) -> Changes:
    """A pending request notifies the locked account while it is still pending."""
    changes = Changes()
    async with db.write() as conn:
        if await graph.find_follow_request(conn, requester_id, target_id) is None:
            return changes
        changes.created = await _notify(
            conn,
            db.dialect,
            kind=FOLLOW_REQUEST,
            from_account_id=requester_id,
            recipients=[target_id],
            status_id=None,
        )
    return changes


async def on_follow_deleted(*, db: Database, follower_id: int, followed_id: int) -> Changes:
    """An unfollow (or a block ending a follow) takes the follow notification back."""
    async with db.write() as conn:
        if await graph.is_following(conn, follower_id, followed_id):
            return Changes()  # followed again since: the notification stands
        deleted = await queries.delete_keys(
            conn,
            account_id=followed_id,
            keys=[
                queries.activity_key(FOLLOW, follower_id, None),
                queries.activity_key(FOLLOW_REQUEST, follower_id, None),
            ],
        )
    return Changes(deleted=deleted)


async def on_favourite_created(*, db: Database, account_id: int, status_id: int) -> Changes:
    """A favourite notifies the status's author (never for one's own status)."""
    changes = Changes()
    async with db.write() as conn:
        status = await status_queries.find_status(conn, status_id)
        if status is None or status_id not in await status_queries.favourited_status_ids(
            conn, account_id, [status_id]
        ):
            return changes
        changes.created = await _notify(
            conn,
            db.dialect,
            kind=FAVOURITE,
            from_account_id=account_id,
            recipients=[status["account_id"]],
            status_id=status_id,
        )
    return changes


async def on_favourite_deleted(*, db: Database, account_id: int, status_id: int) -> Changes:
    """Unfavouriting takes the favourite notification back (unless favourited again)."""
    async with db.write() as conn:
        if status_id in await status_queries.favourited_status_ids(conn, account_id, [status_id]):
            return Changes()
        deleted = await queries.delete_activity(
            conn, kind=FAVOURITE, from_account_id=account_id, status_id=status_id
        )
    return Changes(deleted=deleted)


async def on_status_created(*, db: Database, status_id: int) -> Changes:
    """A reblog notifies the original's author; a status notifies the local accounts it
    mentions (replies included) and the followers who asked to hear about the author's
    posts (not for replies to others, reblogs or direct messages)."""
    changes = Changes()
    async with db.write() as conn:
        status = await status_queries.find_status(conn, status_id)
        if status is None:
            return changes
        author_id = status["account_id"]
        if status["reblog_of_id"] is not None:
            original = await status_queries.find_status(conn, status["reblog_of_id"])
            if original is not None:
                changes.created += await _notify(
                    conn,
                    db.dialect,
                    kind=REBLOG,
                    from_account_id=author_id,
                    recipients=[original["account_id"]],
                    status_id=original["id"],
                )
            return changes
        mentioned = await queries.mentioned_account_ids(conn, status_id)
        changes.created += await _notify(
            conn,
            db.dialect,
            kind=MENTION,
            from_account_id=author_id,
            recipients=mentioned,
            status_id=status_id,
        )
        reply_to_other = status["in_reply_to_id"] is not None and status[
            "in_reply_to_account_id"
        ] not in (None, author_id)
        if status["visibility"] != "direct" and not reply_to_other:
            subscribers = set(await queries.notify_follower_ids(conn, author_id))
            changes.created += await _notify(
                conn,
                db.dialect,
                kind=STATUS,
                from_account_id=author_id,
                recipients=subscribers - set(mentioned),
                status_id=status_id,
            )
    return changes


async def on_status_deleted(
    *, db: Database, status_id: int, account_id: int, reblog_of_id: int | None
) -> Changes:
    """A deleted status takes its notifications with it; an undone reblog takes the
    reblog notification back."""
    async with db.write() as conn:
        if await status_queries.find_status(conn, status_id) is not None:
            return Changes()
        deleted = await queries.delete_about_status(conn, status_id)
        if (
            reblog_of_id is not None
            and await status_queries.find_reblog(conn, account_id, reblog_of_id) is None
        ):
            deleted += await queries.delete_activity(
                conn, kind=REBLOG, from_account_id=account_id, status_id=reblog_of_id
            )
    return Changes(deleted=deleted)
