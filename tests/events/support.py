"""Look at what the write paths put on the bus, on either deployment."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from roost.events.outbox import Event
from roost.events.schema import outbox
from roost.events.store import event_from_row
from roost.events.streams import EVENT_FIELD


async def bus_events(app: Any) -> list[Event]:
    """Every event published so far: the stream when scaled out, the outbox when embedded."""
    state = app.state.roost
    if state.redis is None:
        async with state.db.read() as conn:
            rows = (await conn.execute(select(outbox).order_by(outbox.c.id))).mappings()
            return [event_from_row(row) for row in rows]
    entries = await state.redis.xrange(state.keys.events_stream())
    return [Event.decode(fields[EVENT_FIELD]) for _, fields in entries]


async def outbox_rows(app: Any) -> list[dict[str, Any]]:
    async with app.state.roost.db.read() as conn:
        return [dict(row) for row in (await conn.execute(select(outbox))).mappings()]


def kinds(events: list[Event]) -> list[str]:
    return [event.kind for event in events]
