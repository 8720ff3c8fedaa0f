"""SQL for media attachments. Statements only; the rules live in ``service``."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import ColumnElement, delete, exists, or_, select, update
from sqlalchemy.engine import RowMapping
from sqlalchemy.ext.asyncio import AsyncConnection

from roost.media.schema import media_attachments as media

READY = "ready"
PROCESSING = "processing"
FAILED = "failed"


async def insert_media(conn: AsyncConnection, **values: Any) -> None:
    await conn.execute(media.insert().values(**values))


async def find_media(conn: AsyncConnection, media_id: int) -> RowMapping | None:
    query = select(media).where(media.c.id == media_id)
    return (await conn.execute(query)).mappings().first()


async def update_unattached(
    conn: AsyncConnection, *, media_id: int, account_id: int, values: dict[str, Any]
) -> bool:
    """Change an uploader's own unattached attachment; False when there is no such row."""
    query = (
        update(media)
        .where(
            media.c.id == media_id,
            media.c.account_id == account_id,
            media.c.status_id.is_(None),
        )
        .values(**values)
    )
    return (await conn.execute(query)).rowcount == 1


async def finish_processing(
    conn: AsyncConnection, *, media_id: int, values: dict[str, Any]
) -> bool:
    """Store the worker's results, once: only a row still processing changes."""
    query = (
        update(media).where(media.c.id == media_id, media.c.state == PROCESSING).values(**values)
    )
    return (await conn.execute(query)).rowcount == 1


async def uploader_media(
    conn: AsyncConnection, *, account_id: int, media_ids: Sequence[int]
) -> dict[int, RowMapping]:
    query = select(media).where(media.c.account_id == account_id, media.c.id.in_(list(media_ids)))
    return {row["id"]: row for row in (await conn.execute(query)).mappings()}


async def attach(
    conn: AsyncConnection, *, status_id: int, account_id: int, media_ids: Sequence[int]
) -> int:
    """Attach ready, unattached media of the account in the given order; rows changed.

    Each UPDATE re-checks ``status_id IS NULL``, so two statuses racing for the same
    attachment cannot both get it (the loser sees fewer rows changed and rolls back).
    """
    changed = 0
    for position, media_id in enumerate(media_ids):
        query = (
            update(media)
            .where(
                media.c.id == media_id,
                media.c.account_id == account_id,
                media.c.status_id.is_(None),
                media.c.state == READY,
            )
            .values(status_id=status_id, position=position)
        )
        changed += (await conn.execute(query)).rowcount
    return changed


async def media_of_statuses(
    conn: AsyncConnection, status_ids: Sequence[int]
) -> dict[int, list[RowMapping]]:
    """Attachments per status, in the order they were attached: one query for a page."""
    if not status_ids:
        return {}
    query = (
        select(media)
        .where(media.c.status_id.in_(set(status_ids)))
        .order_by(media.c.status_id, media.c.position, media.c.id)
    )
    found: dict[int, list[RowMapping]] = {}
    for row in (await conn.execute(query)).mappings():
        found.setdefault(row["status_id"], []).append(row)
    return found


def status_has_media(status_id: ColumnElement[Any]) -> ColumnElement[bool]:
    """SQL: the status (column) has at least one attachment (``only_media`` filters)."""
    return exists().where(media.c.status_id == status_id)


async def delete_media(
    conn: AsyncConnection, *, status_id: int | None = None, account_id: int | None = None
) -> list[RowMapping]:
    """Delete the attachments of a status (or every attachment of an account); the rows."""
    if status_id is not None:
        condition = media.c.status_id == status_id
    else:
        condition = media.c.account_id == account_id
    rows = list((await conn.execute(select(media).where(condition))).mappings())
    if rows:
        await conn.execute(delete(media).where(media.c.id.in_([row["id"] for row in rows])))
    return rows


async def keys_in_use(conn: AsyncConnection, keys: Sequence[str]) -> set[str]:
    """The storage keys some remaining attachment still points at (content is shared)."""
    if not keys:
        return set()
    wanted = list(set(keys))
    query = select(media.c.file_key, media.c.small_key).where(
        or_(media.c.file_key.in_(wanted), media.c.small_key.in_(wanted))
    )
    used: set[str] = set()
    for row in await conn.execute(query):
        used.update(key for key in row if key in wanted)
    return used
