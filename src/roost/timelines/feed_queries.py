"""SQL of the timeline engine: followers to fan out to, viewer relationships, pull
authors' recent statuses, the viewer's flags for a page, rebuilds."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, and_, literal, select, union_all, update
from sqlalchemy.engine import RowMapping
from sqlalchemy.ext.asyncio import AsyncConnection

from roost.accounts.schema import accounts, blocks, follows, mutes
from roost.db.paging import Page
from roost.statuses.schema import favourites, mentions, status_tags, statuses, tags
from roost.tags.schema import tag_follows
from roost.timelines import queries

RELATION_FOLLOWS, RELATION_MUTES, RELATION_BLOCKS, RELATION_BLOCKED_BY = "f", "m", "b", "B"


async def followers_batch(
    conn: AsyncConnection,
    *,
    account_id: int,
    after_follow_id: int,
    limit: int,
    active_since: datetime,
    reblog: bool,
) -> list[tuple[int, int]]:
    """(follows.id, follower id) of active followers after a keyset cursor, by follows.id.

    Followers never active (``last_active_at`` NULL) or idle since ``active_since`` are
    skipped: their home is rebuilt when they come back. Reblogs skip follows that hide them.
    """
    conditions = [
        follows.c.target_account_id == account_id,
        follows.c.id > after_follow_id,
        accounts.c.last_active_at >= active_since,
    ]
    if reblog:
        conditions.append(follows.c.show_reblogs.is_(True))
    query = (
        select(follows.c.id, follows.c.account_id)
        .join(accounts, accounts.c.id == follows.c.account_id)
        .where(*conditions)
        .order_by(follows.c.id)
        .limit(limit)
    )
    return [(row[0], row[1]) for row in await conn.execute(query)]


async def tag_followers_batch(
    conn: AsyncConnection,
    *,
    status_id: int,
    author_id: int,
    after_follow_id: int,
    limit: int,
    active_since: datetime,
) -> list[tuple[int, int]]:
    """(tag_follows.id, account id) of active accounts following a hashtag of the status,
    after a keyset cursor, by tag_follows.id (an account following two of its tags comes
    twice; the store dedupes). The author is left out, as inactive accounts are."""
    query = (
        select(tag_follows.c.id, tag_follows.c.account_id)
        .join(accounts, accounts.c.id == tag_follows.c.account_id)
        .where(
            tag_follows.c.tag_id.in_(
                select(status_tags.c.tag_id).where(status_tags.c.status_id == status_id)
            ),
            tag_follows.c.id > after_follow_id,
            tag_follows.c.account_id != author_id,
            accounts.c.last_active_at >= active_since,
        )
        .order_by(tag_follows.c.id)
        .limit(limit)
    )
    return [(row[0], row[1]) for row in await conn.execute(query)]


async def followed_tag_names(conn: AsyncConnection, viewer_id: int) -> list[str]:
    """Lower-cased names of the hashtags the viewer follows (for the read-time filter)."""
    query = (
        select(tags.c.name_key)
        .join(tag_follows, tag_follows.c.tag_id == tags.c.id)
        .where(tag_follows.c.account_id == viewer_id)
    )
    return list((await conn.execute(query)).scalars())


async def all_followers_batch(
    conn: AsyncConnection, *, account_id: int, after_follow_id: int, limit: int
) -> list[tuple[int, int]]:
    """(follows.id, follower id) of every follower after a keyset cursor (for removals)."""
    query = (
        select(follows.c.id, follows.c.account_id)
        .where(follows.c.target_account_id == account_id, follows.c.id > after_follow_id)
        .order_by(follows.c.id)
        .limit(limit)
    )
    return [(row[0], row[1]) for row in await conn.execute(query)]


async def status_for_fanout(conn: AsyncConnection, status_id: int) -> RowMapping | None:
    """The status with its author's follower count (None when it is gone)."""
    query = (
        select(
            statuses.c.id,
            statuses.c.account_id,
            statuses.c.reblog_of_id,
            statuses.c.visibility,
            accounts.c.followers_count,
        )
        .join(accounts, accounts.c.id == statuses.c.account_id)
        .where(statuses.c.id == status_id)
    )
    return (await conn.execute(query)).mappings().first()


async def mentioned_ids(conn: AsyncConnection, status_id: int) -> list[int]:
    query = select(mentions.c.account_id).where(mentions.c.status_id == status_id)
    return list((await conn.execute(query)).scalars())


async def relations(conn: AsyncConnection, viewer_id: int) -> list[tuple[str, int, bool]]:
    """Everything the read-time filter needs about the viewer, in one query:
    follows (with show_reblogs), mutes, blocks, and who blocks the viewer."""
    true = literal(True, Boolean)
    query = union_all(
        select(literal(RELATION_FOLLOWS), follows.c.target_account_id, follows.c.show_reblogs)
        .where(follows.c.account_id == viewer_id),
        select(literal(RELATION_MUTES), mutes.c.target_account_id, true)
        .where(mutes.c.account_id == viewer_id),
        select(literal(RELATION_BLOCKS), blocks.c.target_account_id, true)
        .where(blocks.c.account_id == viewer_id),
        select(literal(RELATION_BLOCKED_BY), blocks.c.account_id, true)
        .where(blocks.c.target_account_id == viewer_id),
    )  # fmt: skip
    return [(row[0], row[1], bool(row[2])) for row in await conn.execute(query)]


async def pull_author_ids(conn: AsyncConnection, *, more_followers_than: int) -> set[int]:
    query = select(accounts.c.id).where(accounts.c.followers_count > more_followers_than)
    return set((await conn.execute(query)).scalars())


async def recent_status_ids(
    conn: AsyncConnection, author_ids: Sequence[int], *, limit: int
) -> dict[int, list[int]]:
    """The newest ``limit`` status ids of each author (one range scan each), newest first."""
    result: dict[int, list[int]] = {author: [] for author in author_ids}
    if not author_ids:
        return result
    parts = [
        select(statuses.c.account_id, statuses.c.id)
        .where(statuses.c.account_id == author)
        .order_by(statuses.c.id.desc())
        .limit(limit)
        .subquery()
        for author in author_ids
    ]
    query = union_all(*(select(part) for part in parts))
    for author, status_id in await conn.execute(query):
        result[author].append(status_id)
    for ids in result.values():
        ids.sort(reverse=True)
    return result


async def viewer_flags(
    conn: AsyncConnection, viewer_id: int, status_ids: Sequence[int]
) -> tuple[set[int], set[int]]:
    """(favourited, reblogged) among ``status_ids``, in one query."""
    if not status_ids:
        return set(), set()
    ids = set(status_ids)
    query = union_all(
        select(literal("f"), favourites.c.status_id).where(
            favourites.c.account_id == viewer_id, favourites.c.status_id.in_(ids)
        ),
        select(literal("r"), statuses.c.reblog_of_id).where(
            statuses.c.account_id == viewer_id, statuses.c.reblog_of_id.in_(ids)
        ),
    )
    favourited: set[int] = set()
    reblogged: set[int] = set()
    for kind, status_id in await conn.execute(query):
        (favourited if kind == "f" else reblogged).add(status_id)
    return favourited, reblogged


async def recent_flags(
    conn: AsyncConnection, viewer_id: int, *, limit: int
) -> tuple[list[int], list[int]]:
    """(favourited, reblogged) status ids of the viewer, the newest ``limit`` of each by
    status id, newest first, in one query (two range scans on the unique indexes)."""
    favourited_part = (
        select(literal("f").label("kind"), favourites.c.status_id.label("status_id"))
        .where(favourites.c.account_id == viewer_id)
        .order_by(favourites.c.status_id.desc())
        .limit(limit)
        .subquery()
    )
    reblogged_part = (
        select(literal("r").label("kind"), statuses.c.reblog_of_id.label("status_id"))
        .where(statuses.c.account_id == viewer_id, statuses.c.reblog_of_id.is_not(None))
        .order_by(statuses.c.reblog_of_id.desc())
        .limit(limit)
        .subquery()
    )
    query = union_all(select(favourited_part), select(reblogged_part))
    favourited: list[int] = []
    reblogged: list[int] = []
    for kind, status_id in await conn.execute(query):
        (favourited if kind == "f" else reblogged).append(status_id)
    favourited.sort(reverse=True)
    reblogged.sort(reverse=True)
    return favourited, reblogged


async def home_candidate_ids(conn: AsyncConnection, *, viewer_id: int, page: Page) -> list[int]:
    """What a rebuild stores: the reference home query without its reply rule (applied
    at read time), newest first."""
    rows = await queries.home_timeline(conn, viewer_id=viewer_id, page=page, reply_filter=False)
    return [row["id"] for row in rows]


async def account_ids_page(conn: AsyncConnection, *, after_id: int, limit: int) -> list[int]:
    query = (
        select(accounts.c.id).where(accounts.c.id > after_id).order_by(accounts.c.id).limit(limit)
    )
    return list((await conn.execute(query)).scalars())


async def count_accounts(conn: AsyncConnection) -> int:
    from sqlalchemy import func

    return int((await conn.execute(select(func.count()).select_from(accounts))).scalar_one())


async def mark_active(conn: AsyncConnection, account_id: int, now: datetime) -> Any:
    """Record a request; returns the previous ``last_active_at``."""
    previous = (
        await conn.execute(select(accounts.c.last_active_at).where(accounts.c.id == account_id))
    ).scalar()
    await conn.execute(
        update(accounts).where(and_(accounts.c.id == account_id)).values(last_active_at=now)
    )
    return previous
