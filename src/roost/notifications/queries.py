"""SQL for notifications and markers: statements only, no rules."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, exists, func, or_, select, update
from sqlalchemy.engine import RowMapping
from sqlalchemy.ext.asyncio import AsyncConnection

from roost.accounts.schema import blocks, follows, mutes
from roost.db.dialect import insert_ignore
from roost.db.paging import Page, in_page_order, paginate
from roost.notifications.schema import markers, notifications
from roost.statuses.schema import mentions, statuses
from roost.statuses.visibility import visible_to

n = notifications


@dataclass(frozen=True)
class Filter:
    """Which of an account's notifications a list or a count looks at."""

    types: frozenset[str] | None = None  # None: every type
    exclude_types: frozenset[str] = frozenset()
    from_account_id: int | None = None


def activity_key(kind: str, from_account_id: int, status_id: int | None) -> str:
    """One notification per (type, actor, status): a redelivered event collides on it."""
    return f"{kind}:{from_account_id}:{status_id or 0}"


# --- writes ------------------------------------------------------------------------------


async def insert_notifications(
    conn: AsyncConnection, dialect: str, rows: Sequence[dict[str, Any]]
) -> list[tuple[int, int]]:
    """Insert rows, skipping those already there; (id, account_id) of the rows inserted."""
    if not rows:
        return []
    statement = insert_ignore(dialect, n).returning(n.c.id, n.c.account_id)
    inserted: list[tuple[int, int]] = []
    for row in rows:  # one by one: RETURNING with executemany is not portable
        result = await conn.execute(statement.values(**row))
        inserted.extend((r[0], r[1]) for r in result.all())
    return inserted


async def delete_where(conn: AsyncConnection, *conditions: Any) -> list[tuple[int, int]]:
    """Delete the matching notifications; (id, account_id) of each row removed."""
    result = await conn.execute(delete(n).where(*conditions).returning(n.c.id, n.c.account_id))
    return [(row[0], row[1]) for row in result.all()]


async def delete_activity(
    conn: AsyncConnection, *, kind: str, from_account_id: int, status_id: int | None
) -> list[tuple[int, int]]:
    """Remove the notifications of one activity (whoever received them)."""
    return await delete_where(
        conn,
        n.c.type == kind,
        n.c.activity_key == activity_key(kind, from_account_id, status_id),
    )


async def delete_keys(
    conn: AsyncConnection, *, account_id: int, keys: Sequence[str]
) -> list[tuple[int, int]]:
    """Remove the recipient's notifications of the given activities."""
    return await delete_where(conn, n.c.account_id == account_id, n.c.activity_key.in_(keys))


async def delete_about_status(conn: AsyncConnection, status_id: int) -> list[tuple[int, int]]:
    return await delete_where(conn, n.c.status_id == status_id)


async def delete_one(conn: AsyncConnection, *, account_id: int, notification_id: int) -> bool:
    result = await conn.execute(
        delete(n).where(n.c.id == notification_id, n.c.account_id == account_id)
    )
    return bool(result.rowcount)


async def delete_all(conn: AsyncConnection, account_id: int) -> list[int]:
    result = await conn.execute(delete(n).where(n.c.account_id == account_id).returning(n.c.id))
    return [row[0] for row in result.all()]


# --- facts the rules need ----------------------------------------------------------------


async def suppressed_recipients(
    conn: AsyncConnection, *, from_account_id: int, recipients: Iterable[int]
) -> set[int]:
    """Recipients who must not hear from the actor: a block either way, or a mute that
    hides notifications."""
    ids = set(recipients)
    if not ids:
        return set()
    blocking = select(blocks.c.account_id).where(
        blocks.c.account_id.in_(ids), blocks.c.target_account_id == from_account_id
    )
    blocked = select(blocks.c.target_account_id).where(
        blocks.c.account_id == from_account_id, blocks.c.target_account_id.in_(ids)
    )
    muting = select(mutes.c.account_id).where(
        mutes.c.account_id.in_(ids),
        mutes.c.target_account_id == from_account_id,
        mutes.c.hide_notifications.is_(True),
    )
    result = await conn.execute(blocking.union(blocked, muting))
    return {row[0] for row in result.all()}


async def mentioned_account_ids(conn: AsyncConnection, status_id: int) -> list[int]:
    result = await conn.execute(
        select(mentions.c.account_id).where(mentions.c.status_id == status_id)
    )
    return [row[0] for row in result.all()]


async def notify_follower_ids(conn: AsyncConnection, account_id: int) -> list[int]:
    """Followers who asked to be notified when the account posts."""
    result = await conn.execute(
        select(follows.c.account_id).where(
            follows.c.target_account_id == account_id, follows.c.notify.is_(True)
        )
    )
    return [row[0] for row in result.all()]


# --- reads -------------------------------------------------------------------------------


def _status_still_there() -> Any:
    """Rows about a deleted status wait for the worker to remove them: never shown."""
    return or_(n.c.status_id.is_(None), exists().where(statuses.c.id == n.c.status_id))


def _filtered(account_id: int, chosen: Filter) -> list[Any]:
    conditions: list[Any] = [n.c.account_id == account_id, _status_still_there()]
    if chosen.types is not None:
        conditions.append(n.c.type.in_(sorted(chosen.types)))
    if chosen.exclude_types:
        conditions.append(n.c.type.not_in(sorted(chosen.exclude_types)))
    if chosen.from_account_id is not None:
        conditions.append(n.c.from_account_id == chosen.from_account_id)
    return conditions


def _still_shown(account_id: int) -> list[Any]:
    """SQL twin of the render-time rule: no block either way with the notifying account,
    and a status, if any, the recipient may still see (``visible_to``)."""
    blocked = exists().where(
        or_(
            (blocks.c.account_id == account_id)
            & (blocks.c.target_account_id == n.c.from_account_id),
            (blocks.c.account_id == n.c.from_account_id)
            & (blocks.c.target_account_id == account_id),
        )
    )
    visible = exists().where(statuses.c.id == n.c.status_id, visible_to(account_id))
    return [~blocked, or_(n.c.status_id.is_(None), visible)]


async def notifications_page(
    conn: AsyncConnection, account_id: int, chosen: Filter, page: Page
) -> list[RowMapping]:
    """One page of the account's notifications, newest first (index (account_id, id))."""
    query = paginate(select(n).where(*_filtered(account_id, chosen)), n.c.id, page)
    return in_page_order(list((await conn.execute(query)).mappings().all()), page)


async def find_notification(
    conn: AsyncConnection, *, account_id: int, notification_id: int
) -> RowMapping | None:
    query = select(n).where(
        n.c.id == notification_id, n.c.account_id == account_id, _status_still_there()
    )
    return (await conn.execute(query)).mappings().first()


async def count_above(
    conn: AsyncConnection, account_id: int, chosen: Filter, *, above_id: int, cap: int
) -> int:
    """How many notifications are newer than ``above_id``, counting at most ``cap``.

    Only those the list would show: the list leaves out, at render time, notifications
    from across a block and those whose status the recipient may no longer see
    (``entities.render_notifications``); a count that included them would leak them."""
    inner = (
        select(n.c.id)
        .where(*_filtered(account_id, chosen), n.c.id > above_id, *_still_shown(account_id))
        .order_by(n.c.id.desc())
        .limit(cap)
        .subquery()
    )
    return int((await conn.execute(select(func.count()).select_from(inner))).scalar_one())


# --- markers -----------------------------------------------------------------------------


async def find_markers(
    conn: AsyncConnection, account_id: int, timelines: Iterable[str]
) -> dict[str, RowMapping]:
    names = sorted(set(timelines))
    if not names:
        return {}
    query = select(markers).where(markers.c.account_id == account_id, markers.c.timeline.in_(names))
    return {row["timeline"]: row for row in (await conn.execute(query)).mappings().all()}


async def insert_marker(
    conn: AsyncConnection,
    dialect: str,
    *,
    account_id: int,
    timeline: str,
    last_read_id: int,
    now: datetime,
) -> bool:
    """Create a marker at version 0; False when one already exists."""
    statement = insert_ignore(dialect, markers).values(
        account_id=account_id,
        timeline=timeline,
        last_read_id=last_read_id,
        version=0,
        updated_at=now,
    )
    return bool((await conn.execute(statement)).rowcount)


async def move_marker(
    conn: AsyncConnection, *, account_id: int, timeline: str, last_read_id: int, now: datetime
) -> None:
    """Move an existing marker (a change bumps its version)."""
    await conn.execute(
        update(markers)
        .where(
            markers.c.account_id == account_id,
            markers.c.timeline == timeline,
            markers.c.last_read_id != last_read_id,
        )
        .values(last_read_id=last_read_id, version=markers.c.version + 1, updated_at=now)
    )
