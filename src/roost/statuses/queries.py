"""SQL for statuses, mentions, tags, favourites, reblogs and idempotency keys."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Select,
    case,
    delete,
    insert,
    literal,
    or_,
    select,
    true,
    update,
)
from sqlalchemy.engine import RowMapping
from sqlalchemy.ext.asyncio import AsyncConnection

from roost.accounts.graph_queries import excluded_ids_select
from roost.accounts.schema import accounts, blocks
from roost.db.dialect import insert_ignore
from roost.db.metadata import utcnow
from roost.db.paging import Page, in_page_order, paginate
from roost.ids import new_id
from roost.media.queries import status_has_media
from roost.oauth.schema import applications
from roost.statuses.schema import (
    favourites,
    idempotency_keys,
    mentions,
    status_tags,
    statuses,
    tags,
)
from roost.statuses.visibility import visible_to

ANCESTORS_LIMIT = 40
DESCENDANTS_LIMIT = 4096


# --- loading -------------------------------------------------------------------------------


async def find_status(conn: AsyncConnection, status_id: int) -> RowMapping | None:
    query = select(statuses).where(statuses.c.id == status_id)
    return (await conn.execute(query)).mappings().first()


async def find_visible_status(
    conn: AsyncConnection, status_id: int, viewer_account_id: int | None
) -> RowMapping | None:
    query = select(statuses).where(statuses.c.id == status_id, visible_to(viewer_account_id))
    return (await conn.execute(query)).mappings().first()


async def find_statuses(conn: AsyncConnection, status_ids: Iterable[int]) -> dict[int, RowMapping]:
    ids = set(status_ids)
    if not ids:
        return {}
    rows = (await conn.execute(select(statuses).where(statuses.c.id.in_(ids)))).mappings().all()
    return {row["id"]: row for row in rows}


async def find_visible_statuses(
    conn: AsyncConnection, status_ids: Iterable[int], viewer_account_id: int
) -> dict[int, RowMapping]:
    """The statuses among ``status_ids`` the viewer may see now (``visible_to``)."""
    ids = set(status_ids)
    if not ids:
        return {}
    query = select(statuses).where(statuses.c.id.in_(ids), visible_to(viewer_account_id))
    rows = (await conn.execute(query)).mappings().all()
    return {row["id"]: row for row in rows}


async def mentioned_accounts(
    conn: AsyncConnection, status_ids: Sequence[int]
) -> dict[int, list[RowMapping]]:
    """Mentioned accounts per status, in the order the mentions were written."""
    if not status_ids:
        return {}
    query = (
        select(mentions.c.status_id, accounts.c.id, accounts.c.username)
        .join(accounts, accounts.c.id == mentions.c.account_id)
        .where(mentions.c.status_id.in_(set(status_ids)))
        .order_by(mentions.c.id)
    )
    result: dict[int, list[RowMapping]] = defaultdict(list)
    for row in (await conn.execute(query)).mappings():
        result[row["status_id"]].append(row)
    return result


async def tag_names(conn: AsyncConnection, status_ids: Sequence[int]) -> dict[int, list[str]]:
    if not status_ids:
        return {}
    query = (
        select(status_tags.c.status_id, tags.c.name)
        .join(tags, tags.c.id == status_tags.c.tag_id)
        .where(status_tags.c.status_id.in_(set(status_ids)))
        .order_by(tags.c.name_key)
    )
    result: dict[int, list[str]] = defaultdict(list)
    for row in (await conn.execute(query)).mappings():
        result[row["status_id"]].append(row["name"])
    return result


async def find_applications(
    conn: AsyncConnection, application_ids: Iterable[int]
) -> dict[int, RowMapping]:
    ids = set(application_ids)
    if not ids:
        return {}
    query = select(applications.c.id, applications.c.name, applications.c.website).where(
        applications.c.id.in_(ids)
    )
    return {row["id"]: row for row in (await conn.execute(query)).mappings()}


async def favourited_status_ids(
    conn: AsyncConnection, account_id: int, status_ids: Sequence[int]
) -> set[int]:
    if not status_ids:
        return set()
    query = select(favourites.c.status_id).where(
        favourites.c.account_id == account_id, favourites.c.status_id.in_(set(status_ids))
    )
    return set((await conn.execute(query)).scalars())


async def reblogged_status_ids(
    conn: AsyncConnection, account_id: int, status_ids: Sequence[int]
) -> set[int]:
    if not status_ids:
        return set()
    query = select(statuses.c.reblog_of_id).where(
        statuses.c.account_id == account_id, statuses.c.reblog_of_id.in_(set(status_ids))
    )
    return set((await conn.execute(query)).scalars())


async def find_reblog(conn: AsyncConnection, account_id: int, status_id: int) -> RowMapping | None:
    query = select(statuses).where(
        statuses.c.account_id == account_id, statuses.c.reblog_of_id == status_id
    )
    return (await conn.execute(query)).mappings().first()


async def is_blocking(conn: AsyncConnection, *, account_id: int, target_account_id: int) -> bool:
    query = select(blocks.c.id).where(
        blocks.c.account_id == account_id, blocks.c.target_account_id == target_account_id
    )
    return (await conn.execute(query)).first() is not None


# --- creating ------------------------------------------------------------------------------


async def claim_idempotency_key(
    conn: AsyncConnection, dialect: str, *, account_id: int, key: str, status_id: int
) -> int:
    """Record key → status_id unless the key is taken; returns the status id the key holds.

    On PostgreSQL a concurrent transaction holding the same key makes this wait for it,
    and then see its committed row (ON CONFLICT DO NOTHING, then a fresh read).
    """
    inserted = (
        await conn.execute(
            insert_ignore(dialect, idempotency_keys)
            .values(account_id=account_id, key=key, status_id=status_id, created_at=utcnow())
            .returning(idempotency_keys.c.status_id)
        )
    ).first()
    if inserted is not None:
        return status_id
    query = select(idempotency_keys.c.status_id).where(
        idempotency_keys.c.account_id == account_id, idempotency_keys.c.key == key
    )
    stored: int = (await conn.execute(query)).scalar_one()
    return stored


async def insert_status(conn: AsyncConnection, **values: Any) -> None:
    await conn.execute(insert(statuses).values(**values))


async def insert_reblog(
    conn: AsyncConnection,
    dialect: str,
    *,
    account_id: int,
    status_id: int,
    visibility: str,
    application_id: int | None,
) -> int | None:
    """The new reblog's id, or None if the account had already reblogged the status."""
    reblog_id = new_id()
    inserted = (
        await conn.execute(
            insert_ignore(dialect, statuses)
            .values(
                id=reblog_id,
                account_id=account_id,
                reblog_of_id=status_id,
                visibility=visibility,
                application_id=application_id,
                created_at=utcnow(),
            )
            .returning(statuses.c.id)
        )
    ).first()
    return reblog_id if inserted is not None else None


async def insert_mentions(conn: AsyncConnection, status_id: int, account_ids: list[int]) -> None:
    if account_ids:
        await conn.execute(
            insert(mentions),
            [{"id": new_id(), "status_id": status_id, "account_id": a} for a in account_ids],
        )


async def link_tags(conn: AsyncConnection, dialect: str, status_id: int, names: list[str]) -> None:
    """Create missing tags (first spelling wins) and link them to the status."""
    if not names:
        return
    await conn.execute(
        insert_ignore(dialect, tags),
        [
            {"id": new_id(), "name": name, "name_key": name.lower(), "created_at": utcnow()}
            for name in names
        ],
    )
    keys = {name.lower() for name in names}
    tag_ids = (await conn.execute(select(tags.c.id).where(tags.c.name_key.in_(keys)))).scalars()
    await conn.execute(
        insert_ignore(dialect, status_tags),
        [{"tag_id": tag_id, "status_id": status_id} for tag_id in tag_ids],
    )


# --- counters ------------------------------------------------------------------------------


async def add_to_status_counter(
    conn: AsyncConnection, status_id: int, column: str, delta: int
) -> None:
    counter = statuses.c[column]
    value = counter + delta if delta > 0 else _floored(counter, delta)
    await conn.execute(update(statuses).where(statuses.c.id == status_id).values({column: value}))


async def add_to_statuses_count(
    conn: AsyncConnection,
    account_ids: Sequence[int],
    delta: int,
    *,
    last_status_at: datetime | None = None,
) -> None:
    if not account_ids:
        return
    values: dict[str, Any] = {
        "statuses_count": (
            accounts.c.statuses_count + delta
            if delta > 0
            else _floored(accounts.c.statuses_count, delta)
        )
    }
    if last_status_at is not None:
        values["last_status_at"] = last_status_at
    await conn.execute(update(accounts).where(accounts.c.id.in_(account_ids)).values(values))


def _floored(column: ColumnElement[int], delta: int) -> ColumnElement[int]:
    """``column + delta`` but never below zero (a counter drifting negative helps no one)."""
    value = column + delta
    return case((value < 0, literal(0)), else_=value)


# --- favourites ----------------------------------------------------------------------------


async def insert_favourite(
    conn: AsyncConnection, dialect: str, *, account_id: int, status_id: int
) -> bool:
    inserted = (
        await conn.execute(
            insert_ignore(dialect, favourites)
            .values(id=new_id(), account_id=account_id, status_id=status_id, created_at=utcnow())
            .returning(favourites.c.id)
        )
    ).first()
    return inserted is not None


async def delete_favourite(conn: AsyncConnection, *, account_id: int, status_id: int) -> bool:
    deleted = (
        await conn.execute(
            delete(favourites)
            .where(favourites.c.account_id == account_id, favourites.c.status_id == status_id)
            .returning(favourites.c.id)
        )
    ).first()
    return deleted is not None


# --- deleting ------------------------------------------------------------------------------


async def delete_reblogs_of(conn: AsyncConnection, status_id: int) -> list[tuple[int, int]]:
    """Delete every reblog of a status; returns (reblog id, account id) of each removed."""
    query = delete(statuses).where(statuses.c.reblog_of_id == status_id)
    rows = await conn.execute(query.returning(statuses.c.id, statuses.c.account_id))
    return [(row[0], row[1]) for row in rows]


async def delete_status_row(conn: AsyncConnection, status_id: int) -> bool:
    """Delete one status and what hangs off it; False if another request deleted it first."""
    await conn.execute(delete(favourites).where(favourites.c.status_id == status_id))
    await conn.execute(delete(mentions).where(mentions.c.status_id == status_id))
    await conn.execute(delete(status_tags).where(status_tags.c.status_id == status_id))
    deleted = (
        await conn.execute(
            delete(statuses).where(statuses.c.id == status_id).returning(statuses.c.id)
        )
    ).first()
    return deleted is not None


# --- lists ---------------------------------------------------------------------------------


async def ancestors(
    conn: AsyncConnection, status: RowMapping, viewer_account_id: int | None
) -> list[RowMapping]:
    """Visible ancestors of a status, oldest first (the nearest ``ANCESTORS_LIMIT``)."""
    if status["in_reply_to_id"] is None:
        return []
    parent = statuses.alias("parent")
    chain = (
        select(statuses.c.id, statuses.c.in_reply_to_id, literal(1).label("depth"))
        .where(statuses.c.id == status["in_reply_to_id"])
        .cte("ancestors", recursive=True)
    )
    chain = chain.union_all(
        select(parent.c.id, parent.c.in_reply_to_id, (chain.c.depth + 1).label("depth")).where(
            parent.c.id == chain.c.in_reply_to_id, chain.c.depth < ANCESTORS_LIMIT
        )
    )
    query = (
        select(statuses)
        .join(chain, chain.c.id == statuses.c.id)
        .where(visible_to(viewer_account_id))
        .order_by(statuses.c.id)
    )
    return list((await conn.execute(query)).mappings().all())


async def descendants(
    conn: AsyncConnection, status: RowMapping, viewer_account_id: int | None
) -> list[RowMapping]:
    """Visible replies to a status, in thread (depth-first, oldest branch first) order.

    The recursive CTE walks every reply below the status; hidden replies are kept for
    the walk, so that visible replies below an invisible one keep their place.
    """
    child = statuses.alias("child")
    tree = (
        select(statuses.c.id, statuses.c.in_reply_to_id)
        .where(statuses.c.in_reply_to_id == status["id"])
        .cte("descendants", recursive=True)
    )
    tree = tree.union_all(
        select(child.c.id, child.c.in_reply_to_id).where(child.c.in_reply_to_id == tree.c.id)
    )
    query = (
        select(statuses, visible_to(viewer_account_id).label("roost_visible"))
        .join(tree, tree.c.id == statuses.c.id)
        .order_by(statuses.c.id)
        .limit(DESCENDANTS_LIMIT)
    )
    rows = (await conn.execute(query)).mappings().all()
    children: dict[int, list[RowMapping]] = defaultdict(list)
    for row in rows:
        children[row["in_reply_to_id"]].append(row)
    ordered: list[RowMapping] = []
    stack = list(reversed(children.get(status["id"], [])))
    while stack:
        row = stack.pop()
        if row["roost_visible"]:
            ordered.append(row)
        stack.extend(reversed(children.get(row["id"], [])))
    return ordered


async def account_statuses(
    conn: AsyncConnection,
    *,
    account_id: int,
    viewer_account_id: int | None,
    page: Page,
    exclude_replies: bool,
    exclude_reblogs: bool,
    tagged: str | None,
    only_media: bool = False,
) -> list[RowMapping]:
    query: Select[Any] = select(statuses).where(
        statuses.c.account_id == account_id, visible_to(viewer_account_id)
    )
    if only_media:
        query = query.where(status_has_media(statuses.c.id))
    if exclude_replies:
        query = query.where(
            or_(
                statuses.c.in_reply_to_id.is_(None),
                statuses.c.in_reply_to_account_id == account_id,
            )
        )
    if exclude_reblogs:
        query = query.where(statuses.c.reblog_of_id.is_(None))
    if tagged is not None:
        tagged_ids = (
            select(status_tags.c.status_id)
            .join(tags, tags.c.id == status_tags.c.tag_id)
            .where(tags.c.name_key == tagged.lower())
        )
        query = query.where(statuses.c.id.in_(tagged_ids))
    rows = (await conn.execute(paginate(query, statuses.c.id, page))).mappings().all()
    return in_page_order(list(rows), page)


async def favourited_statuses(
    conn: AsyncConnection, *, account_id: int, page: Page
) -> list[tuple[int, RowMapping]]:
    """(favourite id, status row) pairs of the account's favourites it can still see."""
    query = (
        select(favourites.c.id.label("roost_favourite_id"), statuses)
        .join(statuses, statuses.c.id == favourites.c.status_id)
        .where(favourites.c.account_id == account_id, visible_to(account_id))
    )
    rows = (await conn.execute(paginate(query, favourites.c.id, page))).mappings().all()
    return [(row["roost_favourite_id"], row) for row in in_page_order(list(rows), page)]


def _not_hidden_from(viewer_id: int | None) -> ColumnElement[bool]:
    """The listed account is not blocked either way nor muted by the viewer (as Mastodon's
    ``not_excluded_by_account`` and Roost's follower lists)."""
    if viewer_id is None:
        return true()
    return accounts.c.id.not_in(excluded_ids_select(viewer_id))


async def favouriting_accounts(
    conn: AsyncConnection, *, status_id: int, page: Page, viewer_id: int | None = None
) -> list[tuple[int, RowMapping]]:
    query = (
        select(favourites.c.id.label("roost_cursor"), accounts)
        .join(accounts, accounts.c.id == favourites.c.account_id)
        .where(favourites.c.status_id == status_id, _not_hidden_from(viewer_id))
    )
    rows = (await conn.execute(paginate(query, favourites.c.id, page))).mappings().all()
    return [(row["roost_cursor"], row) for row in in_page_order(list(rows), page)]


async def reblogging_accounts(
    conn: AsyncConnection, *, status_id: int, page: Page, viewer_id: int | None = None
) -> list[tuple[int, RowMapping]]:
    """Who reblogged the status openly: a followers-only reblog is not announced to everyone
    (Mastodon lists public and unlisted reblogs only)."""
    reblog = statuses.alias("reblog")
    query = (
        select(reblog.c.id.label("roost_cursor"), accounts)
        .join(accounts, accounts.c.id == reblog.c.account_id)
        .where(
            reblog.c.reblog_of_id == status_id,
            reblog.c.visibility.in_(("public", "unlisted")),
            _not_hidden_from(viewer_id),
        )
    )
    rows = (await conn.execute(paginate(query, reblog.c.id, page))).mappings().all()
    return [(row["roost_cursor"], row) for row in in_page_order(list(rows), page)]
