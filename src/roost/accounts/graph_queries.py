"""SQL for the social graph: follows, follow requests, blocks, mutes and their counters.

Public helpers other domains use (all SQL only, all inside the caller's transaction):

- ``blocked_either_way(conn, a, b)``: does a block b or b block a?
- ``blocked_among(conn, account_id, others)``: which of ``others`` block or are blocked by
  ``account_id`` (one query for a whole set, e.g. the authors in a thread).
- ``is_blocking(conn, account_id, target_id)``: one direction only.
- ``is_following(conn, follower_id, followed_id)``.
- ``following_ids(conn, account_id)`` / ``follower_ids(conn, account_id)``: sets of ids.
- ``muted_ids(conn, account_id)``: accounts ``account_id`` mutes.
- ``excluded_ids(conn, account_id)``: blocked, blocking or muted accounts, the ones to
  leave out of that account's timelines (Mastodon's ``excluded_from_timeline_account_ids``).
- ``following_ids_select(account_id)`` / ``excluded_ids_select(account_id)``: the same as
  sub-selects, to embed in another query (``WHERE statuses.account_id IN (...)``) so that
  a timeline page stays one round trip.
- ``count_follow_requests(conn, account_id)``: pending requests to ``account_id``.

Write helpers return whether a row really changed, so that callers change
counters only then (a retried request changes nothing).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import (
    ColumnElement,
    CompoundSelect,
    Select,
    Table,
    and_,
    delete,
    exists,
    false,
    func,
    literal_column,
    or_,
    select,
    union,
    union_all,
    update,
)
from sqlalchemy.engine import RowMapping
from sqlalchemy.ext.asyncio import AsyncConnection

from roost.accounts.relationships import Edge, EdgeKind
from roost.accounts.schema import accounts, blocks, follow_requests, follows, mutes
from roost.db.dialect import insert_ignore
from roost.db.metadata import utcnow
from roost.db.paging import Page, in_page_order, paginate
from roost.ids import new_id

# --- reads other domains use -------------------------------------------------------------


async def blocked_either_way(conn: AsyncConnection, a: int, b: int) -> bool:
    """True when ``a`` blocks ``b`` or ``b`` blocks ``a``."""
    query = select(
        exists().where(
            or_(
                and_(blocks.c.account_id == a, blocks.c.target_account_id == b),
                and_(blocks.c.account_id == b, blocks.c.target_account_id == a),
            )
        )
    )
    return bool((await conn.execute(query)).scalar())


async def blocked_among(conn: AsyncConnection, account_id: int, others: Iterable[int]) -> set[int]:
    """The ids in ``others`` that block ``account_id`` or that ``account_id`` blocks."""
    ids = set(others)
    if not ids:
        return set()
    query = union(
        select(blocks.c.target_account_id).where(
            blocks.c.account_id == account_id, blocks.c.target_account_id.in_(ids)
        ),
        select(blocks.c.account_id).where(
            blocks.c.target_account_id == account_id, blocks.c.account_id.in_(ids)
        ),
    )
    return set((await conn.execute(query)).scalars().all())


async def is_blocking(conn: AsyncConnection, account_id: int, target_id: int) -> bool:
    """True when ``account_id`` blocks ``target_id`` (one direction only)."""
    query = select(
        exists().where(blocks.c.account_id == account_id, blocks.c.target_account_id == target_id)
    )
    return bool((await conn.execute(query)).scalar())


async def is_following(conn: AsyncConnection, follower_id: int, followed_id: int) -> bool:
    query = select(
        exists().where(
            follows.c.account_id == follower_id, follows.c.target_account_id == followed_id
        )
    )
    return bool((await conn.execute(query)).scalar())


def following_ids_select(account_id: int) -> Select[Any]:
    """Sub-select of the ids ``account_id`` follows."""
    return select(follows.c.target_account_id).where(follows.c.account_id == account_id)


def excluded_ids_select(account_id: int) -> CompoundSelect:
    """Sub-select of the ids hidden from ``account_id``: blocked either way, or muted."""
    return union(
        select(blocks.c.target_account_id).where(blocks.c.account_id == account_id),
        select(blocks.c.account_id).where(blocks.c.target_account_id == account_id),
        select(mutes.c.target_account_id).where(mutes.c.account_id == account_id),
    )


async def following_ids(conn: AsyncConnection, account_id: int) -> set[int]:
    """Ids of the accounts ``account_id`` follows."""
    return set((await conn.execute(following_ids_select(account_id))).scalars().all())


async def follower_ids(conn: AsyncConnection, account_id: int) -> set[int]:
    """Ids of the accounts that follow ``account_id``."""
    query = select(follows.c.account_id).where(follows.c.target_account_id == account_id)
    return set((await conn.execute(query)).scalars().all())


async def muted_ids(conn: AsyncConnection, account_id: int) -> set[int]:
    query = select(mutes.c.target_account_id).where(mutes.c.account_id == account_id)
    return set((await conn.execute(query)).scalars().all())


async def excluded_ids(conn: AsyncConnection, account_id: int) -> set[int]:
    """Accounts blocked either way or muted by ``account_id``."""
    return set((await conn.execute(excluded_ids_select(account_id))).scalars().all())


async def count_follow_requests(conn: AsyncConnection, account_id: int) -> int:
    query = (
        select(func.count())
        .select_from(follow_requests)
        .where(follow_requests.c.target_account_id == account_id)
    )
    return int((await conn.execute(query)).scalar_one())


# --- relationships -----------------------------------------------------------------------


async def relationship_edges(
    conn: AsyncConnection, viewer_id: int, other_ids: Iterable[int]
) -> list[Edge]:
    """Every edge between the viewer and ``other_ids``, in one query (a UNION ALL)."""
    ids = set(other_ids)
    if not ids:
        return []

    def kind(value: EdgeKind) -> ColumnElement[Any]:
        return literal_column(f"'{value.value}'").label("kind")

    no = false()
    parts = [
        select(
            kind(EdgeKind.following),
            follows.c.target_account_id.label("other_id"),
            follows.c.show_reblogs.label("flag_a"),
            follows.c.notify.label("flag_b"),
        ).where(follows.c.account_id == viewer_id, follows.c.target_account_id.in_(ids)),
        select(kind(EdgeKind.followed_by), follows.c.account_id, no, no).where(
            follows.c.target_account_id == viewer_id, follows.c.account_id.in_(ids)
        ),
        select(
            kind(EdgeKind.requested),
            follow_requests.c.target_account_id,
            follow_requests.c.show_reblogs,
            follow_requests.c.notify,
        ).where(
            follow_requests.c.account_id == viewer_id,
            follow_requests.c.target_account_id.in_(ids),
        ),
        select(kind(EdgeKind.requested_by), follow_requests.c.account_id, no, no).where(
            follow_requests.c.target_account_id == viewer_id,
            follow_requests.c.account_id.in_(ids),
        ),
        select(kind(EdgeKind.blocking), blocks.c.target_account_id, no, no).where(
            blocks.c.account_id == viewer_id, blocks.c.target_account_id.in_(ids)
        ),
        select(kind(EdgeKind.blocked_by), blocks.c.account_id, no, no).where(
            blocks.c.target_account_id == viewer_id, blocks.c.account_id.in_(ids)
        ),
        select(
            kind(EdgeKind.muting), mutes.c.target_account_id, mutes.c.hide_notifications, no
        ).where(mutes.c.account_id == viewer_id, mutes.c.target_account_id.in_(ids)),
    ]
    rows = (await conn.execute(union_all(*parts))).all()
    return [Edge(row[0], int(row[1]), bool(row[2]), bool(row[3])) for row in rows]


# --- lists of accounts -------------------------------------------------------------------


def _not_hidden_from(viewer_id: int, account_column: Any) -> ColumnElement[bool]:
    """``account_column`` is neither blocked either way nor muted by the viewer."""
    return ~account_column.in_(excluded_ids_select(viewer_id))


async def _account_page(
    conn: AsyncConnection, query: Select[Any], cursor: Any, page: Page
) -> list[tuple[int, RowMapping]]:
    rows = (await conn.execute(paginate(query, cursor, page))).mappings().all()
    return [(row["cursor_id"], row) for row in in_page_order(list(rows), page)]


async def followers_page(
    conn: AsyncConnection, account_id: int, page: Page, viewer_id: int | None
) -> list[tuple[int, RowMapping]]:
    """(follow id, follower account row) newest follow first."""
    query = (
        select(follows.c.id.label("cursor_id"), accounts)
        .join(accounts, accounts.c.id == follows.c.account_id)
        .where(follows.c.target_account_id == account_id)
    )
    if viewer_id is not None and viewer_id != account_id:
        query = query.where(_not_hidden_from(viewer_id, follows.c.account_id))
    return await _account_page(conn, query, follows.c.id, page)


async def following_page(
    conn: AsyncConnection, account_id: int, page: Page, viewer_id: int | None
) -> list[tuple[int, RowMapping]]:
    """(follow id, followed account row) newest follow first."""
    query = (
        select(follows.c.id.label("cursor_id"), accounts)
        .join(accounts, accounts.c.id == follows.c.target_account_id)
        .where(follows.c.account_id == account_id)
    )
    if viewer_id is not None and viewer_id != account_id:
        query = query.where(_not_hidden_from(viewer_id, follows.c.target_account_id))
    return await _account_page(conn, query, follows.c.id, page)


async def _edge_page(
    conn: AsyncConnection, edges: Table, *, owner: str, listed: str, owner_id: int, page: Page
) -> list[tuple[int, RowMapping]]:
    """(edge id, account row at the ``listed`` end) for edges whose ``owner`` end is
    ``owner_id``, newest edge first."""
    query = (
        select(edges.c.id.label("cursor_id"), accounts)
        .join(accounts, accounts.c.id == edges.c[listed])
        .where(edges.c[owner] == owner_id)
    )
    return await _account_page(conn, query, edges.c.id, page)


async def blocks_page(
    conn: AsyncConnection, account_id: int, page: Page
) -> list[tuple[int, RowMapping]]:
    """(block id, blocked account row) newest block first."""
    return await _edge_page(
        conn, blocks, owner="account_id", listed="target_account_id", owner_id=account_id, page=page
    )


async def mutes_page(
    conn: AsyncConnection, account_id: int, page: Page
) -> list[tuple[int, RowMapping]]:
    """(mute id, muted account row) newest mute first."""
    return await _edge_page(
        conn, mutes, owner="account_id", listed="target_account_id", owner_id=account_id, page=page
    )


async def follow_requests_page(
    conn: AsyncConnection, account_id: int, page: Page
) -> list[tuple[int, RowMapping]]:
    """(request id, requesting account row) for requests to ``account_id``, newest first."""
    return await _edge_page(
        conn,
        follow_requests,
        owner="target_account_id",
        listed="account_id",
        owner_id=account_id,
        page=page,
    )


# --- writes ------------------------------------------------------------------------------


async def lock_accounts(conn: AsyncConnection, account_ids: Iterable[int]) -> dict[int, RowMapping]:
    """Read and row-lock accounts in id order (PostgreSQL; SQLite's writer lock covers it).

    Two accounts following each other at the same moment would otherwise update
    their counters in opposite orders and deadlock; a follow racing a block
    could otherwise slip past it.
    """
    query = (
        select(accounts)
        .where(accounts.c.id.in_(set(account_ids)))
        .order_by(accounts.c.id)
        .with_for_update()
    )
    rows = (await conn.execute(query)).mappings().all()
    return {row["id"]: row for row in rows}


async def find_follow(conn: AsyncConnection, account_id: int, target_id: int) -> RowMapping | None:
    query = select(follows).where(
        follows.c.account_id == account_id, follows.c.target_account_id == target_id
    )
    return (await conn.execute(query)).mappings().first()


async def find_follow_request(
    conn: AsyncConnection, account_id: int, target_id: int
) -> RowMapping | None:
    query = select(follow_requests).where(
        follow_requests.c.account_id == account_id,
        follow_requests.c.target_account_id == target_id,
    )
    return (await conn.execute(query)).mappings().first()


async def insert_follow(
    conn: AsyncConnection,
    dialect: str,
    account_id: int,
    target_id: int,
    *,
    show_reblogs: bool,
    notify: bool,
) -> bool:
    """Add the follow and bump both counters; False (and nothing changed) if it existed."""
    statement = insert_ignore(dialect, follows).values(
        id=new_id(),
        account_id=account_id,
        target_account_id=target_id,
        created_at=utcnow(),
        show_reblogs=show_reblogs,
        notify=notify,
    )
    inserted = (await conn.execute(statement)).rowcount == 1
    if inserted:
        await _change_follow_counters(conn, account_id, target_id, +1)
    return inserted


async def update_follow_options(
    conn: AsyncConnection,
    account_id: int,
    target_id: int,
    *,
    show_reblogs: bool | None,
    notify: bool | None,
) -> None:
    """Change reblogs/notify of an existing follow (None keeps a value)."""
    await _update_options(conn, follows, account_id, target_id, show_reblogs, notify)


async def update_follow_request_options(
    conn: AsyncConnection,
    account_id: int,
    target_id: int,
    *,
    show_reblogs: bool | None,
    notify: bool | None,
) -> None:
    """Change reblogs/notify of a pending follow request (None keeps a value)."""
    await _update_options(conn, follow_requests, account_id, target_id, show_reblogs, notify)


async def _update_options(
    conn: AsyncConnection,
    table: Table,
    account_id: int,
    target_id: int,
    show_reblogs: bool | None,
    notify: bool | None,
) -> None:
    values: dict[str, bool] = {}
    if show_reblogs is not None:
        values["show_reblogs"] = show_reblogs
    if notify is not None:
        values["notify"] = notify
    if not values:
        return
    await conn.execute(
        update(table)
        .where(table.c.account_id == account_id, table.c.target_account_id == target_id)
        .values(**values)
    )


async def delete_follow(conn: AsyncConnection, account_id: int, target_id: int) -> bool:
    """Remove the follow and lower both counters; False (and nothing changed) if absent."""
    statement = delete(follows).where(
        follows.c.account_id == account_id, follows.c.target_account_id == target_id
    )
    deleted = (await conn.execute(statement)).rowcount == 1
    if deleted:
        await _change_follow_counters(conn, account_id, target_id, -1)
    return deleted


async def _change_follow_counters(
    conn: AsyncConnection, account_id: int, target_id: int, delta: int
) -> None:
    await conn.execute(
        update(accounts)
        .where(accounts.c.id == account_id)
        .values(following_count=accounts.c.following_count + delta)
    )
    await conn.execute(
        update(accounts)
        .where(accounts.c.id == target_id)
        .values(followers_count=accounts.c.followers_count + delta)
    )


async def insert_follow_request(
    conn: AsyncConnection,
    dialect: str,
    account_id: int,
    target_id: int,
    *,
    show_reblogs: bool,
    notify: bool,
) -> bool:
    statement = insert_ignore(dialect, follow_requests).values(
        id=new_id(),
        account_id=account_id,
        target_account_id=target_id,
        created_at=utcnow(),
        show_reblogs=show_reblogs,
        notify=notify,
    )
    return (await conn.execute(statement)).rowcount == 1


async def delete_follow_request(conn: AsyncConnection, account_id: int, target_id: int) -> bool:
    statement = delete(follow_requests).where(
        follow_requests.c.account_id == account_id,
        follow_requests.c.target_account_id == target_id,
    )
    return (await conn.execute(statement)).rowcount == 1


async def insert_block(
    conn: AsyncConnection, dialect: str, account_id: int, target_id: int
) -> bool:
    statement = insert_ignore(dialect, blocks).values(
        id=new_id(), account_id=account_id, target_account_id=target_id, created_at=utcnow()
    )
    return (await conn.execute(statement)).rowcount == 1


async def delete_block(conn: AsyncConnection, account_id: int, target_id: int) -> bool:
    statement = delete(blocks).where(
        blocks.c.account_id == account_id, blocks.c.target_account_id == target_id
    )
    return (await conn.execute(statement)).rowcount == 1


async def upsert_mute(
    conn: AsyncConnection,
    dialect: str,
    account_id: int,
    target_id: int,
    *,
    hide_notifications: bool,
) -> bool:
    """Mute, or change whether an existing mute hides notifications; True if newly muted."""
    statement = insert_ignore(dialect, mutes).values(
        id=new_id(),
        account_id=account_id,
        target_account_id=target_id,
        created_at=utcnow(),
        hide_notifications=hide_notifications,
    )
    if (await conn.execute(statement)).rowcount == 1:
        return True
    await conn.execute(
        update(mutes)
        .where(mutes.c.account_id == account_id, mutes.c.target_account_id == target_id)
        .values(hide_notifications=hide_notifications)
    )
    return False


async def delete_mute(conn: AsyncConnection, account_id: int, target_id: int) -> bool:
    statement = delete(mutes).where(
        mutes.c.account_id == account_id, mutes.c.target_account_id == target_id
    )
    return (await conn.execute(statement)).rowcount == 1
