"""SQL over the outbox and dead-letter tables (no rules: the relay and drainer decide)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import orjson
from sqlalchemy import delete, func, insert, or_, select, update
from sqlalchemy.engine import RowMapping
from sqlalchemy.ext.asyncio import AsyncConnection

from roost.db.metadata import utcnow
from roost.events.outbox import Event
from roost.events.schema import dead_letters, outbox
from roost.ids import new_id


def event_from_row(row: RowMapping) -> Event:
    return Event(
        id=row["id"],
        kind=row["kind"],
        payload=orjson.loads(row["payload"]),
        created_at=row["created_at"],
        trace=orjson.loads(row["trace_context"]) if row.get("trace_context") else {},
    )


async def oldest_for_relay(
    conn: AsyncConnection, dialect: str, *, created_before: datetime, limit: int
) -> list[Event]:
    """The oldest events still in the outbox, locked so that concurrent relays skip them."""
    query = (
        select(outbox)
        .where(outbox.c.created_at <= created_before)
        .order_by(outbox.c.id)
        .limit(limit)
    )
    if dialect == "postgresql":
        query = query.with_for_update(skip_locked=True)
    rows = (await conn.execute(query)).mappings().all()
    return [event_from_row(row) for row in rows]


async def delete_events(conn: AsyncConnection, ids: Sequence[int]) -> int:
    if not ids:
        return 0
    result = await conn.execute(delete(outbox).where(outbox.c.id.in_(list(ids))))
    return int(result.rowcount or 0)


async def lease_due(
    conn: AsyncConnection,
    dialect: str,
    *,
    now: datetime,
    lease_until: datetime,
    limit: int,
    ignore_backoff: bool = False,
) -> list[tuple[Event, int]]:
    """Claim the oldest due events (and their attempts so far) until ``lease_until``."""
    query = select(outbox).order_by(outbox.c.id).limit(limit)
    if not ignore_backoff:
        query = query.where(or_(outbox.c.available_at.is_(None), outbox.c.available_at <= now))
    if dialect == "postgresql":
        query = query.with_for_update(skip_locked=True)
    rows = (await conn.execute(query)).mappings().all()
    if rows:
        await conn.execute(
            update(outbox)
            .where(outbox.c.id.in_([row["id"] for row in rows]))
            .values(available_at=lease_until)
        )
    return [(event_from_row(row), int(row["attempts"])) for row in rows]


async def record_failure(
    conn: AsyncConnection, event_id: int, *, error: str, retry_at: datetime
) -> None:
    await conn.execute(
        update(outbox)
        .where(outbox.c.id == event_id)
        .values(attempts=outbox.c.attempts + 1, last_error=error, available_at=retry_at)
    )


async def postpone(conn: AsyncConnection, event_ids: Sequence[int], *, retry_at: datetime) -> None:
    """Retry these events at ``retry_at`` without counting an attempt (a dependency was down)."""
    if event_ids:
        await conn.execute(
            update(outbox).where(outbox.c.id.in_(list(event_ids))).values(available_at=retry_at)
        )


async def move_to_dead_letters(conn: AsyncConnection, event: Event, *, error: str) -> None:
    """Keep the event and its last error for a human; it leaves the outbox."""
    await conn.execute(
        insert(dead_letters).values(
            id=new_id(),
            event_id=event.id,
            kind=event.kind,
            payload=orjson.dumps(event.payload).decode(),
            error=error,
            failed_at=utcnow(),
        )
    )
    await conn.execute(delete(outbox).where(outbox.c.id == event.id))


async def outbox_size(conn: AsyncConnection) -> int:
    return int((await conn.execute(select(func.count()).select_from(outbox))).scalar_one())


async def dead_letter_rows(conn: AsyncConnection) -> list[dict[str, Any]]:
    rows = (await conn.execute(select(dead_letters).order_by(dead_letters.c.id))).mappings()
    return [dict(row) for row in rows]
