"""Record an event in the caller's transaction (the write half of commit-then-publish)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import orjson
from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncConnection

from roost.db.database import remember_after_commit
from roost.db.metadata import utcnow
from roost.events.schema import outbox
from roost.ids import new_id


@dataclass(frozen=True)
class Event:
    """One state change others must hear about. ``payload`` holds ids, never rendered data."""

    id: int
    kind: str
    payload: dict[str, Any]
    created_at: datetime = field(default_factory=utcnow)

    def encode(self) -> bytes:
        return orjson.dumps(
            {"id": self.id, "kind": self.kind, "payload": self.payload,
             "created_at": self.created_at.isoformat()}
        )  # fmt: skip

    @classmethod
    def decode(cls, data: bytes | str) -> Event:
        raw = orjson.loads(data)
        return cls(
            id=int(raw["id"]),
            kind=raw["kind"],
            payload=raw["payload"],
            created_at=datetime.fromisoformat(raw["created_at"]),
        )


async def record_event(conn: AsyncConnection, *, kind: str, payload: dict[str, Any]) -> Event:
    """Insert the event into the outbox inside the caller's (still open) transaction.

    The event is also remembered on the connection, so that ``Database.write`` hands it
    to the publisher once (and only if) the transaction commits.
    """
    event = Event(id=new_id(), kind=kind, payload=payload)
    await conn.execute(
        insert(outbox).values(
            id=event.id,
            kind=event.kind,
            payload=orjson.dumps(event.payload).decode(),
            created_at=event.created_at,
        )
    )
    remember_after_commit(conn, event)
    return event
